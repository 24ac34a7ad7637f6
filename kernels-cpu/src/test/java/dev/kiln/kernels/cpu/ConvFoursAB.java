package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvWeight#blocked}'s 4 × 3 tile of 32
 * registers on ResNet-18's 3×3 layers (batch 32) and {@code kiln train cnn}'s (batch 128): old on dy as it
 * lies ({@code kiln.conv.weightFours=false}), fours on dy interleaved by fours ({@link DirectConvWeight#FOURS})
 * without {@link DirectConvWeightTiles#unitTaps}, and with them; and the forward, which none touches, timed the
 * same way as a check of the noise (A/A). Medians of the rounds, CPU time (this thread's on one thread, all
 * threads' on more); x = old / fours, old / (fours + unit). At 16 registers (-XX:UseAVX=2) the three are the
 * same code (another A/A). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvFoursAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvFoursAB {
    private ConvFoursAB() {
    }

    /** {n, c, h, w, o, stride}: 3×3, padding 1. */
    private static final int[][] SHAPES = {
        {32, 64, 56, 56, 64, 1},
        {32, 128, 28, 28, 128, 1},
        {32, 256, 14, 14, 256, 1},
        {32, 512, 7, 7, 512, 1},
        {32, 64, 56, 56, 128, 2},
        {32, 128, 28, 28, 256, 2},
        {32, 256, 14, 14, 512, 2},
        {128, 16, 28, 28, 16, 1},
        {128, 16, 28, 28, 32, 2},
        {128, 32, 14, 14, 32, 1},
        {128, 32, 14, 14, 64, 2},
        {128, 64, 7, 7, 64, 1},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        String filter = args.length > 2 ? args[2] : "";
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s CPU time) (GFLOP/s), medians;"
                + " x = old / fours, old / (fours + unit)%n",
                Simd.describe(), CpuBackend.threads(), rounds, CpuBackend.threads() == 1 ? "thread" : "all threads'");
        for (int[] g : SHAPES) {
            if (Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            int st = g[5];
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, st, st, 1, 1, 1, 1, 1, (g[2] - 1) / st + 1,
                    (g[3] - 1) / st + 1);
            Tensor x = Tensor.of(randn(rng, s.n() * s.cIn() * s.h() * s.w()), s.n(), s.cIn(), s.h(), s.w());
            Tensor w = Tensor.of(randn(rng, s.cOut() * s.cIn() * 9), s.cOut(), s.cIn(), 3, 3);
            Tensor dy = Tensor.of(randn(rng, s.n() * s.cOut() * s.outH() * s.outW()), s.n(), s.cOut(), s.outH(),
                    s.outW());
            Tensor y = Tensor.zeros(s.n(), s.cOut(), s.outH(), s.outW());
            Tensor dx = Tensor.zeros(s.n(), s.cIn(), s.h(), s.w());
            Tensor dw = Tensor.zeros(s.cOut(), s.cIn(), 3, 3);
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * 9 * s.outH() * s.outW();
            boolean wide = DirectConvKernels.WIDE;
            float[] dwa = HostArrays.f(dw);
            float[] dya = HostArrays.f(dy);
            float[] xa = HostArrays.f(x);
            boolean[] fours = new boolean[1];
            Runnable[] passes = {
                () -> ConvDispatch.conv2d(y, x, w, null, s),
                () -> DirectConvWeight.blocked(dwa, dw.offset(), dya, dy.offset(), xa, x.offset(), s, wide, true, true,
                        DirectConvWeight.PARALLEL_ENDS, fours[0]),
            };
            String[] names = {"forward A/A", "weight grad"};
            int calls = (int) Math.max(2, Math.min(20, 2e9 / flop));
            for (int p = 0; p < passes.length; p++) {
                double[][] times = new double[3][rounds];
                for (int r = -2; r < rounds; r++) { // two warm-up rounds
                    for (int path = 0; path < 3; path++) {
                        fours[0] = path >= 1;
                        DirectConvWeightTiles.unitTaps = path == 2;
                        long t0 = now(true);
                        for (int c = 0; c < calls; c++) {
                            passes[p].run();
                        }
                        if (r >= 0) {
                            times[path][r] = (now(true) - t0) / 1e6 / calls;
                        }
                    }
                }
                DirectConvWeightTiles.unitTaps = true;
                double old = median(times[0]);
                double four = median(times[1]);
                double now = median(times[2]);
                System.out.printf(Locale.ROOT, "%-24s %-11s old %8.3f ms (%5.1f)  fours %8.3f ms (%5.1f)  +unit %8.3f ms (%5.1f)"
                        + "  x %.2f %.2f%n", Arrays.toString(g), names[p], old, flop / old / 1e6, four, flop / four / 1e6, now,
                        flop / now / 1e6, old / four, old / now);
            }
        }
    }
}
