package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DirectConvPhaseChannels}, the strided input gradient with dx channels in the lanes, against
 * the reference loops on dy at an offset and dx in a poisoned buffer (every float written, none past
 * it): {@code kiln train cnn}'s two stride-2 layers, channel counts off the block, odd and even input
 * sizes, padding 0 to 2, strides 2 and 3 (phases some taps never reach), groups, a kernel 2 wide, and a
 * transposed convolution's geometry (an output row the size formula would not count). Bounds: rtol
 * 1e-5 + atol 1e-5·√(terms summed). And its result does not depend on the thread count.
 */
class DirectConvPhaseChannelsTest {
    private static final int W = DirectConvPhaseChannels.WIDTH;

    /** {n, cIn, h, w, cOut, kH, kW, stride, pad, groups}; channel counts in units of a block's lanes where marked. */
    private static ConvShape shape(int n, int cIn, int h, int w, int cOut, int kH, int kW, int strideH, int strideW,
                                   int pad, int groups) {
        return new ConvShape(n, cIn, h, w, cOut, kH, kW, strideH, strideW, pad, pad, 1, 1, groups,
                (h + 2 * pad - kH) / strideH + 1, (w + 2 * pad - kW) / strideW + 1);
    }

    @Test
    void stridedInputGradientMatchesReference() {
        if (!Simd.ENABLED) {
            assertThat(DirectConvPhaseChannels.applies(shape(2, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1))).isFalse();
            return;
        }
        var rng = new Generator(23);
        ConvShape[] shapes = {
            shape(3, W, 28, 28, 32, 3, 3, 2, 2, 1, 1),       // cnn's 16 -> 32 at AVX2
            shape(3, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1),      // cnn's 32 -> 64
            shape(2, W, 13, 11, 24, 3, 3, 2, 2, 1, 1),       // odd sizes, one block
            shape(2, 2 * W - 4, 9, 10, 5, 3, 3, 2, 2, 0, 1), // channels off the block, no padding
            shape(2, W, 12, 12, 7, 5, 5, 2, 2, 2, 1),        // padding 2
            shape(2, W, 11, 13, 6, 3, 3, 3, 3, 1, 1),        // stride 3
            shape(1, W, 10, 10, 4, 2, 2, 3, 3, 0, 1),        // stride above the kernel: phases no tap reaches
            shape(2, 2 * W, 8, 8, 6, 3, 3, 2, 2, 1, 2),      // groups
            shape(2, W, 9, 12, 8, 3, 2, 2, 3, 1, 1),         // unequal strides, a kernel 2 wide
            new ConvShape(2, W, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 5, 6), // a transposed convolution's extra column
        };
        for (ConvShape s : shapes) {
            assertThat(DirectConvPhaseChannels.applies(s)).as("applies " + s).isTrue();
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            Tensor ref = poisoned(xShape);
            REF.conv2dBackwardInput(ref, dy, w, s);
            Tensor dx = poisoned(xShape);
            DirectConvPhaseChannels.backwardInput(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(),
                    HostArrays.f(w), w.offset(), s);
            String what = "phase channels dx " + s;
            assertWrittenExactly(what, dx);
            assertClose(what, dx, ref, 1e-5, 1e-5 * Math.sqrt((double) s.cOutPerGroup() * s.kH() * s.kW()));
        }
    }

    @Test
    void resultDoesNotDependOnTheThreadCount() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(29);
        ConvShape s = shape(5, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1);
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cIn(), s.kH(), s.kW()};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.CONTIGUOUS);
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.CONTIGUOUS);
        int before = CpuBackend.threads();
        float[][] out = new float[2][];
        try {
            for (int i = 0; i < 2; i++) {
                CpuBackend.setThreads(i + 1);
                Tensor dx = poisoned(xShape);
                DirectConvPhaseChannels.backwardInput(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(w), w.offset(), s);
                out[i] = HostArrays.f(dx).clone();
            }
        } finally {
            CpuBackend.setThreads(before);
        }
        assertThat(out[1]).containsExactly(out[0]);
    }
}
