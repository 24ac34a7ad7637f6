package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The register-tiled pieces of the fused attention forward ({@link SdpaForward}), in
 * the style of the GEMM's micro-kernels ({@code gemm.SgemmKernel}): a score tile S = Q·Kᵀ and the
 * update O = corr·O + P·V each hold an {@link #MR} × 2-vector block of results in registers for their
 * whole inner loop (12 × 2 = 24 accumulators where a vector is 512 bits, 6 × 2 with 16 registers), so
 * each step issues 2 vector loads and MR broadcasts for 2·MR fused multiply-adds. Between the two,
 * {@link #softmaxTile} does the online softmax of a tile with an inline exp2.
 *
 * <p>Layouts: Q is packed per query block in MR-row micro-panels ({@code qp[x·MR + i]}, scaled by
 * scale·log₂e so that scores are in log₂ units); K per key/value head in {@link #NR}-key panels
 * ({@code kp[x·NR + j]}, zero past the last key); scores and P live in a scratch of row stride
 * {@link #FC}; V is read in place (its rows are contiguous); O is a row-major scratch.
 *
 * <p>The kernels are written out by hand, as the GEMM's are: a helper taking vectors that C2 does
 * not inline boxes them.
 */
final class AttentionTiles {
    static final VectorSpecies<Float> SP = Simd.F32;
    static final int L = SP.length();
    static final boolean SIMD = Simd.ENABLED;
    /** Rows (queries) of a micro-tile: 12 where a vector is 512 bits (32 registers), else 6. */
    static final int MR = !SIMD ? 4 : L >= 16 ? 12 : 6;
    /** Keys of a K panel, and columns of the full P·V micro-tile: two vectors. */
    static final int NR = SIMD ? 2 * L : 8;
    /** Query rows per forward task: whole micro-panels, 4 unless the system property kiln.attn.fr (for tuning) says. */
    static final int FR = MR * Math.max(1, Integer.getInteger("kiln.attn.fr", 4));
    /** Keys per forward tile (about kiln.attn.fc, 128 by default): whole K panels; the row stride of the score scratch. */
    static final int FC = NR * Math.max(1, Integer.getInteger("kiln.attn.fc", 128) / NR);

    private static final float LOG2E = (float) (1 / Math.log(2));
    /** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer kept in the low mantissa bits. */
    static final float ROUND = 12582912f;
    /*
     * 2^f on [−½, ½]: a degree-6 polynomial with c0 = 1, fitted for least relative error (about 2e-9
     * before rounding; the test bounds the float result within 2 ulp of 2^x).
     */
    static final float C1 = 0.6931471824645996f;
    static final float C2 = 0.24022647738456726f;
    static final float C3 = 0.055503323674201965f;
    static final float C4 = 0.009618437848985195f;
    static final float C5 = 0.0013398876180872321f;
    static final float C6 = 0.00015353356138803065f;
    static final int ONE_BITS = Float.floatToRawIntBits(1f);

    private AttentionTiles() {
    }

    /** The factor that turns a score scale into log₂ units: P = 2^(s·log₂e − m). */
    static float log2e() {
        return LOG2E;
    }

    /** Slots per row of the row sums l: one per lane, reduced once at the end ({@link #rowSum}). */
    static final int LS = SIMD ? L : 1;
    /**
     * How far above the row max the vector path puts a new shift (log₂ units): P ≤ 2^−SLACK, and the
     * shift moves again only when a later score passes it, so most tiles skip the row's horizontal max.
     */
    static final float SLACK = 8f;

    /**
     * One tile of the online softmax, scores in log₂ units (rows r < rows of s, row stride {@link #FC},
     * entries c < cols): with a shift m no score exceeds, s ← 2^(s − m) (P, unnormalised),
     * l ← l·corr + Σ_c s, where corr = 2^(m_old − m) rescales what was summed before. Any shift at or
     * above the row max gives the same softmax, so m is kept a whole number (corr is an exact power of
     * two) and moves only when a score passes it: the vector path then sets it {@link #SLACK} above
     * the ceiling of the row max, and otherwise needs only a lanewise max and one compare per row,
     * not a horizontal reduction (that reduction and the scalar work around it cost as much as the
     * exponentials at 128 keys a tile). Entries more than 126 below m give 0, which is 2^−118 or less
     * of the row's largest P. A row that has seen no key yet (m = −∞) gets P = 0 and corr = 1.
     * Entries from cols up to the next whole vector are set to −∞ first (so they become 0). All rows'
     * shifts are found before any exp, so the rows' dependency chains overlap. l holds {@link #LS}
     * partial sums per row (l[r·LS + lane]).
     */
    static void softmaxTile(float[] s, int rows, int cols, float[] m, float[] l, float[] corr) {
        int colsV = SIMD ? (cols + L - 1) / L * L : cols;
        for (int r = 0; r < rows; r++) {
            int base = r * FC;
            if (colsV > cols) {
                Arrays.fill(s, base + cols, base + colsV, Float.NEGATIVE_INFINITY);
            }
            float mOld = m[r];
            float mNew = mOld;
            if (SIMD) {
                FloatVector m0 = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
                FloatVector m1 = m0;
                int c = 0;
                for (; c + 2 * L <= colsV; c += 2 * L) {
                    FloatVector x0 = FloatVector.fromArray(SP, s, base + c);
                    FloatVector x1 = FloatVector.fromArray(SP, s, base + c + L);
                    m0 = m0.blend(x0, m0.lt(x0)); // a NaN score is skipped here and poisons its row below
                    m1 = m1.blend(x1, m1.lt(x1));
                }
                if (c < colsV) {
                    FloatVector x0 = FloatVector.fromArray(SP, s, base + c);
                    m0 = m0.blend(x0, m0.lt(x0));
                }
                m0 = m0.blend(m1, m0.lt(m1));
                if (mOld == Float.NEGATIVE_INFINITY || m0.compare(VectorOperators.GT, mOld).anyTrue()) {
                    float max = m0.reduceLanes(VectorOperators.MAX);
                    if (max > mOld) {
                        mNew = (float) Math.ceil(max) + SLACK;
                    }
                }
            } else {
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < cols; c++) {
                    float x = s[base + c];
                    max = max < x ? x : max; // as the vector path: NaN is skipped here
                }
                mNew = Math.max(mOld, (float) Math.ceil(max));
            }
            // mOld − mNew is a whole number ≤ 0 (−∞ for a row's first keys): 2^(mOld − mNew) exactly
            corr[r] = mOld == mNew ? 1f : Math.scalb(1f, (int) Math.max(-200f, mOld - mNew));
            m[r] = mNew;
        }
        // the polynomial's constants as local vectors: C2 keeps them in registers (static final vectors it reloads)
        FloatVector c6 = FloatVector.broadcast(SP, C6);
        FloatVector c5 = FloatVector.broadcast(SP, C5);
        FloatVector c4 = FloatVector.broadcast(SP, C4);
        FloatVector c3 = FloatVector.broadcast(SP, C3);
        FloatVector c2 = FloatVector.broadcast(SP, C2);
        FloatVector c1 = FloatVector.broadcast(SP, C1);
        FloatVector one = FloatVector.broadcast(SP, 1f);
        for (int r = 0; r < rows; r++) {
            int base = r * FC;
            float mr = m[r];
            if (mr == Float.NEGATIVE_INFINITY) {
                Arrays.fill(s, base, base + colsV, 0f);
                corr[r] = 1f;
                continue;
            }
            int c = 0;
            if (SIMD) {
                FloatVector sh = FloatVector.broadcast(SP, mr);
                FloatVector s0 = FloatVector.zero(SP);
                FloatVector s1 = s0;
                for (; c + 2 * L <= colsV; c += 2 * L) {
                    // 2^x = 2^n · 2^f with n = round(x), f = x − n in [−½, ½]; x ≤ 0 here. Below
                    // 2^−126 (and for −∞, whose f is NaN) the result is 0; NaN stays NaN.
                    FloatVector x = FloatVector.fromArray(SP, s, base + c).sub(sh);
                    FloatVector z = x.add(ROUND);
                    FloatVector f = x.sub(z.sub(ROUND));
                    FloatVector p = c6.fma(f, c5).fma(f, c4).fma(f, c3).fma(f, c2).fma(f, c1).fma(f, one);
                    FloatVector e = p.mul(z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                            .add(ONE_BITS).reinterpretAsFloats()).blend(0f, x.lt(-126f));
                    e.intoArray(s, base + c);
                    s0 = s0.add(e);
                    x = FloatVector.fromArray(SP, s, base + c + L).sub(sh);
                    z = x.add(ROUND);
                    f = x.sub(z.sub(ROUND));
                    p = c6.fma(f, c5).fma(f, c4).fma(f, c3).fma(f, c2).fma(f, c1).fma(f, one);
                    e = p.mul(z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                            .add(ONE_BITS).reinterpretAsFloats()).blend(0f, x.lt(-126f));
                    e.intoArray(s, base + c + L);
                    s1 = s1.add(e);
                }
                if (c < colsV) {
                    FloatVector x = FloatVector.fromArray(SP, s, base + c).sub(sh);
                    FloatVector z = x.add(ROUND);
                    FloatVector f = x.sub(z.sub(ROUND));
                    FloatVector p = c6.fma(f, c5).fma(f, c4).fma(f, c3).fma(f, c2).fma(f, c1).fma(f, one);
                    FloatVector e = p.mul(z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23)
                            .add(ONE_BITS).reinterpretAsFloats()).blend(0f, x.lt(-126f));
                    e.intoArray(s, base + c);
                    s0 = s0.add(e);
                }
                // l stays a vector of partial sums: no horizontal add per row and tile
                int at = r * LS;
                FloatVector.fromArray(SP, l, at).fma(FloatVector.broadcast(SP, corr[r]), s0.add(s1)).intoArray(l, at);
            } else {
                float sum = 0;
                for (; c < cols; c++) {
                    float e = exp2(s[base + c] - mr);
                    s[base + c] = e;
                    sum += e;
                }
                l[r] = l[r] * corr[r] + sum;
            }
        }
    }

    /** Row r's sum l from its {@link #LS} partial sums. */
    static float rowSum(float[] l, int r) {
        float sum = 0;
        for (int i = 0; i < LS; i++) {
            sum += l[r * LS + i];
        }
        return sum;
    }

    /** 2^x for the scalar path: the vector tile's polynomial, operation for operation (0 below 2^−126). */
    static float exp2(float x) {
        float z = x + ROUND;
        float f = x - (z - ROUND);
        float p = Math.fma(C6, f, C5);
        p = Math.fma(p, f, C4);
        p = Math.fma(p, f, C3);
        p = Math.fma(p, f, C2);
        p = Math.fma(p, f, C1);
        p = Math.fma(p, f, 1f);
        float e = p * Float.intBitsToFloat((Float.floatToRawIntBits(z) << 23) + ONE_BITS);
        return x < -126f ? 0f : e;
    }

    /** The scalar score tile: s[sOff + i·ldS + j] = Σ_x qp[qOff + x·MR + i] · kp[kOff + x·NR + j], i < MR, j < NR. */
    static void scoresScalar(float[] s, int sOff, int ldS, float[] qp, int qOff, float[] kp, int kOff, int d) {
        for (int i = 0; i < MR; i++) {
            for (int j = 0; j < NR; j++) {
                float sum = 0;
                for (int x = 0; x < d; x++) {
                    sum += qp[qOff + x * MR + i] * kp[kOff + x * NR + j];
                }
                s[sOff + i * ldS + j] = sum;
            }
        }
    }

    /** The scalar P·V update of {@code width} columns from e0: as {@link #pv12x2}, any width. */
    static void pvScalar(float[] o, int oOff, int ldO, float[] corr, int cOff, float[] p, int pOff, float[] v,
                         int vOff, int vst, int cols, int width) {
        for (int i = 0; i < MR; i++) {
            float cr = corr[cOff + i];
            for (int j = 0; j < width; j++) {
                float sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum += p[pOff + i * FC + c] * v[vOff + c * vst + j];
                }
                int at = oOff + i * ldO + j;
                o[at] = o[at] * cr + sum;
            }
        }
    }

    /** s[sOff + i·ldS + j] = Σ_x qp[qOff + x·12 + i] · kp[kOff + x·NR + j] for i < 12, j < 2·L. */
    static void scores12x2(float[] s, int sOff, int ldS, float[] qp, int qOff, float[] kp, int kOff, int d) {
        FloatVector z = FloatVector.zero(SP);
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
        int ai = qOff;
        int bi = kOff;
        for (int x = 0; x < d; x++, ai += 12, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(SP, kp, bi);
            FloatVector b1 = FloatVector.fromArray(SP, kp, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SP, qp[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SP, qp[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SP, qp[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SP, qp[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SP, qp[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SP, qp[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SP, qp[ai + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SP, qp[ai + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(SP, qp[ai + 8]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(SP, qp[ai + 9]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(SP, qp[ai + 10]);
            ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(SP, qp[ai + 11]);
            cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
        }
        int r = sOff;
        c00.intoArray(s, r);
        c01.intoArray(s, r + L);
        r += ldS;
        c10.intoArray(s, r);
        c11.intoArray(s, r + L);
        r += ldS;
        c20.intoArray(s, r);
        c21.intoArray(s, r + L);
        r += ldS;
        c30.intoArray(s, r);
        c31.intoArray(s, r + L);
        r += ldS;
        c40.intoArray(s, r);
        c41.intoArray(s, r + L);
        r += ldS;
        c50.intoArray(s, r);
        c51.intoArray(s, r + L);
        r += ldS;
        c60.intoArray(s, r);
        c61.intoArray(s, r + L);
        r += ldS;
        c70.intoArray(s, r);
        c71.intoArray(s, r + L);
        r += ldS;
        c80.intoArray(s, r);
        c81.intoArray(s, r + L);
        r += ldS;
        c90.intoArray(s, r);
        c91.intoArray(s, r + L);
        r += ldS;
        ca0.intoArray(s, r);
        ca1.intoArray(s, r + L);
        r += ldS;
        cb0.intoArray(s, r);
        cb1.intoArray(s, r + L);
    }

    /** s[sOff + i·ldS + j] = Σ_x qp[qOff + x·6 + i] · kp[kOff + x·NR + j] for i < 6, j < 2·L. */
    static void scores6x2(float[] s, int sOff, int ldS, float[] qp, int qOff, float[] kp, int kOff, int d) {
        FloatVector z = FloatVector.zero(SP);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        int ai = qOff;
        int bi = kOff;
        for (int x = 0; x < d; x++, ai += 6, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(SP, kp, bi);
            FloatVector b1 = FloatVector.fromArray(SP, kp, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SP, qp[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SP, qp[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SP, qp[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SP, qp[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SP, qp[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SP, qp[ai + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
        }
        int r = sOff;
        c00.intoArray(s, r);
        c01.intoArray(s, r + L);
        r += ldS;
        c10.intoArray(s, r);
        c11.intoArray(s, r + L);
        r += ldS;
        c20.intoArray(s, r);
        c21.intoArray(s, r + L);
        r += ldS;
        c30.intoArray(s, r);
        c31.intoArray(s, r + L);
        r += ldS;
        c40.intoArray(s, r);
        c41.intoArray(s, r + L);
        r += ldS;
        c50.intoArray(s, r);
        c51.intoArray(s, r + L);
    }

    /**
     * o[oOff + i·ldO + j] = corr[cOff + i] · o[...] + Σ_{c < cols} p[pOff + i·FC + c] · v[vOff + c·vst + j]
     * for i < 12, j < 2·L: the rescale of the online softmax folded into the store.
     */
    static void pv12x2(float[] o, int oOff, int ldO, float[] corr, int cOff, float[] p, int pOff, float[] v, int vOff,
                        int vst, int cols) {
        FloatVector z = FloatVector.zero(SP);
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
        int ai = pOff;
        int bi = vOff;
        for (int c = 0; c < cols; c++, ai++, bi += vst) {
            FloatVector b0 = FloatVector.fromArray(SP, v, bi);
            FloatVector b1 = FloatVector.fromArray(SP, v, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SP, p[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SP, p[ai + FC]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SP, p[ai + 2 * FC]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SP, p[ai + 3 * FC]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SP, p[ai + 4 * FC]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SP, p[ai + 5 * FC]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SP, p[ai + 6 * FC]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SP, p[ai + 7 * FC]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(SP, p[ai + 8 * FC]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(SP, p[ai + 9 * FC]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(SP, p[ai + 10 * FC]);
            ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(SP, p[ai + 11 * FC]);
            cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
        }
        int r = oOff;
        FloatVector f;
        f = FloatVector.broadcast(SP, corr[cOff]);
        FloatVector.fromArray(SP, o, r).fma(f, c00).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c01).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 1]);
        FloatVector.fromArray(SP, o, r).fma(f, c10).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c11).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 2]);
        FloatVector.fromArray(SP, o, r).fma(f, c20).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c21).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 3]);
        FloatVector.fromArray(SP, o, r).fma(f, c30).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c31).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 4]);
        FloatVector.fromArray(SP, o, r).fma(f, c40).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c41).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 5]);
        FloatVector.fromArray(SP, o, r).fma(f, c50).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c51).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 6]);
        FloatVector.fromArray(SP, o, r).fma(f, c60).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c61).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 7]);
        FloatVector.fromArray(SP, o, r).fma(f, c70).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c71).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 8]);
        FloatVector.fromArray(SP, o, r).fma(f, c80).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c81).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 9]);
        FloatVector.fromArray(SP, o, r).fma(f, c90).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c91).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 10]);
        FloatVector.fromArray(SP, o, r).fma(f, ca0).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, ca1).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 11]);
        FloatVector.fromArray(SP, o, r).fma(f, cb0).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, cb1).intoArray(o, r + L);
    }

    /**
     * o[oOff + i·ldO + j] = corr[cOff + i] · o[...] + Σ_{c < cols} p[pOff + i·FC + c] · v[vOff + c·vst + j]
     * for i < 12, j < 1·L: the rescale of the online softmax folded into the store.
     */
    static void pv12x1(float[] o, int oOff, int ldO, float[] corr, int cOff, float[] p, int pOff, float[] v, int vOff,
                        int vst, int cols) {
        FloatVector z = FloatVector.zero(SP);
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
        int ai = pOff;
        int bi = vOff;
        for (int c = 0; c < cols; c++, ai++, bi += vst) {
            FloatVector b0 = FloatVector.fromArray(SP, v, bi);
            FloatVector a;
            a = FloatVector.broadcast(SP, p[ai]);
            c00 = a.fma(b0, c00);
            a = FloatVector.broadcast(SP, p[ai + FC]);
            c10 = a.fma(b0, c10);
            a = FloatVector.broadcast(SP, p[ai + 2 * FC]);
            c20 = a.fma(b0, c20);
            a = FloatVector.broadcast(SP, p[ai + 3 * FC]);
            c30 = a.fma(b0, c30);
            a = FloatVector.broadcast(SP, p[ai + 4 * FC]);
            c40 = a.fma(b0, c40);
            a = FloatVector.broadcast(SP, p[ai + 5 * FC]);
            c50 = a.fma(b0, c50);
            a = FloatVector.broadcast(SP, p[ai + 6 * FC]);
            c60 = a.fma(b0, c60);
            a = FloatVector.broadcast(SP, p[ai + 7 * FC]);
            c70 = a.fma(b0, c70);
            a = FloatVector.broadcast(SP, p[ai + 8 * FC]);
            c80 = a.fma(b0, c80);
            a = FloatVector.broadcast(SP, p[ai + 9 * FC]);
            c90 = a.fma(b0, c90);
            a = FloatVector.broadcast(SP, p[ai + 10 * FC]);
            ca0 = a.fma(b0, ca0);
            a = FloatVector.broadcast(SP, p[ai + 11 * FC]);
            cb0 = a.fma(b0, cb0);
        }
        int r = oOff;
        FloatVector f;
        f = FloatVector.broadcast(SP, corr[cOff]);
        FloatVector.fromArray(SP, o, r).fma(f, c00).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 1]);
        FloatVector.fromArray(SP, o, r).fma(f, c10).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 2]);
        FloatVector.fromArray(SP, o, r).fma(f, c20).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 3]);
        FloatVector.fromArray(SP, o, r).fma(f, c30).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 4]);
        FloatVector.fromArray(SP, o, r).fma(f, c40).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 5]);
        FloatVector.fromArray(SP, o, r).fma(f, c50).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 6]);
        FloatVector.fromArray(SP, o, r).fma(f, c60).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 7]);
        FloatVector.fromArray(SP, o, r).fma(f, c70).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 8]);
        FloatVector.fromArray(SP, o, r).fma(f, c80).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 9]);
        FloatVector.fromArray(SP, o, r).fma(f, c90).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 10]);
        FloatVector.fromArray(SP, o, r).fma(f, ca0).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 11]);
        FloatVector.fromArray(SP, o, r).fma(f, cb0).intoArray(o, r);
    }

    /**
     * o[oOff + i·ldO + j] = corr[cOff + i] · o[...] + Σ_{c < cols} p[pOff + i·FC + c] · v[vOff + c·vst + j]
     * for i < 6, j < 2·L: the rescale of the online softmax folded into the store.
     */
    static void pv6x2(float[] o, int oOff, int ldO, float[] corr, int cOff, float[] p, int pOff, float[] v, int vOff,
                        int vst, int cols) {
        FloatVector z = FloatVector.zero(SP);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        int ai = pOff;
        int bi = vOff;
        for (int c = 0; c < cols; c++, ai++, bi += vst) {
            FloatVector b0 = FloatVector.fromArray(SP, v, bi);
            FloatVector b1 = FloatVector.fromArray(SP, v, bi + L);
            FloatVector a;
            a = FloatVector.broadcast(SP, p[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SP, p[ai + FC]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SP, p[ai + 2 * FC]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SP, p[ai + 3 * FC]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SP, p[ai + 4 * FC]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SP, p[ai + 5 * FC]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
        }
        int r = oOff;
        FloatVector f;
        f = FloatVector.broadcast(SP, corr[cOff]);
        FloatVector.fromArray(SP, o, r).fma(f, c00).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c01).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 1]);
        FloatVector.fromArray(SP, o, r).fma(f, c10).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c11).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 2]);
        FloatVector.fromArray(SP, o, r).fma(f, c20).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c21).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 3]);
        FloatVector.fromArray(SP, o, r).fma(f, c30).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c31).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 4]);
        FloatVector.fromArray(SP, o, r).fma(f, c40).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c41).intoArray(o, r + L);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 5]);
        FloatVector.fromArray(SP, o, r).fma(f, c50).intoArray(o, r);
        FloatVector.fromArray(SP, o, r + L).fma(f, c51).intoArray(o, r + L);
    }

    /**
     * o[oOff + i·ldO + j] = corr[cOff + i] · o[...] + Σ_{c < cols} p[pOff + i·FC + c] · v[vOff + c·vst + j]
     * for i < 6, j < 1·L: the rescale of the online softmax folded into the store.
     */
    static void pv6x1(float[] o, int oOff, int ldO, float[] corr, int cOff, float[] p, int pOff, float[] v, int vOff,
                        int vst, int cols) {
        FloatVector z = FloatVector.zero(SP);
        FloatVector c00 = z;
        FloatVector c10 = z;
        FloatVector c20 = z;
        FloatVector c30 = z;
        FloatVector c40 = z;
        FloatVector c50 = z;
        int ai = pOff;
        int bi = vOff;
        for (int c = 0; c < cols; c++, ai++, bi += vst) {
            FloatVector b0 = FloatVector.fromArray(SP, v, bi);
            FloatVector a;
            a = FloatVector.broadcast(SP, p[ai]);
            c00 = a.fma(b0, c00);
            a = FloatVector.broadcast(SP, p[ai + FC]);
            c10 = a.fma(b0, c10);
            a = FloatVector.broadcast(SP, p[ai + 2 * FC]);
            c20 = a.fma(b0, c20);
            a = FloatVector.broadcast(SP, p[ai + 3 * FC]);
            c30 = a.fma(b0, c30);
            a = FloatVector.broadcast(SP, p[ai + 4 * FC]);
            c40 = a.fma(b0, c40);
            a = FloatVector.broadcast(SP, p[ai + 5 * FC]);
            c50 = a.fma(b0, c50);
        }
        int r = oOff;
        FloatVector f;
        f = FloatVector.broadcast(SP, corr[cOff]);
        FloatVector.fromArray(SP, o, r).fma(f, c00).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 1]);
        FloatVector.fromArray(SP, o, r).fma(f, c10).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 2]);
        FloatVector.fromArray(SP, o, r).fma(f, c20).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 3]);
        FloatVector.fromArray(SP, o, r).fma(f, c30).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 4]);
        FloatVector.fromArray(SP, o, r).fma(f, c40).intoArray(o, r);
        r += ldO;
        f = FloatVector.broadcast(SP, corr[cOff + 5]);
        FloatVector.fromArray(SP, o, r).fma(f, c50).intoArray(o, r);
    }
}
