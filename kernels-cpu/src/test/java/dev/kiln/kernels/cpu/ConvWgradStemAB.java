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
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvWeightStem} against the path before it
 * (old: {@link DirectConvWeightStem#enabled} off, new: on), the weight gradient through {@link ConvDispatch}, with
 * the forward, which it does not touch, as an A/A: kiln train cnn's stem (1 → 16 on 28 × 28, batch 128), RGB stems
 * 3 → 16 and 3 → 32 on 32 × 32 (batch 32), and the cnn stem at batch 8 (dy in L2); 3×3, padding 1. Medians of the
 * rounds, CPU time (this thread's on one thread, all threads' on more; {@code -Dab.wall=true}: wall); x = old / new.
 * {@code -Dab=planes}: the kernel with its shifted copies row by row against a plane at a time
 * ({@link DirectConvWeightStem#wholePlanes}); {@code -Dab.k=5} (or 7): the same layers with k × k kernels, padding
 * k / 2, CPU time, x = the median of the rounds' old / new. Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWgradStemAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvWgradStemAB {
    private ConvWgradStemAB() {
    }

    /** {n, c, h, w, o, stride}, padding 1. */
    private static final int[][] SHAPES = {
        {128, 1, 28, 28, 16, 1},
        {32, 3, 32, 32, 16, 1},
        {32, 3, 32, 32, 32, 1},
        {8, 1, 28, 28, 16, 1},
    };

    public static void main(String[] args) {
        int k = Integer.getInteger("ab.k", 3);
        if (k != 3) {
            kernels(args, k);
            return;
        }
        if ("planes".equals(System.getProperty("ab"))) {
            // the kernel both ways, its shifted copies row by row or a plane at a time
            ConvSwitchAB.run(args, SHAPES, new String[] {"rows", "planes"}, v -> DirectConvWeightStem.wholePlanes = v == 1,
                    l -> new ConvSwitchAB.Pass[] {ConvSwitchAB.dispatchPasses(l)[2]});
            return;
        }
        ConvSwitchAB.run(args, SHAPES, new String[] {"old", "new"}, v -> DirectConvWeightStem.enabled = v == 1,
                l -> new ConvSwitchAB.Pass[] {ConvSwitchAB.dispatchPasses(l)[0], ConvSwitchAB.dispatchPasses(l)[2]});
    }

    /** SHAPES with k × k kernels, padding k / 2, through the dispatcher with the kernel off (old) and on (new). */
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
            Tensor x = Tensor.of(randn(rng, s.n() * s.cIn() * s.h() * s.w()), s.n(), s.cIn(), s.h(), s.w());
            Tensor dy = Tensor.of(randn(rng, s.n() * s.cOut() * s.outH() * s.outW()), s.n(), s.cOut(), s.outH(), s.outW());
            Tensor dw = Tensor.zeros(s.cOut(), s.cIn(), k, k);
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * k * k * s.outH() * s.outW();
            int calls = (int) Math.max(2, Math.min(20, 2e9 / flop));
            double[][] t = new double[2][rounds];
            for (int r = -2; r < rounds; r++) {
                for (int v = 0; v < 2; v++) {
                    DirectConvWeightStem.enabled = v == 1;
                    long t0 = now(true);
                    for (int c = 0; c < calls; c++) {
                        ConvDispatch.conv2dBackwardWeight(dw, dy, x, s);
                    }
                    if (r >= 0) {
                        t[v][r] = (now(true) - t0) / 1e6 / calls;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%-24s old %8.3f ms  new %8.3f ms  x %.2f%n", Arrays.toString(g),
                    median(t[0]), median(t[1]), medianRatio(t[0], t[1]));
        }
        DirectConvWeightStem.enabled = true;
    }
}
