package dev.kiln.kernels.cpu;

import dev.kiln.kernels.cpu.AttentionKernels.Operand;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.AttentionRows.ceilDiv;
import static dev.kiln.kernels.cpu.AttentionRows.grain;
import static dev.kiln.kernels.cpu.AttentionRows.maskAbove;
import static dev.kiln.kernels.cpu.AttentionRows.addRow;
import static dev.kiln.kernels.cpu.AttentionRows.hideRow;

/**
 * The forward of scaled dot-product attention (FlashAttention 2's algorithm on a CPU): queries go in
 * blocks of {@link AttentionTiles#FR} rows, keys in tiles of {@link AttentionTiles#FC}. For each tile
 * the block's scores S = q·kᵀ·scale (in log₂ units) are computed into an FR×FC scratch by the
 * register-tiled micro-kernels of {@link AttentionTiles}, the running row max m and row sum l are
 * updated (online softmax: the old accumulator is rescaled by 2^(m_old − m_new)), and P·V is added to
 * an FR×Dv accumulator. At the end out = acc / l and lse = m·ln 2 + ln l is saved for the backward.
 * An attention mask is applied to each score tile before its softmax, read in place through its
 * strides; a row that every key's mask hides keeps m = −∞ and gets zeros and lse = −∞. Nothing of
 * size Tq×Tk is ever allocated.
 */
final class SdpaForward {
    private SdpaForward() {
    }

    /**
     * out [B, H, Tq, Dv] and lse [B, H, Tq] (contiguous, from outOff and lseOff) from q, k, v, with the
     * register-tiled pieces of {@link AttentionTiles}. K is first packed once per key/value head into
     * panels of {@link AttentionTiles#NR} keys ([panels][D][NR]: the size of K, not of S), so every
     * query block multiplies by ready panels. Tasks are (batch, head, query block of
     * {@link AttentionTiles#FR} rows), the blocks of each head visited from both ends at once so that
     * with a causal mask every chunk of tasks gets a fair share of long and short rows.
     */
    static void run(float[] out, int outOff, float[] lse, int lseOff, Operand q, Operand k, Operand v,
                    AttentionKernels.Mask mask, int nb, int nh, int hkv, int tq, int tk, int d, int dv, boolean causal,
                    float scale) {
        if (nb == 0 || nh == 0 || tq == 0) {
            return;
        }
        if (SdpaWholeRows.forwardFits(tq, tk)) {
            SdpaWholeRows.forward(out, outOff, lse, lseOff, q, k, v, mask, nb, nh, hkv, tq, tk, d, dv, causal, scale);
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
                        kp, bk * headSize, v.a(), v.row(b, h / group, 0), v.st(), mask,
                        mask == null ? 0 : mask.row(b, h, 0), blk * fr, tq, tk, d, dv, causal, qScale);
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
                                     AttentionKernels.Mask mask, int mBase, int i0, int tq, int tk, int d, int dv,
                                     boolean causal, float qScale) {
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
            if (mask != null) {
                // in log₂ units as the scores: the additive mask times log₂e
                for (int r = 0; r < rows; r++) {
                    int mo = mBase + (i0 + r) * mask.si() + j0 * mask.sj();
                    if (mask.keep() != null) {
                        hideRow(sc.s, r * fc, mask.keep(), mo, mask.sj(), cols);
                    } else {
                        addRow(sc.s, r * fc, mask.add(), mo, mask.sj(), cols, LOG2E);
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
    private static final float LOG2E = AttentionTiles.log2e();

    /** 0, n−1, 1, n−2, ...: pairs a long causal row block with a short one in each contiguous range. */
    private static int zigzag(int t, int n) {
        return (t & 1) == 0 ? t >> 1 : n - 1 - (t >> 1);
    }
}
