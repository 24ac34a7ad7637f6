package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * The fused attention ops: scaled dot-product attention (FlashAttention-style: the backend saves
 * the per-row log-sum-exp, never a T×T matrix) and normalised linear attention (prefix sums when
 * causal). Checks happen here, once; backends see only valid shapes.
 *
 * <p>Causal masks with Tq ≠ Tk are aligned to the end, as FlashAttention 2 does (PyTorch's SDPA
 * aligns them to the start): query i sees keys j ≤ i + Tk − Tq, so the last query sees every key.
 * That is what decoding with a KV cache needs (the new queries are the last positions). A query
 * that sees no key at all (only when Tq > Tk) gets a zero output and a zero gradient.
 *
 * <p>Each op's fused backward kernel sits next to its forward; the backwards are public because
 * autograd's derivative rules (another module) call them. Users reach the forwards through {@link Tensor}.
 */
public final class AttentionOps {
    private AttentionOps() {
    }

    static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, boolean isCausal, double scale) {
        String op = "scaledDotProductAttention";
        checkQkv(op, q, k, v, true);
        checkScale(op, scale);
        return fused(op, q, k, v, null, isCausal, scale);
    }

    /**
     * The fused kernel on checked arguments; mask (null for none), already checked to broadcast to
     * the scores, is handed to the backend as a [B, H, Tq, Tk] view with stride 0 on its broadcast
     * dims: read in place, never expanded in memory.
     */
    private static Tensor fused(String op, Tensor q, Tensor k, Tensor v, Tensor mask, boolean isCausal, double scale) {
        double s = resolveScale(scale, q.size(3));
        Backend b = mask == null ? Dispatch.backend(op, q, k, v) : Dispatch.backend(op, q, k, v, mask);
        Tensor out = Dispatch.uninitialized(b, q.dtype(), outShape(op, q, v), q.device());
        Tensor lse = Dispatch.empty(b, q.dtype(), new int[] {q.size(0), q.size(1), q.size(2)}, q.device());
        b.scaledDotProductAttention(out, lse, unitLastDim(q), unitLastDim(k), unitLastDim(v), scoresView(mask, q, k),
                isCausal, s);
        Op rec = new Op.ScaledDotProductAttention(isCausal, s, lse, mask != null);
        return mask == null ? Dispatch.record(rec, out, q, k, v) : Dispatch.record(rec, out, q, k, v, mask);
    }

    /** The mask as a detached [B, H, Tq, Tk] view of its own storage (broadcast dims get stride 0); null stays null. */
    private static Tensor scoresView(Tensor mask, Tensor q, Tensor k) {
        return mask == null ? null : mask.detach().expand(q.size(0), q.size(1), q.size(2), k.size(2));
    }

    private static void checkScale(String op, double scale) {
        if (Double.isInfinite(scale)) {
            throw new IllegalArgumentException(op + ": scale must be finite (or NaN for 1/sqrt(D)), got " + scale);
        }
    }

    /**
     * PyTorch 2's {@code F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale)}.
     * Without dropout this is the fused kernel, the mask included: each score tile is masked as it is
     * computed (a BOOL mask hides the keys where it is false, a float mask is added), read from the
     * mask in place through its broadcast strides, so nothing of size Tq×Tk is allocated; the backward
     * recomputes the weights with the same mask. Only a float mask that requires grad costs a
     * [B, H, Tq, Tk] buffer in the backward (its gradient dS, summed to the mask's shape after).
     * With dropout it is a composition of tensor ops that builds the [B, H, Tq, Tk] weights:
     * S = q·kᵀ·scale, masked, softmax over the keys, dropout on the weights, times v. Rows whose every
     * key is masked give zeros and no gradient on both paths (PyTorch ≥ 2.5's math path; 2.0 to 2.4
     * gave NaN).
     */
    static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP,
                                            boolean isCausal, double scale, Generator rng) {
        String op = "scaledDotProductAttention";
        if (q.dim() != 4 && q.dim() >= 2 && k.dim() == q.dim() && v.dim() == q.dim()) {
            return withOneHead(op, q, k, v, attnMask, dropoutP, isCausal, scale, rng);
        }
        checkQkv(op, q, k, v, true);
        checkScale(op, scale);
        if (!(dropoutP >= 0 && dropoutP <= 1)) {
            throw new IllegalArgumentException(op + ": dropoutP must be in [0, 1], got " + dropoutP);
        }
        if (dropoutP > 0 && rng == null) {
            throw new IllegalArgumentException(op + ": dropoutP " + dropoutP + " needs a Generator for the dropout "
                    + "mask (masks are seeded, as Dropout's); pass one, or dropoutP = 0 outside training");
        }
        if (attnMask != null && isCausal) {
            throw new IllegalArgumentException(op + ": attnMask and isCausal cannot both be given (as PyTorch); fold "
                    + "the causal mask into attnMask");
        }
        int[] scores = {q.size(0), q.size(1), q.size(2), k.size(2)};
        if (attnMask != null) {
            checkMask(op, attnMask, q, scores);
        }
        if (Arrays.stream(scores).anyMatch(n -> n == 0)) {
            // no scores at all: a mask or dropout changes nothing
            return fused(op, q, k, v, null, isCausal, scale);
        }
        if (dropoutP == 0) {
            return fused(op, q, k, v, attnMask, isCausal, scale);
        }
        // the composition holds the scores: refuse what no storage can index, naming this op
        Shapes.checkShape(op, scores);
        double s = resolveScale(scale, q.size(3));
        int group = k.size(1) == 0 ? 1 : q.size(1) / k.size(1);
        Tensor kh = group == 1 ? k : k.repeatInterleave(group, 1);
        Tensor vh = group == 1 ? v : v.repeatInterleave(group, 1);
        Tensor w = q.matmul(kh.transpose(-2, -1)).mul(s);
        if (isCausal) {
            int tq = q.size(2);
            int tk = k.size(2);
            // end-aligned, as the fused kernel: query i sees keys j <= i + Tk - Tq
            Tensor sees = Tensor.ones(tq, tk).tril(tk - tq).gt(0).to(q.device());
            w = Tensor.where(sees, w, Double.NEGATIVE_INFINITY);
        } else if (attnMask != null) {
            w = attnMask.dtype() == DType.BOOL ? Tensor.where(attnMask, w, Double.NEGATIVE_INFINITY) : w.add(attnMask);
        }
        // a row with no visible key: softmax of zeros instead of NaN, then zeroed (no NaN reaches the gradient)
        Tensor blind = w.detach().max(-1, true).eq(Double.NEGATIVE_INFINITY);
        Tensor p = Tensor.where(blind, 0, Tensor.where(blind, 0, w).softmax(-1));
        if (dropoutP > 0) {
            double keepScale = dropoutP == 1 ? 0 : 1 / (1 - dropoutP);
            Tensor keep = Tensor.rand(rng, p.shape()).ge(dropoutP).to(p.device());
            p = Tensor.where(keep, p.mul(keepScale), 0);
        }
        return p.matmul(vh);
    }

    /**
     * PyTorch's other ranks, q (..., L, E), k (..., S, E), v (..., S, Ev) with equal leading dims:
     * the leading dims become the batch of one head, the mask is broadcast to the scores (..., L, S)
     * and viewed the same way.
     */
    private static Tensor withOneHead(String op, Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP,
                                      boolean isCausal, double scale, Generator rng) {
        int r = q.dim();
        int[] lead = Arrays.copyOf(q.shape(), r - 2);
        if (!Arrays.equals(lead, Arrays.copyOf(k.shape(), r - 2)) || !Arrays.equals(lead, Arrays.copyOf(v.shape(), r - 2))) {
            throw new IllegalArgumentException(op + ": q, k and v must have the same leading dims, got q "
                    + Shapes.str(q.shape()) + ", k " + Shapes.str(k.shape()) + ", v " + Shapes.str(v.shape()));
        }
        int batch = Shapes.checkShape(op, lead);
        Tensor q4 = q.reshape(batch, 1, q.size(-2), q.size(-1));
        Tensor k4 = k.reshape(batch, 1, k.size(-2), k.size(-1));
        Tensor v4 = v.reshape(batch, 1, v.size(-2), v.size(-1));
        Tensor m4 = null;
        if (attnMask != null) {
            int[] scores = Arrays.copyOf(lead, r);
            scores[r - 2] = q.size(-2);
            scores[r - 1] = k.size(-2);
            Shapes.checkShape(op, scores);
            if (attnMask.dim() > r || !Arrays.equals(Shapes.broadcast(op, attnMask.shape(), scores), scores)) {
                throw new IllegalArgumentException(op + ": attnMask " + Shapes.str(attnMask.shape())
                        + " does not broadcast to the attention scores " + Shapes.str(scores));
            }
            // a mask of the last two dims broadcasts as it is; others are viewed as [batch, 1, L, S]
            m4 = attnMask.dim() <= 2 ? attnMask : attnMask.expand(scores).reshape(batch, 1, q.size(-2), k.size(-2));
        }
        Tensor out = scaledDotProductAttention(q4, k4, v4, m4, dropoutP, isCausal, scale, rng);
        int[] outShape = Arrays.copyOf(lead, r);
        outShape[r - 2] = q.size(-2);
        outShape[r - 1] = v.size(-1);
        return out.reshape(outShape);
    }

    /** A BOOL mask, or a float one of q's dtype, on q's device, that broadcasts to the scores [B, H, Tq, Tk]. */
    private static void checkMask(String op, Tensor mask, Tensor q, int[] scores) {
        Dispatch.device(op, q, mask);
        if (mask.dtype() != DType.BOOL && mask.dtype() != q.dtype()) {
            throw new IllegalArgumentException(op + ": attnMask must be BOOL (true = attend) or a float mask of the "
                    + "query's dtype " + q.dtype() + " (added to the scores), got " + mask.dtype());
        }
        boolean fits = mask.dim() <= 4;
        for (int i = 1; fits && i <= mask.dim(); i++) {
            int m = mask.size(mask.dim() - i);
            fits = m == 1 || m == scores[4 - i];
        }
        if (!fits) {
            throw new IllegalArgumentException(op + ": attnMask " + Shapes.str(mask.shape())
                    + " does not broadcast to the attention scores [B, H, Tq, Tk] = " + Shapes.str(scores));
        }
    }

    /** [B, H, Tq, Dv], checked: it is the only shape here that no input has. */
    private static int[] outShape(String op, Tensor q, Tensor v) {
        int[] shape = {q.size(0), q.size(1), q.size(2), v.size(3)};
        Shapes.checkShape(op, shape);
        return shape;
    }

    /** 1/√D when scale is NaN (PyTorch's scale=None); 1 for D = 0, where every score is 0 anyway. */
    static double resolveScale(double scale, int d) {
        if (!Double.isNaN(scale)) {
            return scale;
        }
        return d == 0 ? 1.0 : 1.0 / Math.sqrt(d);
    }

    /**
     * Gradients of scaledDotProductAttention without a mask: {dq, dk, dv}. out and lse are the
     * forward's output and saved log-sum-exp; P is recomputed from them tile by tile, never stored.
     */
    public static Tensor[] scaledDotProductAttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                                                             Tensor lse, boolean isCausal, double scale) {
        return scaledDotProductAttentionBackward(dout, q, k, v, null, out, lse, isCausal, scale, false);
    }

    /**
     * Gradients of scaledDotProductAttention with attnMask (null for none): {dq, dk, dv}, and with a
     * mask a fourth, the mask's gradient at the scores' shape [B, H, Tq, Tk] when maskGrad (a float
     * mask; autograd sums it to the mask's shape), else null. P is recomputed tile by tile with the same mask.
     */
    public static Tensor[] scaledDotProductAttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor attnMask,
                                                             Tensor out, Tensor lse, boolean isCausal, double scale,
                                                             boolean maskGrad) {
        String name = "scaledDotProductAttentionBackward";
        Dispatch.notRecorded(name, dout, q, k, v, out);
        checkQkv(name, q, k, v, true);
        int[] outShape = {q.size(0), q.size(1), q.size(2), v.size(3)};
        sameShape(name, "out", out, outShape);
        sameShape(name, "dout", dout, outShape);
        sameShape(name, "lse", lse, new int[] {q.size(0), q.size(1), q.size(2)});
        Dispatch.sameDType(name, q, dout);
        Dispatch.sameDType(name, q, out);
        Dispatch.sameDType(name, q, lse);
        int[] scores = {q.size(0), q.size(1), q.size(2), k.size(2)};
        if (attnMask != null) {
            checkMask(name, attnMask, q, scores);
        }
        if (maskGrad && (attnMask == null || attnMask.dtype() == DType.BOOL)) {
            throw new IllegalArgumentException(name + ": only a float attnMask has a gradient, got "
                    + (attnMask == null ? "none" : "a BOOL mask"));
        }
        Backend b = Dispatch.backend(name, dout, q, k, v, out, lse);
        // zero-filled: the backward kernels accumulate dq, dk and dv over blocks
        Tensor dq = Dispatch.empty(b, q.dtype(), q.shape(), q.device());
        Tensor dk = Dispatch.empty(b, q.dtype(), k.shape(), q.device());
        Tensor dv = Dispatch.empty(b, q.dtype(), v.shape(), q.device());
        Tensor dmask = null;
        if (maskGrad) {
            Shapes.checkShape(name, scores); // the one buffer of the scores' size: the mask's gradient itself
            dmask = Dispatch.empty(b, q.dtype(), scores, q.device());
        }
        b.scaledDotProductAttentionBackward(dq, dk, dv, dmask, unitLastDim(dout), unitLastDim(q),
                unitLastDim(k), unitLastDim(v), scoresView(attnMask, q, k), out.detach().contiguous(),
                lse.detach().contiguous(), isCausal, scale);
        return attnMask != null ? new Tensor[] {dq, dk, dv, dmask} : new Tensor[] {dq, dk, dv};
    }

    static Tensor linearAttention(Tensor q, Tensor k, Tensor v, boolean isCausal, double eps) {
        String op = "linearAttention";
        checkQkv(op, q, k, v, false);
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(op + ": eps must be positive and finite (it keeps the normaliser "
                    + "away from 0), got " + eps);
        }
        Backend b = Dispatch.backend(op, q, k, v);
        // zero-filled: the linear-attention kernels rely on it (with a NaN-poisoned buffer the output was NaN)
        Tensor out = Dispatch.empty(b, q.dtype(), outShape(op, q, v), q.device());
        b.linearAttention(out, unitLastDim(q), unitLastDim(k), unitLastDim(v), isCausal, eps);
        return Dispatch.record(new Op.LinearAttention(isCausal, eps), out, q, k, v);
    }

    /** Gradients of linearAttention: {dq, dk, dv}. */
    public static Tensor[] linearAttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, boolean isCausal,
                                                   double eps) {
        String name = "linearAttentionBackward";
        Dispatch.notRecorded(name, dout, q, k, v);
        checkQkv(name, q, k, v, false);
        sameShape(name, "dout", dout, new int[] {q.size(0), q.size(1), q.size(2), v.size(3)});
        Dispatch.sameDType(name, q, dout);
        Backend b = Dispatch.backend(name, dout, q, k, v);
        // zero-filled, as the forward's
        Tensor dq = Dispatch.empty(b, q.dtype(), q.shape(), q.device());
        Tensor dk = Dispatch.empty(b, q.dtype(), k.shape(), q.device());
        Tensor dv = Dispatch.empty(b, q.dtype(), v.shape(), q.device());
        b.linearAttentionBackward(dq, dk, dv, unitLastDim(dout), unitLastDim(q),
                unitLastDim(k), unitLastDim(v), isCausal, eps);
        return new Tensor[] {dq, dk, dv};
    }

    /**
     * q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv]: one float dtype, one device, H a
     * multiple of Hkv (equal when grouped heads are not allowed).
     */
    static void checkQkv(String op, Tensor q, Tensor k, Tensor v, boolean groupedHeads) {
        String got = " got q " + q.dtype() + " " + Shapes.str(q.shape()) + ", k " + k.dtype() + " "
                + Shapes.str(k.shape()) + ", v " + v.dtype() + " " + Shapes.str(v.shape());
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected q [B, H, Tq, D], k [B, Hkv, Tk, D] and v "
                    + "[B, Hkv, Tk, Dv] (4-D: batch, heads, tokens, features);" + got);
        }
        Dispatch.requireFloat(op, q);
        Dispatch.sameDType(op, q, k);
        Dispatch.sameDType(op, q, v);
        Dispatch.device(op, q, k, v);
        if (q.size(0) != k.size(0) || q.size(0) != v.size(0)) {
            throw new IllegalArgumentException(op + ": batch sizes differ;" + got);
        }
        if (k.size(1) != v.size(1) || k.size(2) != v.size(2)) {
            throw new IllegalArgumentException(op + ": k and v must have the same heads and tokens;" + got);
        }
        if (q.size(3) != k.size(3)) {
            throw new IllegalArgumentException(op + ": q and k feature sizes differ (" + q.size(3) + " and "
                    + k.size(3) + ");" + got);
        }
        int h = q.size(1);
        int hkv = k.size(1);
        if (groupedHeads) {
            if (hkv == 0 ? h != 0 : h % hkv != 0) {
                throw new IllegalArgumentException(op + ": the " + h + " query heads must be a multiple of the "
                        + hkv + " key/value heads (grouped-query attention);" + got);
            }
        } else if (h != hkv) {
            throw new IllegalArgumentException(op + ": q has " + h + " heads but k and v have " + hkv
                    + "; this op needs equal heads;" + got);
        }
    }

    /** The tensor itself when its last dim has unit stride (kernels read rows of features), else a copy. */
    static Tensor unitLastDim(Tensor t) {
        Tensor d = t.detach();
        return t.size(-1) <= 1 || t.strides()[t.dim() - 1] == 1 ? d : d.contiguous();
    }

    static void sameShape(String op, String what, Tensor t, int[] shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(op + ": " + what + " has shape " + Shapes.str(t.shape()) + ", expected "
                    + Shapes.str(shape));
        }
    }
}
