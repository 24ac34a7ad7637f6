package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Not a test: kiln train cnn's weight gradients (batch 128, through {@link ConvDispatch}) on 1 and 2 threads,
 * alternating round by round in one JVM, wall time of 10 calls a round; medians, and the median of the rounds'
 * 1-thread / 2-thread ratios (the speedup). Read it beside {@link FmaThreads}. Run after {@code ./mvnw -pl
 * kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWgradThreads [rounds]
 * </pre>
 */
final class ConvWgradThreads {
    private ConvWgradThreads() {
    }

    /** {n, c, h = w, o, stride}, 3×3, padding 1. */
    private static final int[][] SHAPES = {
        {128, 1, 28, 16, 1}, {128, 16, 28, 16, 1}, {128, 16, 28, 32, 2}, {128, 32, 14, 32, 1}, {128, 32, 14, 64, 2},
        {128, 64, 7, 64, 1},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int before = Parallel.threads();
        var rng = new Generator(1);
        for (int[] g : SHAPES) {
            int n = g[0];
            int c = g[1];
            int hw = g[2];
            int o = g[3];
            int st = g[4];
            int out = (hw - 1) / st + 1;
            ConvShape s = new ConvShape(n, c, hw, hw, o, 3, 3, st, st, 1, 1, 1, 1, 1, out, out);
            Tensor x = Tensor.of(AbTiming.randn(rng, n * c * hw * hw), n, c, hw, hw);
            Tensor dy = Tensor.of(AbTiming.randn(rng, n * o * out * out), n, o, out, out);
            Tensor dw = Tensor.zeros(o, c, 3, 3);
            double[][] t = new double[2][rounds];
            for (int r = -3; r < rounds; r++) {
                for (int th = 1; th <= 2; th++) {
                    Parallel.setThreads(th);
                    long t0 = System.nanoTime();
                    for (int k = 0; k < 10; k++) {
                        ConvDispatch.conv2dBackwardWeight(dw, dy, x, s);
                    }
                    if (r >= 0) {
                        t[th - 1][r] = (System.nanoTime() - t0) / 1e7;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%-22s 1 thread %8.3f ms  2 threads %8.3f ms  speedup %.2f%n",
                    Arrays.toString(g), AbTiming.median(t[0]), AbTiming.median(t[1]), AbTiming.medianRatio(t[0], t[1]));
        }
        Parallel.setThreads(before);
    }
}
