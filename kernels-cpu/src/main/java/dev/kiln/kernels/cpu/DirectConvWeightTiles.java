package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static dev.kiln.kernels.cpu.DirectConvKernels.OC;
import static dev.kiln.kernels.cpu.DirectConvKernels.WIDE;

/**
 * The register tiles of {@link DirectConvWeight}, the direct convolution's weight gradient: a tile
 * of 4 output channels × {@code C} input channels for one tap, each accumulator a vector of partial
 * sums over positions, dy and x loaded once per step. {@code C} is 4 with 32 vector registers (16
 * accumulators, 4 + 4 loads) and 2 with 16 (8 accumulators). Written out by hand, with no helper
 * taking vectors (a helper C2 did not inline would box them). With {@code -Dkiln.simd=scalar} the
 * scalar tiles run, in the same order.
 */
final class DirectConvWeightTiles {
    private DirectConvWeightTiles() {
    }

    static final VectorSpecies<Float> S = Simd.F32;
    static final int L = S.length();

    /** Input channels per weight-gradient tile. */
    static final int C = WIDE ? 4 : 2;

    /** Positions per weight-gradient step. */
    static final int STEP = Simd.ENABLED ? L : 1;

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
