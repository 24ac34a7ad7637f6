package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one product shape of {@link SdpaWholeRows}: C[r][e] = Σ_k A(r, k) · X[k][e] for r < rows
 * (at most 4), k < n, e < width, where A is read element by element through any two strides and X
 * by rows of unit stride. Every product of the attention forward and backward is of this shape:
 * S = Q·Kᵀ (A = Q in place, X = Kᵀ packed once per head), O = P·V and dQ = dS·K (A = a row block of
 * P or dS, X = V or K in place), dV = Pᵀ·dO and dK = dSᵀ·Q (A = four columns of P or dS, read down
 * their rows; X = dO or Q in place). So nothing is packed but Kᵀ and Vᵀ, once per head.
 *
 * <p>Four rows × two vectors of C stay in registers for the whole k loop (8 accumulators: enough
 * to hide the FMA latency with 16 registers or 32, 2 vector loads and 4 broadcasts per 8 FMAs),
 * and C is written once, not accumulated. Then one-vector and scalar tails over e; rows past the
 * fourth are the caller's next call. {@link Simd#ENABLED} false leaves only the scalar loops.
 */
final class AttentionPanels {
    private static final VectorSpecies<Float> SP = Simd.F32;
    private static final int L = SP.length();
    private static final boolean SIMD = Simd.ENABLED;
    /** 32 vector registers (512-bit vectors): room for a 4 × 4-vector tile, 16 accumulators. */
    private static final boolean WIDE = L >= 16;

    private AttentionPanels() {
    }

    /** The lane count: columns of C are padded to whole vectors where the caller can (see {@link SdpaWholeRows}). */
    static int lanes() {
        return SIMD ? L : 1;
    }

    /**
     * c[cOff + r·ldc + e] = Σ_{k < n} a[aOff + r·ars + k·acs] · x[xOff + k·xst + e] for r < rows ≤ 4,
     * e < width; rows of C past {@code rows} are not touched. n = 0 writes zeros.
     */
    static void product(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] x, int xOff,
                        int xst, int rows, int n, int width) {
        int e = 0;
        if (SIMD && rows == 4) {
            for (; WIDE && e + 4 * L <= width; e += 4 * L) {
                product4x4(c, cOff + e, ldc, a, aOff, ars, acs, x, xOff + e, xst, n);
            }
            for (; !WIDE && e + 3 * L <= width; e += 3 * L) {
                product4x3(c, cOff + e, ldc, a, aOff, ars, acs, x, xOff + e, xst, n);
            }
            for (; e + 2 * L <= width; e += 2 * L) {
                product4x2(c, cOff + e, ldc, a, aOff, ars, acs, x, xOff + e, xst, n);
            }
            if (e + L <= width) {
                product4x1(c, cOff + e, ldc, a, aOff, ars, acs, x, xOff + e, xst, n);
                e += L;
            }
        } else if (SIMD) {
            for (int r = 0; r < rows; r++) {
                int f = 0;
                for (; f + L <= width; f += L) {
                    product1x1(c, cOff + r * ldc + f, a, aOff + r * ars, acs, x, xOff + f, xst, n);
                }
                tail(c, cOff + r * ldc, a, aOff + r * ars, acs, x, xOff, xst, n, f, width);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            tail(c, cOff + r * ldc, a, aOff + r * ars, acs, x, xOff, xst, n, e, width);
        }
    }

    /** One row of C, columns [from, width), by scalar loops. */
    private static void tail(float[] c, int cRow, float[] a, int aRow, int acs, float[] x, int xOff, int xst, int n,
                             int from, int width) {
        for (int e = from; e < width; e++) {
            float sum = 0;
            for (int k = 0; k < n; k++) {
                sum = Math.fma(a[aRow + k * acs], x[xOff + k * xst + e], sum);
            }
            c[cRow + e] = sum;
        }
    }

    private static void product4x4(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] x,
                                   int xOff, int xst, int n) {
        FloatVector c00 = FloatVector.zero(SP), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int a0 = aOff;
        int a1 = a0 + ars;
        int a2 = a1 + ars;
        int a3 = a2 + ars;
        int xi = xOff;
        int ak = 0;
        for (int k = 0; k < n; k++, xi += xst, ak += acs) {
            FloatVector x0 = FloatVector.fromArray(SP, x, xi);
            FloatVector x1 = FloatVector.fromArray(SP, x, xi + L);
            FloatVector x2 = FloatVector.fromArray(SP, x, xi + 2 * L);
            FloatVector x3 = FloatVector.fromArray(SP, x, xi + 3 * L);
            FloatVector w = FloatVector.broadcast(SP, a[a0 + ak]);
            c00 = x0.fma(w, c00);
            c01 = x1.fma(w, c01);
            c02 = x2.fma(w, c02);
            c03 = x3.fma(w, c03);
            w = FloatVector.broadcast(SP, a[a1 + ak]);
            c10 = x0.fma(w, c10);
            c11 = x1.fma(w, c11);
            c12 = x2.fma(w, c12);
            c13 = x3.fma(w, c13);
            w = FloatVector.broadcast(SP, a[a2 + ak]);
            c20 = x0.fma(w, c20);
            c21 = x1.fma(w, c21);
            c22 = x2.fma(w, c22);
            c23 = x3.fma(w, c23);
            w = FloatVector.broadcast(SP, a[a3 + ak]);
            c30 = x0.fma(w, c30);
            c31 = x1.fma(w, c31);
            c32 = x2.fma(w, c32);
            c33 = x3.fma(w, c33);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c02.intoArray(c, cOff + 2 * L);
        c03.intoArray(c, cOff + 3 * L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c12.intoArray(c, cOff + ldc + 2 * L);
        c13.intoArray(c, cOff + ldc + 3 * L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c23.intoArray(c, cOff + 2 * ldc + 3 * L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c32.intoArray(c, cOff + 3 * ldc + 2 * L);
        c33.intoArray(c, cOff + 3 * ldc + 3 * L);
    }

    private static void product4x3(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] x,
                                   int xOff, int xst, int n) {
        FloatVector c00 = FloatVector.zero(SP), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        int a0 = aOff;
        int a1 = a0 + ars;
        int a2 = a1 + ars;
        int a3 = a2 + ars;
        int xi = xOff;
        int ak = 0;
        for (int k = 0; k < n; k++, xi += xst, ak += acs) {
            FloatVector x0 = FloatVector.fromArray(SP, x, xi);
            FloatVector x1 = FloatVector.fromArray(SP, x, xi + L);
            FloatVector x2 = FloatVector.fromArray(SP, x, xi + 2 * L);
            FloatVector w = FloatVector.broadcast(SP, a[a0 + ak]);
            c00 = x0.fma(w, c00);
            c01 = x1.fma(w, c01);
            c02 = x2.fma(w, c02);
            w = FloatVector.broadcast(SP, a[a1 + ak]);
            c10 = x0.fma(w, c10);
            c11 = x1.fma(w, c11);
            c12 = x2.fma(w, c12);
            w = FloatVector.broadcast(SP, a[a2 + ak]);
            c20 = x0.fma(w, c20);
            c21 = x1.fma(w, c21);
            c22 = x2.fma(w, c22);
            w = FloatVector.broadcast(SP, a[a3 + ak]);
            c30 = x0.fma(w, c30);
            c31 = x1.fma(w, c31);
            c32 = x2.fma(w, c32);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c02.intoArray(c, cOff + 2 * L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c12.intoArray(c, cOff + ldc + 2 * L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c32.intoArray(c, cOff + 3 * ldc + 2 * L);
    }

    private static void product4x2(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] x,
                                   int xOff, int xst, int n) {
        FloatVector c00 = FloatVector.zero(SP), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        int a0 = aOff;
        int a1 = a0 + ars;
        int a2 = a1 + ars;
        int a3 = a2 + ars;
        int xi = xOff;
        int ak = 0;
        for (int k = 0; k < n; k++, xi += xst, ak += acs) {
            FloatVector x0 = FloatVector.fromArray(SP, x, xi);
            FloatVector x1 = FloatVector.fromArray(SP, x, xi + L);
            FloatVector w = FloatVector.broadcast(SP, a[a0 + ak]);
            c00 = x0.fma(w, c00);
            c01 = x1.fma(w, c01);
            w = FloatVector.broadcast(SP, a[a1 + ak]);
            c10 = x0.fma(w, c10);
            c11 = x1.fma(w, c11);
            w = FloatVector.broadcast(SP, a[a2 + ak]);
            c20 = x0.fma(w, c20);
            c21 = x1.fma(w, c21);
            w = FloatVector.broadcast(SP, a[a3 + ak]);
            c30 = x0.fma(w, c30);
            c31 = x1.fma(w, c31);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
    }

    private static void product4x1(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] x,
                                   int xOff, int xst, int n) {
        FloatVector c0 = FloatVector.zero(SP), c1 = c0, c2 = c0, c3 = c0;
        int a0 = aOff;
        int a1 = a0 + ars;
        int a2 = a1 + ars;
        int a3 = a2 + ars;
        int xi = xOff;
        int ak = 0;
        for (int k = 0; k < n; k++, xi += xst, ak += acs) {
            FloatVector x0 = FloatVector.fromArray(SP, x, xi);
            c0 = x0.fma(FloatVector.broadcast(SP, a[a0 + ak]), c0);
            c1 = x0.fma(FloatVector.broadcast(SP, a[a1 + ak]), c1);
            c2 = x0.fma(FloatVector.broadcast(SP, a[a2 + ak]), c2);
            c3 = x0.fma(FloatVector.broadcast(SP, a[a3 + ak]), c3);
        }
        c0.intoArray(c, cOff);
        c1.intoArray(c, cOff + ldc);
        c2.intoArray(c, cOff + 2 * ldc);
        c3.intoArray(c, cOff + 3 * ldc);
    }

    private static void product1x1(float[] c, int cOff, float[] a, int aRow, int acs, float[] x, int xOff, int xst,
                                   int n) {
        FloatVector c0 = FloatVector.zero(SP);
        int xi = xOff;
        int ak = aRow;
        for (int k = 0; k < n; k++, xi += xst, ak += acs) {
            c0 = FloatVector.fromArray(SP, x, xi).fma(FloatVector.broadcast(SP, a[ak]), c0);
        }
        c0.intoArray(c, cOff);
    }
}
