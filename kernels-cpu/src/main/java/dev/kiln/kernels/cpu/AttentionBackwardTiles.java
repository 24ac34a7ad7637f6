package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernels of the attention backward ({@link SdpaBackward}): a row block times a transposed
 * tile (S and dP) and the two accumulations P·X and Pᵀ·X (dQ; dK and dV), each holding a 4 × 2-vector
 * block in registers over its inner loop. Vectors run over the contiguous dim with scalar tails;
 * {@link Simd#ENABLED} false leaves only the scalar loops.
 */
final class AttentionBackwardTiles {
    private static final VectorSpecies<Float> SP = Simd.F32;
    private static final int L = SP.length();
    private static final boolean SIMD = Simd.ENABLED;
    /** Query rows per block; a multiple of 4, the row blocking of the micro-kernels. */
    static final int BR = 32;
    /** Keys per tile; a multiple of 2·L, the column blocking of {@link #matmulBT}. */
    static final int BC = Math.max(64, 2 * L);
    /**
     * Whether there are 32 vector registers (512-bit vectors), for {@link #matmulBT}'s 4 × 4-vector
     * tile; with 16 (AVX2, 128-bit vectors) it runs 4 × 2, as {@link AttentionTiles#MR} halves there.
     */
    private static final boolean WIDE = L >= 16;

    private AttentionBackwardTiles() {
    }

    /**
     * out[r·BC + c] = Σ_x a[r·aStride + x] · bt[btOff + x·btStride + c] for r < rows, c < cols: a row
     * block times a transposed tile. The vector path computes 4 rows × 4·L columns (2·L with 16
     * registers) at a time over extents padded up to BC (bt's rows must hold them: scratch of width
     * BC, or kT padded to whole tiles); entries beyond rows and cols are scratch and never read.
     */
    static void matmulBT(float[] out, float[] a, int aStride, float[] bt, int btOff, int btStride, int rows,
                         int cols, int inner) {
        if (!SIMD) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    float sum = 0;
                    for (int x = 0; x < inner; x++) {
                        sum += a[r * aStride + x] * bt[btOff + x * btStride + c];
                    }
                    out[r * BC + c] = sum;
                }
            }
            return;
        }
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int a0 = r * aStride;
            int a1 = a0 + aStride;
            int a2 = a1 + aStride;
            int a3 = a2 + aStride;
            int c = WIDE ? 0 : matmulBT4x2(out, a, r, a0, a1, a2, a3, bt, btOff, btStride, cols, inner);
            for (; WIDE && c + 4 * L <= cols + 3 * L && c + 4 * L <= BC; c += 4 * L) {
                FloatVector s00 = FloatVector.zero(SP), s01 = FloatVector.zero(SP);
                FloatVector s02 = FloatVector.zero(SP), s03 = FloatVector.zero(SP);
                FloatVector s10 = FloatVector.zero(SP), s11 = FloatVector.zero(SP);
                FloatVector s12 = FloatVector.zero(SP), s13 = FloatVector.zero(SP);
                FloatVector s20 = FloatVector.zero(SP), s21 = FloatVector.zero(SP);
                FloatVector s22 = FloatVector.zero(SP), s23 = FloatVector.zero(SP);
                FloatVector s30 = FloatVector.zero(SP), s31 = FloatVector.zero(SP);
                FloatVector s32 = FloatVector.zero(SP), s33 = FloatVector.zero(SP);
                for (int x = 0; x < inner; x++) {
                    int bo = btOff + x * btStride + c;
                    FloatVector b0 = FloatVector.fromArray(SP, bt, bo);
                    FloatVector b1 = FloatVector.fromArray(SP, bt, bo + L);
                    FloatVector b2 = FloatVector.fromArray(SP, bt, bo + 2 * L);
                    FloatVector b3 = FloatVector.fromArray(SP, bt, bo + 3 * L);
                    FloatVector w = FloatVector.broadcast(SP, a[a0 + x]);
                    s00 = b0.fma(w, s00);
                    s01 = b1.fma(w, s01);
                    s02 = b2.fma(w, s02);
                    s03 = b3.fma(w, s03);
                    w = FloatVector.broadcast(SP, a[a1 + x]);
                    s10 = b0.fma(w, s10);
                    s11 = b1.fma(w, s11);
                    s12 = b2.fma(w, s12);
                    s13 = b3.fma(w, s13);
                    w = FloatVector.broadcast(SP, a[a2 + x]);
                    s20 = b0.fma(w, s20);
                    s21 = b1.fma(w, s21);
                    s22 = b2.fma(w, s22);
                    s23 = b3.fma(w, s23);
                    w = FloatVector.broadcast(SP, a[a3 + x]);
                    s30 = b0.fma(w, s30);
                    s31 = b1.fma(w, s31);
                    s32 = b2.fma(w, s32);
                    s33 = b3.fma(w, s33);
                }
                int o = r * BC + c;
                s00.intoArray(out, o);
                s01.intoArray(out, o + L);
                s02.intoArray(out, o + 2 * L);
                s03.intoArray(out, o + 3 * L);
                s10.intoArray(out, o + BC);
                s11.intoArray(out, o + BC + L);
                s12.intoArray(out, o + BC + 2 * L);
                s13.intoArray(out, o + BC + 3 * L);
                s20.intoArray(out, o + 2 * BC);
                s21.intoArray(out, o + 2 * BC + L);
                s22.intoArray(out, o + 2 * BC + 2 * L);
                s23.intoArray(out, o + 2 * BC + 3 * L);
                s30.intoArray(out, o + 3 * BC);
                s31.intoArray(out, o + 3 * BC + L);
                s32.intoArray(out, o + 3 * BC + 2 * L);
                s33.intoArray(out, o + 3 * BC + 3 * L);
            }
            for (; c < cols; c += L) {
                FloatVector s0 = FloatVector.zero(SP), s1 = FloatVector.zero(SP);
                FloatVector s2 = FloatVector.zero(SP), s3 = FloatVector.zero(SP);
                for (int x = 0; x < inner; x++) {
                    FloatVector b0 = FloatVector.fromArray(SP, bt, btOff + x * btStride + c);
                    s0 = b0.fma(FloatVector.broadcast(SP, a[a0 + x]), s0);
                    s1 = b0.fma(FloatVector.broadcast(SP, a[a1 + x]), s1);
                    s2 = b0.fma(FloatVector.broadcast(SP, a[a2 + x]), s2);
                    s3 = b0.fma(FloatVector.broadcast(SP, a[a3 + x]), s3);
                }
                int o = r * BC + c;
                s0.intoArray(out, o);
                s1.intoArray(out, o + BC);
                s2.intoArray(out, o + 2 * BC);
                s3.intoArray(out, o + 3 * BC);
            }
        }
        for (; r < rows; r++) {
            int ar = r * aStride;
            for (int c = 0; c < cols; c += L) {
                FloatVector s0 = FloatVector.zero(SP);
                for (int x = 0; x < inner; x++) {
                    s0 = FloatVector.fromArray(SP, bt, btOff + x * btStride + c)
                            .fma(FloatVector.broadcast(SP, a[ar + x]), s0);
                }
                s0.intoArray(out, r * BC + c);
            }
        }
    }

    /**
     * {@link #matmulBT}'s rows r..r+3 (starting at a0..a3 in a) in tiles of 4 rows × 2 vectors, where
     * there are 16 vector registers: 8 accumulators, 2 loads and a broadcast, where the 4 × 4 tile (16
     * accumulators, 4 loads) spills. Every column a tile covers is summed in the same order as in the
     * 4 × 4 tile, so the bits are the same. Returns the first column left to the one-vector loop.
     */
    private static int matmulBT4x2(float[] out, float[] a, int r, int a0, int a1, int a2, int a3, float[] bt,
                                   int btOff, int btStride, int cols, int inner) {
        int c = 0;
        for (; c + 2 * L <= cols + L && c + 2 * L <= BC; c += 2 * L) {
            FloatVector s00 = FloatVector.zero(SP), s01 = FloatVector.zero(SP);
            FloatVector s10 = FloatVector.zero(SP), s11 = FloatVector.zero(SP);
            FloatVector s20 = FloatVector.zero(SP), s21 = FloatVector.zero(SP);
            FloatVector s30 = FloatVector.zero(SP), s31 = FloatVector.zero(SP);
            for (int x = 0; x < inner; x++) {
                int bo = btOff + x * btStride + c;
                FloatVector b0 = FloatVector.fromArray(SP, bt, bo);
                FloatVector b1 = FloatVector.fromArray(SP, bt, bo + L);
                FloatVector w = FloatVector.broadcast(SP, a[a0 + x]);
                s00 = b0.fma(w, s00);
                s01 = b1.fma(w, s01);
                w = FloatVector.broadcast(SP, a[a1 + x]);
                s10 = b0.fma(w, s10);
                s11 = b1.fma(w, s11);
                w = FloatVector.broadcast(SP, a[a2 + x]);
                s20 = b0.fma(w, s20);
                s21 = b1.fma(w, s21);
                w = FloatVector.broadcast(SP, a[a3 + x]);
                s30 = b0.fma(w, s30);
                s31 = b1.fma(w, s31);
            }
            int o = r * BC + c;
            s00.intoArray(out, o);
            s01.intoArray(out, o + L);
            s10.intoArray(out, o + BC);
            s11.intoArray(out, o + BC + L);
            s20.intoArray(out, o + 2 * BC);
            s21.intoArray(out, o + 2 * BC + L);
            s30.intoArray(out, o + 3 * BC);
            s31.intoArray(out, o + 3 * BC + L);
        }
        return c;
    }

    /**
     * acc[accOff + r·accStride + e] += Σ_c p[r·pStride + c] · x[xOff + c·xStride + e] for r < rows,
     * e < width: dS·K, the dQ update. Vectors run over e, four rows at a time.
     */
    static void accumulateRows(float[] acc, int accOff, int accStride, float[] p, int pStride, float[] x, int xOff,
                               int xStride, int rows, int cols, int width) {
        int vEnd = SIMD ? SP.loopBound(width) : 0;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int o0 = accOff + r * accStride;
            int p0 = r * pStride;
            int e = 0;
            for (; e + 2 * L <= vEnd; e += 2 * L) {
                FloatVector a00 = FloatVector.fromArray(SP, acc, o0 + e);
                FloatVector a01 = FloatVector.fromArray(SP, acc, o0 + e + L);
                FloatVector a10 = FloatVector.fromArray(SP, acc, o0 + accStride + e);
                FloatVector a11 = FloatVector.fromArray(SP, acc, o0 + accStride + e + L);
                FloatVector a20 = FloatVector.fromArray(SP, acc, o0 + 2 * accStride + e);
                FloatVector a21 = FloatVector.fromArray(SP, acc, o0 + 2 * accStride + e + L);
                FloatVector a30 = FloatVector.fromArray(SP, acc, o0 + 3 * accStride + e);
                FloatVector a31 = FloatVector.fromArray(SP, acc, o0 + 3 * accStride + e + L);
                for (int c = 0; c < cols; c++) {
                    int xr = xOff + c * xStride + e;
                    FloatVector x0 = FloatVector.fromArray(SP, x, xr);
                    FloatVector x1 = FloatVector.fromArray(SP, x, xr + L);
                    FloatVector w0 = FloatVector.broadcast(SP, p[p0 + c]);
                    FloatVector w1 = FloatVector.broadcast(SP, p[p0 + pStride + c]);
                    FloatVector w2 = FloatVector.broadcast(SP, p[p0 + 2 * pStride + c]);
                    FloatVector w3 = FloatVector.broadcast(SP, p[p0 + 3 * pStride + c]);
                    a00 = x0.fma(w0, a00);
                    a01 = x1.fma(w0, a01);
                    a10 = x0.fma(w1, a10);
                    a11 = x1.fma(w1, a11);
                    a20 = x0.fma(w2, a20);
                    a21 = x1.fma(w2, a21);
                    a30 = x0.fma(w3, a30);
                    a31 = x1.fma(w3, a31);
                }
                a00.intoArray(acc, o0 + e);
                a01.intoArray(acc, o0 + e + L);
                a10.intoArray(acc, o0 + accStride + e);
                a11.intoArray(acc, o0 + accStride + e + L);
                a20.intoArray(acc, o0 + 2 * accStride + e);
                a21.intoArray(acc, o0 + 2 * accStride + e + L);
                a30.intoArray(acc, o0 + 3 * accStride + e);
                a31.intoArray(acc, o0 + 3 * accStride + e + L);
            }
            for (; e < vEnd; e += L) {
                FloatVector a0 = FloatVector.fromArray(SP, acc, o0 + e);
                FloatVector a1 = FloatVector.fromArray(SP, acc, o0 + accStride + e);
                FloatVector a2 = FloatVector.fromArray(SP, acc, o0 + 2 * accStride + e);
                FloatVector a3 = FloatVector.fromArray(SP, acc, o0 + 3 * accStride + e);
                for (int c = 0; c < cols; c++) {
                    FloatVector x0 = FloatVector.fromArray(SP, x, xOff + c * xStride + e);
                    a0 = x0.fma(FloatVector.broadcast(SP, p[p0 + c]), a0);
                    a1 = x0.fma(FloatVector.broadcast(SP, p[p0 + pStride + c]), a1);
                    a2 = x0.fma(FloatVector.broadcast(SP, p[p0 + 2 * pStride + c]), a2);
                    a3 = x0.fma(FloatVector.broadcast(SP, p[p0 + 3 * pStride + c]), a3);
                }
                a0.intoArray(acc, o0 + e);
                a1.intoArray(acc, o0 + accStride + e);
                a2.intoArray(acc, o0 + 2 * accStride + e);
                a3.intoArray(acc, o0 + 3 * accStride + e);
            }
            for (int rr = r; rr < r + 4; rr++) {
                accumulateRowTail(acc, accOff + rr * accStride, p, rr * pStride, x, xOff, xStride, cols, e, width);
            }
        }
        for (; r < rows; r++) {
            int o = accOff + r * accStride;
            int pr = r * pStride;
            int e = 0;
            for (; e < vEnd; e += L) {
                FloatVector a0 = FloatVector.fromArray(SP, acc, o + e);
                for (int c = 0; c < cols; c++) {
                    a0 = FloatVector.fromArray(SP, x, xOff + c * xStride + e)
                            .fma(FloatVector.broadcast(SP, p[pr + c]), a0);
                }
                a0.intoArray(acc, o + e);
            }
            accumulateRowTail(acc, o, p, pr, x, xOff, xStride, cols, e, width);
        }
    }

    private static void accumulateRowTail(float[] acc, int o, float[] p, int pr, float[] x, int xOff, int xStride,
                                          int cols, int from, int width) {
        for (int e = from; e < width; e++) {
            float sum = acc[o + e];
            for (int c = 0; c < cols; c++) {
                sum += p[pr + c] * x[xOff + c * xStride + e];
            }
            acc[o + e] = sum;
        }
    }

    /**
     * acc[c·accStride + e] += Σ_r p[r·pStride + c] · x[xOff + r·xStride + e] for c < cols, e < width:
     * Pᵀ·dO and dSᵀ·Q in backward. Vectors run over e, four columns of p at a time.
     */
    static void accumulateCols(float[] acc, int accStride, float[] p, int pStride, float[] x, int xOff, int xStride,
                               int rows, int cols, int width) {
        int vEnd = SIMD ? SP.loopBound(width) : 0;
        int c = 0;
        for (; c + 4 <= cols; c += 4) {
            int o0 = c * accStride;
            int o1 = o0 + accStride;
            int o2 = o1 + accStride;
            int o3 = o2 + accStride;
            int e = 0;
            for (; e + 2 * L <= vEnd; e += 2 * L) {
                FloatVector a00 = FloatVector.fromArray(SP, acc, o0 + e);
                FloatVector a01 = FloatVector.fromArray(SP, acc, o0 + e + L);
                FloatVector a10 = FloatVector.fromArray(SP, acc, o1 + e);
                FloatVector a11 = FloatVector.fromArray(SP, acc, o1 + e + L);
                FloatVector a20 = FloatVector.fromArray(SP, acc, o2 + e);
                FloatVector a21 = FloatVector.fromArray(SP, acc, o2 + e + L);
                FloatVector a30 = FloatVector.fromArray(SP, acc, o3 + e);
                FloatVector a31 = FloatVector.fromArray(SP, acc, o3 + e + L);
                for (int r = 0; r < rows; r++) {
                    int xr = xOff + r * xStride + e;
                    FloatVector x0 = FloatVector.fromArray(SP, x, xr);
                    FloatVector x1 = FloatVector.fromArray(SP, x, xr + L);
                    int pr = r * pStride + c;
                    FloatVector w = FloatVector.broadcast(SP, p[pr]);
                    a00 = x0.fma(w, a00);
                    a01 = x1.fma(w, a01);
                    w = FloatVector.broadcast(SP, p[pr + 1]);
                    a10 = x0.fma(w, a10);
                    a11 = x1.fma(w, a11);
                    w = FloatVector.broadcast(SP, p[pr + 2]);
                    a20 = x0.fma(w, a20);
                    a21 = x1.fma(w, a21);
                    w = FloatVector.broadcast(SP, p[pr + 3]);
                    a30 = x0.fma(w, a30);
                    a31 = x1.fma(w, a31);
                }
                a00.intoArray(acc, o0 + e);
                a01.intoArray(acc, o0 + e + L);
                a10.intoArray(acc, o1 + e);
                a11.intoArray(acc, o1 + e + L);
                a20.intoArray(acc, o2 + e);
                a21.intoArray(acc, o2 + e + L);
                a30.intoArray(acc, o3 + e);
                a31.intoArray(acc, o3 + e + L);
            }
            for (; e < vEnd; e += L) {
                FloatVector a0 = FloatVector.fromArray(SP, acc, o0 + e);
                FloatVector a1 = FloatVector.fromArray(SP, acc, o0 + accStride + e);
                FloatVector a2 = FloatVector.fromArray(SP, acc, o0 + 2 * accStride + e);
                FloatVector a3 = FloatVector.fromArray(SP, acc, o0 + 3 * accStride + e);
                for (int r = 0; r < rows; r++) {
                    FloatVector x0 = FloatVector.fromArray(SP, x, xOff + r * xStride + e);
                    int pr = r * pStride + c;
                    a0 = x0.fma(FloatVector.broadcast(SP, p[pr]), a0);
                    a1 = x0.fma(FloatVector.broadcast(SP, p[pr + 1]), a1);
                    a2 = x0.fma(FloatVector.broadcast(SP, p[pr + 2]), a2);
                    a3 = x0.fma(FloatVector.broadcast(SP, p[pr + 3]), a3);
                }
                a0.intoArray(acc, o0 + e);
                a1.intoArray(acc, o0 + accStride + e);
                a2.intoArray(acc, o0 + 2 * accStride + e);
                a3.intoArray(acc, o0 + 3 * accStride + e);
            }
            for (int cc = c; cc < c + 4; cc++) {
                accumulateColTail(acc, cc * accStride, p, pStride, cc, x, xOff, xStride, rows, e, width);
            }
        }
        for (; c < cols; c++) {
            int o = c * accStride;
            int e = 0;
            for (; e < vEnd; e += L) {
                FloatVector a0 = FloatVector.fromArray(SP, acc, o + e);
                for (int r = 0; r < rows; r++) {
                    a0 = FloatVector.fromArray(SP, x, xOff + r * xStride + e)
                            .fma(FloatVector.broadcast(SP, p[r * pStride + c]), a0);
                }
                a0.intoArray(acc, o + e);
            }
            accumulateColTail(acc, o, p, pStride, c, x, xOff, xStride, rows, e, width);
        }
    }

    private static void accumulateColTail(float[] acc, int o, float[] p, int pStride, int c, float[] x, int xOff,
                                          int xStride, int rows, int from, int width) {
        for (int e = from; e < width; e++) {
            float sum = acc[o + e];
            for (int r = 0; r < rows; r++) {
                sum += p[r * pStride + c] * x[xOff + r * xStride + e];
            }
            acc[o + e] = sum;
        }
    }

    /** dst[dstOff + x·dstStride + c] = src[base + c·stride + x] for c < cols, x < width: rows turned into columns. */
    static void transpose(float[] dst, int dstOff, int dstStride, float[] src, int base, int stride, int cols,
                                  int width) {
        for (int c = 0; c < cols; c++) {
            int s = base + c * stride;
            for (int x = 0; x < width; x++) {
                dst[dstOff + x * dstStride + c] = src[s + x];
            }
        }
    }
}
