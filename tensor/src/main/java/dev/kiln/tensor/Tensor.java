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

    /**
     * y = input·weightᵀ + bias, PyTorch's {@code F.linear}: input [..., in], weight [out, in], bias
     * [out] or null; y [..., out]. One op: the bias is added in one pass over the product, and its
     * gradient is the column sum of y's.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        return MatmulOps.linear(input, weight, bias, null);
    }

    /**
     * activation(F.linear(input, weight, bias)) as one op, the activation applied in the pass that
     * adds the bias (PyTorch fuses the same in {@code _addmm_activation}); activation is RELU, GELU,
     * GELU_TANH or SILU, or null for none. The same values as the composition, without its
     * intermediate tensor.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias, UnaryOp activation) {
        return MatmulOps.linear(input, weight, bias, activation);
    }

    public Tensor softmax(int dim) {
        return LossOps.softmax(this, dim, false);
    }

    public Tensor logSoftmax(int dim) {
        return LossOps.softmax(this, dim, true);
    }

    /** Mean cross-entropy of these logits against I32 or I64 labels (or class probabilities). */
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

    /**
     * PyTorch's {@code F.cross_entropy(input, target, weight, ignore_index=, reduction=)}: class
     * weights (null for none; the mean divides by the summed weights of the targets not ignored).
     */
    public Tensor crossEntropy(Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        return LossOps.crossEntropy(this, target, weight, ignoreIndex, reduction, 0);
    }

    /**
     * Cross-entropy with class weights (null for none), an ignore index, a reduction and label
     * smoothing in [0, 1]: the target mixed with the uniform distribution, (1 − ε)·target + ε/C.
     * Targets are I32 class indices or class probabilities of this shape.
     */
    public Tensor crossEntropy(Tensor target, Tensor weight, int ignoreIndex, Reduction reduction,
                               double labelSmoothing) {
        return LossOps.crossEntropy(this, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    /** As {@link #crossEntropy(Tensor, Tensor, int, Reduction, double)} with PyTorch's reduction string. */
    public Tensor crossEntropy(Tensor target, Tensor weight, int ignoreIndex, String reduction, double labelSmoothing) {
        return LossOps.crossEntropy(this, target, weight, ignoreIndex, Reduction.of(reduction), labelSmoothing);
    }

    /** Mean negative log-likelihood of these log-probabilities at I32 class indices (ignoreIndex −100). */
    public Tensor nllLoss(Tensor target) {
        return LossOps.nllLoss(this, target, null, -100, Reduction.MEAN);
    }

    /** PyTorch's {@code F.nll_loss} with class weights (null for none); see {@link #nllLoss(Tensor, Tensor, int, Reduction)}. */
    public Tensor nllLoss(Tensor target, Tensor weight) {
        return LossOps.nllLoss(this, target, weight, -100, Reduction.MEAN);
    }

    public Tensor nllLoss(Tensor target, Tensor weight, int ignoreIndex) {
        return LossOps.nllLoss(this, target, weight, ignoreIndex, Reduction.MEAN);
    }

    /**
     * PyTorch's {@code F.nll_loss}: this holds log-probabilities [C], [N, C] or [N, C, d1, ...];
     * the loss of target y is −weight[y]·this[y], zero where y is ignoreIndex; the mean divides by the
     * summed weights of the targets not ignored (NaN when all are).
     */
    public Tensor nllLoss(Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        return LossOps.nllLoss(this, target, weight, ignoreIndex, reduction);
    }

    public Tensor nllLoss(Tensor target, Tensor weight, int ignoreIndex, String reduction) {
        return LossOps.nllLoss(this, target, weight, ignoreIndex, Reduction.of(reduction));
    }

    /** Cosine similarity with {@code other} along dim 1, eps 1e-8 (PyTorch's {@code torch.cosine_similarity}). */
    public Tensor cosineSimilarity(Tensor other) {
        return LossFunctions.cosineSimilarity(this, other, 1, 1e-8);
    }

    public Tensor cosineSimilarity(Tensor other, int dim) {
        return LossFunctions.cosineSimilarity(this, other, dim, 1e-8);
    }

    /** Σ this·other / (max(‖this‖, eps)·max(‖other‖, eps)) along dim, the two broadcast against each other. */
    public Tensor cosineSimilarity(Tensor other, int dim, double eps) {
        return LossFunctions.cosineSimilarity(this, other, dim, eps);
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

    /**
     * PyTorch's {@code F.batch_norm} over this [N, C, *]: per channel c, (x − μ_c)/√(σ²_c + eps)·weight_c
     * + bias_c. In training μ and σ² (biased) are the batch's over every dim but 1, and the running
     * statistics, when given, are updated in place as r ← (1 − momentum)·r + momentum·s with the
     * unbiased batch variance for runningVar; otherwise the running statistics are used (the batch's
     * when there are none). runningMean and runningVar (both or neither), weight and bias may be null.
     */
    public Tensor batchNorm(Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                            double momentum, double eps) {
        return NormOps.batchNorm(this, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /**
     * {@code batchNorm(...).relu()} as one op (PyTorch fuses the pair only in {@code
     * torch.ao.nn.intrinsic.BNReLU2d}): the same values and gradients, but with batch statistics the
     * normalised values are not written and read back, and the backward masks the gradient itself.
     */
    public Tensor batchNormRelu(Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                double momentum, double eps) {
        return NormOps.batchNormRelu(this, runningMean, runningVar, weight, bias, training, momentum, eps);
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
     * PyTorch 2's {@code F.scaled_dot_product_attention(q, k, v, attn_mask)}: attnMask (null for none)
     * is BOOL (true = attend) or a float mask added to the scores, broadcast to [B, H, Tq, Tk]. See
     * {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, double, boolean, double, Generator)}.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask) {
        return AttentionOps.scaledDotProductAttention(query, key, value, attnMask, 0, false, Double.NaN, null);
    }

    /** As PyTorch's positional {@code (q, k, v, attn_mask, dropout_p, is_causal)}; dropoutP > 0 needs the overload with a Generator. */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask,
                                                   double dropoutP, boolean isCausal) {
        return AttentionOps.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, Double.NaN, null);
    }

    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask,
                                                   double dropoutP, boolean isCausal, Generator rng) {
        return AttentionOps.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, Double.NaN, rng);
    }

    /**
     * PyTorch 2's {@code F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale)}
     * with shapes and heads as {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, boolean, double)}.
     * attnMask (null for none) is BOOL (true = attend) or a float mask of the query's dtype added to the
     * scores, broadcast to [B, H, Tq, Tk]; it excludes isCausal, as in PyTorch. dropoutP drops attention
     * weights with a mask drawn from rng (required when dropoutP > 0; PyTorch drops whenever
     * dropout_p > 0, so pass 0 outside training) and scales the rest by 1/(1 − dropoutP). With
     * dropoutP = 0 this is the fused kernel, mask included (the mask is read in place, broadcast
     * dims and all; nothing of size Tq×Tk is allocated, except the gradient of a float mask that
     * requires grad); with dropout, a composition that builds the Tq×Tk weights. A row whose every
     * key is masked gives zeros and no gradient (PyTorch ≥ 2.5; 2.0 gave NaN).
     * Other ranks than 4 are PyTorch's (..., L, E) with one head: q, k and v share their leading dims,
     * and the mask broadcasts to (..., L, S).
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask,
                                                   double dropoutP, boolean isCausal, double scale, Generator rng) {
        return AttentionOps.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, scale, rng);
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
