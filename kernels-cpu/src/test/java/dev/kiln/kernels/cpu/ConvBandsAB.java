package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;

import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.medianRatio;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: ResNet-18's 64 × 56 × 56 3×3 forward (batch 32) in one JVM, interleaved: "channels" ({@link
 * DirectConvChannels}, the route), "rows" ({@link DirectConvRows} block by block over the whole plane) and
 * "bands" (the row tiles in bands of {@link DirectConvRows#BAND_ROWS} output rows). Medians of the rounds,
 * x = channels / way. CPU time (this thread's on one thread, all threads' on more; wall time with
 * {@code -Dwall=true}). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvBandsAB [rounds [threads]]
 * </pre>
 */
final class ConvBandsAB {
    private ConvBandsAB() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        boolean cpu = !Boolean.getBoolean("wall");
        ConvShape s = new ConvShape(32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 56, 56);
        var rng = new Generator(1);
        float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
        float[] w = randn(rng, s.cOut() * s.cIn() * 9);
        float[] y = new float[s.n() * s.cOut() * s.outH() * s.outW()];
        double flop = 2.0 * s.n() * s.cOut() * s.cIn() * 9 * s.outH() * s.outW();
        String[] names = {"channels", "rows", "bands"};
        Runnable[] ways = {
            () -> DirectConvChannels.forward(y, 0, x, 0, w, 0, null, 0, s),
            () -> {
                DirectConvRows.rowBands = false;
                DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s);
            },
            () -> {
                DirectConvRows.rowBands = true;
                DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s);
            },
        };
        double[][] times = new double[ways.length][rounds];
        int calls = 3;
        for (int r = -2; r < rounds; r++) {
            for (int k = 0; k < ways.length; k++) {
                long t0 = now(cpu);
                for (int c = 0; c < calls; c++) {
                    ways[k].run();
                }
                if (r >= 0) {
                    times[k][r] = (now(cpu) - t0) / 1e6 / calls;
                }
            }
        }
        DirectConvRows.rowBands = true;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s, %d threads, %s:", Simd.describe(),
                CpuBackend.threads(), cpu ? "CPU time" : "wall"));
        for (int k = 0; k < ways.length; k++) {
            double ms = median(times[k]);
            line.append(String.format(Locale.ROOT, "  %s %.2f ms (%.0f GF/s, x %.2f)", names[k], ms, flop / ms / 1e6,
                    medianRatio(times[0], times[k])));
        }
        System.out.println(line);
    }
}
