package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DirectConvPointwise}, the strided 1×1 convolutions, forward (with and without bias) and both gradients
 * against the reference loops, through the backend and straight, on inputs at an offset and outputs in poisoned
 * buffers: kiln train cnn's two shortcuts, odd planes and channel counts off the 4-row tiles, stride 3 × 2, groups,
 * planes of exactly one vector, more samples than chunks, and the weight gradient's bits on one thread and many.
 */
class DirectConvPointwiseTest {

    /** {n, c, h, w, o, strideH, strideW, groups}: 1×1, no padding. */
    private static final int[][] SHAPES = {
        {3, 16, 28, 28, 32, 2, 2, 1},
        {2, 32, 14, 14, 64, 2, 2, 1},
        // odd planes (the last row and column read), 5 → 7 channels: one 4-row tile and three single rows
        {2, 5, 9, 11, 7, 2, 2, 1},
        // even planes leave the last row and column of dx unreached (zero); stride 3 × 2
        {1, 3, 14, 12, 6, 3, 2, 1},
        // groups of 2 in and 3 out channels
        {2, 8, 11, 10, 12, 2, 2, 4},
        // more samples than chunks, the chunks uneven; a plane of exactly 16 positions
        {11, 4, 8, 8, 5, 2, 2, 1},
        // the most channels taken, on 7 × 7 (4 × 4 out)
        {2, 64, 7, 7, 64, 2, 2, 1},
        // a plane of 18 positions: a vector and an overlapping last one at 16 lanes
        {1, 9, 6, 12, 9, 2, 2, 1},
        // the weight gradient's batches: 2 samples of 20 × 20 side by side, chunks of 5 (2, 2, 1), a row of 400
        // or 800 floats
        {40, 4, 40, 40, 5, 2, 2, 1},
    };

    static ConvShape shape(int[] g) {
        int outH = (g[2] - 1) / g[5] + 1;
        int outW = (g[3] - 1) / g[6] + 1;
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], 1, 1, g[5], g[6], 0, 0, 1, 1, g[7], outH, outW);
    }

    @Test
    void takesStridedOneByOneWithFewChannelsOnly() {
        assertThat(DirectConvPointwise.applies(shape(SHAPES[0]))).isTrue();
        // padding, stride 1, too many channels either way, a plane under a vector
        assertThat(DirectConvPointwise.applies(new ConvShape(2, 16, 28, 28, 32, 1, 1, 2, 2, 1, 1, 1, 1, 1, 15, 15)))
                .isFalse();
        assertThat(DirectConvPointwise.applies(new ConvShape(2, 16, 14, 14, 32, 1, 1, 1, 1, 0, 0, 1, 1, 1, 14, 14)))
                .isFalse();
        assertThat(DirectConvPointwise.applies(shape(new int[] {2, 65, 28, 28, 32, 2, 2, 1}))).isFalse();
        assertThat(DirectConvPointwise.applies(shape(new int[] {2, 64, 28, 28, 128, 2, 2, 1}))).isFalse();
        assertThat(DirectConvPointwise.applies(shape(new int[] {2, 8, 5, 5, 8, 2, 2, 1})))
                .isEqualTo(9 >= Simd.F32.length());
        // a 3×3 kernel
        assertThat(DirectConvPointwise.applies(new ConvShape(2, 16, 28, 28, 32, 3, 3, 2, 2, 0, 0, 1, 1, 1, 13, 13)))
                .isFalse();
        for (int[] g : SHAPES) {
            assertThat(ConvDispatch.pointwiseStrided(shape(g))).as("%s", shape(g))
                    .isEqualTo(DirectConvPointwise.ENABLED);
        }
    }

    @Test
    void forwardAndBothGradientsMatchReference() {
        var rng = new Generator(41);
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            assertThat(DirectConvPointwise.applies(s)).as("applies to %s", s).isTrue();
            String what = "pointwise strided " + s;
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), 1, 1};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, s.cOut(), 1, 0), new int[] {s.cOut()}, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            for (Tensor bias : new Tensor[] {null, b}) {
                Tensor ref = poisoned(yShape);
                REF.conv2d(ref, x, w, bias, s);
                Tensor viaBackend = poisoned(yShape);
                CPU.conv2d(viaBackend, x, w, bias, s);
                Tensor straight = poisoned(yShape);
                DirectConvPointwise.forward(HostArrays.f(straight), straight.offset(), HostArrays.f(x), x.offset(),
                        HostArrays.f(w), w.offset(), bias == null ? null : HostArrays.f(bias),
                        bias == null ? 0 : bias.offset(), s);
                for (Tensor y : new Tensor[] {viaBackend, straight}) {
                    String p = what + (y == straight ? " (direct)" : "") + (bias == null ? "" : " bias") + " out";
                    assertWrittenExactly(p, y);
                    assertClose(p, y, ref, 1e-5, 1e-5 * Math.sqrt(s.cInPerGroup()));
                }
            }
            Tensor rdx = poisoned(xShape);
            REF.conv2dBackwardInput(rdx, dy, w, s);
            Tensor rdw = poisoned(wShape);
            REF.conv2dBackwardWeight(rdw, dy, x, s);
            Tensor dx = poisoned(xShape);
            CPU.conv2dBackwardInput(dx, dy, w, s);
            Tensor dxStraight = poisoned(xShape);
            DirectConvPointwise.backwardInput(HostArrays.f(dxStraight), dxStraight.offset(), HostArrays.f(dy),
                    dy.offset(), HostArrays.f(w), w.offset(), s);
            for (Tensor t : new Tensor[] {dx, dxStraight}) {
                String p = what + (t == dxStraight ? " (direct)" : "") + " dx";
                assertWrittenExactly(p, t);
                assertClose(p, t, rdx, 1e-5, 1e-5 * Math.sqrt(s.cOutPerGroup()));
            }
            Tensor dw = poisoned(wShape);
            CPU.conv2dBackwardWeight(dw, dy, x, s);
            Tensor dwStraight = poisoned(wShape);
            DirectConvPointwise.backwardWeight(HostArrays.f(dwStraight), dwStraight.offset(), HostArrays.f(dy),
                    dy.offset(), HostArrays.f(x), x.offset(), s);
            for (Tensor t : new Tensor[] {dw, dwStraight}) {
                String p = what + (t == dwStraight ? " (direct)" : "") + " dweight";
                assertWrittenExactly(p, t);
                assertClose(p, t, rdw, 1e-5, 1e-5 * Math.sqrt((double) s.n() * s.outH() * s.outW()));
            }
        }
    }

    @Test
    void resultsAreTheSameOnOneThreadAndMany() {
        ConvShape s = shape(new int[] {13, 16, 28, 28, 32, 2, 2, 1});
        var rng = new Generator(42);
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cInPerGroup(), 1, 1};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
        Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.CONTIGUOUS);
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.CONTIGUOUS);
        Tensor[][] runs = new Tensor[2][];
        int threads = CpuBackend.threads();
        try {
            for (int r = 0; r < 2; r++) {
                CpuBackend.setThreads(r == 0 ? 1 : Math.max(3, threads));
                Tensor y = poisoned(yShape);
                Tensor dx = poisoned(xShape);
                Tensor dw = poisoned(wShape);
                CPU.conv2d(y, x, w, null, s);
                CPU.conv2dBackwardInput(dx, dy, w, s);
                CPU.conv2dBackwardWeight(dw, dy, x, s);
                runs[r] = new Tensor[] {y, dx, dw};
            }
        } finally {
            CpuBackend.setThreads(threads);
        }
        String[] names = {"conv2d", "conv2dBackwardInput", "conv2dBackwardWeight"};
        for (int i = 0; i < 3; i++) {
            assertClose(names[i] + " on 1 thread and several", runs[1][i], runs[0][i], 0, 0);
        }
    }
}
