package dev.kiln.kernels.cpu;

import dev.kiln.kernels.cpu.AttentionKernels.Operand;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.AttentionBackwardTiles.BC;
import static dev.kiln.kernels.cpu.AttentionBackwardTiles.BR;
import static dev.kiln.kernels.cpu.AttentionBackwardTiles.accumulateCols;
import static dev.kiln.kernels.cpu.AttentionBackwardTiles.accumulateRows;
import static dev.kiln.kernels.cpu.AttentionBackwardTiles.matmulBT;
import static dev.kiln.kernels.cpu.AttentionBackwardTiles.transpose;
import static dev.kiln.kernels.cpu.AttentionRows.ceilDiv;
import static dev.kiln.kernels.cpu.AttentionRows.dot;
import static dev.kiln.kernels.cpu.AttentionRows.expShifted;
import static dev.kiln.kernels.cpu.AttentionRows.grain;
import static dev.kiln.kernels.cpu.AttentionRows.maskAbove;
import static dev.kiln.kernels.cpu.AttentionRows.addRow;
import static dev.kiln.kernels.cpu.AttentionRows.hideRow;

/**
 * The backward of scaled dot-product attention, in blocks of {@link AttentionBackwardTiles#BR}
 * queries and tiles of {@link AttentionBackwardTiles#BC} keys: P = exp(S − lse) is recomputed tile by
 * tile from the forward's lse, with the forward's attention mask applied to each tile (rows whose lse
 * is −∞ saw no key and get P = 0); for a float mask that needs a gradient, dS is written out per tile.
 * Each task owns a key/value head and a set of key tiles, accumulates dK
 * and dV for them in scratch, and adds dS·K into dQ (into a private copy per split, the split count
 * fixed by the problem's size so the sum has the same bits on any number of threads).
 */
final class SdpaBackward {
    private SdpaBackward() {
    }

    /**
     * dq, dk, dv (contiguous, zero on entry) from dout, q, k, v, the forward's out and lse. Tasks own
     * a (batch, key/value head) and every {@code splits}-th key tile of it, so dK and dV rows have one
     * writer; dQ gets one private copy per split when there are fewer than {@link Parallel#MAX_CHUNKS} heads.
     */
    static void run(float[] dq, float[] dk, float[] dv, float[] dmask, int dmaskOff, Operand dout, Operand q,
                    Operand k, Operand v, AttentionKernels.Mask mask, float[] out, int outOff, float[] lse, int lseOff,
                    int nb, int nh, int hkv, int tq, int tk, int d, int ndv, boolean causal, float scale) {
        if (nb == 0 || nh == 0 || tq == 0 || tk == 0) {
            return;
        }
        if (SdpaWholeRows.backwardFits(nh, hkv, tq, tk)) {
            SdpaWholeRows.backward(dq, dk, dv, dmask, dmaskOff, dout, q, k, v, mask, out, outOff, lse, lseOff, nb, nh,
                    tq, tk, d, ndv, causal, scale);
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
                    backwardTile(sc, dqParts[split], dk, dv, dmask, dmaskOff, dout, q, k, v, mask, lse, lseOff, rowDot,
                            b, hk, group, nh, hkv, kb * BC, tq, tk, d, ndv, causal, scale);
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
    private static void backwardTile(BackwardScratch sc, float[] dq, float[] dk, float[] dv, float[] dmask,
                                     int dmaskOff, Operand dout, Operand q, Operand k, Operand v,
                                     AttentionKernels.Mask mask, float[] lse, int lseOff, float[] rowDot, int b,
                                     int hk, int group, int nh, int hkv, int j0, int tq, int tk, int d, int ndv,
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
                int mBase = mask == null ? 0 : mask.row(b, h, i0) + j0 * mask.sj();
                for (int r = 0; r < rows; r++) {
                    float rowLse = lse[lseOff + bh * tq + i0 + r];
                    if (rowLse == Float.NEGATIVE_INFINITY) {
                        // a row that sees no key (every key masked): P = 0, so zero gradients, not exp(−∞ + ∞)
                        Arrays.fill(sc.p, r * BC, r * BC + cols, 0f);
                        continue;
                    }
                    if (mask != null && mask.keep() != null) {
                        hideRow(sc.p, r * BC, mask.keep(), mBase + r * mask.si(), mask.sj(), cols);
                    } else if (mask != null) {
                        addRow(sc.p, r * BC, mask.add(), mBase + r * mask.si(), mask.sj(), cols, 1f);
                    }
                    expShifted(sc.p, r * BC, cols, rowLse);
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
                if (dmask != null) {
                    // dS is the additive mask's gradient; each (b, h, i, j) has one writer
                    int dst = dmaskOff + (bh * tq + i0) * tk + j0;
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(sc.ds, r * BC, dmask, dst + r * tk, cols);
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
}
