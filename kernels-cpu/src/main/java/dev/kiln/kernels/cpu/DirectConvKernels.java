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
 * whole vector rather than a whole tile: 210 positions (a 14×14 image, rows 15 apart) cost 14 vectors,
 * not 15.
 * Every tile sums in the same (c, t) order, so an output does not depend on the tile that computed it.
 * (The weight gradient's tiles are {@link DirectConvWeightTiles}.) As with SgemmKernel's tiles, C2
 * schedules loads and
 * broadcasts ahead of their FMAs, and a tile that needs more registers than there are keeps an
 * accumulator on the stack. Written out by hand, with no helper taking vectors (a helper C2 did not
 * inline would box them). With {@code -Dkiln.simd=scalar} the scalar tiles run, in the same order.
 */
final class DirectConvKernels {
    private DirectConvKernels() {
    }

    static final VectorSpecies<Float> S = Simd.F32;
    static final int L = S.length();

    /** Output channels per tile (the weight gradient's {@link DirectConvWeightTiles}, and the forward's 4-row tiles). */
    static final int OC = 4;

    /** Whether the wide tiles fit: 32 vector registers (AVX-512, or AArch64). */
    static final boolean WIDE = dev.kiln.kernels.cpu.gemm.CpuInfo.current().registers() >= 32;

    /** Positions per vector of the tiles: per weight-gradient step, and the unit of a forward tile. */
    static final int STEP = Simd.ENABLED ? L : 1;

    /** The most output positions one forward tile computes. */
    static final int SPAN = Simd.ENABLED ? (WIDE ? 4 : 2) * L : 1;

    /**
     * Output channels per forward tile for a group of {@code outChannels} and a plane of {@code vectors}
     * vectors of positions: 8 with 32 registers, but 4 where there are at most 4 channels, and where
     * the plane is whole 4 × 4 tiles but would leave one vector past the 8 × 3 ones (a 7×7 image: 56
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
}
