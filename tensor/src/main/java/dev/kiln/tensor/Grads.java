package dev.kiln.tensor;

import java.util.Arrays;

/**
 * The fused backward kernels that autograd's derivative rules call (PyTorch's
 * {@code _softmax_backward_data} and friends). They are not themselves differentiable, so they
 * refuse to run where autograd would have to record them.
 */
public final class Grads {
    private Grads() {
    }

    /** dx = y ⊙ (dy − Σ_dim dy ⊙ y), given the softmax output y. */
    public static Tensor softmaxBackward(Tensor y, Tensor dy, int dim) {
        return rowBackward("softmaxBackward", y, dy, dim, false);
    }

    /** dx = dy − exp(y) ⊙ Σ_dim dy, given the log-softmax output y. */
    public static Tensor logSoftmaxBackward(Tensor y, Tensor dy, int dim) {
        return rowBackward("logSoftmaxBackward", y, dy, dim, true);
    }

    private static Tensor rowBackward(String name, Tensor y, Tensor dy, int dim, boolean log) {
        notRecorded(name, y, dy);
        Dispatch.sameDType(name, y, dy);
        Dispatch.requireFloat(name, y);
        sameShape(name, y, dy);
        Backend b = Dispatch.backend(name, y, dy);
        Tensor yc = y.dim() == 0 ? y.reshape(1) : y.contiguous();
        Tensor dyc = dy.dim() == 0 ? dy.reshape(1) : dy.contiguous();
        int d = Shapes.normalizeDim(name, dim, y.dim());
        Tensor dx = Dispatch.empty(b, y.dtype(), yc.shape(), y.device());
        if (log) {
            b.logSoftmaxBackward(dx, yc, dyc, d);
        } else {
            b.softmaxBackward(dx, yc, dyc, d);
        }
        return y.dim() == 0 ? dx.rawView(new int[0]) : dx;
    }

    /** dlogits = dloss[n] · (softmax(logits[n]) − onehot(labels[n])), zero on ignored rows. */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        String name = "crossEntropyBackward";
        notRecorded(name, logits, dloss);
        Dispatch.requireFloat(name, logits);
        Dispatch.sameDType(name, logits, dloss);
        Dispatch.requireIndex(name, "labels", labels);
        if (logits.dim() != 2 || labels.dim() != 1 || dloss.dim() != 1 || labels.size(0) != logits.size(0)
                || dloss.size(0) != logits.size(0)) {
            throw new IllegalArgumentException(name + ": expected logits [N, C], labels [N] and dloss [N], got "
                    + Shapes.str(logits.shape()) + ", " + Shapes.str(labels.shape()) + " and " + Shapes.str(dloss.shape()));
        }
        Backend b = Dispatch.backend(name, logits, labels, dloss);
        Tensor dx = Dispatch.empty(b, logits.dtype(), logits.shape(), logits.device());
        b.crossEntropyBackward(dx, logits.contiguous(), labels.contiguous(), dloss.contiguous(), ignoreIndex);
        return dx;
    }

    /**
     * Gradients of layer_norm: {dx, dweight, dbias}; dweight/dbias are computed only when asked for
     * (and weight is then required for dweight). mean and rstd are the forward's saved statistics.
     */
    public static Tensor[] layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor weight,
                                             int[] normalizedShape, boolean wantWeight, boolean wantBias) {
        String name = "layerNormBackward";
        notRecorded(name, dy, x, weight);
        sameShape(name, dy, x);
        Backend b = Dispatch.backend(name, dy, x, mean, rstd);
        Tensor dx = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), normalizedShape, x.device()) : null;
        Tensor db = wantBias ? Dispatch.empty(b, x.dtype(), normalizedShape, x.device()) : null;
        b.layerNormBackward(dx, flat(dw), flat(db), dy.contiguous(), x.contiguous(), mean, rstd, flat(weight));
        return new Tensor[] {dx, dw, db};
    }

    /** Gradients of rms_norm: {dx, dweight}; dweight only when asked for. */
    public static Tensor[] rmsNormBackward(Tensor dy, Tensor x, Tensor rstd, Tensor weight, int[] normalizedShape,
                                           boolean wantWeight) {
        String name = "rmsNormBackward";
        notRecorded(name, dy, x, weight);
        sameShape(name, dy, x);
        Backend b = Dispatch.backend(name, dy, x, rstd);
        Tensor dx = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), normalizedShape, x.device()) : null;
        b.rmsNormBackward(dx, flat(dw), dy.contiguous(), x.contiguous(), rstd, flat(weight));
        return new Tensor[] {dx, dw};
    }

    /** dx = dy ⊙ op'(x): the fused backward of an elementwise op (GELU, SiLU, Mish, ...). */
    public static Tensor unaryBackward(UnaryOp op, Tensor x, Tensor dy) {
        String name = op.opName() + "Backward";
        notRecorded(name, x, dy);
        Dispatch.requireFloat(name, x);
        Dispatch.sameDType(name, x, dy);
        sameShape(name, x, dy);
        Backend b = Dispatch.backend(name, x, dy);
        Tensor dx = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        b.unaryBackward(op, dx, x, dy);
        return dx;
    }

    /** dx = dy ⊙ f'(x) for an activation with scalar parameters. */
    public static Tensor activationBackward(Activation f, Tensor x, Tensor dy) {
        String name = f.kind().opName() + "Backward";
        notRecorded(name, x, dy);
        Dispatch.requireFloat(name, x);
        Dispatch.sameDType(name, x, dy);
        sameShape(name, x, dy);
        Backend b = Dispatch.backend(name, x, dy);
        Tensor dx = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        b.activationBackward(f, dx, x, dy);
        return dx;
    }

    /** Gradients of prelu: {dx, dweight}, each computed only when asked for (else null); dweight has weight's shape. */
    public static Tensor[] preluBackward(Tensor dy, Tensor x, Tensor weight, boolean wantInput, boolean wantWeight) {
        String name = "preluBackward";
        notRecorded(name, dy, x, weight);
        sameShape(name, dy, x);
        Dispatch.sameDType(name, x, dy);
        Dispatch.sameDType(name, x, weight);
        ActivationOps.checkPreluWeight(x, weight);
        Backend b = Dispatch.backend(name, dy, x, weight);
        Tensor dx = wantInput ? Dispatch.empty(b, x.dtype(), x.shape(), x.device()) : null;
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), weight.shape(), x.device()) : null;
        b.preluBackward(dx, flat(dw), dy.contiguous(), x.contiguous(), ActivationOps.flat(weight));
        return new Tensor[] {dx, dw};
    }

    /** Gradients of pau: {dx, dnumerator, ddenominator}, each only when asked for (else null). */
    public static Tensor[] pauBackward(Tensor dy, Tensor x, Tensor numerator, Tensor denominator, boolean wantInput,
                                       boolean wantNumerator, boolean wantDenominator) {
        String name = "pauBackward";
        notRecorded(name, dy, x, numerator, denominator);
        sameShape(name, dy, x);
        Dispatch.sameDType(name, x, dy);
        Backend b = Dispatch.backend(name, dy, x, numerator, denominator);
        Tensor dx = wantInput ? Dispatch.empty(b, x.dtype(), x.shape(), x.device()) : null;
        Tensor da = wantNumerator ? Dispatch.empty(b, x.dtype(), numerator.shape(), x.device()) : null;
        Tensor db = wantDenominator ? Dispatch.empty(b, x.dtype(), denominator.shape(), x.device()) : null;
        b.pauBackward(dx, da, db, dy.contiguous(), x.contiguous(), ActivationOps.flat(numerator),
                ActivationOps.flat(denominator));
        return new Tensor[] {dx, da, db};
    }

    /**
     * Gradients of scaledDotProductAttention: {dq, dk, dv}. out and lse are the forward's output and
     * saved log-sum-exp; P is recomputed from them tile by tile, never stored.
     */
    public static Tensor[] scaledDotProductAttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                                                             Tensor lse, boolean isCausal, double scale) {
        String name = "scaledDotProductAttentionBackward";
        notRecorded(name, dout, q, k, v, out);
        AttentionOps.checkQkv(name, q, k, v, true);
        int[] outShape = {q.size(0), q.size(1), q.size(2), v.size(3)};
        AttentionOps.sameShape(name, "out", out, outShape);
        AttentionOps.sameShape(name, "dout", dout, outShape);
        AttentionOps.sameShape(name, "lse", lse, new int[] {q.size(0), q.size(1), q.size(2)});
        Dispatch.sameDType(name, q, dout);
        Dispatch.sameDType(name, q, out);
        Dispatch.sameDType(name, q, lse);
        Backend b = Dispatch.backend(name, dout, q, k, v, out, lse);
        Tensor dq = Dispatch.empty(b, q.dtype(), q.shape(), q.device());
        Tensor dk = Dispatch.empty(b, q.dtype(), k.shape(), q.device());
        Tensor dv = Dispatch.empty(b, q.dtype(), v.shape(), q.device());
        b.scaledDotProductAttentionBackward(dq, dk, dv, AttentionOps.unitLastDim(dout), AttentionOps.unitLastDim(q),
                AttentionOps.unitLastDim(k), AttentionOps.unitLastDim(v), out.detach().contiguous(),
                lse.detach().contiguous(), isCausal, scale);
        return new Tensor[] {dq, dk, dv};
    }

    /** Gradients of linearAttention: {dq, dk, dv}. */
    public static Tensor[] linearAttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, boolean isCausal,
                                                   double eps) {
        String name = "linearAttentionBackward";
        notRecorded(name, dout, q, k, v);
        AttentionOps.checkQkv(name, q, k, v, false);
        AttentionOps.sameShape(name, "dout", dout, new int[] {q.size(0), q.size(1), q.size(2), v.size(3)});
        Dispatch.sameDType(name, q, dout);
        Backend b = Dispatch.backend(name, dout, q, k, v);
        Tensor dq = Dispatch.empty(b, q.dtype(), q.shape(), q.device());
        Tensor dk = Dispatch.empty(b, q.dtype(), k.shape(), q.device());
        Tensor dv = Dispatch.empty(b, q.dtype(), v.shape(), q.device());
        b.linearAttentionBackward(dq, dk, dv, AttentionOps.unitLastDim(dout), AttentionOps.unitLastDim(q),
                AttentionOps.unitLastDim(k), AttentionOps.unitLastDim(v), isCausal, eps);
        return new Tensor[] {dq, dk, dv};
    }

    /** A flat view of a contiguous tensor (or null) for kernels that take [d]-shaped affine tensors. */
    private static Tensor flat(Tensor t) {
        return t == null ? null : t.contiguous().detach().reshape(-1);
    }

    private static void notRecorded(String name, Tensor... ts) {
        if (Dispatch.wouldRecord(ts)) {
            throw new IllegalStateException(name + ": this backward kernel is not differentiable "
                    + "(double backward is not supported); call it with grad disabled");
        }
    }

    private static void sameShape(String name, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(name + ": shapes differ: " + Shapes.str(a.shape()) + " and "
                    + Shapes.str(b.shape()));
        }
    }
}
