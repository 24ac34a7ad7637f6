package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.medianRatio;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: how the routed forward of ResNet-18's 3×3 layers (batch 32) scales from one thread to two, in
 * wall time, with {@link UnitLoop}'s unit-by-unit hand-out ("new") and {@link Parallel#forRange}'s pieces
 * ("old", {@code -Dkiln.conv.unitHandout=false}), interleaved in one JVM: each round runs old and new on one
 * thread, then on two. Printed: medians of the rounds, x = old / new, and the scaling (one thread's wall
 * time over two's). Also the weight packing alone on the calling thread (thread CPU time, one thread), the
 * serial part a second thread cannot take unless the packing is split; and the CPU time of the new way (this
 * thread's on one thread, all threads' on two, spinning included) and its ratio, two threads' over one: the work a
 * second thread adds (caches and memory shared), whatever the host's load does to wall time. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector [-XX:UseAVX=2] -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvScaleAB [rounds [filter]]
 * </pre>
 * {@code filter}: only the shapes whose {n, c, h, stride, o} list contains it (or one of its {@code |}-separated parts).
 */
final class ConvScaleAB {
    private ConvScaleAB() {
    }

    /** {n, c, h (= w), stride, o}: 3×3, padding 1. */
    private static final int[][] SHAPES = {
        {32, 64, 56, 1, 64},
        {32, 128, 28, 1, 128},
        {32, 256, 14, 1, 256},
        {32, 512, 7, 1, 512},
        {32, 64, 56, 2, 128},
        {32, 128, 28, 2, 256},
        {32, 256, 14, 2, 512},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        String filter = args.length > 1 ? args[1] : "";
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d rounds; wall ms per call, medians; x = old / new; scale = 1 thread / 2%n",
                Simd.describe(), rounds);
        for (int[] g : SHAPES) {
            if (Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            int st = g[3];
            int out = (g[2] - 1) / st + 1;
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[2], g[4], 3, 3, st, st, 1, 1, 1, 1, 1, out, out);
            float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
            float[] w = randn(rng, s.cOut() * s.cIn() * 9);
            float[] y = new float[s.n() * s.cOut() * s.outH() * s.outW()];
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * 9 * s.outH() * s.outW();
            boolean direct = ConvDispatch.grid(s) || ConvDispatch.channels(s) || ConvDispatch.rows(s)
                    || ConvDispatch.rowsNarrow(s);
            String path = ConvDispatch.rows(s) ? "rows" : ConvDispatch.rowsNarrow(s) ? "rowsNarrow"
                    : ConvDispatch.channels(s) ? "channels" : direct ? "grid" : "im2col";
            Runnable call = () -> {
                if (direct) {
                    ConvDispatch.gridForward(y, 0, x, 0, w, 0, null, 0, s);
                } else {
                    ConvDispatch.im2col(y, 0, x, 0, w, 0, null, 0, s);
                }
            };
            // [threads - 1][old, new][round]
            double[][][] t = new double[2][2][rounds];
            double[][][] cpu = new double[2][2][rounds];
            double[] pack = new double[rounds];
            int calls = 3;
            for (int r = -2; r < rounds; r++) { // two warm-up rounds
                for (int th = 1; th <= 2; th++) {
                    CpuBackend.setThreads(th);
                    for (int k = 0; k < 2; k++) {
                        UnitLoop.enabled = k == 1;
                        long c0 = AbTiming.now(true);
                        long t0 = System.nanoTime();
                        for (int c = 0; c < calls; c++) {
                            call.run();
                        }
                        if (r >= 0) {
                            t[th - 1][k][r] = (System.nanoTime() - t0) / 1e6 / calls;
                            cpu[th - 1][k][r] = (AbTiming.now(true) - c0) / 1e6 / calls;
                        }
                    }
                }
                CpuBackend.setThreads(1);
                pack[Math.max(0, r)] = packMs(s, w);
            }
            UnitLoop.enabled = true;
            double[] scaleOld = new double[rounds];
            double[] scaleNew = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                scaleOld[r] = t[0][0][r] / t[1][0][r];
                scaleNew[r] = t[0][1][r] / t[1][1][r];
            }
            System.out.printf(Locale.ROOT, "%-20s %-10s pack %.2f ms | 1 thread old %.2f new %.2f (x %.2f) | "
                            + "2 threads old %.2f new %.2f (x %.2f, %.0f -> %.0f GF/s) | scale old %.2f new %.2f"
                            + " | CPU ms 1 thread %.2f, 2 threads %.2f (x %.2f)%n",
                    Arrays.toString(g), path, median(pack), median(t[0][0]), median(t[0][1]),
                    medianRatio(t[0][0], t[0][1]), median(t[1][0]), median(t[1][1]), medianRatio(t[1][0], t[1][1]),
                    flop / median(t[1][0]) / 1e6, flop / median(t[1][1]) / 1e6, median(scaleOld), median(scaleNew),
                    median(cpu[0][1]), median(cpu[1][1]), medianRatio(cpu[1][1], cpu[0][1]));
        }
    }

    /** The weight packing of the channel and row tiles alone, this thread's CPU time (ms). */
    private static double packMs(ConvShape s, float[] w) {
        int width = (ConvDispatch.rows(s) ? DirectConvRows.vectors(DirectConvKernels.WIDE)
                : DirectConvChannels.vectors(DirectConvKernels.WIDE)) * DirectConvKernels.L;
        int blocks = (s.cOutPerGroup() + width - 1) / width;
        float[] wp = new float[blocks * 9 * s.cInPerGroup() * width];
        long t0 = AbTiming.now(true);
        DirectConvChannels.pack(wp, w, 0, s, width, blocks, s.cInPerGroup());
        return (AbTiming.now(true) - t0) / 1e6;
    }
}
