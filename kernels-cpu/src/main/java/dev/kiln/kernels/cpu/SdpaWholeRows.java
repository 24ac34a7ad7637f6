package dev.kiln.kernels.cpu;

import dev.kiln.kernels.cpu.AttentionKernels.Operand;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.AttentionRows.addRow;
import static dev.kiln.kernels.cpu.AttentionRows.dot;
import static dev.kiln.kernels.cpu.AttentionRows.expShifted;
import static dev.kiln.kernels.cpu.AttentionRows.grain;
import static dev.kiln.kernels.cpu.AttentionRows.hideRow;
import static dev.kiln.kernels.cpu.AttentionRows.scaleRow;

/**
 * Scaled dot-product attention, forward and backward, for short sequences (at most {@link #MAX_KEYS}
 * keys and queries: a transformer's training context), one head per task: a whole row of scores fits
 * in cache, so the softmax sees the row at once (no online rescaling), and the backward keeps P and
 * dS of the whole head (Tq × Tk each, per thread) and runs each of its five products once, over the
 * entries the causal mask leaves, in blocks of 4 rows or 4 keys.
 *
 * <p>Why not the tiled kernels ({@link SdpaForward}, {@link SdpaBackward}) at T = 128: the forward
 * packs K into a fresh array per call and Q per block; the backward copies Q and dO again for each
 * key tile, transposes K and V per tile, loads and stores its dK and dV accumulators per query
 * block, and splits dQ into per-split copies (fresh arrays, then a summing pass); and with a causal
 * mask their 32-48 row by 64-128 key tiles compute about 1.5 times the useful work. Here every
 * product is {@link AttentionPanels#product} on operands read in place, except Kᵀ and Vᵀ, packed
 * once per head into scratch that each thread keeps (nothing is allocated per call).
 *
 * <p>Each row's result is computed by one thread in a fixed order, so the bits do not depend on the
 * thread count. The tiled path stays for long sequences, for grouped-query heads in the backward,
 * and behind {@code -Dkiln.attn.wholeRows=false} (for A/B measurements).
 */
final class SdpaWholeRows {
    private SdpaWholeRows() {
    }

    private static final VectorSpecies<Float> SP = Simd.F32;
    private static final int L = SP.length();
    private static final boolean SIMD = Simd.ENABLED;

    private static final double LOG2E_D = 1 / Math.log(2);
    private static final float LOG2E = (float) LOG2E_D;

    /** The most keys (and queries) this path takes: a head's P and dS (256 KiB each at 256) stay in L2. */
    static final int MAX_KEYS = 256;

    /**
     * Whether this path is on (default true): {@code -Dkiln.attn.wholeRows=false} keeps the tiled
     * kernels. Read per call (a property lookup, nothing beside a kernel) so that one JVM can
     * interleave the two paths in an A/B measurement.
     */
    static boolean enabled() {
        return !"false".equals(System.getProperty("kiln.attn.wholeRows"));
    }

    /** Whether the forward of this shape runs here. */
    static boolean forwardFits(int tq, int tk) {
        return enabled() && tk <= MAX_KEYS && tq <= MAX_KEYS;
    }

    /** Whether the backward of this shape runs here: one query head per key/value head (no grouping). */
    static boolean backwardFits(int nh, int hkv, int tq, int tk) {
        return enabled() && nh == hkv && tk <= MAX_KEYS && tq <= MAX_KEYS;
    }

    /** Per-thread scratch, grown on demand and kept. */
    private static final class Scratch {
        float[] kt = new float[0];
        float[] vt = new float[0];
        float[] p = new float[0];
        float[] ds = new float[0];
        float[] rowDot = new float[0];

        static float[] grow(float[] a, int n) {
            return a.length < n ? new float[n] : a;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The keys query row i (of tq) sees: [0, visible) with a causal mask aligned bottom-right, else all tk. */
    private static int visible(int i, int tq, int tk, boolean causal) {
        return causal ? Math.max(0, Math.min(tk, i + 1 + tk - tq)) : tk;
    }

    private static int roundUp(int n, int l) {
        return (n + l - 1) / l * l;
    }

    /** The row stride of packed Kᵀ, Vᵀ, P and dS: tk padded to whole pairs of vectors (S's widest step). */
    private static int paddedKeys(int tk) {
        return Math.max(1, roundUp(tk, 2 * AttentionPanels.lanes()));
    }

    /** dst[x·ld + j] = src[base + j·stride + x] for j < rows, x < width; columns [rows, ld) zero. */
    private static void packTransposed(float[] dst, int ld, float[] src, int base, int stride, int rows, int width) {
        for (int x = 0; x < width; x++) {
            Arrays.fill(dst, x * ld + rows, x * ld + ld, 0f);
        }
        for (int x = 0; x < width; x++) {
            int dRow = x * ld;
            for (int j = 0; j < rows; j++) {
                dst[dRow + j] = src[base + j * stride + x];
            }
        }
    }

    /**
     * out [B, H, Tq, Dv] and lse [B, H, Tq] (contiguous, from outOff and lseOff), as {@link SdpaForward#run}.
     * A task is one head: Kᵀ packed, then per 4 query rows S = Q·Kᵀ over the keys they see, each row's
     * softmax whole (P normalised in place, lse = max + ln Σ), and out = P·V.
     */
    static void forward(float[] out, int outOff, float[] lse, int lseOff, Operand q, Operand k, Operand v,
                        AttentionKernels.Mask mask, int nb, int nh, int hkv, int tq, int tk, int d, int dv,
                        boolean causal, float scale) {
        int group = nh / hkv;
        int tkp = paddedKeys(tk);
        int lanes = AttentionPanels.lanes();
        long flopsPerTask = (long) tq * Math.max(tk, 1) * (d + dv + 8);
        Parallel.forRange(nb * nh, grain(flopsPerTask), (start, end) -> {
            Scratch sc = SCRATCH.get();
            float[] kt = sc.kt = Scratch.grow(sc.kt, Math.max(d, 1) * tkp);
            float[] s = sc.p = Scratch.grow(sc.p, 4 * tkp);
            for (int bh = start; bh < end; bh++) {
                int b = bh / nh;
                int h = bh % nh;
                int hk = h / group;
                packTransposed(kt, tkp, k.a(), k.row(b, hk, 0), k.st(), tk, d);
                for (int i0 = 0; i0 < tq; i0 += 4) {
                    int rows = Math.min(4, tq - i0);
                    int kEnd = visible(i0 + rows - 1, tq, tk, causal);
                    AttentionPanels.product(s, 0, tkp, q.a(), q.row(b, h, i0), q.st(), 1, kt, 0, tkp, rows, d,
                            roundUp(kEnd, 2 * lanes));
                    for (int r = 0; r < rows; r++) {
                        int i = i0 + r;
                        lse[lseOff + bh * tq + i] = softmaxRow(s, r * tkp, visible(i, tq, tk, causal), kEnd, scale,
                                mask, b, h, i);
                    }
                    AttentionPanels.product(out, outOff + (bh * tq + i0) * dv, dv, s, 0, tkp, 1, v.a(),
                            v.row(b, hk, 0), v.st(), rows, kEnd, dv);
                }
            }
        });
    }

    /**
     * Row so of s (scores q·k over [0, kEnd), the first lim visible): P = softmax(scale·s + mask)
     * normalised in place, 0 on [lim, kEnd); returns lse, or −∞ (and P = 0) for a row that sees no key.
     */
    private static float softmaxRow(float[] s, int so, int lim, int kEnd, float scale, AttentionKernels.Mask mask,
                                    int b, int h, int i) {
        if (lim < kEnd) {
            Arrays.fill(s, so + lim, so + kEnd, 0f);
        }
        if (SIMD && mask == null && scale > 0) {
            return softmaxRowUnmasked(s, so, lim, scale);
        }
        scaleRow(s, so, lim, scale);
        maskRow(s, so, lim, mask, b, h, i);
        float max = rowMax(s, so, lim);
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(s, so, so + lim, 0f);
            return Float.NEGATIVE_INFINITY;
        }
        float sum = expShifted(s, so, lim, max);
        scaleRow(s, so, lim, 1f / sum);
        return (float) (max + Math.log(sum));
    }

    /**
     * {@link #softmaxRow} without a mask, for scale > 0 (the row's max of scale·s is scale times its
     * max): three vector passes (max; exp and sum; normalise) where the general one makes five.
     */
    private static float softmaxRowUnmasked(float[] s, int so, int lim, float scale) {
        int bound = SP.loopBound(lim);
        FloatVector mv = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
        int c = 0;
        for (; c < bound; c += L) {
            mv = mv.max(FloatVector.fromArray(SP, s, so + c)); // a NaN score makes the max NaN: its row is NaN
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; c < lim; c++) {
            max = Math.max(max, s[so + c]);
        }
        if (max == Float.NEGATIVE_INFINITY || lim == 0) {
            Arrays.fill(s, so, so + lim, 0f);
            return Float.NEGATIVE_INFINITY;
        }
        float shift = max * scale;
        // e^(scale·s − shift) as 2^(scale·log₂e·s − shift·log₂e): the tiles' short exp2 polynomial
        float f = scale * LOG2E;
        FloatVector fv = FloatVector.broadcast(SP, f);
        FloatVector nsh = FloatVector.broadcast(SP, -max * f);
        FloatVector acc = FloatVector.zero(SP);
        // the polynomial's constants as local vectors: C2 keeps them in registers
        FloatVector c6 = FloatVector.broadcast(SP, AttentionTiles.C6);
        FloatVector c5 = FloatVector.broadcast(SP, AttentionTiles.C5);
        FloatVector c4 = FloatVector.broadcast(SP, AttentionTiles.C4);
        FloatVector c3 = FloatVector.broadcast(SP, AttentionTiles.C3);
        FloatVector c2 = FloatVector.broadcast(SP, AttentionTiles.C2);
        FloatVector c1 = FloatVector.broadcast(SP, AttentionTiles.C1);
        FloatVector one = FloatVector.broadcast(SP, 1f);
        for (c = 0; c < bound; c += L) {
            FloatVector x = FloatVector.fromArray(SP, s, so + c).fma(fv, nsh);
            // 2^x = 2^n · 2^f, n = round(x), f in [−½, ½]: the tiles' exp2, written out (0 below 2^−126)
            FloatVector z = x.add(AttentionTiles.ROUND);
            FloatVector fr = x.sub(z.sub(AttentionTiles.ROUND));
            FloatVector e = c6.fma(fr, c5).fma(fr, c4).fma(fr, c3).fma(fr, c2).fma(fr, c1).fma(fr, one)
                    .mul(z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(AttentionTiles.ONE_BITS)
                            .reinterpretAsFloats()).blend(0f, x.lt(-126f));
            e.intoArray(s, so + c);
            acc = acc.add(e);
        }
        float sum = Simd.sum(acc);
        for (; c < lim; c++) {
            float e = AttentionTiles.exp2(Math.fma(s[so + c], f, -max * f));
            s[so + c] = e;
            sum += e;
        }
        scaleRow(s, so, lim, 1f / sum);
        return (float) (shift + Math.log(sum));
    }

    /** Applies the attention mask of query i (a float mask added, a BOOL mask hiding keys) to n scores. */
    private static void maskRow(float[] s, int so, int n, AttentionKernels.Mask mask, int b, int h, int i) {
        if (mask == null) {
            return;
        }
        if (mask.keep() != null) {
            hideRow(s, so, mask.keep(), mask.row(b, h, i), mask.sj(), n);
        } else {
            addRow(s, so, mask.add(), mask.row(b, h, i), mask.sj(), n, 1f);
        }
    }

    private static float rowMax(float[] s, int so, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < n; c++) {
            float x = s[so + c];
            max = max < x ? x : max; // NaN is skipped here and poisons its row in the exp, as in the tiled path
        }
        return max;
    }

    /**
     * dq, dk, dv (contiguous) and dmask (null unless a float mask needs a gradient; zero on entry), as
     * {@link SdpaBackward#run}, for one query head per key/value head. A task is one head: Kᵀ and Vᵀ
     * packed; per 4 query rows S = Q·Kᵀ and dP = dO·Vᵀ over the keys they see, P = exp(S − lse) and
     * dS = P ⊙ (dP − dO·O) kept for the head, and dQ = dS·K; then per 4 keys dV = Pᵀ·dO and
     * dK = dSᵀ·Q over the queries that see them. Every output row has one writer.
     */
    static void backward(float[] dq, float[] dk, float[] dv, float[] dmask, int dmaskOff, Operand dout, Operand q,
                         Operand k, Operand v, AttentionKernels.Mask mask, float[] out, int outOff, float[] lse,
                         int lseOff, int nb, int nh, int tq, int tk, int d, int ndv, boolean causal, float scale) {
        int tkp = paddedKeys(tk);
        long flopsPerTask = (long) tq * tk * (2L * d + 2L * ndv + 8);
        Parallel.forRange(nb * nh, grain(flopsPerTask), (start, end) -> {
            Scratch sc = SCRATCH.get();
            float[] kt = sc.kt = Scratch.grow(sc.kt, Math.max(d, 1) * tkp);
            float[] vt = sc.vt = Scratch.grow(sc.vt, Math.max(ndv, 1) * tkp);
            float[] p = sc.p = Scratch.grow(sc.p, tq * tkp);
            float[] ds = sc.ds = Scratch.grow(sc.ds, tq * tkp);
            float[] rowDot = sc.rowDot = Scratch.grow(sc.rowDot, tq);
            for (int bh = start; bh < end; bh++) {
                backwardHead(kt, vt, p, ds, rowDot, tkp, dq, dk, dv, dmask, dmaskOff, dout, q, k, v, mask, out,
                        outOff, lse, lseOff, bh / nh, bh % nh, nh, tq, tk, d, ndv, causal, scale);
            }
        });
    }

    private static void backwardHead(float[] kt, float[] vt, float[] p, float[] ds, float[] rowDot, int tkp,
                                     float[] dq, float[] dk, float[] dv, float[] dmask, int dmaskOff, Operand dout,
                                     Operand q, Operand k, Operand v, AttentionKernels.Mask mask, float[] out,
                                     int outOff, float[] lse, int lseOff, int b, int h, int nh, int tq, int tk, int d,
                                     int ndv, boolean causal, float scale) {
        int bh = b * nh + h;
        for (int i = 0; i < tq; i++) {
            // rowsum(dP ⊙ P) = dO_i · O_i, the softmax backward's per-row term
            rowDot[i] = dot(dout.a(), dout.row(b, h, i), out, outOff + (bh * tq + i) * ndv, ndv);
        }
        packTransposed(kt, tkp, k.a(), k.row(b, h, 0), k.st(), tk, d);
        packTransposed(vt, tkp, v.a(), v.row(b, h, 0), v.st(), tk, ndv);
        int lanes = AttentionPanels.lanes();
        for (int i0 = 0; i0 < tq; i0 += 4) {
            int rows = Math.min(4, tq - i0);
            int kEnd = visible(i0 + rows - 1, tq, tk, causal);
            int width = roundUp(kEnd, 2 * lanes); // whole 2-vector steps: the padded keys of Kᵀ are zero
            AttentionPanels.product(p, i0 * tkp, tkp, q.a(), q.row(b, h, i0), q.st(), 1, kt, 0, tkp, rows, d, width);
            AttentionPanels.product(ds, i0 * tkp, tkp, dout.a(), dout.row(b, h, i0), dout.st(), 1, vt, 0, tkp, rows,
                    ndv, width);
            for (int r = 0; r < rows; r++) {
                int i = i0 + r;
                int po = i * tkp;
                int lim = visible(i, tq, tk, causal);
                float rowLse = lse[lseOff + bh * tq + i];
                // keys past lim are zero in P and dS: the dK and dV products read whole columns
                Arrays.fill(p, po + lim, po + tkp, 0f);
                Arrays.fill(ds, po + lim, po + tkp, 0f);
                if (rowLse == Float.NEGATIVE_INFINITY) {
                    // a row that saw no key: P = 0 and zero gradients, not exp(−∞ + ∞)
                    Arrays.fill(p, po, po + lim, 0f);
                    Arrays.fill(ds, po, po + lim, 0f);
                    continue;
                }
                if (mask == null) {
                    pAndDsRow(p, ds, po, lim, scale, rowLse, rowDot[i]);
                    continue;
                }
                scaleRow(p, po, lim, scale);
                maskRow(p, po, lim, mask, b, h, i);
                expShifted(p, po, lim, rowLse);
                dsRow(ds, p, po, lim, rowDot[i]);
                if (dmask != null) {
                    // dS is the additive mask's gradient; each (b, h, i, j) has one writer
                    System.arraycopy(ds, po, dmask, dmaskOff + (bh * tq + i) * tk, lim);
                }
                scaleRow(ds, po, lim, scale); // S = scale·q·kᵀ: dQ and dK carry the scale
            }
            AttentionPanels.product(dq, (bh * tq + i0) * d, d, ds, i0 * tkp, tkp, 1, k.a(), k.row(b, h, 0), k.st(),
                    rows, kEnd, d);
        }
        int off = tk - tq;
        for (int j0 = 0; j0 < tk; j0 += 4) {
            int cols = Math.min(4, tk - j0);
            int iStart = causal ? Math.min(tq, Math.max(0, j0 - off)) : 0; // the first query that sees key j0
            int n = tq - iStart;
            int from = Math.min(iStart, tq - 1); // a row in range even where no query sees these keys (n = 0)
            // Pᵀ and dSᵀ: four columns, read down the rows (stride tkp)
            AttentionPanels.product(dv, (bh * tk + j0) * ndv, ndv, p, from * tkp + j0, 1, tkp, dout.a(),
                    dout.row(b, h, from), dout.st(), cols, n, ndv);
            AttentionPanels.product(dk, (bh * tk + j0) * d, d, ds, from * tkp + j0, 1, tkp, q.a(), q.row(b, h, from),
                    q.st(), cols, n, d);
        }
    }

    /**
     * Without a mask, one pass: p = exp(scale·s − lse) over scores s in p, and ds = scale·p·(dP − rowDot)
     * over dP in ds (the scale that dQ and dK carry, applied here).
     */
    private static void pAndDsRow(float[] p, float[] ds, int o, int n, float scale, float lse, float rowDot) {
        int c = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector sv = FloatVector.broadcast(SP, scale);
            FloatVector fv = FloatVector.broadcast(SP, scale * LOG2E);
            // lse ≥ every scale·s of its row, so the exponent is ≤ 0 as exp2 needs (up to rounding)
            FloatVector nl = FloatVector.broadcast(SP, (float) (-lse * LOG2E_D));
            FloatVector rd = FloatVector.broadcast(SP, rowDot);
            // the polynomial's constants as local vectors: C2 keeps them in registers
            FloatVector c6 = FloatVector.broadcast(SP, AttentionTiles.C6);
            FloatVector c5 = FloatVector.broadcast(SP, AttentionTiles.C5);
            FloatVector c4 = FloatVector.broadcast(SP, AttentionTiles.C4);
            FloatVector c3 = FloatVector.broadcast(SP, AttentionTiles.C3);
            FloatVector c2 = FloatVector.broadcast(SP, AttentionTiles.C2);
            FloatVector c1 = FloatVector.broadcast(SP, AttentionTiles.C1);
            FloatVector one = FloatVector.broadcast(SP, 1f);
            for (; c < bound; c += L) {
                FloatVector x = FloatVector.fromArray(SP, p, o + c).fma(fv, nl);
                // 2^x = 2^n · 2^f, n = round(x), f in [−½, ½]: the tiles' exp2, written out (0 below 2^−126)
                FloatVector z = x.add(AttentionTiles.ROUND);
                FloatVector fr = x.sub(z.sub(AttentionTiles.ROUND));
                FloatVector e = c6.fma(fr, c5).fma(fr, c4).fma(fr, c3).fma(fr, c2).fma(fr, c1).fma(fr, one)
                        .mul(z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(AttentionTiles.ONE_BITS)
                                .reinterpretAsFloats()).blend(0f, x.lt(-126f));
                e.intoArray(p, o + c);
                FloatVector.fromArray(SP, ds, o + c).sub(rd).mul(e).mul(sv).intoArray(ds, o + c);
            }
        }
        float f = scale * LOG2E;
        float nl = (float) (-lse * LOG2E_D);
        for (; c < n; c++) {
            float e = AttentionTiles.exp2(Math.fma(p[o + c], f, nl));
            p[o + c] = e;
            ds[o + c] = (ds[o + c] - rowDot) * e * scale;
        }
    }

    /** ds[o + c] = p[o + c] · (ds[o + c] − rowDot) for c < n: dS from dP in place. */
    private static void dsRow(float[] ds, float[] p, int o, int n, float rowDot) {
        int c = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector rd = FloatVector.broadcast(SP, rowDot);
            for (; c < bound; c += L) {
                FloatVector.fromArray(SP, ds, o + c).sub(rd).mul(FloatVector.fromArray(SP, p, o + c))
                        .intoArray(ds, o + c);
            }
        }
        for (; c < n; c++) {
            ds[o + c] = p[o + c] * (ds[o + c] - rowDot);
        }
    }
}
