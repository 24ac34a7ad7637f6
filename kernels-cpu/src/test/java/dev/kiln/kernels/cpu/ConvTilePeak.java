package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;

/**
 * Not a test: how near the FMA units' rate the 16-register channel tile ({@link DirectConvChannels#tile2x5}, 5
 * positions × 2 vectors) runs on this core, its cells and weights in L1 (64 input channels, 3×3 taps on rows 58
 * cells apart, as on ResNet-18's 64 × 56 × 56), interleaved round by round with a loop of as many independent
 * accumulators doing register-only FMAs (the core's rate as it stands: a loaded host, or a busy sibling
 * hyperthread under a VM, slows both alike). A ratio near 1 says the tile is FMA-bound and the time a
 * layer loses is outside it (copies, packing, threads). Thread CPU time; medians of the rounds. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}, with {@code -XX:UseAVX=2} for 16 registers:
 * <pre>
 * java -XX:UseAVX=2 --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvTilePeak [rounds [channels]]
 * </pre>
 * {@code channels}: input channels (64; with 256 a block's packed weights, 147 KB, are read from L2).
 */
final class ConvTilePeak {
    private ConvTilePeak() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 41;
        CpuBackend.setThreads(1); // AbTiming.now: this thread's CPU time, not the JIT's too
        int l = DirectConvKernels.L;
        int cpg = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int pitch = 58;
        int[] taps = new int[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                taps[i * 3 + j] = (i * pitch + j) * cpg;
            }
        }
        float[] xp = new float[(3 * pitch + 48) * cpg];
        float[] wp = new float[9 * cpg * 2 * l];
        float[] yp = new float[8 * 10 * l];
        for (int i = 0; i < xp.length; i++) {
            xp[i] = (i % 7) * 0.01f;
        }
        for (int i = 0; i < wp.length; i++) {
            wp[i] = (i % 5) * 0.01f;
        }
        int calls = Math.max(1, 4000 * 64 / cpg);
        double flopPerCall = 2.0 * 10 * l * 9 * cpg;
        double[] tile = new double[rounds];
        double[] peak = new double[rounds];
        double[] ratio = new double[rounds];
        float sink = 0;
        for (int r = -3; r < rounds; r++) { // three warm-up rounds
            long t0 = now(true);
            for (int k = 0; k < calls; k++) {
                // eight tiles' worth of positions, as a plane's run of tiles would step through them
                DirectConvChannels.tile2x5(yp, (k & 7) * 10 * l, xp, (k & 7) * 5 * cpg, cpg, taps, wp, 0);
            }
            long t1 = now(true);
            sink += fmaLoop(calls * 9 * cpg, r);
            long t2 = now(true);
            if (r >= 0) {
                tile[r] = flopPerCall * calls / (t1 - t0);
                peak[r] = flopPerCall * calls / (t2 - t1);
                ratio[r] = tile[r] / peak[r];
            }
        }
        System.out.printf(Locale.ROOT, "%s, %d rounds, %d channels, thread CPU time, medians: tile2x5 %.1f GFLOP/s, "
                        + "register FMAs (10 accumulators) %.1f GFLOP/s, tile / FMAs %.3f (rounds %.2f-%.2f)%n",
                Simd.describe(), rounds, cpg, median(tile), median(peak), median(ratio),
                java.util.Arrays.stream(ratio).min().orElseThrow(), java.util.Arrays.stream(ratio).max().orElseThrow());
        if (sink == 42f + yp[3]) {
            System.out.println(); // keeps the results live
        }
    }

    /** GFLOP/s of {@link #fmaLoop} over about 10 ms of this thread's CPU time: the core's FMA rate as it stands. */
    static double fmaRate() {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int iters = 1 << 22;
        long t0 = mx.getCurrentThreadCpuTime();
        float sink = fmaLoop(iters, 1f);
        long t1 = mx.getCurrentThreadCpuTime();
        if (sink == 42f) {
            System.out.println();
        }
        return 2.0 * 10 * DirectConvKernels.L * iters / Math.max(1, t1 - t0);
    }

    /**
     * {@code iters} × 10 independent FMAs on registers, as many as tile2x5 does per input channel and tap
     * (ConvPassesTiming's calibration too).
     */
    static float fmaLoop(int iters, float seed) {
        var s = DirectConvKernels.S;
        FloatVector w = FloatVector.broadcast(s, 1.0000001f);
        FloatVector x = FloatVector.broadcast(s, seed);
        FloatVector a0 = x;
        FloatVector a1 = x.add(1);
        FloatVector a2 = x.add(2);
        FloatVector a3 = x.add(3);
        FloatVector a4 = x.add(4);
        FloatVector a5 = x.add(5);
        FloatVector a6 = x.add(6);
        FloatVector a7 = x.add(7);
        FloatVector a8 = x.add(8);
        FloatVector a9 = x.add(9);
        for (int i = 0; i < iters; i++) {
            a0 = w.fma(x, a0);
            a1 = w.fma(x, a1);
            a2 = w.fma(x, a2);
            a3 = w.fma(x, a3);
            a4 = w.fma(x, a4);
            a5 = w.fma(x, a5);
            a6 = w.fma(x, a6);
            a7 = w.fma(x, a7);
            a8 = w.fma(x, a8);
            a9 = w.fma(x, a9);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(VectorOperators.ADD);
    }
}
