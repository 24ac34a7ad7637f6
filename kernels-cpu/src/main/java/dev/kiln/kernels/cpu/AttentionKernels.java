package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Fused attention kernels for F32 host tensors, forward and backward side by side.
 *
 * <p><b>Scaled dot-product attention</b> (FlashAttention 2's algorithm on a CPU). Forward: queries
 * go in blocks of {@link AttentionTiles#FR} rows, keys in tiles of {@link AttentionTiles#FC}. For each
 * tile the block's scores S = q·kᵀ·scale (in log₂ units) are computed into an FR×FC scratch by
 * register-tiled micro-kernels, the running row max m and row sum l are updated (online softmax: the
 * old accumulator is rescaled by 2^(m_old − m_new)), and P·V is added to an FR×Dv accumulator. At the
 * end out = acc / l and lse = m·ln 2 + ln l is saved. Nothing of size Tq×Tk is ever allocated.
 * Backward (blocks of {@link #BR} queries, tiles of {@link #BC} keys) recomputes P = exp(S − lse)
 * tile by tile: each task owns a
 * key/value head and a set of key tiles, accumulates dK and dV for them in scratch, and adds
 * dS·K into dQ (into a private copy when several tasks share a head, summed afterwards).
 *
 * <p><b>Linear attention</b>: the prefix-sum form. Per head a state S = Σ k_jᵀ·v_j (D×Dv) and
 * z = Σ k_j grow one key at a time, so each query costs O(D·Dv) and memory stays O(D·Dv).
 *
 * <p>All arithmetic is fp32. Vector loops run over the contiguous feature dim or over a tile's
 * keys, with scalar tails; {@link Simd#ENABLED} false leaves only the scalar loops.
 */
public final class AttentionKernels {
    private static final VectorSpecies<Float> SP = Simd.F32;
    private static final int L = SP.length();
    private static final boolean SIMD = Simd.ENABLED;
    /** Query rows per block; a multiple of 4, the row blocking of the micro-kernels. */
    static final int BR = 32;
    /** Keys per tile; a multiple of 2·L, the column blocking of {@link #matmulBT}. */
    static final int BC = Math.max(64, 2 * L);
    /** Below this many multiply-adds per chunk, work stays on the calling thread. */
    private static final long GRAIN_FLOPS = 1 << 20;

    private AttentionKernels() {
    }

    /** A [B, H, T, D] operand: storage, offset and the strides of B, H and T (D has stride 1). */
    public record Operand(float[] a, int off, int sb, int sh, int st) {
        /** The offset of row t of head h of batch b. */
        int row(int b, int h, int t) {
            return off + b * sb + h * sh + t * st;
        }

        static Operand of(Tensor t) {
            int[] s = t.strides();
            return new Operand(((CpuStorage) t.storage()).floats(), t.offset(), s[0], s[1], s[2]);
        }
    }

    // ================================================================== tensor adapters (CpuBackend)

    public static void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v,
                                                 boolean causal, double scale) {
        sdpaForward(floats(out), out.offset(), floats(lse), lse.offset(), Operand.of(q), Operand.of(k),
                Operand.of(v), q.size(0), q.size(1), k.size(1), q.size(2), k.size(2), q.size(3), v.size(3), causal,
                (float) scale);
    }

    public static void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q,
                                                         Tensor k, Tensor v, Tensor out, Tensor lse, boolean causal,
                                                         double scale) {
        sdpaBackward(floats(dq), floats(dk), floats(dv), Operand.of(dout), Operand.of(q), Operand.of(k), Operand.of(v),
                floats(out), out.offset(), floats(lse), lse.offset(), q.size(0), q.size(1), k.size(1), q.size(2),
                k.size(2), q.size(3), v.size(3), causal, (float) scale);
    }

    public static void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean causal, double eps) {
        linearForward(floats(out), out.offset(), Operand.of(q), Operand.of(k), Operand.of(v), q.size(0), q.size(1),
                q.size(2), k.size(2), q.size(3), v.size(3), causal, (float) eps);
    }

    public static void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k,
                                               Tensor v, boolean causal, double eps) {
        linearBackward(floats(dq), floats(dk), floats(dv), Operand.of(dout), Operand.of(q), Operand.of(k),
                Operand.of(v), q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), v.size(3), causal, (float) eps);
    }

    private static float[] floats(Tensor t) {
        return ((CpuStorage) t.storage()).floats();
    }

    // ================================================================== scaled dot-product attention

    /** The last key query i sees (−1 if none): every key, or j ≤ i + Tk − Tq when causal. */
    private static int lastKey(boolean causal, int i, int tq, int tk) {
        return causal ? Math.min(tk - 1, i + tk - tq) : tk - 1;
    }

    /**
     * out [B, H, Tq, Dv] and lse [B, H, Tq] (contiguous, from outOff and lseOff) from q, k, v, with the
     * register-tiled pieces of {@link AttentionTiles}. K is first packed once per key/value head into
     * panels of {@link AttentionTiles#NR} keys ([panels][D][NR]: the size of K, not of S), so every
     * query block multiplies by ready panels. Tasks are (batch, head, query block of
     * {@link AttentionTiles#FR} rows), the blocks of each head visited from both ends at once so that
     * with a causal mask every chunk of tasks gets a fair share of long and short rows.
     */
    public static void sdpaForward(float[] out, int outOff, float[] lse, int lseOff, Operand q, Operand k, Operand v,
                                   int nb, int nh, int hkv, int tq, int tk, int d, int dv, boolean causal,
                                   float scale) {
        if (nb == 0 || nh == 0 || tq == 0) {
            return;
        }
        int group = nh / hkv;
        int nr = AttentionTiles.NR;
        int panels = ceilDiv(tk, nr);
        int headSize = panels * nr * d;
        float[] kp = new float[nb * hkv * headSize];
        Parallel.forRange(nb * hkv, grain((long) tk * d), (start, end) -> {
            for (int bk = start; bk < end; bk++) {
                int base = bk * headSize;
                for (int j = 0; j < tk; j++) {
                    int src = k.row(bk / hkv, bk % hkv, j);
                    int dst = base + (j / nr) * nr * d + j % nr;
                    for (int x = 0; x < d; x++) {
                        kp[dst + x * nr] = k.a()[src + x];
                    }
                }
            }
        });
        int fr = AttentionTiles.FR;
        int blocks = ceilDiv(tq, fr);
        int tasks = nb * nh * blocks;
        long flopsPerTask = (long) fr * Math.max(tk, 1) * (d + dv + 8);
        float qScale = scale * AttentionTiles.log2e();
        Parallel.forRange(tasks, grain(flopsPerTask), (start, end) -> {
            ForwardScratch sc = new ForwardScratch(d, dv);
            for (int t = start; t < end; t++) {
                int bh = t / blocks;
                int blk = causal ? zigzag(t % blocks, blocks) : t % blocks;
                int b = bh / nh;
                int h = bh % nh;
                int bk = b * hkv + h / group;
                forwardBlock(sc, out, outOff + (bh * tq) * dv, lse, lseOff + bh * tq, q, q.row(b, h, 0),
                        kp, bk * headSize, v.a(), v.row(b, h / group, 0), v.st(),
                        blk * fr, tq, tk, d, dv, causal, qScale);
            }
        });
    }

    /** Scratch of one forward worker: an FR×FC score tile and FR×D, FR×Dv blocks, never anything of size T×T. */
    private static final class ForwardScratch {
        final float[] qp;
        final float[] s;
        final float[] o;
        final float[] m = new float[AttentionTiles.FR];
        final float[] l = new float[AttentionTiles.FR * AttentionTiles.LS];
        final float[] corr = new float[AttentionTiles.FR];

        ForwardScratch(int d, int dv) {
            qp = new float[AttentionTiles.FR * Math.max(d, 1)];
            s = new float[AttentionTiles.FR * AttentionTiles.FC];
            o = new float[AttentionTiles.FR * Math.max(dv, 1)];
        }
    }

    /**
     * Query rows [i0, i0 + FR) of one head: for each key tile, S = q·kᵀ (log₂ units), the online softmax
     * ({@link AttentionTiles#softmaxTile}) and O = corr·O + P·V; at the end out = O / l and
     * lse = m·ln 2 + ln l. Rows past tq are zero queries whose results are never stored.
     */
    private static void forwardBlock(ForwardScratch sc, float[] out, int outBase, float[] lse, int lseBase,
                                     Operand q, int qBase, float[] kp, int kpBase, float[] v, int vBase, int vst,
                                     int i0, int tq, int tk, int d, int dv, boolean causal, float qScale) {
        final int mr = AttentionTiles.MR;
        final int nr = AttentionTiles.NR;
        final int fc = AttentionTiles.FC;
        final int L = AttentionTiles.L;
        int rows = Math.min(AttentionTiles.FR, tq - i0);
        int rowPanels = ceilDiv(rows, mr);
        int off = tk - tq;
        float[] qp = sc.qp;
        for (int r = 0; r < rowPanels * mr; r++) {
            int dst = (r / mr) * mr * d + r % mr;
            if (r < rows) {
                int src = qBase + (i0 + r) * q.st();
                for (int x = 0; x < d; x++) {
                    qp[dst + x * mr] = q.a()[src + x] * qScale;
                }
            } else {
                for (int x = 0; x < d; x++) {
                    qp[dst + x * mr] = 0f; // a zero query: its scores are 0, its P never reaches a stored row
                }
            }
        }
        Arrays.fill(sc.m, Float.NEGATIVE_INFINITY);
        Arrays.fill(sc.l, 0f);
        Arrays.fill(sc.corr, 1f);
        Arrays.fill(sc.o, 0, rowPanels * mr * dv, 0f);
        int kEnd = causal ? Math.max(0, Math.min(tk, i0 + rows + off)) : tk;
        for (int j0 = 0; j0 < kEnd; j0 += fc) {
            int cols = Math.min(fc, kEnd - j0);
            int colPanels = ceilDiv(cols, nr);
            for (int pj = 0; pj < colPanels; pj++) {
                int kOff = kpBase + (j0 / nr + pj) * nr * d;
                for (int rp = 0; rp < rowPanels; rp++) {
                    int sOff = rp * mr * fc + pj * nr;
                    int qOff = rp * mr * d;
                    if (!AttentionTiles.SIMD) {
                        AttentionTiles.scoresScalar(sc.s, sOff, fc, qp, qOff, kp, kOff, d);
                    } else if (mr == 12) {
                        AttentionTiles.scores12x2(sc.s, sOff, fc, qp, qOff, kp, kOff, d);
                    } else {
                        AttentionTiles.scores6x2(sc.s, sOff, fc, qp, qOff, kp, kOff, d);
                    }
                }
            }
            if (causal && j0 + cols - 1 > i0 + off) {
                maskAbove(sc.s, fc, rows, cols, j0 - i0 - off, Float.NEGATIVE_INFINITY);
            }
            AttentionTiles.softmaxTile(sc.s, rows, cols, sc.m, sc.l, sc.corr);
            int vOff = vBase + j0 * vst;
            for (int rp = 0; rp < rowPanels; rp++) {
                int pOff = rp * mr * fc;
                int oRow = rp * mr * dv;
                int e = 0;
                if (AttentionTiles.SIMD) {
                    for (; e + nr <= dv; e += nr) {
                        if (mr == 12) {
                            AttentionTiles.pv12x2(sc.o, oRow + e, dv, sc.corr, rp * mr, sc.s, pOff, v, vOff + e, vst, cols);
                        } else {
                            AttentionTiles.pv6x2(sc.o, oRow + e, dv, sc.corr, rp * mr, sc.s, pOff, v, vOff + e, vst, cols);
                        }
                    }
                    if (e + L <= dv) {
                        if (mr == 12) {
                            AttentionTiles.pv12x1(sc.o, oRow + e, dv, sc.corr, rp * mr, sc.s, pOff, v, vOff + e, vst, cols);
                        } else {
                            AttentionTiles.pv6x1(sc.o, oRow + e, dv, sc.corr, rp * mr, sc.s, pOff, v, vOff + e, vst, cols);
                        }
                        e += L;
                    }
                }
                if (e < dv) {
                    AttentionTiles.pvScalar(sc.o, oRow + e, dv, sc.corr, rp * mr, sc.s, pOff, v, vOff + e, vst, cols,
                            dv - e);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            float lr = AttentionTiles.rowSum(sc.l, r);
            float inv = lr > 0 ? 1f / lr : 0f;
            int dst = outBase + (i0 + r) * dv;
            for (int e = 0; e < dv; e++) {
                out[dst + e] = sc.o[r * dv + e] * inv;
            }
            lse[lseBase + i0 + r] = lr > 0 ? (float) (sc.m[r] * LN2 + SimdMath.log(lr)) : Float.NEGATIVE_INFINITY;
        }
    }

    private static final double LN2 = 0.6931471805599453;

    /**
     * dq, dk, dv (contiguous, zero on entry) from dout, q, k, v, the forward's out and lse. Tasks own
     * a (batch, key/value head) and every {@code splits}-th key tile of it, so dK and dV rows have one
     * writer; dQ gets one private copy per split when there are fewer than {@link Parallel#MAX_CHUNKS} heads.
     */
    public static void sdpaBackward(float[] dq, float[] dk, float[] dv, Operand dout, Operand q, Operand k, Operand v,
                                    float[] out, int outOff, float[] lse, int lseOff, int nb, int nh, int hkv,
                                    int tq, int tk, int d, int ndv, boolean causal, float scale) {
        if (nb == 0 || nh == 0 || tq == 0 || tk == 0) {
            return;
        }
        int group = nh / hkv;
        // rowDot[i] = Σ_e dout_i ⊙ out_i = rowsum(dP ⊙ P), the softmax backward's per-row term
        float[] rowDot = new float[nb * nh * tq];
        Parallel.forRange(nb * nh, grain((long) tq * ndv), (start, end) -> {
            for (int bh = start; bh < end; bh++) {
                int b = bh / nh;
                int h = bh % nh;
                for (int i = 0; i < tq; i++) {
                    rowDot[bh * tq + i] = dot(dout.a(), dout.row(b, h, i), out, outOff + (bh * tq + i) * ndv, ndv);
                }
            }
        });
        int heads = nb * hkv;
        int kBlocks = ceilDiv(tk, BC);
        // a split count from the problem's size alone (not the thread count): dQ's partials, added in
        // split order, then give the same bits on any number of threads
        int splits = Math.max(1, Math.min(kBlocks, ceilDiv(Parallel.MAX_CHUNKS, heads)));
        float[][] dqParts = new float[splits][];
        dqParts[0] = dq;
        for (int s = 1; s < splits; s++) {
            dqParts[s] = new float[dq.length];
        }
        long flopsPerTask = (long) group * tq * Math.max(1, kBlocks / splits) * BC * (2L * d + 2L * ndv + 8);
        Parallel.forRange(heads * splits, grain(flopsPerTask), (start, end) -> {
            BackwardScratch sc = new BackwardScratch(d, ndv);
            for (int t = start; t < end; t++) {
                int bk = t / splits;
                int split = t % splits;
                int b = bk / hkv;
                int hk = bk % hkv;
                for (int kb = split; kb < kBlocks; kb += splits) {
                    backwardTile(sc, dqParts[split], dk, dv, dout, q, k, v, lse, lseOff, rowDot, b, hk, group, nh, hkv,
                            kb * BC, tq, tk, d, ndv, causal, scale);
                }
            }
        });
        // dQ was accumulated as dS·K; the scale of S = q·kᵀ·scale is applied once here
        int n = dq.length;
        Parallel.forRange(n, 1 << 16, (start, end) -> {
            for (int x = start; x < end; x++) {
                float sum = dq[x];
                for (int s = 1; s < splits; s++) {
                    sum += dqParts[s][x];
                }
                dq[x] = sum * scale;
            }
        });
    }

    private static final class BackwardScratch {
        final float[] qs;
        final float[] dos;
        final float[] kt;
        final float[] vt;
        final float[] p;
        final float[] ds;
        final float[] dkAcc;
        final float[] dvAcc;

        BackwardScratch(int d, int dv) {
            int d1 = Math.max(d, 1);
            int dv1 = Math.max(dv, 1);
            qs = new float[BR * d1];
            dos = new float[BR * dv1];
            kt = new float[d1 * BC];
            vt = new float[dv1 * BC];
            p = new float[BR * BC];
            ds = new float[BR * BC];
            dkAcc = new float[BC * d1];
            dvAcc = new float[BC * dv1];
        }
    }

    /** One key tile [j0, j0 + BC) of key head hk against every query block of the heads that read it. */
    private static void backwardTile(BackwardScratch sc, float[] dq, float[] dk, float[] dv, Operand dout, Operand q,
                                     Operand k, Operand v, float[] lse, int lseOff, float[] rowDot, int b, int hk,
                                     int group, int nh, int hkv, int j0, int tq, int tk, int d, int ndv,
                                     boolean causal, float scale) {
        int cols = Math.min(BC, tk - j0);
        int off = tk - tq;
        int kBase = k.row(b, hk, j0);
        int vBase = v.row(b, hk, j0);
        transpose(sc.kt, 0, BC, k.a(), kBase, k.st(), cols, d);
        transpose(sc.vt, 0, BC, v.a(), vBase, v.st(), cols, ndv);
        Arrays.fill(sc.dkAcc, 0, cols * d, 0f);
        Arrays.fill(sc.dvAcc, 0, cols * ndv, 0f);
        int iStart = causal ? Math.max(0, j0 - off) : 0; // the first query that sees key j0
        for (int h = hk * group; h < (hk + 1) * group; h++) {
            int bh = b * nh + h;
            for (int i0 = iStart; i0 < tq; i0 += BR) {
                int rows = Math.min(BR, tq - i0);
                for (int r = 0; r < rows; r++) {
                    // q·scale: S = qs·kᵀ directly, and dK = dSᵀ·qs carries the scale too
                    int qr = q.row(b, h, i0 + r);
                    for (int c = 0; c < d; c++) {
                        sc.qs[r * d + c] = q.a()[qr + c] * scale;
                    }
                    System.arraycopy(dout.a(), dout.row(b, h, i0 + r), sc.dos, r * ndv, ndv);
                }
                matmulBT(sc.p, sc.qs, d, sc.kt, 0, BC, rows, cols, d);
                for (int r = 0; r < rows; r++) {
                    expShifted(sc.p, r * BC, cols, lse[lseOff + bh * tq + i0 + r]);
                }
                if (causal && j0 + cols - 1 > i0 + off) {
                    maskAbove(sc.p, BC, rows, cols, j0 - i0 - off, 0f);
                }
                accumulateCols(sc.dvAcc, ndv, sc.p, BC, sc.dos, 0, ndv, rows, cols, ndv);
                matmulBT(sc.ds, sc.dos, ndv, sc.vt, 0, BC, rows, cols, ndv);
                for (int r = 0; r < rows; r++) {
                    float rd = rowDot[bh * tq + i0 + r];
                    int o = r * BC;
                    for (int c = 0; c < cols; c++) {
                        sc.ds[o + c] = sc.p[o + c] * (sc.ds[o + c] - rd);
                    }
                }
                accumulateCols(sc.dkAcc, d, sc.ds, BC, sc.qs, 0, d, rows, cols, d);
                accumulateRows(dq, (bh * tq + i0) * d, d, sc.ds, BC, k.a(), kBase, k.st(), rows, cols, d);
            }
        }
        int dkBase = ((b * hkv + hk) * tk + j0) * d;
        int dvBase = ((b * hkv + hk) * tk + j0) * ndv;
        System.arraycopy(sc.dkAcc, 0, dk, dkBase, cols * d);
        System.arraycopy(sc.dvAcc, 0, dv, dvBase, cols * ndv);
    }

    // ================================================================== micro-kernels

    /**
     * out[r·BC + c] = Σ_x a[r·aStride + x] · bt[btOff + x·btStride + c] for r < rows, c < cols: a row
     * block times a transposed tile. The vector path computes 4 rows × 4·L columns at a time over
     * extents padded up to BC (bt's rows must hold them: scratch of width BC, or kT padded to whole
     * tiles); entries beyond rows and cols are scratch and never read.
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
            int c = 0;
            for (; c + 4 * L <= cols + 3 * L && c + 4 * L <= BC; c += 4 * L) {
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
     * acc[accOff + r·accStride + e] += Σ_c p[r·pStride + c] · x[xOff + c·xStride + e] for r < rows,
     * e < width: P·V (forward) and dS·K (backward). Vectors run over e, four rows at a time.
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
    private static void transpose(float[] dst, int dstOff, int dstStride, float[] src, int base, int stride, int cols,
                                  int width) {
        for (int c = 0; c < cols; c++) {
            int s = base + c * stride;
            for (int x = 0; x < width; x++) {
                dst[dstOff + x * dstStride + c] = src[s + x];
            }
        }
    }

    /** Sets s[r·stride + c] = fill where key j0 + c lies beyond query i0 + r's causal limit (c > r − shift). */
    private static void maskAbove(float[] s, int stride, int rows, int cols, int shift, float fill) {
        for (int r = 0; r < rows; r++) {
            int first = Math.max(0, r - shift + 1);
            if (first < cols) {
                Arrays.fill(s, r * stride + first, r * stride + cols, fill);
            }
        }
    }

    private static float rowMax(float[] s, int from, int n) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (SIMD) {
            int bound = SP.loopBound(n);
            if (bound > 0) {
                FloatVector mv = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
                for (; i < bound; i += L) {
                    mv = mv.max(FloatVector.fromArray(SP, s, from + i));
                }
                max = mv.reduceLanes(VectorOperators.MAX);
            }
        }
        for (; i < n; i++) {
            max = Math.max(max, s[from + i]);
        }
        return max;
    }

    /** s[i] = exp(s[i] − shift) in place over n entries; returns their sum. */
    private static float expShifted(float[] s, int from, int n, float shift) {
        int i = 0;
        float sum = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector sv = FloatVector.zero(SP);
            FloatVector sh = FloatVector.broadcast(SP, shift);
            for (; i < bound; i += L) {
                FloatVector e = SimdMath.exp(FloatVector.fromArray(SP, s, from + i).sub(sh));
                e.intoArray(s, from + i);
                sv = sv.add(e);
            }
            sum = Simd.sum(sv);
        }
        for (; i < n; i++) {
            float e = SimdMath.exp(s[from + i] - shift);
            s[from + i] = e;
            sum += e;
        }
        return sum;
    }

    private static void scaleRow(float[] a, int from, int n, float f) {
        int i = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector.fromArray(SP, a, from + i).mul(f).intoArray(a, from + i);
            }
        }
        for (; i < n; i++) {
            a[from + i] *= f;
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float sum = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector acc = FloatVector.zero(SP);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(SP, a, ao + i).fma(FloatVector.fromArray(SP, b, bo + i), acc);
            }
            sum = Simd.sum(acc);
        }
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** y[yo + i] += f · x[xo + i]. */
    private static void axpy(float[] y, int yo, float f, float[] x, int xo, int n) {
        int i = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector fv = FloatVector.broadcast(SP, f);
            for (; i < bound; i += L) {
                FloatVector.fromArray(SP, x, xo + i).fma(fv, FloatVector.fromArray(SP, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] += f * x[xo + i];
        }
    }

    // ================================================================== linear attention

    /**
     * out_i = q_i·S_i / (q_i·z_i + eps) with S_i = Σ k_jᵀ·v_j and z_i = Σ k_j over the keys query i
     * sees, grown one key at a time (prefix sums) when causal. One task per (batch, head).
     */
    public static void linearForward(float[] out, int outOff, Operand q, Operand k, Operand v, int nb, int nh, int tq,
                                     int tk, int d, int dv, boolean causal, float eps) {
        if (nb == 0 || nh == 0 || tq == 0) {
            return;
        }
        long flopsPerTask = (long) (tq + tk) * Math.max(d, 1) * Math.max(dv, 1);
        Parallel.forRange(nb * nh, grain(flopsPerTask), (start, end) -> {
            float[] s = new float[d * dv];
            float[] z = new float[d];
            for (int bh = start; bh < end; bh++) {
                int b = bh / nh;
                int h = bh % nh;
                Arrays.fill(s, 0f);
                Arrays.fill(z, 0f);
                int next = 0; // the next key to add to the state
                for (int i = 0; i < tq; i++) {
                    int last = causal ? lastKey(true, i, tq, tk) : tk - 1;
                    for (; next <= last; next++) {
                        addOuter(s, z, k.a(), k.row(b, h, next), v.a(), v.row(b, h, next), d, dv);
                    }
                    int qi = q.row(b, h, i);
                    int o = outOff + (bh * tq + i) * dv;
                    float den = eps + dot(q.a(), qi, z, 0, d);
                    for (int c = 0; c < d; c++) {
                        axpy(out, o, q.a()[qi + c], s, c * dv, dv);
                    }
                    scaleRow(out, o, dv, 1f / den);
                }
            }
        });
    }

    /** s += kᵀ·v (s is D×Dv row-major) and z += k. */
    private static void addOuter(float[] s, float[] z, float[] k, int ko, float[] v, int vo, int d, int dv) {
        for (int c = 0; c < d; c++) {
            float kc = k[ko + c];
            z[c] += kc;
            axpy(s, c * dv, kc, v, vo, dv);
        }
    }

    /**
     * Backward of the prefix form. With n_i = q_i·S_i, den_i = eps + q_i·z_i and g_i = dout_i:
     * dn_i = g_i / den_i and dden_i = −(g_i·n_i)/den_i², so dq_i = S_i·dn_i + z_i·dden_i. Query i's
     * gradient reaches every key it sees: with G_j = Σ q_iᵀ·dn_i and y_j = Σ q_i·dden_i over the
     * queries that see key j (suffix sums when causal), dk_j = G_j·v_j + y_j and dv_j = G_jᵀ·k_j.
     * A forward sweep gives dq (keeping Sᵀ too, so S_i·dn_i is a sum of rows), a backward sweep dk
     * and dv (keeping G and Gᵀ).
     */
    public static void linearBackward(float[] dq, float[] dk, float[] dv, Operand dout, Operand q, Operand k,
                                      Operand v, int nb, int nh, int tq, int tk, int d, int ndv, boolean causal,
                                      float eps) {
        if (nb == 0 || nh == 0 || tq == 0 || tk == 0) {
            return;
        }
        long flopsPerTask = 4L * (tq + tk) * Math.max(d, 1) * Math.max(ndv, 1);
        Parallel.forRange(nb * nh, grain(flopsPerTask), (start, end) -> {
            float[] s = new float[d * ndv];   // S, then G: D×Dv
            float[] st = new float[ndv * d];  // Sᵀ, then Gᵀ: Dv×D
            float[] z = new float[d];         // z, then y
            float[] dn = new float[ndv];
            float[] dden = new float[tq];
            float[] invDen = new float[tq];
            for (int bh = start; bh < end; bh++) {
                int b = bh / nh;
                int h = bh % nh;
                Arrays.fill(s, 0f);
                Arrays.fill(st, 0f);
                Arrays.fill(z, 0f);
                int next = 0;
                for (int i = 0; i < tq; i++) {
                    int last = lastKey(causal, i, tq, tk);
                    for (; next <= last; next++) {
                        addOuter(s, z, k.a(), k.row(b, h, next), v.a(), v.row(b, h, next), d, ndv);
                        addOuterT(st, v.a(), v.row(b, h, next), k.a(), k.row(b, h, next), ndv, d);
                    }
                    int qi = q.row(b, h, i);
                    int gi = dout.row(b, h, i);
                    float den = eps + dot(q.a(), qi, z, 0, d);
                    // g·n = Σ_c q[c] (S[c]·g)
                    float gn = 0;
                    for (int c = 0; c < d; c++) {
                        gn += q.a()[qi + c] * dot(s, c * ndv, dout.a(), gi, ndv);
                    }
                    invDen[i] = 1f / den;
                    dden[i] = -gn / (den * den);
                    int o = (bh * tq + i) * d;
                    for (int e = 0; e < ndv; e++) {
                        axpy(dq, o, dout.a()[gi + e] / den, st, e * d, d);
                    }
                    axpy(dq, o, dden[i], z, 0, d);
                }
                // backward sweep: G, Gᵀ and y over the queries that see key j
                Arrays.fill(s, 0f);
                Arrays.fill(st, 0f);
                Arrays.fill(z, 0f);
                int nextQ = tq - 1;
                for (int j = tk - 1; j >= 0; j--) {
                    for (; nextQ >= 0 && lastKey(causal, nextQ, tq, tk) >= j; nextQ--) {
                        int qi = q.row(b, h, nextQ);
                        int gi = dout.row(b, h, nextQ);
                        for (int e = 0; e < ndv; e++) {
                            dn[e] = dout.a()[gi + e] * invDen[nextQ];
                        }
                        addOuterNoSum(s, q.a(), qi, dn, 0, d, ndv);
                        addOuterT(st, dn, 0, q.a(), qi, ndv, d);
                        axpy(z, 0, dden[nextQ], q.a(), qi, d);
                    }
                    int kj = k.row(b, h, j);
                    int vj = v.row(b, h, j);
                    int dko = (bh * tk + j) * d;
                    int dvo = (bh * tk + j) * ndv;
                    System.arraycopy(z, 0, dk, dko, d);
                    for (int e = 0; e < ndv; e++) {
                        axpy(dk, dko, v.a()[vj + e], st, e * d, d);
                    }
                    for (int c = 0; c < d; c++) {
                        axpy(dv, dvo, k.a()[kj + c], s, c * ndv, ndv);
                    }
                }
            }
        });
    }

    /** t += xᵀ·y with t rows of length ny: t[r·ny + c] += x[xo + r]·y[yo + c] for r < nx. */
    private static void addOuterT(float[] t, float[] x, int xo, float[] y, int yo, int nx, int ny) {
        for (int r = 0; r < nx; r++) {
            axpy(t, r * ny, x[xo + r], y, yo, ny);
        }
    }

    /** s += xᵀ·y (D×Dv), without the running sum of x that {@link #addOuter} keeps. */
    private static void addOuterNoSum(float[] s, float[] x, int xo, float[] y, int yo, int d, int dv) {
        addOuterT(s, x, xo, y, yo, d, dv);
    }

    // ================================================================== helpers

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Tasks per chunk so a chunk holds at least {@link #GRAIN_FLOPS} multiply-adds. */
    private static int grain(long flopsPerTask) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, GRAIN_FLOPS / Math.max(1, flopsPerTask)));
    }

    /** 0, n−1, 1, n−2, ...: pairs a long causal row block with a short one in each contiguous range. */
    private static int zigzag(int t, int n) {
        return (t & 1) == 0 ? t >> 1 : n - 1 - (t >> 1);
    }
}
