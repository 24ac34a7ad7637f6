package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input gradient of a stride-2, padding-1, 3×3 convolution with dx channels in the lanes and each dy value
 * broadcast once into every dx column it reaches (kiln train cnn's stride-2 16 → 32 and 32 → 64 at AVX-512,
 * through {@link ConvDispatch#phasesSlide}).
 *
 * <p>dx[c, h, w] = Σ W[o, c, i, j]·dy[o, oh, ow] over h = 2·oh − 1 + i, w = 2·ow − 1 + j. An even dx row 2a takes
 * kernel row 1 from dy row a; an odd row 2a + 1 kernel row 0 from dy row a + 1, then kernel row 2 from dy row a.
 * Along a row, dy column b reaches dx columns 2b − 1 (kernel column 0), 2b (1) and 2b + 1 (2). So a tile of 14 dx
 * columns from an even column 2b₀ broadcasts the 8 dy values b₀ … b₀ + 7 once each and adds each into the (up
 * to three) accumulators it reaches, with the kernel row's three weight vectors (16 dx channels each) in
 * registers: 11 loads per 21 fused multiply-adds, none split across cache lines, and no multiply-add on a
 * phase's zero. {@link DirectConvPhases} instead ran {@link DirectConvKernels}' positional tiles on each phase,
 * whose loads of 16 positions at q + taps[t] straddle two lines nearly every time (BENCHMARKS-notes), then
 * wrote the phases to every second column of dx.
 *
 * <p>dy is read from a sample's planes copied with one zero row below and one zero column to the right (the dy
 * row a + 1 and column b₀ + 7 past the edge). Each tile's 14 cells are transposed in registers and stored
 * straight into dx's NCHW planes ({@link DirectConvSlide#store14}: whole vectors, 2 floats past the tile that the next tile or
 * row rewrites; a plane's last row float by float). A row whose width is not a multiple of 14 ends with a tile
 * overlapping the one before it (the overlap computed twice, the same bits). Every dx value is one tile's sum in
 * (dy channel, kernel row, kernel column) order, so results do not depend on the thread count.
 */
final class DirectConvPhasesSlide {
    private DirectConvPhasesSlide() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** dx columns per tile. */
    static final int P = 14;

    /**
     * Whether {@link ConvDispatch#phasesSlide} may route shapes here: false with {@code
     * -Dkiln.conv.phasesSlide=false} (the paths before; A/B runs flip it).
     */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.phasesSlide", "true").trim());

    /**
     * Whether this kernel computes the shape's input gradient: vectors of 16 lanes, stride 2, an undilated 3×3
     * kernel with padding 1, whole vectors of dx channels per group, dx rows of an even width of at least
     * {@link #P}, and the usual output size (outH = ⌈h / 2⌉, outW = w / 2).
     */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && L == 16 && s.strideH() == 2 && s.strideW() == 2 && s.kH() == 3 && s.kW() == 3
                && s.padH() == 1 && s.padW() == 1 && s.dilationH() == 1 && s.dilationW() == 1
                && s.cInPerGroup() % L == 0 && s.w() % 2 == 0 && s.w() >= P
                && s.outW() == s.w() / 2 && s.outH() == (s.h() + 1) / 2;
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] planes = new float[0];
        ConvShape planesShape;
        /** One tile's cells on their way into NCHW. */
        final float[] cell = new float[P * 16];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The packed weights of the last call (per thread: the calls of one thread reuse it). */
    private static final ThreadLocal<float[][]> WEIGHTS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * dx = the input gradient of y = conv2d(x, w) for dy (all of dx written). The shape must satisfy
     * {@link #applies}.
     */
    static void backwardInput(float[] dx, int dxOff, float[] dya, int dyOff, float[] wa, int wOff, ConvShape s) {
        if (!applies(s)) {
            throw new IllegalArgumentException("DirectConvPhasesSlide.backwardInput: shape " + s
                    + " needs 16 lanes, stride 2, an undilated 3×3 kernel with padding 1, whole vectors of input"
                    + " channels per group and an even input width of at least " + P);
        }
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int blocks = cpg / L;
        // packed weights: [group][block][o][kernel row][kernel column][lane: dx channel]
        int blockSize = opg * 9 * L;
        float[][] held = WEIGHTS.get();
        held[0] = HostArrays.atLeast(held[0], (long) s.groups() * blocks * blockSize);
        float[] wp = held[0];
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                int dst = (g * blocks + b) * blockSize;
                for (int o = 0; o < opg; o++) {
                    for (int lane = 0; lane < L; lane++) {
                        int src = wOff + ((g * opg + o) * cpg + b * L + lane) * 9;
                        for (int t = 0; t < 9; t++) {
                            wp[dst + (o * 9 + t) * L + lane] = wa[src + t];
                        }
                    }
                }
            }
        }
        int pitch = s.outW() + 1;
        int dyPlane = (s.outH() + 1) * pitch;
        int h = s.h();
        int w = s.w();
        int plane = h * w;
        int units = s.n() * s.groups();
        long work = (long) plane * cpg * opg * 9 / 4;
        Parallel.forRange(units, DirectConv.grain(units, 1, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.planes = HostArrays.atLeast(mine.planes, (long) opg * dyPlane);
            boolean zeroed = s.equals(mine.planesShape);
            mine.planesShape = null; // until a copy of s has completed
            float[] dp = mine.planes;
            float[] cell = mine.cell;
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                pad(dp, dya, dyOff + (n * s.cOut() + g * opg) * s.outH() * s.outW(), opg, s, zeroed);
                zeroed = true;
                mine.planesShape = s;
                for (int b = 0; b < blocks; b++) {
                    int wBlock = (g * blocks + b) * blockSize;
                    int dPlane = dxOff + (n * s.cIn() + g * cpg + b * L) * plane;
                    for (int row = 0; row < h; row++) {
                        int a = row >> 1;
                        for (int c0 = 0; c0 < w; c0 += P) {
                            int col = Math.min(c0, w - P);
                            int d = a * pitch + (col >> 1);
                            if ((row & 1) == 0) {
                                evenTile(cell, dp, d, dyPlane, opg, wp, wBlock);
                            } else {
                                oddTile(cell, dp, d, dyPlane, pitch, opg, wp, wBlock);
                            }
                            int at = dPlane + row * w + col;
                            if (row < h - 1) {
                                DirectConvSlide.store14(cell, dx, at, plane, null, 0);
                            } else {
                                DirectConvSlide.storeLast(cell, dx, at, plane, null, 0);
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Copies a sample's dy planes (channels of one group) into dp, each outH + 1 rows of outW + 1 floats, the
     * last row and column zero; those zeros are written only where {@code zeroed} is false (the scratch last held
     * another shape or an unfinished copy).
     */
    private static void pad(float[] dp, float[] dya, int off, int channels, ConvShape s, boolean zeroed) {
        int oh = s.outH();
        int ow = s.outW();
        int pitch = ow + 1;
        int dyPlane = (oh + 1) * pitch;
        if (!zeroed) {
            java.util.Arrays.fill(dp, 0, channels * dyPlane, 0f);
        }
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < oh; r++) {
                System.arraycopy(dya, off + (c * oh + r) * ow, dp, c * dyPlane + r * pitch, ow);
            }
        }
    }

    /**
     * cell[k·16 + lane] = Σ over dy channels o of the even dx row 2a's column 2b₀ + k: kernel row 1 from dy row a,
     * dp[d + o·plane + m] for m = 0 … 7 (d = a·pitch + b₀), weights wp[wOff + (o·9 + 3 + j)·L + lane].
     */
    private static void evenTile(float[] cell, float[] dp, int dOff, int plane, int channels, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z;
        FloatVector a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector w0, w1, w2, b;
        int wi = wOff;
        for (int o = 0, d = dOff; o < channels; o++, d += plane, wi += 9 * L) {
            // kernel row 1 from dy row a
            int r1 = d;
            w0 = FloatVector.fromArray(S, wp, wi + 3 * L + 0 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 3 * L + 1 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 3 * L + 2 * L);
            b = FloatVector.broadcast(S, dp[r1 + 0]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w2, a1);
            b = FloatVector.broadcast(S, dp[r1 + 1]);
            a1 = b.fma(w0, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w2, a3);
            b = FloatVector.broadcast(S, dp[r1 + 2]);
            a3 = b.fma(w0, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w2, a5);
            b = FloatVector.broadcast(S, dp[r1 + 3]);
            a5 = b.fma(w0, a5);
            a6 = b.fma(w1, a6);
            a7 = b.fma(w2, a7);
            b = FloatVector.broadcast(S, dp[r1 + 4]);
            a7 = b.fma(w0, a7);
            a8 = b.fma(w1, a8);
            a9 = b.fma(w2, a9);
            b = FloatVector.broadcast(S, dp[r1 + 5]);
            a9 = b.fma(w0, a9);
            a10 = b.fma(w1, a10);
            a11 = b.fma(w2, a11);
            b = FloatVector.broadcast(S, dp[r1 + 6]);
            a11 = b.fma(w0, a11);
            a12 = b.fma(w1, a12);
            a13 = b.fma(w2, a13);
            b = FloatVector.broadcast(S, dp[r1 + 7]);
            a13 = b.fma(w0, a13);
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

    /**
     * {@link #evenTile} for the odd dx row 2a + 1: kernel row 0 from dy row a + 1, then kernel row 2 from dy row a.
     */
    private static void oddTile(float[] cell, float[] dp, int dOff, int plane, int pitch, int channels, float[] wp,
                                int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z;
        FloatVector a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector w0, w1, w2, b;
        int wi = wOff;
        for (int o = 0, d = dOff; o < channels; o++, d += plane, wi += 9 * L) {
            // kernel row 0 from dy row a + 1
            int r0 = d + pitch;
            w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            b = FloatVector.broadcast(S, dp[r0 + 0]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w2, a1);
            b = FloatVector.broadcast(S, dp[r0 + 1]);
            a1 = b.fma(w0, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w2, a3);
            b = FloatVector.broadcast(S, dp[r0 + 2]);
            a3 = b.fma(w0, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w2, a5);
            b = FloatVector.broadcast(S, dp[r0 + 3]);
            a5 = b.fma(w0, a5);
            a6 = b.fma(w1, a6);
            a7 = b.fma(w2, a7);
            b = FloatVector.broadcast(S, dp[r0 + 4]);
            a7 = b.fma(w0, a7);
            a8 = b.fma(w1, a8);
            a9 = b.fma(w2, a9);
            b = FloatVector.broadcast(S, dp[r0 + 5]);
            a9 = b.fma(w0, a9);
            a10 = b.fma(w1, a10);
            a11 = b.fma(w2, a11);
            b = FloatVector.broadcast(S, dp[r0 + 6]);
            a11 = b.fma(w0, a11);
            a12 = b.fma(w1, a12);
            a13 = b.fma(w2, a13);
            b = FloatVector.broadcast(S, dp[r0 + 7]);
            a13 = b.fma(w0, a13);
            // kernel row 2 from dy row a
            int r2 = d;
            w0 = FloatVector.fromArray(S, wp, wi + 6 * L + 0 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 6 * L + 1 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 6 * L + 2 * L);
            b = FloatVector.broadcast(S, dp[r2 + 0]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w2, a1);
            b = FloatVector.broadcast(S, dp[r2 + 1]);
            a1 = b.fma(w0, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w2, a3);
            b = FloatVector.broadcast(S, dp[r2 + 2]);
            a3 = b.fma(w0, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w2, a5);
            b = FloatVector.broadcast(S, dp[r2 + 3]);
            a5 = b.fma(w0, a5);
            a6 = b.fma(w1, a6);
            a7 = b.fma(w2, a7);
            b = FloatVector.broadcast(S, dp[r2 + 4]);
            a7 = b.fma(w0, a7);
            a8 = b.fma(w1, a8);
            a9 = b.fma(w2, a9);
            b = FloatVector.broadcast(S, dp[r2 + 5]);
            a9 = b.fma(w0, a9);
            a10 = b.fma(w1, a10);
            a11 = b.fma(w2, a11);
            b = FloatVector.broadcast(S, dp[r2 + 6]);
            a11 = b.fma(w0, a11);
            a12 = b.fma(w1, a12);
            a13 = b.fma(w2, a13);
            b = FloatVector.broadcast(S, dp[r2 + 7]);
            a13 = b.fma(w0, a13);
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
