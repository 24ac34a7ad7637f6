package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.function.Predicate;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test helpers for the direct forwards that promise {@link DirectConv}'s positional tiles' sums in their order
 * ({@link DirectConvSlide}, {@link DirectConvStem}): against the reference loop, with and without bias, into
 * poisoned outputs; and the same bits as the positional tiles, the same on 2 threads as on 1.
 */
final class DirectForwardChecks {
    private DirectForwardChecks() {
    }

    /** A direct forward's entry point: y = conv(x, w) + b for shape s, arrays with their offsets. */
    interface Forward {
        void run(float[] y, int yOff, float[] x, int xOff, float[] w, int wOff, float[] b, int bOff, ConvShape s);
    }

    /** For each shape (which the kernel must accept): y against ReferenceBackend's conv2d, with and without bias. */
    static void assertMatchesReference(String name, Forward kernel, Predicate<ConvShape> applies,
                                       Iterable<ConvShape> shapes, long seed) {
        var rng = new Generator(seed);
        for (ConvShape s : shapes) {
            assertThat(applies.test(s)).as("applies to %s", s).isTrue();
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, s.cOut(), 1, 0), new int[] {s.cOut()}, Layout.OFFSET);
            for (Tensor bias : new Tensor[] {null, b}) {
                Tensor ref = poisoned(yShape);
                REF.conv2d(ref, x, w, bias, s);
                Tensor y = poisoned(yShape);
                kernel.run(HostArrays.f(y), y.offset(), HostArrays.f(x), x.offset(), HostArrays.f(w), w.offset(),
                        bias == null ? null : HostArrays.f(bias), bias == null ? 0 : bias.offset(), s);
                assertClose(name + " conv2d " + s + (bias == null ? "" : " with bias"), y, ref, 1e-5,
                        1e-5 * Math.sqrt(s.patch()));
            }
        }
    }

    static void assertSameBitsAsPositionalTiles(Forward kernel, Iterable<ConvShape> shapes, long seed) {
        var rng = new Generator(seed);
        int threads = CpuBackend.threads();
        try {
            for (ConvShape s : shapes) {
                float[] x = AbTiming.randn(rng, s.n() * s.cIn() * s.h() * s.w());
                float[] w = AbTiming.randn(rng, s.cOut() * s.cInPerGroup() * s.kH() * s.kW());
                float[] b = AbTiming.randn(rng, s.cOut());
                int outs = s.n() * s.cOut() * s.outH() * s.outW();
                CpuBackend.setThreads(1);
                float[] positional = new float[outs];
                DirectConv.forward(positional, 0, x, 0, w, 0, b, 0, s);
                float[] one = new float[outs];
                kernel.run(one, 0, x, 0, w, 0, b, 0, s);
                CpuBackend.setThreads(2);
                float[] two = new float[outs];
                kernel.run(two, 0, x, 0, w, 0, b, 0, s);
                assertThat(one).as("against the positional tiles, %s", s).isEqualTo(positional);
                assertThat(two).as("2 threads against 1, %s", s).isEqualTo(one);
            }
        } finally {
            CpuBackend.setThreads(threads);
        }
    }
}
