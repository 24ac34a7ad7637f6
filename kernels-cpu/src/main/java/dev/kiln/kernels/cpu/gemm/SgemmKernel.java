package dev.kiln.kernels.cpu.gemm;

import dev.kiln.kernels.cpu.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled micro-kernels of {@link Sgemm}: C[MR × w] (+)= Ã · B̃ over one packed A
 * micro-panel (MR rows, column by column: {@code ap[aOff + p·MR + i]}) and one packed B micro-panel
 * (w columns, row by row: {@code bp[bOff + p·w + j]}), with w one or two vectors.
 *
 * <p>Each step p loads the w columns of B as vectors, broadcasts the MR values of A one at a time and
 * issues MR·w/LANES fused multiply-adds into accumulators that live in registers for the whole loop.
 * Which tile runs is the {@link SgemmPlan}'s choice. 12 × 2 vectors is 24 accumulators + 2 B vectors
 * + broadcasts, within the 32 AVX-512 registers. With 16 registers (AVX2, SSE) the tile is 4 × 2
 * ({@link #kernel4x2}), or 12 × 1: 6 × 2 (12 accumulators + 2 B vectors) looks
 * as if it fits, but C2 schedules up to three broadcasts ahead of their FMAs, runs out of registers
 * and keeps one accumulator on the stack; its FMA chain then goes through a store and a reload every
 * step and the whole loop runs at half speed (seen in the generated code:
 * {@code vmovdqu ymm1,[rsp+0x10]; vfmadd231ps ymm1,..; vmovdqu [rsp+0x10],ymm1}). On the Emerald Rapids
 * Xeon (three load ports, FMAs on two) 4 × 2 runs 73-78 GFLOP/s in L1 at AVX2, against 79-82 for 8
 * FMA chains in registers and 82-83 for 12: 8 accumulators are not its bound there either. Tiles of
 * 12 with B as the FMAs' memory operands (1 × 12, 2 × 6, 3 × 4, 4 × 3: C2 folds a load with one use)
 * ran 50-69, and 4 × 3 with B in registers keeps two accumulators on the stack. The code is written out
 * by hand (no helper taking vectors): a helper that C2 declines to inline boxes every vector it is
 * given, which cost 2 to 7× in the lab (benchmarks-jmh, GemmLab v3 against v4). The stores are written the same way.
 */
final class SgemmKernel {
    static final VectorSpecies<Float> S = Simd.F32;
    static final int LANES = S.length();
    /** False when {@code -Dkiln.simd=scalar}: only {@link #kernelScalar} runs. */
    static final boolean VECTOR = Simd.ENABLED;

    private SgemmKernel() {
    }

    /** Scalar micro-kernel for the forced-scalar path: an mr × w tile. */
    static void kernelScalar(float[] c, int cOff, int ldc, float[] ap, int aOff, int mr, float[] bp, int bOff, int w,
                             int kc, boolean accumulate) {
        for (int i = 0; i < mr; i++) {
            int r = cOff + i * ldc;
            for (int j = 0; j < w; j++) {
                float s = 0;
                for (int p = 0; p < kc; p++) {
                    s += ap[aOff + p * mr + i] * bp[bOff + p * w + j];
                }
                c[r + j] = accumulate ? c[r + j] + s : s;
            }
        }
    }

    /** C[12 x 2L] (+)= A panel (12 x kc, column-major) times B panel (kc x 2L, row-major). */
    static void kernel12x2(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] bp, int bOff, int kc,
                           boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z;
        FloatVector c90 = z, c91 = z;
        FloatVector ca0 = z, ca1 = z;
        FloatVector cb0 = z, cb1 = z;
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += 12, bi += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(S, ap[ai + 10]);
            ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(S, ap[ai + 11]);
            cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        (accumulate ? c01.add(FloatVector.fromArray(S, c, r + LANES)) : c01).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        (accumulate ? c11.add(FloatVector.fromArray(S, c, r + LANES)) : c11).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        (accumulate ? c21.add(FloatVector.fromArray(S, c, r + LANES)) : c21).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        (accumulate ? c31.add(FloatVector.fromArray(S, c, r + LANES)) : c31).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c40.add(FloatVector.fromArray(S, c, r)) : c40).intoArray(c, r);
        (accumulate ? c41.add(FloatVector.fromArray(S, c, r + LANES)) : c41).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c50.add(FloatVector.fromArray(S, c, r)) : c50).intoArray(c, r);
        (accumulate ? c51.add(FloatVector.fromArray(S, c, r + LANES)) : c51).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c60.add(FloatVector.fromArray(S, c, r)) : c60).intoArray(c, r);
        (accumulate ? c61.add(FloatVector.fromArray(S, c, r + LANES)) : c61).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c70.add(FloatVector.fromArray(S, c, r)) : c70).intoArray(c, r);
        (accumulate ? c71.add(FloatVector.fromArray(S, c, r + LANES)) : c71).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c80.add(FloatVector.fromArray(S, c, r)) : c80).intoArray(c, r);
        (accumulate ? c81.add(FloatVector.fromArray(S, c, r + LANES)) : c81).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c90.add(FloatVector.fromArray(S, c, r)) : c90).intoArray(c, r);
        (accumulate ? c91.add(FloatVector.fromArray(S, c, r + LANES)) : c91).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? ca0.add(FloatVector.fromArray(S, c, r)) : ca0).intoArray(c, r);
        (accumulate ? ca1.add(FloatVector.fromArray(S, c, r + LANES)) : ca1).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? cb0.add(FloatVector.fromArray(S, c, r)) : cb0).intoArray(c, r);
        (accumulate ? cb1.add(FloatVector.fromArray(S, c, r + LANES)) : cb1).intoArray(c, r + LANES);
    }

    /** C[12 x 1L] (+)= A panel (12 x kc, column-major) times B panel (kc x 1L, row-major). */
    static void kernel12x1(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] bp, int bOff, int kc,
                           boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z;
        FloatVector c10 = z;
        FloatVector c20 = z;
        FloatVector c30 = z;
        FloatVector c40 = z;
        FloatVector c50 = z;
        FloatVector c60 = z;
        FloatVector c70 = z;
        FloatVector c80 = z;
        FloatVector c90 = z;
        FloatVector ca0 = z;
        FloatVector cb0 = z;
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += 12, bi += 1 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            a = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a.fma(b0, c80);
            a = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a.fma(b0, c90);
            a = FloatVector.broadcast(S, ap[ai + 10]);
            ca0 = a.fma(b0, ca0);
            a = FloatVector.broadcast(S, ap[ai + 11]);
            cb0 = a.fma(b0, cb0);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        r += ldc;
        (accumulate ? c40.add(FloatVector.fromArray(S, c, r)) : c40).intoArray(c, r);
        r += ldc;
        (accumulate ? c50.add(FloatVector.fromArray(S, c, r)) : c50).intoArray(c, r);
        r += ldc;
        (accumulate ? c60.add(FloatVector.fromArray(S, c, r)) : c60).intoArray(c, r);
        r += ldc;
        (accumulate ? c70.add(FloatVector.fromArray(S, c, r)) : c70).intoArray(c, r);
        r += ldc;
        (accumulate ? c80.add(FloatVector.fromArray(S, c, r)) : c80).intoArray(c, r);
        r += ldc;
        (accumulate ? c90.add(FloatVector.fromArray(S, c, r)) : c90).intoArray(c, r);
        r += ldc;
        (accumulate ? ca0.add(FloatVector.fromArray(S, c, r)) : ca0).intoArray(c, r);
        r += ldc;
        (accumulate ? cb0.add(FloatVector.fromArray(S, c, r)) : cb0).intoArray(c, r);
    }

    /** C[6 x 2L] (+)= A panel (6 x kc, column-major) times B panel (kc x 2L, row-major). */
    static void kernel6x2(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] bp, int bOff, int kc,
                           boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += 6, bi += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        (accumulate ? c01.add(FloatVector.fromArray(S, c, r + LANES)) : c01).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        (accumulate ? c11.add(FloatVector.fromArray(S, c, r + LANES)) : c11).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        (accumulate ? c21.add(FloatVector.fromArray(S, c, r + LANES)) : c21).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        (accumulate ? c31.add(FloatVector.fromArray(S, c, r + LANES)) : c31).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c40.add(FloatVector.fromArray(S, c, r)) : c40).intoArray(c, r);
        (accumulate ? c41.add(FloatVector.fromArray(S, c, r + LANES)) : c41).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c50.add(FloatVector.fromArray(S, c, r)) : c50).intoArray(c, r);
        (accumulate ? c51.add(FloatVector.fromArray(S, c, r + LANES)) : c51).intoArray(c, r + LANES);
    }

    /** C[6 x 1L] (+)= A panel (6 x kc, column-major) times B panel (kc x 1L, row-major). */
    static void kernel6x1(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] bp, int bOff, int kc,
                           boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z;
        FloatVector c10 = z;
        FloatVector c20 = z;
        FloatVector c30 = z;
        FloatVector c40 = z;
        FloatVector c50 = z;
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += 6, bi += 1 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        r += ldc;
        (accumulate ? c40.add(FloatVector.fromArray(S, c, r)) : c40).intoArray(c, r);
        r += ldc;
        (accumulate ? c50.add(FloatVector.fromArray(S, c, r)) : c50).intoArray(c, r);
    }

    /**
     * The first {@code rows} (at most 8) rows of C[8 x 2L] (+)= Ã · B̃, for the last, short panel of A:
     * the panel is still packed {@code mr} rows high; only the rows that exist are computed and stored.
     */
    static void kernelUpTo8x2(float[] c, int cOff, int ldc, float[] ap, int aOff, int mr, int rows, float[] bp, int bOff,
                          int kc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += mr, bi += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        (accumulate ? c01.add(FloatVector.fromArray(S, c, r + LANES)) : c01).intoArray(c, r + LANES);
        if (rows <= 1) {
            return;
        }
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        (accumulate ? c11.add(FloatVector.fromArray(S, c, r + LANES)) : c11).intoArray(c, r + LANES);
        if (rows <= 2) {
            return;
        }
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        (accumulate ? c21.add(FloatVector.fromArray(S, c, r + LANES)) : c21).intoArray(c, r + LANES);
        if (rows <= 3) {
            return;
        }
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        (accumulate ? c31.add(FloatVector.fromArray(S, c, r + LANES)) : c31).intoArray(c, r + LANES);
        if (rows <= 4) {
            return;
        }
        r += ldc;
        (accumulate ? c40.add(FloatVector.fromArray(S, c, r)) : c40).intoArray(c, r);
        (accumulate ? c41.add(FloatVector.fromArray(S, c, r + LANES)) : c41).intoArray(c, r + LANES);
        if (rows <= 5) {
            return;
        }
        r += ldc;
        (accumulate ? c50.add(FloatVector.fromArray(S, c, r)) : c50).intoArray(c, r);
        (accumulate ? c51.add(FloatVector.fromArray(S, c, r + LANES)) : c51).intoArray(c, r + LANES);
        if (rows <= 6) {
            return;
        }
        r += ldc;
        (accumulate ? c60.add(FloatVector.fromArray(S, c, r)) : c60).intoArray(c, r);
        (accumulate ? c61.add(FloatVector.fromArray(S, c, r + LANES)) : c61).intoArray(c, r + LANES);
        if (rows <= 7) {
            return;
        }
        r += ldc;
        (accumulate ? c70.add(FloatVector.fromArray(S, c, r)) : c70).intoArray(c, r);
        (accumulate ? c71.add(FloatVector.fromArray(S, c, r + LANES)) : c71).intoArray(c, r + LANES);
    }

    /**
     * The first {@code rows} (at most 4) rows of C[4 x 2L] (+)= Ã · B̃, for the last, short panel of A:
     * the panel is still packed {@code mr} rows high; only the rows that exist are computed and stored.
     */
    static void kernelUpTo4x2(float[] c, int cOff, int ldc, float[] ap, int aOff, int mr, int rows, float[] bp, int bOff,
                          int kc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += mr, bi += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        (accumulate ? c01.add(FloatVector.fromArray(S, c, r + LANES)) : c01).intoArray(c, r + LANES);
        if (rows <= 1) {
            return;
        }
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        (accumulate ? c11.add(FloatVector.fromArray(S, c, r + LANES)) : c11).intoArray(c, r + LANES);
        if (rows <= 2) {
            return;
        }
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        (accumulate ? c21.add(FloatVector.fromArray(S, c, r + LANES)) : c21).intoArray(c, r + LANES);
        if (rows <= 3) {
            return;
        }
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        (accumulate ? c31.add(FloatVector.fromArray(S, c, r + LANES)) : c31).intoArray(c, r + LANES);
    }

    /**
     * C[4 x 2L] (+)= A panel (4 x kc, column-major) times B panel (kc x 2L, row-major): the tile with
     * 16 registers. The same loop as {@link #kernelUpTo4x2} but with the panel height a constant, so
     * that C2 sees A's index advance by 4 each step and checks its bounds once before the loop
     * instead of twice per step (kernelUpTo4x2's {@code ai += mr} is not a constant stride).
     */
    static void kernel4x2(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] bp, int bOff, int kc,
                          boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += 4, bi += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        (accumulate ? c01.add(FloatVector.fromArray(S, c, r + LANES)) : c01).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        (accumulate ? c11.add(FloatVector.fromArray(S, c, r + LANES)) : c11).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        (accumulate ? c21.add(FloatVector.fromArray(S, c, r + LANES)) : c21).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        (accumulate ? c31.add(FloatVector.fromArray(S, c, r + LANES)) : c31).intoArray(c, r + LANES);
    }

    /**
     * {@link #kernel4x2} reading its B panel straight from a row-major B ({@code b[bOff + p·ldb + j]},
     * 2 vectors of columns) and storing each row of it into the packed panel ({@code bp[bpOff + p·2L + j]})
     * as it goes: the first micro-panel of A to meet a B panel packs it, so B is read once, from where it
     * lies, and the packed panel is written while the FMAs run instead of in a pass of its own.
     */
    static void kernel4x2PackB(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] b, int bOff, int ldb,
                               float[] bp, int bpOff, int kc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        int ai = aOff;
        int bi = bOff;
        int di = bpOff;
        for (int p = 0; p < kc; p++, ai += 4, bi += ldb, di += 2 * LANES) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + LANES);
            b0.intoArray(bp, di);
            b1.intoArray(bp, di + LANES);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
        }
        int r = cOff;
        (accumulate ? c00.add(FloatVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        (accumulate ? c01.add(FloatVector.fromArray(S, c, r + LANES)) : c01).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c10.add(FloatVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        (accumulate ? c11.add(FloatVector.fromArray(S, c, r + LANES)) : c11).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c20.add(FloatVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        (accumulate ? c21.add(FloatVector.fromArray(S, c, r + LANES)) : c21).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c30.add(FloatVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        (accumulate ? c31.add(FloatVector.fromArray(S, c, r + LANES)) : c31).intoArray(c, r + LANES);
    }
}
