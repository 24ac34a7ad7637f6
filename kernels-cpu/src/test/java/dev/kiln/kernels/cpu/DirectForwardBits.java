package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test helper for the direct forwards that promise {@link DirectConv}'s positional tiles' sums in their order
 * ({@link DirectConvSlide}, {@link DirectConvStem}): the same bits as those tiles, and the same on 2 threads as on 1.
 */
final class DirectForwardBits {
    private DirectForwardBits() {
    }

    /** A direct forward's entry point: y = conv(x, w) + b for shape s, arrays with their offsets. */
    interface Forward {
        void run(float[] y, int yOff, float[] x, int xOff, float[] w, int wOff, float[] b, int bOff, ConvShape s);
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
