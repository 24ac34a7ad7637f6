package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-2 direct forward for 3×3 kernels with padding 1, out channels in the lanes and each broadcast input
 * reused by every kernel column it meets (kiln train cnn's stride-2 16 → 32 and 32 → 64 at AVX-512, through
 * {@link ConvDispatch#slideStrided}): {@link DirectConvSlide}'s scheme at stride 2.
 *
 * <p>Output p of a row sums w[j]·x[2p + j]: an even input column 2k feeds output k (kernel column 0) and output
 * k − 1 (column 2), an odd one 2k + 1 output k (column 1). A tile of 14 outputs, as two runs of 7 each with its
 * own input row (one output row 14 or more wide: the runs side by side; 7-wide rows: two output rows, which lie
 * one after the other in the output plane), broadcasts the 15 inputs under each run once per (input channel,
 * kernel row) and adds each into the one or two accumulators it feeds, with the kernel row's three weight vectors
 * (a vector of 16 out channels each) in registers: 33 loads per 42 fused multiply-adds, none split across cache
 * lines. The row tiles it replaces ({@link DirectConvRows}) first copy x into channels-last phase cells and y out
 * of channels-last cells by transposes; here x is copied into zero-padded planes row by row ({@link System#arraycopy}),
 * and each tile's 14 cells go straight into y's NCHW planes through a transpose in registers ({@link DirectConvSlide#store14}).
 * Rows whose width is not a multiple of 14 end with a tile overlapping the one before it, and 7-wide planes of odd
 * height with a pair of rows overlapping the pair before (computed twice, the same bits). Every output is one
 * tile's sum in (input channel, kernel row, kernel column) order, so results do not depend on the thread count.
 */
final class DirectConvSlideStrided {
    private DirectConvSlideStrided() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Outputs per tile. */
    static final int P = 14;

    /** Outputs per run: a tile is two runs. */
    static final int RUN = 7;

    /**
     * Whether {@link ConvDispatch#slideStrided} may route shapes here: false with {@code
     * -Dkiln.conv.slideStrided=false} (the paths before; A/B runs flip it).
     */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.slideStrided", "true").trim());

    /**
     * Whether this kernel computes the shape: vectors of 16 lanes, stride 2, an undilated 3×3 kernel with padding 1,
     * whole vectors of out channels per group, outputs 7 wide (in at least two rows) or at least 14 wide, and the
     * usual output size (⌈h / 2⌉ × ⌈w / 2⌉).
     */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && L == 16 && s.strideH() == 2 && s.strideW() == 2 && s.kH() == 3 && s.kW() == 3
                && s.padH() == 1 && s.padW() == 1 && s.dilationH() == 1 && s.dilationW() == 1
                && s.cOutPerGroup() % L == 0
                && (s.outW() == RUN && s.outH() >= 2 || s.outW() >= P)
                && s.outH() == (s.h() + 1) / 2 && s.outW() == (s.w() + 1) / 2;
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] planes = new float[0];
        ConvShape planesShape;
        /** One tile's cells on their way into NCHW ({@link DirectConvSlide#store14}). */
        final float[] cell = new float[P * 16];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The packed weights of the last call (per thread: the calls of one thread reuse it). */
    private static final ThreadLocal<float[][]> WEIGHTS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /** y = conv2d(x, w) + bias; bias may be null. The shape must satisfy {@link #applies}. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        if (!applies(s)) {
            throw new IllegalArgumentException("DirectConvSlideStrided.forward: shape " + s
                    + " needs 16 lanes, stride 2, an undilated 3×3 kernel with padding 1, whole vectors of out"
                    + " channels per group and outputs 7 wide (two rows or more) or at least " + P + " wide");
        }
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int blocks = opg / L;
        // packed weights: [group][block][c][kernel row][kernel column][lane: out channel]
        int blockSize = cpg * 9 * L;
        float[][] held = WEIGHTS.get();
        held[0] = HostArrays.atLeast(held[0], (long) s.groups() * blocks * blockSize);
        float[] wp = held[0];
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                int dst = (g * blocks + b) * blockSize;
                for (int lane = 0; lane < L; lane++) {
                    int src = wOff + (g * opg + b * L + lane) * cpg * 9;
                    for (int ct = 0; ct < cpg * 9; ct++) {
                        wp[dst + ct * L + lane] = wa[src + ct];
                    }
                }
            }
        }
        int outH = s.outH();
        int outW = s.outW();
        int pitch = 2 * outW + 1;
        int xPlane = (2 * outH + 1) * pitch;
        int plane = outH * outW;
        boolean pairs = outW == RUN;
        int units = s.n() * s.groups();
        long work = (long) plane * cpg * opg * 9;
        Parallel.forRange(units, DirectConv.grain(units, 1, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.planes = HostArrays.atLeast(mine.planes, (long) cpg * xPlane);
            boolean zeroed = s.equals(mine.planesShape);
            mine.planesShape = null; // until a copy of s has completed
            float[] xp = mine.planes;
            float[] cell = mine.cell;
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                pad(xp, xa, xOff + (n * s.cIn() + g * cpg) * s.h() * s.w(), cpg, s, zeroed);
                zeroed = true;
                mine.planesShape = s;
                for (int b = 0; b < blocks; b++) {
                    int wBlock = (g * blocks + b) * blockSize;
                    int o = g * opg + b * L;
                    int yPlane = yOff + (n * s.cOut() + o) * plane;
                    if (pairs) {
                        for (int r0 = 0; r0 < outH; r0 += 2) {
                            int oh = Math.min(r0, outH - 2);
                            int ca = 2 * oh * pitch;
                            tile(cell, xp, ca, ca + 2 * pitch, xPlane, pitch, cpg, wp, wBlock);
                            int at = yPlane + oh * RUN;
                            if (oh < outH - 2) {
                                DirectConvSlide.store14(cell, y, at, plane, ba, bOff + o);
                            } else {
                                DirectConvSlide.storeLast(cell, y, at, plane, ba, bOff + o);
                            }
                        }
                        continue;
                    }
                    for (int oh = 0; oh < outH; oh++) {
                        for (int o0 = 0; o0 < outW; o0 += P) {
                            int ow = Math.min(o0, outW - P);
                            int ca = 2 * oh * pitch + 2 * ow;
                            tile(cell, xp, ca, ca + 2 * RUN, xPlane, pitch, cpg, wp, wBlock);
                            int at = yPlane + oh * outW + ow;
                            if (oh < outH - 1) {
                                DirectConvSlide.store14(cell, y, at, plane, ba, bOff + o);
                            } else {
                                DirectConvSlide.storeLast(cell, y, at, plane, ba, bOff + o);
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Copies a sample's input planes (channels of one group) into xp, each 2·outH + 1 rows of 2·outW + 1 floats with
     * x from row and column 1 and zeros around it; the zeros are written only where {@code zeroed} is false (the
     * scratch last held another shape or an unfinished copy).
     */
    private static void pad(float[] xp, float[] xa, int off, int channels, ConvShape s, boolean zeroed) {
        int pitch = 2 * s.outW() + 1;
        int xPlane = (2 * s.outH() + 1) * pitch;
        if (!zeroed) {
            java.util.Arrays.fill(xp, 0, channels * xPlane, 0f);
        }
        int hw = s.h() * s.w();
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < s.h(); r++) {
                System.arraycopy(xa, off + c * hw + r * s.w(), xp, c * xPlane + (r + 1) * pitch + 1, s.w());
            }
        }
    }

    /**
     * cell[p·16 + lane] = Σ over input channels c, kernel rows i and columns j of wp[wOff + ((c·3 + i)·3 + j)·L +
     * lane] · xp[c·plane + i·pitch + base + 2q + j], for p = q (base ca) and p = 7 + q (base cb), q = 0 … 6, summed
     * in (c, i, j) order by fused multiply-adds.
     */
    private static void tile(float[] cell, float[] xp, int ca0, int cb0, int plane, int pitch, int channels,
                             float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z;
        FloatVector a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector w0, w1, w2, b;
        int wi = wOff;
        for (int c = 0, ca = ca0, cb = cb0; c < channels; c++, ca += plane, cb += plane, wi += 9 * L) {
            // kernel row 0
            w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            int ra0 = ca;
            b = FloatVector.broadcast(S, xp[ra0 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[ra0 + 1]);
            a0 = b.fma(w1, a0);
            b = FloatVector.broadcast(S, xp[ra0 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[ra0 + 3]);
            a1 = b.fma(w1, a1);
            b = FloatVector.broadcast(S, xp[ra0 + 4]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[ra0 + 5]);
            a2 = b.fma(w1, a2);
            b = FloatVector.broadcast(S, xp[ra0 + 6]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[ra0 + 7]);
            a3 = b.fma(w1, a3);
            b = FloatVector.broadcast(S, xp[ra0 + 8]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[ra0 + 9]);
            a4 = b.fma(w1, a4);
            b = FloatVector.broadcast(S, xp[ra0 + 10]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[ra0 + 11]);
            a5 = b.fma(w1, a5);
            b = FloatVector.broadcast(S, xp[ra0 + 12]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[ra0 + 13]);
            a6 = b.fma(w1, a6);
            b = FloatVector.broadcast(S, xp[ra0 + 14]);
            a6 = b.fma(w2, a6);
            int rb0 = cb;
            b = FloatVector.broadcast(S, xp[rb0 + 0]);
            a7 = b.fma(w0, a7);
            b = FloatVector.broadcast(S, xp[rb0 + 1]);
            a7 = b.fma(w1, a7);
            b = FloatVector.broadcast(S, xp[rb0 + 2]);
            a7 = b.fma(w2, a7);
            a8 = b.fma(w0, a8);
            b = FloatVector.broadcast(S, xp[rb0 + 3]);
            a8 = b.fma(w1, a8);
            b = FloatVector.broadcast(S, xp[rb0 + 4]);
            a8 = b.fma(w2, a8);
            a9 = b.fma(w0, a9);
            b = FloatVector.broadcast(S, xp[rb0 + 5]);
            a9 = b.fma(w1, a9);
            b = FloatVector.broadcast(S, xp[rb0 + 6]);
            a9 = b.fma(w2, a9);
            a10 = b.fma(w0, a10);
            b = FloatVector.broadcast(S, xp[rb0 + 7]);
            a10 = b.fma(w1, a10);
            b = FloatVector.broadcast(S, xp[rb0 + 8]);
            a10 = b.fma(w2, a10);
            a11 = b.fma(w0, a11);
            b = FloatVector.broadcast(S, xp[rb0 + 9]);
            a11 = b.fma(w1, a11);
            b = FloatVector.broadcast(S, xp[rb0 + 10]);
            a11 = b.fma(w2, a11);
            a12 = b.fma(w0, a12);
            b = FloatVector.broadcast(S, xp[rb0 + 11]);
            a12 = b.fma(w1, a12);
            b = FloatVector.broadcast(S, xp[rb0 + 12]);
            a12 = b.fma(w2, a12);
            a13 = b.fma(w0, a13);
            b = FloatVector.broadcast(S, xp[rb0 + 13]);
            a13 = b.fma(w1, a13);
            b = FloatVector.broadcast(S, xp[rb0 + 14]);
            a13 = b.fma(w2, a13);
            // kernel row 1
            w0 = FloatVector.fromArray(S, wp, wi + 3 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 4 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 5 * L);
            int ra1 = ca + 1 * pitch;
            b = FloatVector.broadcast(S, xp[ra1 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[ra1 + 1]);
            a0 = b.fma(w1, a0);
            b = FloatVector.broadcast(S, xp[ra1 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[ra1 + 3]);
            a1 = b.fma(w1, a1);
            b = FloatVector.broadcast(S, xp[ra1 + 4]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[ra1 + 5]);
            a2 = b.fma(w1, a2);
            b = FloatVector.broadcast(S, xp[ra1 + 6]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[ra1 + 7]);
            a3 = b.fma(w1, a3);
            b = FloatVector.broadcast(S, xp[ra1 + 8]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[ra1 + 9]);
            a4 = b.fma(w1, a4);
            b = FloatVector.broadcast(S, xp[ra1 + 10]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[ra1 + 11]);
            a5 = b.fma(w1, a5);
            b = FloatVector.broadcast(S, xp[ra1 + 12]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[ra1 + 13]);
            a6 = b.fma(w1, a6);
            b = FloatVector.broadcast(S, xp[ra1 + 14]);
            a6 = b.fma(w2, a6);
            int rb1 = cb + 1 * pitch;
            b = FloatVector.broadcast(S, xp[rb1 + 0]);
            a7 = b.fma(w0, a7);
            b = FloatVector.broadcast(S, xp[rb1 + 1]);
            a7 = b.fma(w1, a7);
            b = FloatVector.broadcast(S, xp[rb1 + 2]);
            a7 = b.fma(w2, a7);
            a8 = b.fma(w0, a8);
            b = FloatVector.broadcast(S, xp[rb1 + 3]);
            a8 = b.fma(w1, a8);
            b = FloatVector.broadcast(S, xp[rb1 + 4]);
            a8 = b.fma(w2, a8);
            a9 = b.fma(w0, a9);
            b = FloatVector.broadcast(S, xp[rb1 + 5]);
            a9 = b.fma(w1, a9);
            b = FloatVector.broadcast(S, xp[rb1 + 6]);
            a9 = b.fma(w2, a9);
            a10 = b.fma(w0, a10);
            b = FloatVector.broadcast(S, xp[rb1 + 7]);
            a10 = b.fma(w1, a10);
            b = FloatVector.broadcast(S, xp[rb1 + 8]);
            a10 = b.fma(w2, a10);
            a11 = b.fma(w0, a11);
            b = FloatVector.broadcast(S, xp[rb1 + 9]);
            a11 = b.fma(w1, a11);
            b = FloatVector.broadcast(S, xp[rb1 + 10]);
            a11 = b.fma(w2, a11);
            a12 = b.fma(w0, a12);
            b = FloatVector.broadcast(S, xp[rb1 + 11]);
            a12 = b.fma(w1, a12);
            b = FloatVector.broadcast(S, xp[rb1 + 12]);
            a12 = b.fma(w2, a12);
            a13 = b.fma(w0, a13);
            b = FloatVector.broadcast(S, xp[rb1 + 13]);
            a13 = b.fma(w1, a13);
            b = FloatVector.broadcast(S, xp[rb1 + 14]);
            a13 = b.fma(w2, a13);
            // kernel row 2
            w0 = FloatVector.fromArray(S, wp, wi + 6 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 7 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 8 * L);
            int ra2 = ca + 2 * pitch;
            b = FloatVector.broadcast(S, xp[ra2 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[ra2 + 1]);
            a0 = b.fma(w1, a0);
            b = FloatVector.broadcast(S, xp[ra2 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[ra2 + 3]);
            a1 = b.fma(w1, a1);
            b = FloatVector.broadcast(S, xp[ra2 + 4]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[ra2 + 5]);
            a2 = b.fma(w1, a2);
            b = FloatVector.broadcast(S, xp[ra2 + 6]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[ra2 + 7]);
            a3 = b.fma(w1, a3);
            b = FloatVector.broadcast(S, xp[ra2 + 8]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[ra2 + 9]);
            a4 = b.fma(w1, a4);
            b = FloatVector.broadcast(S, xp[ra2 + 10]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[ra2 + 11]);
            a5 = b.fma(w1, a5);
            b = FloatVector.broadcast(S, xp[ra2 + 12]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[ra2 + 13]);
            a6 = b.fma(w1, a6);
            b = FloatVector.broadcast(S, xp[ra2 + 14]);
            a6 = b.fma(w2, a6);
            int rb2 = cb + 2 * pitch;
            b = FloatVector.broadcast(S, xp[rb2 + 0]);
            a7 = b.fma(w0, a7);
            b = FloatVector.broadcast(S, xp[rb2 + 1]);
            a7 = b.fma(w1, a7);
            b = FloatVector.broadcast(S, xp[rb2 + 2]);
            a7 = b.fma(w2, a7);
            a8 = b.fma(w0, a8);
            b = FloatVector.broadcast(S, xp[rb2 + 3]);
            a8 = b.fma(w1, a8);
            b = FloatVector.broadcast(S, xp[rb2 + 4]);
            a8 = b.fma(w2, a8);
            a9 = b.fma(w0, a9);
            b = FloatVector.broadcast(S, xp[rb2 + 5]);
            a9 = b.fma(w1, a9);
            b = FloatVector.broadcast(S, xp[rb2 + 6]);
            a9 = b.fma(w2, a9);
            a10 = b.fma(w0, a10);
            b = FloatVector.broadcast(S, xp[rb2 + 7]);
            a10 = b.fma(w1, a10);
            b = FloatVector.broadcast(S, xp[rb2 + 8]);
            a10 = b.fma(w2, a10);
            a11 = b.fma(w0, a11);
            b = FloatVector.broadcast(S, xp[rb2 + 9]);
            a11 = b.fma(w1, a11);
            b = FloatVector.broadcast(S, xp[rb2 + 10]);
            a11 = b.fma(w2, a11);
            a12 = b.fma(w0, a12);
            b = FloatVector.broadcast(S, xp[rb2 + 11]);
            a12 = b.fma(w1, a12);
            b = FloatVector.broadcast(S, xp[rb2 + 12]);
            a12 = b.fma(w2, a12);
            a13 = b.fma(w0, a13);
            b = FloatVector.broadcast(S, xp[rb2 + 13]);
            a13 = b.fma(w1, a13);
            b = FloatVector.broadcast(S, xp[rb2 + 14]);
            a13 = b.fma(w2, a13);
        }
        a0.intoArray(cell, 0 * L);
        a1.intoArray(cell, 1 * L);
        a2.intoArray(cell, 2 * L);
        a3.intoArray(cell, 3 * L);
        a4.intoArray(cell, 4 * L);
        a5.intoArray(cell, 5 * L);
        a6.intoArray(cell, 6 * L);
        a7.intoArray(cell, 7 * L);
        a8.intoArray(cell, 8 * L);
        a9.intoArray(cell, 9 * L);
        a10.intoArray(cell, 10 * L);
        a11.intoArray(cell, 11 * L);
        a12.intoArray(cell, 12 * L);
        a13.intoArray(cell, 13 * L);
    }
}
