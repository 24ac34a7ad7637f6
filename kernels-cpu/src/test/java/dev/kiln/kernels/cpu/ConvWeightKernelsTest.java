package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The channel-blocked weight gradient that skips the taps reading padding ({@link
 * DirectConvWeight#regions}) and copies its input in with register transposes ({@link
 * DirectConvWeightCopy}): against the reference loops and, bit for bit, against the same tiles
 * computing every tap at every position on the scalar copy (only zero terms are left out, in the
 * same order), with both register files' tiles, at every forced vector width.
 */
class ConvWeightKernelsTest {

    /**
     * {n, c, h, w, o, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups}: padding 0, 1
     * and 2, kernels 3 and 5, stride 2 on odd and even sizes, groups, widths off a tile and a vector,
     * out channels for each tile (3 × 3 at 16 registers: 32, 26; 4 × 2: 16; pairs of blocks: 32 in,
     * 16 out), images as small as the kernel's reach (one or two columns: both edges on one column).
     */
    private static final int[][] SHAPES = {
        {3, 16, 7, 7, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 7, 9, 26, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {2, 16, 6, 5, 16, 3, 3, 1, 1, 2, 2, 1, 1, 1},
        {2, 32, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {3, 16, 13, 11, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {2, 16, 14, 12, 33, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {2, 16, 9, 10, 26, 3, 3, 2, 2, 0, 0, 1, 1, 1},
        {2, 16, 11, 9, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        {1, 16, 9, 8, 16, 5, 5, 2, 2, 1, 1, 1, 1, 1},
        {2, 32, 8, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 2},
        {2, 24, 5, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 9, 9, 32, 3, 3, 1, 1, 2, 2, 2, 2, 1},
        {2, 16, 1, 1, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 2, 2, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {3, 16, 2, 3, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {1, 16, 4, 4, 32, 3, 3, 1, 1, 3, 3, 1, 1, 1},
        // stride 3 without padding: the last input rows and columns lie beyond every output's reach
        {2, 16, 11, 11, 32, 3, 3, 3, 3, 0, 0, 1, 1, 1},
        // several chunks of samples, the last shorter (sample-minor chunks: zeros elsewhere)
        {27, 16, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        // two blocks of 16 channels or more (dy interleaved by fours at 32 registers), out channels off a
        // tile of 4, stride 1 (consecutive taps), stride 2, dilation 2 and groups
        {3, 32, 9, 10, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 48, 11, 9, 21, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {2, 32, 9, 9, 12, 3, 3, 1, 1, 2, 2, 2, 2, 1},
        {2, 64, 6, 7, 24, 3, 3, 1, 1, 1, 1, 1, 1, 2},
        // a chunk of samples a task (DirectConvWeight.byChunks), the last chunk shorter: at both register files
        {500, 16, 6, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    };

    @Test
    void skippingPaddingMatchesTheReferenceAndEveryTapBitForBit() {
        var rng = new Generator(31);
        for (int[] g : SHAPES) {
            ConvShape s = ConvKernelsTest.shape(g);
            assertThat(DirectConvWeight.blocked(s)).as("blocked %s", s).isEqualTo(Simd.ENABLED);
            if (!Simd.ENABLED) {
                continue;
            }
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            Tensor ref = poisoned(wShape);
            REF.conv2dBackwardWeight(ref, dy, x, s);
            for (boolean wide : new boolean[] {true, false}) {
                String what = "conv2d weight grad " + s + (wide ? ", 32" : ", 16") + " registers' tiles";
                if (s.n() == 500 && DirectConvWeightTiles.LANES >= 8) {
                    assertThat(DirectConvWeight.byChunks(s, wide)).as("%s: by chunks", what).isTrue();
                }
                Tensor rows = poisoned(wShape);
                Tensor every = poisoned(wShape);
                DirectConvWeight.blocked(HostArrays.f(rows), rows.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(x), x.offset(), s, wide, true, true);
                DirectConvWeight.blocked(HostArrays.f(every), every.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(x), x.offset(), s, wide, false, false);
                assertWrittenExactly(what, rows);
                assertClose(what, rows, ref, 1e-5, 1e-5 * Math.sqrt((double) s.n() * s.outH() * s.outW()));
                float[] a = Arrays.copyOfRange(HostArrays.f(rows), rows.offset(), rows.offset() + KernelCheck.numel(wShape));
                float[] b = Arrays.copyOfRange(HostArrays.f(every), every.offset(), every.offset() + KernelCheck.numel(wShape));
                assertThat(a).as("%s: the same sums as on every tap", what).containsExactly(b);
                // the 4 × 3 tile on dy as it lies (kiln.conv.weightFours=false): the same sums in the same order
                Tensor planes = poisoned(wShape);
                DirectConvWeight.blocked(HostArrays.f(planes), planes.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(x), x.offset(), s, wide, true, true, true, !DirectConvWeight.FOURS);
                float[] c = Arrays.copyOfRange(HostArrays.f(planes), planes.offset(),
                        planes.offset() + KernelCheck.numel(wShape));
                assertThat(a).as("%s: the same sums with dy interleaved by fours and as it lies", what).containsExactly(c);
            }
        }
    }

    @Test
    void regionsLeaveOutExactlyThePaddingOfAThreeByThreeKernel() {
        // 7 × 7, padding 1, stride 1, tiles of a kernel row: kernel row 0 skips output row 0, row 2 the
        // last; every row's columns 1..5 take all 3 taps, column 0 taps 1 and 2, column 6 taps 0 and 1
        ConvShape s = ConvKernelsTest.shape(new int[] {1, 16, 7, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1});
        int[] r = DirectConvWeight.regions(s, 3, 3, false, true, true);
        assertThat(r).containsExactly(1, 7, 1, 6, 1, 1, 0, 7, 1, 6, 1, 1, 0, 6, 1, 6, 1, 1);
        // the 16 registers' 3 × 3 tile keeps its edge columns whole
        assertThat(DirectConvWeight.regions(s, 3, 3, false, true, false))
                .containsExactly(1, 7, 0, 7, 0, 0, 0, 7, 0, 7, 0, 0, 0, 6, 0, 7, 0, 0);
        // stride 2 from 14 × 14 to 7 × 7: only the first row and column read padding
        ConvShape s2 = ConvKernelsTest.shape(new int[] {1, 16, 14, 14, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1});
        assertThat(DirectConvWeight.regions(s2, 3, 3, false, true, true))
                .containsExactly(1, 7, 1, 7, 1, 0, 0, 7, 1, 7, 1, 0, 0, 7, 1, 7, 1, 0);
        // pairs of blocks: one tap a group, its exact ranges (tap (0, 2): rows 1..6, columns 0..5)
        int[] p = DirectConvWeight.regions(s, 2, 9, true, true, false);
        assertThat(Arrays.copyOfRange(p, 2 * DirectConvWeightTiles.REGION, 3 * DirectConvWeightTiles.REGION))
                .containsExactly(1, 7, 0, 6, 0, 0);
        // without rows, every group covers the whole output
        assertThat(DirectConvWeight.regions(s, 3, 3, false, false, true)).containsExactly(0, 7, 0, 7, 0, 0, 0, 7, 0, 7, 0, 0,
                0, 7, 0, 7, 0, 0);
    }
}
