package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled kernels of {@link DirectConv}: a stride-1 convolution over padded input
 * planes, where output position q = oh·pitch + ow reads tap t at q + taps[t] (the pitch is the padded
 * row width, so a run of output positions along a padded row, and across row ends, is one contiguous
 * run of input for every tap; the positions with ow ≥ outW are computed and thrown away).
 *
 * <p>Forward: a tile of 4 output channels × {@code V} vectors of positions in registers, adding
 * weight × input over (input channel, tap) with the 4 weights broadcast and each input vector
 * loaded once for the 4 channels. (The weight gradient's tiles are
 * {@link DirectConvWeightTiles}.) {@code V} is 4 with 32 vector registers (16 accumulators, 4 + 4
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

    /** Output channels per tile (forward, and the weight gradient's {@link DirectConvWeightTiles}). */
    static final int OC = 4;

    /** Whether the wide tiles fit: 32 vector registers (AVX-512, or AArch64). */
    static final boolean WIDE = dev.kiln.kernels.cpu.gemm.CpuInfo.current().registers() >= 32;

    /** Position vectors per forward tile. */
    static final int V = WIDE ? 4 : 2;

    /** Output positions per forward tile. */
    static final int SPAN = Simd.ENABLED ? V * L : 1;

    /**
     * yp[yOff + r·ldy + p] = Σ over input channels c and taps t of wp[wOff + (c·taps + t)·4 + r] ·
     * xp[xOff + c·plane + taps[t] + p] for the 4 rows r and the SPAN positions p of one tile, summed
     * in (c, t) order with fused multiply-adds.
     */
    static void forwardTile(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane, int channels, int[] taps,
                            float[] wp, int wOff) {
        if (!Simd.ENABLED) {
            forwardTileScalar(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
        } else if (WIDE) {
            forwardTile4x4(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
        } else {
            forwardTile4x2(yp, yOff, ldy, xp, xOff, plane, channels, taps, wp, wOff);
        }
    }

    private static void forwardTileScalar(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane, int channels,
                                          int[] taps, float[] wp, int wOff) {
        for (int r = 0; r < OC; r++) {
            float a = 0f;
            int wi = wOff + r;
            for (int c = 0; c < channels; c++) {
                int base = xOff + c * plane;
                for (int t = 0; t < taps.length; t++, wi += OC) {
                    a = Math.fma(wp[wi], xp[base + taps[t]], a);
                }
            }
            yp[yOff + r * ldy] = a;
        }
    }

    private static void forwardTile4x4(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane, int channels,
                                       int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += OC) {
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

    private static void forwardTile4x2(float[] yp, int yOff, int ldy, float[] xp, int xOff, int plane, int channels,
                                       int[] taps, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z;
        FloatVector a10 = z, a11 = z;
        FloatVector a20 = z, a21 = z;
        FloatVector a30 = z, a31 = z;
        int wi = wOff;
        int kk = taps.length;
        for (int c = 0; c < channels; c++) {
            int base = xOff + c * plane;
            for (int t = 0; t < kk; t++, wi += OC) {
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
}
