package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.medianRatio;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvStem} against the path before it
 * (old: {@link DirectConvStem#enabled} off, new: on), forward through {@link ConvDispatch}: kiln train cnn's stem
 * (1 → 16 on 28 × 28, batch 128), RGB stems 3 → 16 and 3 → 32 on 32 × 32 (batch 32), and the cnn stem at batch 8, whose
 * output stays in L2; 3×3, padding 1. Medians
 * of the rounds, CPU time (this thread's on one thread, all threads' on more); x = old / new. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvStemAB [rounds [threads [filter]]]
 * </pre>
 * With {@code -Dab.k=5} (or 7) the same layers with k × k kernels, padding k / 2, forced through the kernel against
 * the direct tiles ({@link ConvDispatch#gridForward}), which {@link ConvDispatch#stem} does not route yet.
 */
final class ConvStemAB {
    private ConvStemAB() {
    }

    /** {n, c, h, w, o, stride}, padding 1. */
    private static final int[][] SHAPES = {
        {128, 1, 28, 28, 16, 1},
        {32, 3, 32, 32, 16, 1},
        {32, 3, 32, 32, 32, 1},
        {8, 1, 28, 28, 16, 1}, // the stem on 8 samples: its 400 KB of output stays in L2 (the arithmetic's cost)
    };

    public static void main(String[] args) {
        int k = Integer.getInteger("ab.k", 3);
        if (k != 3) {
            kernels(args, k);
            return;
        }
        ConvSwitchAB.run(args, SHAPES, new String[] {"old", "new"}, v -> DirectConvStem.enabled = v == 1,
                l -> java.util.Arrays.copyOf(ConvSwitchAB.dispatchPasses(l), 1));
    }

    /** SHAPES with k × k kernels: the direct tiles (old) against DirectConvStem (new), called directly. */
    private static void kernels(String[] args, int k) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds, %d×%d; ms per call (CPU time), medians; x = old / new%n",
                Simd.describe(), CpuBackend.threads(), rounds, k, k);
        for (int[] g : SHAPES) {
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], k, k, 1, 1, k / 2, k / 2, 1, 1, 1, g[2], g[3]);
            float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
            float[] w = randn(rng, s.cOut() * s.cIn() * k * k);
            float[] y = new float[s.n() * s.cOut() * s.outH() * s.outW()];
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * k * k * s.outH() * s.outW();
            int calls = (int) Math.max(2, Math.min(20, 2e9 / flop));
            double[][] t = new double[2][rounds];
            for (int r = -2; r < rounds; r++) {
                for (int v = 0; v < 2; v++) {
                    long t0 = now(true);
                    for (int c = 0; c < calls; c++) {
                        if (v == 0) {
                            ConvDispatch.gridForward(y, 0, x, 0, w, 0, null, 0, s);
                        } else {
                            DirectConvStem.forward(y, 0, x, 0, w, 0, null, 0, s);
                        }
                    }
                    if (r >= 0) {
                        t[v][r] = (now(true) - t0) / 1e6 / calls;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%-24s old %8.3f ms  new %8.3f ms  x %.2f%n", java.util.Arrays.toString(g),
                    median(t[0]), median(t[1]), medianRatio(t[0], t[1]));
        }
    }
}
