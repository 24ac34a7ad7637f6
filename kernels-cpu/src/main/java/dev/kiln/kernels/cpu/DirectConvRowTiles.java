package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DirectConvRows}' 7 × 2 and 6 × 2 tiles (32 vector registers) with the channels per group a
 * constant, 64 (kiln train cnn's 64 × 7 × 7) or 16 (its stride-2 16 → 32 forward: 1.08× the generic tiles,
 * ConvConstantsAB, one thread, CPU time), on channels-last cells. A tile's positions lie that many floats
 * apart in the cells, and with the count a variable C2 computes each broadcast's address with a lea per
 * position per step and spills the loop's bases (40 instructions for 14 FMAs, Intel Xeon, AVX-512, read
 * from the compiled code); with a constant the offsets fold into the broadcasts' displacements (29). Other
 * channel counts that 32 divides get the same lean loop from {@link DirectConvRows#chunked} cells (chunks of 32
 * channels, positions 32 apart); at 64 channels these copies' single loop of 64 steps still ran 4-6% ahead of
 * two chunks of 32. The bodies are the generic tiles', sums in the same order, so results are bit for bit the
 * same. {@code -Dkiln.conv.rowsConstant=false} (or {@link #enabled} off) keeps the generic tiles (A/B runs).
 */
final class DirectConvRowTiles {
    private DirectConvRowTiles() {
    }

    /** False with {@code -Dkiln.conv.rowsConstant=false}: the generic tiles for every channel count. */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowsConstant", "true").trim());

    private static final VectorSpecies<Float> S = DirectConvKernels.S;
    private static final int L = DirectConvKernels.L;

    /** Whether a tile with these channels per group runs here. */
    static boolean takes(int cpg) {
        return enabled && (cpg == 64 || cpg == 16);
    }

    /** The 7 × 2 tile for {@link #takes takes(cpg)}. */
    static void tile7x2(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                        float[] wp, int wOff) {
        if (cpg == 64) {
            tile7x2c64(yp, yOff, xp, xOff, taps, t0, t1, wp, wOff);
        } else {
            tile7x2c16(yp, yOff, xp, xOff, taps, t0, t1, wp, wOff);
        }
    }

    /** The 6 × 2 tile for {@link #takes takes(cpg)}. */
    static void tile6x2(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                        float[] wp, int wOff) {
        if (cpg == 64) {
            tile6x2c64(yp, yOff, xp, xOff, taps, t0, t1, wp, wOff);
        } else {
            tile6x2c16(yp, yOff, xp, xOff, taps, t0, t1, wp, wOff);
        }
    }

    private static void tile7x2c64(float[] yp, int yOff, float[] xp, int xOff, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        FloatVector a6_0 = FloatVector.fromArray(S, yp, yOff + 12 * L);
        FloatVector a6_1 = FloatVector.fromArray(S, yp, yOff + 13 * L);
        final int cpg = 64;
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                a5_1 = w1.fma(x, a5_1);
                x = FloatVector.broadcast(S, xp[xi + 6 * cpg]);
                a6_0 = w0.fma(x, a6_0);
                a6_1 = w1.fma(x, a6_1);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
        a6_0.intoArray(yp, yOff + 12 * L);
        a6_1.intoArray(yp, yOff + 13 * L);
    }

    private static void tile6x2c64(float[] yp, int yOff, float[] xp, int xOff, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        final int cpg = 64;
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                a5_1 = w1.fma(x, a5_1);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
    }

    // The same tiles for 16 channels per group (kiln train cnn's stride-2 16 → 32 forward).

    private static void tile7x2c16(float[] yp, int yOff, float[] xp, int xOff, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        FloatVector a6_0 = FloatVector.fromArray(S, yp, yOff + 12 * L);
        FloatVector a6_1 = FloatVector.fromArray(S, yp, yOff + 13 * L);
        final int cpg = 16;
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                a5_1 = w1.fma(x, a5_1);
                x = FloatVector.broadcast(S, xp[xi + 6 * cpg]);
                a6_0 = w0.fma(x, a6_0);
                a6_1 = w1.fma(x, a6_1);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
        a6_0.intoArray(yp, yOff + 12 * L);
        a6_1.intoArray(yp, yOff + 13 * L);
    }

    private static void tile6x2c16(float[] yp, int yOff, float[] xp, int xOff, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        final int cpg = 16;
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                a5_1 = w1.fma(x, a5_1);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
    }
}
