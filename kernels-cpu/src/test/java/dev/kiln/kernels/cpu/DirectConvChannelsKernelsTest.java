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
 * The strided forward of {@link DirectConvChannels}: on {@link TapColumns}' cells it matches the
 * reference loops (rtol 1e-5 + atol 1e-5·√(terms summed), every float of y written, none past it) and
 * equals the stride phases' result bit for bit, with both register files' tiles, for stride 2 and 3,
 * unequal strides, padding 0 to 2, dilation, groups, kernels 3×3, 5×5 and 3×2, odd and even sizes, out
 * channels off the block. And {@link DirectConvChannels#cells}, the copy of a strided input into its phase cells: by register
 * transposes ({@link DirectConvChannels#transposedCells}) it writes exactly the cells, and the values,
 * of the copy it replaced (float by float, or a gathered vector of channels with 32 registers), into
 * buffers filled with a sentinel beforehand, so a cell written by one and not the other, or past the
 * cells, shows. Shapes: ResNet-18's stride-2 128 → 256 and a smaller copy of it, odd and even sizes,
 * padding 0 to 2, stride 3, channel counts and planes off the vector (the last block overlapping), a
 * plane under a vector, chunks.
 */
class DirectConvChannelsKernelsTest {
    private static final int L = Simd.F32.length();

    /** {n, cIn, h, w, cOut, k, stride, pad}. */
    private static ConvShape shape(int cIn, int h, int w, int k, int stride, int pad) {
        return new ConvShape(1, cIn, h, w, 32, k, k, stride, stride, pad, pad, 1, 1, 1,
                (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1);
    }

    /** {n, cIn, h, w, cOut, kH, kW, sH, sW, padH, padW, dH, dW, groups}. */
    private static final int[][] STRIDED = {
        {2, 2 * L, 14, 14, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1},  // ResNet-18's stride-2 layers in small
        {2, 2 * L, 7, 7, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1},    // odd size: 4 x 4 outputs
        {1, L + 3, 13, 10, 20, 3, 3, 2, 2, 0, 0, 1, 1, 1},  // no padding, channels off the vector
        {1, L, 11, 13, 36, 3, 3, 3, 3, 1, 1, 1, 1, 1},      // stride 3
        {1, L, 12, 12, 20, 5, 5, 2, 2, 2, 2, 1, 1, 1},      // 5 x 5, padding 2
        {1, L, 13, 13, 20, 3, 3, 2, 2, 2, 2, 2, 2, 1},      // dilation 2: every tap column on the same parity
        {1, 9, 10, 9, 24, 3, 2, 2, 1, 1, 0, 1, 1, 1},       // unequal strides, a kernel 2 wide
        {1, 9, 9, 10, 24, 2, 3, 1, 2, 0, 1, 1, 1, 1},       // stride 2 across only
        {2, 2 * L, 8, 8, 66, 3, 3, 2, 2, 1, 1, 1, 1, 2},    // groups
    };

    @Test
    void stridedForwardOnTapColumnsMatchesReferenceAndThePhases() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(11);
        // taken where the phases' tiles would compute a tenth more positions
        assertThat(TapColumns.applies(ConvKernelsTest.shape(STRIDED[0]), 1, 5)).as("7 x 7 outputs: 60 against 50")
                .isEqualTo(TapColumns.enabled);
        assertThat(TapColumns.applies(ConvKernelsTest.shape(STRIDED[0]), 1, 6)).as("60 against 54")
                .isEqualTo(TapColumns.enabled);
        assertThat(TapColumns.applies(ConvKernelsTest.shape(STRIDED[0]), 2, 5)).as("chunks").isFalse();
        assertThat(TapColumns.applies(ConvKernelsTest.shape(STRIDED[1]), 1, 5)).as("4 x 4 outputs: 20 against 20")
                .isFalse();
        assertThat(TapColumns.applies(ConvKernelsTest.shape(new int[] {1, 128, 28, 28, 256, 3, 3, 2, 2, 1, 1, 1, 1, 1}),
                1, 5)).as("14 x 14 outputs: 210 against 200").isFalse();
        for (int[] g : STRIDED) {
            ConvShape s = ConvKernelsTest.shape(g);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, s.cOut(), 1, 0), new int[] {s.cOut()}, Layout.OFFSET);
            Tensor ref = poisoned(yShape);
            REF.conv2d(ref, x, w, b, s);
            for (boolean wide : new boolean[] {true, false}) {
                Tensor[] ys = new Tensor[2];
                for (int columns = 0; columns < 2; columns++) {
                    String what = "conv2d " + s + (wide ? " 6 x 4" : " 5 x 2")
                            + (columns == 1 ? " tap columns" : " phases");
                    ys[columns] = poisoned(yShape);
                    DirectConvChannels.forward(HostArrays.f(ys[columns]), ys[columns].offset(), HostArrays.f(x),
                            x.offset(), HostArrays.f(w), w.offset(), HostArrays.f(b), b.offset(), s, wide, s.cInPerGroup(),
                            columns == 1);
                    assertWrittenExactly(what, ys[columns]);
                    assertClose(what, ys[columns], ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
                }
                assertThat(KernelCheck.values(ys[1])).as("%s, %s: tap columns against phases", s, wide)
                        .containsExactly(KernelCheck.values(ys[0]));
            }
        }
    }

    @Test
    void transposedCopyWritesTheCellsOfTheScalarCopy() {
        var rng = new Generator(5);
        ConvShape[] shapes = {
            shape(128, 28, 28, 3, 2, 1), // ResNet-18's stride-2 128 -> 256
            shape(2 * L, 9, 9, 3, 2, 1),  // odd size
            shape(2 * L + 3, 10, 11, 3, 2, 0), // channels off the vector, no padding
            shape(L, 2, 9, 3, 2, 1),     // a plane of 18 positions: its last block overlaps
            shape(L, 1, 5, 3, 2, 1),     // 5 positions, under a vector: the old copy
            shape(L + 1, 11, 13, 3, 3, 1), // stride 3
            shape(3 * L, 12, 12, 5, 2, 2), // 5 x 5, padding 2
        };
        boolean was = DirectConvChannels.transposedCells;
        try {
            for (ConvShape s : shapes) {
                DirectConv.Grid gr = DirectConv.Grid.of(s);
                int cpg = s.cInPerGroup();
                int cells = gr.positionsUpTo(DirectConvChannels.positions(DirectConvKernels.WIDE))
                        + Arrays.stream(gr.taps()).max().orElse(0);
                float[] x = AbTiming.randn(rng, 3 + cpg * s.h() * s.w());
                for (int chunk : new int[] {cpg, L, L + 2}) {
                    if (chunk > cpg) {
                        continue;
                    }
                    float[] scalar = new float[cells * cpg];
                    float[] vector = new float[cells * cpg];
                    Arrays.fill(scalar, -7f);
                    Arrays.fill(vector, -7f);
                    DirectConvChannels.transposedCells = false;
                    DirectConvChannels.cells(scalar, cells, x, 3, cpg, chunk, s, gr);
                    DirectConvChannels.transposedCells = true;
                    DirectConvChannels.cells(vector, cells, x, 3, cpg, chunk, s, gr);
                    String what = s + ", chunks of " + chunk;
                    assertThat(DirectConvChannels.transposedCells(cpg, chunk, s.h() * s.w())).as(what)
                            .isEqualTo(ChannelsLast.VECTOR && cpg - (cpg - 1) / chunk * chunk >= L && s.h() * s.w() >= L);
                    assertThat(vector).as(what).containsExactly(scalar);
                }
            }
        } finally {
            DirectConvChannels.transposedCells = was;
        }
    }
}
