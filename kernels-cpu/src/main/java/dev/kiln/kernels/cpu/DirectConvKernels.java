package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled kernels of {@link DirectConv}: a stride-1 convolution over padded input
 * planes, where output position q = oh·pitch + ow reads tap t at q + taps[t] (the pitch is the padded
 * row width, so a run of output positions along a padded row, and across row ends, is one contiguous
 * run of input for every tap; the positions with ow ≥ outW are computed and thrown away).
 *
 * <p>Forward: a tile of R output channels × n vectors of positions in registers, adding weight ×
 * input over (input channel, tap) with the R weights broadcast and each input vector loaded once for
 * the R channels. With 32 vector registers (AVX-512, AArch64) the full tile is 8 × 3: 24
 * accumulators, 3 loads and 8 broadcasts per 24 fused multiply-adds, where 4 × 4 took 4 + 4 per 16,
 * and half as many passes over the input planes; a layer of at most 4 output channels takes 4 × 4.
 * With 16 registers it is 4 × 2 (8 accumulators): 4 × 3 and 6 × 2 need 16 registers and more, and C2
 * then keeps accumulators on the stack (they ran at 0.6× of 4 × 2). The positions past the last full
 * tile go to a tile of fewer vectors (8 × 2, 8 × 1, 4 × 2, 4 × 1), so a plane is computed up to a
 * whole vector rather than a whole tile: 224 positions (a 14×14 image) cost 14 vectors, not 16.
 * Every tile sums in the same (c, t) order, so an output does not depend on the tile that computed it.
 * Weight gradient: a tile of 4 output channels × {@code C} input
 * channels for one tap, each accumulator a vector of partial sums over positions, dy and x loaded
 * once per step. {@code C} is 4 with 32 vector registers (16 accumulators, 4 + 4
 * loads) and 2 with 16 (8 accumulators), as SgemmKernel sizes its tiles: C2 schedules loads and
 * broadcasts ahead of their FMAs, and a tile that needs more registers than there are keeps an
 * accumulator on the stack. Written out by hand, with no helper taking vectors (a helper C2 did not
 * inline would box them). With {@code -Dkiln.simd=scalar} the scalar tiles run, in the same order.
 */
final class DirectConvKernels {
    private DirectConvKernels() {
    }

    static final VectorSpecies<Float> S = Simd.F32;
    static final int L = S.length();

    /** Output channels per weight-gradient tile. */
    static final int OC = 4;

    /** Whether the wide tiles fit: 32 vector registers (AVX-512, or AArch64). */
    static final boolean WIDE = dev.kiln.kernels.cpu.gemm.CpuInfo.current().registers() >= 32;

    /** Input channels per weight-gradient tile. */
    static final int C = WIDE ? 4 : 2;

    /** Positions per vector of the tiles: per weight-gradient step, and the unit of a forward tile. */
    static final int STEP = Simd.ENABLED ? L : 1;

    /** The most output positions one forward tile computes. */
    static final int SPAN = Simd.ENABLED ? (WIDE ? 4 : 2) * L : 1;

    /**
     * Output channels per forward tile for a group of {@code outChannels} and a plane of {@code vectors}
     * vectors of positions: 8 with 32 registers, but 4 where there are at most 4 channels, and where
     * the plane is whole 4 × 4 tiles but would leave one vector past the 8 × 3 ones (a 7×7 image: 63
     * positions, 4 vectors), as a lone 8 × 1 tile loads 9 times for its 8 fused multiply-adds.
     */
    static int forwardRows(int outChannels, int vectors) {
        return WIDE && outChannels > 4 && (vectors % 3 != 1 || vectors % 4 != 0) ? 8 : 4;
    }

    /** Vectors of positions in a full forward tile of {@code rows} channels. */
    static int forwardVectors(int rows) {
        return rows == 8 ? 3 : WIDE ? 4 : 2;
    }

    /**
     * yp[yOff + r·ldy + p] = Σ over input channels c and taps t of wp[wOff + (c·taps + t)·rows + r] ·
     * xp[xOff + c·plane + taps[t] + p] for the rows r (8, or 4) and the positions p of one tile, summed
     * in (c, t) order with fused multiply-adds. The tile takes at most {@code vectors} vectors of
     * {@link #STEP} positions (at least 1) and returns how many it took.
     */
    static int forwardTile(int rows, int vectors, float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                           int channels, int[] taps, float[] wp, int wOff) {
        if (!Simd.ENABLED) {
            forwardTileScalar(rows, yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
            return 1;
        }
        if (rows == 8) {
            if (vectors >= 3) {
                forwardTile8x3(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
                return 3;
            } else if (vectors == 2) {
                forwardTile8x2(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
                return 2;
            }
            forwardTile8x1(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
            return 1;
        }
        if (vectors >= 4 && WIDE) {
            forwardTile4x4(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
            return 4;
        } else if (vectors >= 2) {
            forwardTile4x2(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
            return 2;
        }
        forwardTile4x1(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
        return 1;
    }

    private static void forwardTileScalar(int rows, float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                                          int channels, int[] taps, float[] wp, int wOff) {
        for (int r = 0; r < rows; r++) {
            float a = 0f;
            int wi = wOff + r;
            for (int c = 0; c < channels; c++) {
                int base = xOff + c * plane;
                for (int t = 0; t < taps.length; t++, wi += rows) {
                    a = Math.fma(wp[wi], xp[base + taps[t]], a);
                }
            }
            yp[yOff + r * ldy] = a;
        }
    }

    private static void forwardTile8x3(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                                       int channels, int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z;
        FloatVector a10 = z, a11 = z, a12 = z;
        FloatVector a20 = z, a21 = z, a22 = z;
        FloatVector a30 = z, a31 = z, a32 = z;
        FloatVector a40 = z, a41 = z, a42 = z;
        FloatVector a50 = z, a51 = z, a52 = z;
        FloatVector a60 = z, a61 = z, a62 = z;
        FloatVector a70 = z, a71 = z, a72 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += 8) {
                int src = base + taps[t];
                FloatVector x0 = FloatVector.fromArray(S, xp, src);
                FloatVector x1 = FloatVector.fromArray(S, xp, src + L);
                FloatVector x2 = FloatVector.fromArray(S, xp, src + 2 * L);
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = x0.fma(w, a00);
                a01 = x1.fma(w, a01);
                a02 = x2.fma(w, a02);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = x0.fma(w, a10);
                a11 = x1.fma(w, a11);
                a12 = x2.fma(w, a12);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = x0.fma(w, a20);
                a21 = x1.fma(w, a21);
                a22 = x2.fma(w, a22);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = x0.fma(w, a30);
                a31 = x1.fma(w, a31);
                a32 = x2.fma(w, a32);
                w = FloatVector.broadcast(S, wp[wi + 4]);
                a40 = x0.fma(w, a40);
                a41 = x1.fma(w, a41);
                a42 = x2.fma(w, a42);
                w = FloatVector.broadcast(S, wp[wi + 5]);
                a50 = x0.fma(w, a50);
                a51 = x1.fma(w, a51);
                a52 = x2.fma(w, a52);
                w = FloatVector.broadcast(S, wp[wi + 6]);
                a60 = x0.fma(w, a60);
                a61 = x1.fma(w, a61);
                a62 = x2.fma(w, a62);
                w = FloatVector.broadcast(S, wp[wi + 7]);
                a70 = x0.fma(w, a70);
                a71 = x1.fma(w, a71);
                a72 = x2.fma(w, a72);
            }
        }
        int d = yOff;
        a00.intoArray(yp, d);
        a01.intoArray(yp, d + L);
        a02.intoArray(yp, d + 2 * L);
        d += ldy;
        a10.intoArray(yp, d);
        a11.intoArray(yp, d + L);
        a12.intoArray(yp, d + 2 * L);
        d += ldy;
        a20.intoArray(yp, d);
        a21.intoArray(yp, d + L);
        a22.intoArray(yp, d + 2 * L);
        d += ldy;
        a30.intoArray(yp, d);
        a31.intoArray(yp, d + L);
        a32.intoArray(yp, d + 2 * L);
        d += ldy;
        a40.intoArray(yp, d);
        a41.intoArray(yp, d + L);
        a42.intoArray(yp, d + 2 * L);
        d += ldy;
        a50.intoArray(yp, d);
        a51.intoArray(yp, d + L);
        a52.intoArray(yp, d + 2 * L);
        d += ldy;
        a60.intoArray(yp, d);
        a61.intoArray(yp, d + L);
        a62.intoArray(yp, d + 2 * L);
        d += ldy;
        a70.intoArray(yp, d);
        a71.intoArray(yp, d + L);
        a72.intoArray(yp, d + 2 * L);
    }

    private static void forwardTile8x2(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                                       int channels, int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z;
        FloatVector a10 = z, a11 = z;
        FloatVector a20 = z, a21 = z;
        FloatVector a30 = z, a31 = z;
        FloatVector a40 = z, a41 = z;
        FloatVector a50 = z, a51 = z;
        FloatVector a60 = z, a61 = z;
        FloatVector a70 = z, a71 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += 8) {
                int src = base + taps[t];
                FloatVector x0 = FloatVector.fromArray(S, xp, src);
                FloatVector x1 = FloatVector.fromArray(S, xp, src + L);
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = x0.fma(w, a00);
                a01 = x1.fma(w, a01);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = x0.fma(w, a10);
                a11 = x1.fma(w, a11);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = x0.fma(w, a20);
                a21 = x1.fma(w, a21);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = x0.fma(w, a30);
                a31 = x1.fma(w, a31);
                w = FloatVector.broadcast(S, wp[wi + 4]);
                a40 = x0.fma(w, a40);
                a41 = x1.fma(w, a41);
                w = FloatVector.broadcast(S, wp[wi + 5]);
                a50 = x0.fma(w, a50);
                a51 = x1.fma(w, a51);
                w = FloatVector.broadcast(S, wp[wi + 6]);
                a60 = x0.fma(w, a60);
                a61 = x1.fma(w, a61);
                w = FloatVector.broadcast(S, wp[wi + 7]);
                a70 = x0.fma(w, a70);
                a71 = x1.fma(w, a71);
            }
        }
        int d = yOff;
        a00.intoArray(yp, d);
        a01.intoArray(yp, d + L);
        d += ldy;
        a10.intoArray(yp, d);
        a11.intoArray(yp, d + L);
        d += ldy;
        a20.intoArray(yp, d);
        a21.intoArray(yp, d + L);
        d += ldy;
        a30.intoArray(yp, d);
        a31.intoArray(yp, d + L);
        d += ldy;
        a40.intoArray(yp, d);
        a41.intoArray(yp, d + L);
        d += ldy;
        a50.intoArray(yp, d);
        a51.intoArray(yp, d + L);
        d += ldy;
        a60.intoArray(yp, d);
        a61.intoArray(yp, d + L);
        d += ldy;
        a70.intoArray(yp, d);
        a71.intoArray(yp, d + L);
    }

    private static void forwardTile8x1(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                                       int channels, int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z;
        FloatVector a10 = z;
        FloatVector a20 = z;
        FloatVector a30 = z;
        FloatVector a40 = z;
        FloatVector a50 = z;
        FloatVector a60 = z;
        FloatVector a70 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += 8) {
                int src = base + taps[t];
                FloatVector x0 = FloatVector.fromArray(S, xp, src);
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = x0.fma(w, a00);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = x0.fma(w, a10);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = x0.fma(w, a20);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = x0.fma(w, a30);
                w = FloatVector.broadcast(S, wp[wi + 4]);
                a40 = x0.fma(w, a40);
                w = FloatVector.broadcast(S, wp[wi + 5]);
                a50 = x0.fma(w, a50);
                w = FloatVector.broadcast(S, wp[wi + 6]);
                a60 = x0.fma(w, a60);
                w = FloatVector.broadcast(S, wp[wi + 7]);
                a70 = x0.fma(w, a70);
            }
        }
        int d = yOff;
        a00.intoArray(yp, d);
        d += ldy;
        a10.intoArray(yp, d);
        d += ldy;
        a20.intoArray(yp, d);
        d += ldy;
        a30.intoArray(yp, d);
        d += ldy;
        a40.intoArray(yp, d);
        d += ldy;
        a50.intoArray(yp, d);
        d += ldy;
        a60.intoArray(yp, d);
        d += ldy;
        a70.intoArray(yp, d);
    }

    private static void forwardTile4x4(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                                       int channels, int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += 4) {
                int src = base + taps[t];
                FloatVector x0 = FloatVector.fromArray(S, xp, src);
                FloatVector x1 = FloatVector.fromArray(S, xp, src + L);
                FloatVector x2 = FloatVector.fromArray(S, xp, src + 2 * L);
                FloatVector x3 = FloatVector.fromArray(S, xp, src + 3 * L);
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = x0.fma(w, a00);
                a01 = x1.fma(w, a01);
                a02 = x2.fma(w, a02);
                a03 = x3.fma(w, a03);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = x0.fma(w, a10);
                a11 = x1.fma(w, a11);
                a12 = x2.fma(w, a12);
                a13 = x3.fma(w, a13);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = x0.fma(w, a20);
                a21 = x1.fma(w, a21);
                a22 = x2.fma(w, a22);
                a23 = x3.fma(w, a23);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = x0.fma(w, a30);
                a31 = x1.fma(w, a31);
                a32 = x2.fma(w, a32);
                a33 = x3.fma(w, a33);
            }
        }
        int d = yOff;
        a00.intoArray(yp, d);
        a01.intoArray(yp, d + L);
        a02.intoArray(yp, d + 2 * L);
        a03.intoArray(yp, d + 3 * L);
        d += ldy;
        a10.intoArray(yp, d);
        a11.intoArray(yp, d + L);
        a12.intoArray(yp, d + 2 * L);
        a13.intoArray(yp, d + 3 * L);
        d += ldy;
        a20.intoArray(yp, d);
        a21.intoArray(yp, d + L);
        a22.intoArray(yp, d + 2 * L);
        a23.intoArray(yp, d + 3 * L);
        d += ldy;
        a30.intoArray(yp, d);
        a31.intoArray(yp, d + L);
        a32.intoArray(yp, d + 2 * L);
        a33.intoArray(yp, d + 3 * L);
    }

    private static void forwardTile4x2(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                                       int channels, int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z;
        FloatVector a10 = z, a11 = z;
        FloatVector a20 = z, a21 = z;
        FloatVector a30 = z, a31 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += 4) {
                int src = base + taps[t];
                FloatVector x0 = FloatVector.fromArray(S, xp, src);
                FloatVector x1 = FloatVector.fromArray(S, xp, src + L);
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = x0.fma(w, a00);
                a01 = x1.fma(w, a01);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = x0.fma(w, a10);
                a11 = x1.fma(w, a11);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = x0.fma(w, a20);
                a21 = x1.fma(w, a21);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = x0.fma(w, a30);
                a31 = x1.fma(w, a31);
            }
        }
        int d = yOff;
        a00.intoArray(yp, d);
        a01.intoArray(yp, d + L);
        d += ldy;
        a10.intoArray(yp, d);
        a11.intoArray(yp, d + L);
        d += ldy;
        a20.intoArray(yp, d);
        a21.intoArray(yp, d + L);
        d += ldy;
        a30.intoArray(yp, d);
        a31.intoArray(yp, d + L);
    }

    private static void forwardTile4x1(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane,
                                       int channels, int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z;
        FloatVector a10 = z;
        FloatVector a20 = z;
        FloatVector a30 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += 4) {
                int src = base + taps[t];
                FloatVector x0 = FloatVector.fromArray(S, xp, src);
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = x0.fma(w, a00);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = x0.fma(w, a10);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = x0.fma(w, a20);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = x0.fma(w, a30);
            }
        }
        int d = yOff;
        a00.intoArray(yp, d);
        d += ldy;
        a10.intoArray(yp, d);
        d += ldy;
        a20.intoArray(yp, d);
        d += ldy;
        a30.intoArray(yp, d);
    }

    /**
     * One weight-gradient tile for one tap: part[pOff + (r·C + c)·STEP + lane] (+)= Σ over samples
     * m in [0, samples) and positions q in [0, positions) of dyp[dOff + m·stride + r·ldd + q] ·
     * xp[xOff + m·stride + c·plane + tap + q], lane = q mod STEP, for the 4 out-channel rows r and C
     * input channels c; positions is a multiple of STEP. Samples are added in order; the first call
     * of a tile writes (accumulate false), later calls add.
     */
    static void weightTile(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff, int plane,
                           int tap, int positions, int samples, int stride, boolean accumulate) {
        if (!Simd.ENABLED) {
            weightTileScalar(part, pOff, dyp, dOff, ldd, xp, xOff, plane, tap, positions, samples, stride, accumulate);
        } else if (WIDE) {
            weightTile4x4(part, pOff, dyp, dOff, ldd, xp, xOff + tap, plane, positions, samples, stride, accumulate);
        } else {
            weightTile4x2(part, pOff, dyp, dOff, ldd, xp, xOff + tap, plane, positions, samples, stride, accumulate);
        }
    }

    private static void weightTileScalar(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff,
                                         int plane, int tap, int positions, int samples, int stride,
                                         boolean accumulate) {
        for (int r = 0; r < OC; r++) {
            for (int c = 0; c < C; c++) {
                int at = pOff + r * C + c;
                float a = accumulate ? part[at] : 0f;
                for (int m = 0; m < samples; m++) {
                    int d = dOff + m * stride + r * ldd;
                    int x = xOff + m * stride + c * plane + tap;
                    for (int q = 0; q < positions; q++) {
                        a = Math.fma(dyp[d + q], xp[x + q], a);
                    }
                }
                part[at] = a;
            }
        }
    }

    private static void weightTile4x4(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff,
                                      int plane, int positions, int samples, int stride, boolean accumulate) {
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + L);
            a02 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a03 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a10 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a12 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a13 = FloatVector.fromArray(S, part, pOff + 7 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 8 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 9 * L);
            a22 = FloatVector.fromArray(S, part, pOff + 10 * L);
            a23 = FloatVector.fromArray(S, part, pOff + 11 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 12 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 13 * L);
            a32 = FloatVector.fromArray(S, part, pOff + 14 * L);
            a33 = FloatVector.fromArray(S, part, pOff + 15 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z; a02 = z; a03 = z;
            a10 = z; a11 = z; a12 = z; a13 = z;
            a20 = z; a21 = z; a22 = z; a23 = z;
            a30 = z; a31 = z; a32 = z; a33 = z;
        }
        for (int m = 0, end = samples * stride; m < end; m += stride) {
            int d0 = dOff + m;
            int d1 = d0 + ldd;
            int d2 = d1 + ldd;
            int d3 = d2 + ldd;
            int x0 = xOff + m;
            int x1 = x0 + plane;
            int x2 = x1 + plane;
            int x3 = x2 + plane;
            for (int q = 0; q < positions; q += L) {
                FloatVector dy0 = FloatVector.fromArray(S, dyp, d0 + q);
                FloatVector dy1 = FloatVector.fromArray(S, dyp, d1 + q);
                FloatVector dy2 = FloatVector.fromArray(S, dyp, d2 + q);
                FloatVector dy3 = FloatVector.fromArray(S, dyp, d3 + q);
                FloatVector x = FloatVector.fromArray(S, xp, x0 + q);
                a00 = dy0.fma(x, a00);
                a10 = dy1.fma(x, a10);
                a20 = dy2.fma(x, a20);
                a30 = dy3.fma(x, a30);
                x = FloatVector.fromArray(S, xp, x1 + q);
                a01 = dy0.fma(x, a01);
                a11 = dy1.fma(x, a11);
                a21 = dy2.fma(x, a21);
                a31 = dy3.fma(x, a31);
                x = FloatVector.fromArray(S, xp, x2 + q);
                a02 = dy0.fma(x, a02);
                a12 = dy1.fma(x, a12);
                a22 = dy2.fma(x, a22);
                a32 = dy3.fma(x, a32);
                x = FloatVector.fromArray(S, xp, x3 + q);
                a03 = dy0.fma(x, a03);
                a13 = dy1.fma(x, a13);
                a23 = dy2.fma(x, a23);
                a33 = dy3.fma(x, a33);
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + L);
        a02.intoArray(part, pOff + 2 * L);
        a03.intoArray(part, pOff + 3 * L);
        a10.intoArray(part, pOff + 4 * L);
        a11.intoArray(part, pOff + 5 * L);
        a12.intoArray(part, pOff + 6 * L);
        a13.intoArray(part, pOff + 7 * L);
        a20.intoArray(part, pOff + 8 * L);
        a21.intoArray(part, pOff + 9 * L);
        a22.intoArray(part, pOff + 10 * L);
        a23.intoArray(part, pOff + 11 * L);
        a30.intoArray(part, pOff + 12 * L);
        a31.intoArray(part, pOff + 13 * L);
        a32.intoArray(part, pOff + 14 * L);
        a33.intoArray(part, pOff + 15 * L);
    }

    private static void weightTile4x2(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff,
                                      int plane, int positions, int samples, int stride, boolean accumulate) {
        FloatVector a00, a01, a10, a11, a20, a21, a30, a31;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + L);
            a10 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 7 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z;
            a10 = z; a11 = z;
            a20 = z; a21 = z;
            a30 = z; a31 = z;
        }
        for (int m = 0, end = samples * stride; m < end; m += stride) {
            int d0 = dOff + m;
            int d1 = d0 + ldd;
            int d2 = d1 + ldd;
            int d3 = d2 + ldd;
            int xa = xOff + m;
            int x1 = xa + plane;
            for (int q = 0; q < positions; q += L) {
                FloatVector x0 = FloatVector.fromArray(S, xp, xa + q);
                FloatVector xb = FloatVector.fromArray(S, xp, x1 + q);
                FloatVector dy = FloatVector.fromArray(S, dyp, d0 + q);
                a00 = dy.fma(x0, a00);
                a01 = dy.fma(xb, a01);
                dy = FloatVector.fromArray(S, dyp, d1 + q);
                a10 = dy.fma(x0, a10);
                a11 = dy.fma(xb, a11);
                dy = FloatVector.fromArray(S, dyp, d2 + q);
                a20 = dy.fma(x0, a20);
                a21 = dy.fma(xb, a21);
                dy = FloatVector.fromArray(S, dyp, d3 + q);
                a30 = dy.fma(x0, a30);
                a31 = dy.fma(xb, a31);
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + L);
        a10.intoArray(part, pOff + 2 * L);
        a11.intoArray(part, pOff + 3 * L);
        a20.intoArray(part, pOff + 4 * L);
        a21.intoArray(part, pOff + 5 * L);
        a30.intoArray(part, pOff + 6 * L);
        a31.intoArray(part, pOff + 7 * L);
    }
}
