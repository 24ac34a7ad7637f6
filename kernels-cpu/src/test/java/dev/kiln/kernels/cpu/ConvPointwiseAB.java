package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.medianRatio;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of the strided 1×1 convolutions ({@link DirectConvPointwise})
 * against the paths they replace (im2col + SGEMM forward, col2im for the input gradient, the sample-block SGEMM for
 * the weight gradient: {@link ConvDispatch} with {@code direct} false), on {@code kiln train cnn}'s shortcuts
 * (batch 128). Medians of the rounds, CPU time (this thread's on one thread, all threads' on more), x = the median of
 * the rounds' old / new. Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvPointwiseAB [rounds [threads]]
 * </pre>
 */
final class ConvPointwiseAB {
    private ConvPointwiseAB() {
    }

    /** {n, c, h, w, o}: 1×1, stride 2, no padding. */
    private static final int[][] SHAPES = {
        {128, 16, 28, 28, 32},
        {128, 32, 14, 14, 64},
    };

    private static final com.sun.management.ThreadMXBean ALLOC =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s CPU time), medians; x = old / new%n",
                Simd.describe(), CpuBackend.threads(), rounds, CpuBackend.threads() == 1 ? "thread" : "all threads'");
        for (int[] g : SHAPES) {
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], 1, 1, 2, 2, 0, 0, 1, 1, 1, (g[2] - 1) / 2 + 1,
                    (g[3] - 1) / 2 + 1);
            Tensor x = Tensor.of(randn(rng, s.n() * s.cIn() * s.h() * s.w()), s.n(), s.cIn(), s.h(), s.w());
            Tensor w = Tensor.of(randn(rng, s.cOut() * s.cIn()), s.cOut(), s.cIn(), 1, 1);
            Tensor b = Tensor.of(randn(rng, s.cOut()), s.cOut());
            Tensor dy = Tensor.of(randn(rng, s.n() * s.cOut() * s.outH() * s.outW()), s.n(), s.cOut(), s.outH(),
                    s.outW());
            Tensor y = Tensor.zeros(s.n(), s.cOut(), s.outH(), s.outW());
            Tensor dx = Tensor.zeros(s.n(), s.cIn(), s.h(), s.w());
            Tensor dw = Tensor.zeros(s.cOut(), s.cIn(), 1, 1);
            Runnable[][] passes = {
                {() -> ConvDispatch.im2col(y, x, w, b, s), () -> ConvDispatch.conv2d(y, x, w, b, s)},
                {() -> ConvDispatch.conv2dBackwardInput(dx, dy, w, s, false),
                    () -> ConvDispatch.conv2dBackwardInput(dx, dy, w, s, true)},
                {() -> ConvDispatch.conv2dBackwardWeight(dw, dy, x, s, false),
                    () -> ConvDispatch.conv2dBackwardWeight(dw, dy, x, s, true)},
            };
            String[] names = {"forward", "input grad", "weight grad"};
            int calls = 20;
            long[] bytes = new long[2];
            for (int p = 0; p < passes.length; p++) {
                double[][] times = new double[2][rounds];
                for (int r = -3; r < rounds; r++) { // three warm-up rounds
                    for (int path = 0; path < 2; path++) {
                        long b0 = ALLOC.getCurrentThreadAllocatedBytes();
                        long t0 = now(true);
                        for (int c = 0; c < calls; c++) {
                            passes[p][path].run();
                        }
                        bytes[path] = (ALLOC.getCurrentThreadAllocatedBytes() - b0) / calls;
                        if (r >= 0) {
                            times[path][r] = (now(true) - t0) / 1e6 / calls;
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "%-22s %-11s old %7.3f ms  new %7.3f ms  x %.2f  (bytes per call on this"
                        + " thread, last round: %d / %d)%n", Arrays.toString(g), names[p], median(times[0]),
                        median(times[1]), medianRatio(times[0], times[1]), bytes[0], bytes[1]);
            }
        }
    }
}
