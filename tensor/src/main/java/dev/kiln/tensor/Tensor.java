package dev.kiln.tensor;

/**
 * An n-dimensional array: a shape, strides and an offset over a {@link Storage}, with PyTorch's
 * names in camelCase. Views share storage; every op checks its arguments once, here, then hands
 * the work to the {@link dev.kiln.tensor.spi.Backend Backend} of the tensor's device, then tells
 * {@link dev.kiln.tensor.spi.Autograd Autograd} what it did.
 *
 * <p>Tensors are not thread-safe; gradients flow through F32 and F64 tensors only.
 *
 * <p>The ops are spread over a chain of superclasses, one file per family: {@link TensorBase}
 * (layout, metadata, autograd state), {@link TensorCreation} (static factories),
 * {@link TensorViews} (views, shape and indexing), {@link TensorMath} (copies, in place,
 * elementwise, comparisons), {@link TensorReductions} (reductions, scans, sorting); this class
 * holds linear algebra, losses, attention and printing.
 */
public final class Tensor extends TensorReductions {
    Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        super(storage, shape, strides, offset);
    }

    // ------------------------------------------------------------------ linear algebra, softmax, losses

    /** Matrix product with PyTorch's rules for 1-D operands and broadcast batch dims. */
    public Tensor matmul(Tensor other) {
        return MatmulOps.matmul(this, other);
    }

    public Tensor softmax(int dim) {
        return LossOps.softmax(this, dim, false);
    }

    public Tensor logSoftmax(int dim) {
        return LossOps.softmax(this, dim, true);
    }

    /** Mean cross-entropy of these logits against I32 labels (or class probabilities). */
    public Tensor crossEntropy(Tensor labels) {
        return LossOps.crossEntropy(this, labels, Reduction.MEAN, -100);
    }

    /** Cross-entropy with a reduction and an ignore index (PyTorch's default is -100). */
    public Tensor crossEntropy(Tensor labels, Reduction reduction, int ignoreIndex) {
        return LossOps.crossEntropy(this, labels, reduction, ignoreIndex);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return logits.crossEntropy(labels);
    }

    public Tensor mseLoss(Tensor target) {
        return LossOps.mseLoss(this, target, Reduction.MEAN);
    }

    public Tensor mseLoss(Tensor target, Reduction reduction) {
        return LossOps.mseLoss(this, target, reduction);
    }

    public static Tensor mseLoss(Tensor input, Tensor target) {
        return input.mseLoss(target);
    }

    /**
     * PyTorch's layer_norm over the trailing {@code normalizedShape} dims: (x − mean)/√(var + eps)
     * ⊙ weight + bias, biased variance. weight and bias may be null.
     */
    public Tensor layerNorm(int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return NormOps.layerNorm(this, normalizedShape, weight, bias, eps);
    }

    /** PyTorch's rms_norm: x/√(mean(x²) + eps) ⊙ weight over the trailing dims (ε inside the root). weight may be null. */
    public Tensor rmsNorm(int[] normalizedShape, Tensor weight, double eps) {
        return NormOps.rmsNorm(this, normalizedShape, weight, eps);
    }

    // ------------------------------------------------------------------ attention

    /**
     * PyTorch's {@code F.scaled_dot_product_attention} with scale 1/√D: softmax(q·kᵀ/√D + mask)·v
     * per head. See {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, boolean, double)}.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, boolean isCausal) {
        return AttentionOps.scaledDotProductAttention(query, key, value, isCausal, Double.NaN);
    }

    /**
     * softmax(q·kᵀ·scale + mask)·v per head, on a fused kernel that never builds the Tq×Tk matrix
     * (online softmax over key tiles; backward recomputes P from the saved log-sum-exp).
     * query [B, H, Tq, D], key [B, Hkv, Tk, D], value [B, Hkv, Tk, Dv] → [B, H, Tq, Dv]; H must be a
     * multiple of Hkv (grouped-query attention: query head h uses key/value head h / (H / Hkv)).
     * scale NaN means 1/√D (PyTorch's scale=None).
     *
     * <p>Causal masks with Tq ≠ Tk are aligned to the end, as FlashAttention 2 (PyTorch's SDPA aligns
     * them to the start): query i sees keys j ≤ i + Tk − Tq, which is what decoding with a KV cache
     * needs. A query that sees no key (only when Tq > Tk) gets zeros.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, boolean isCausal,
                                                   double scale) {
        return AttentionOps.scaledDotProductAttention(query, key, value, isCausal, scale);
    }

    /**
     * Normalised linear attention on already feature-mapped (non-negative) q and k:
     * out_i = q_i·Σ_j k_jᵀ·v_j / (q_i·Σ_j k_j + eps), over all j, or j ≤ i + Tk − Tq when causal
     * (computed with prefix sums, linear in T). query and key [B, H, Tq|Tk, D], value [B, H, Tk, Dv].
     */
    public static Tensor linearAttention(Tensor query, Tensor key, Tensor value, boolean isCausal, double eps) {
        return AttentionOps.linearAttention(query, key, value, isCausal, eps);
    }

    // ------------------------------------------------------------------ printing

    @Override
    public String toString() {
        return TensorFormatter.format(this);
    }
}
