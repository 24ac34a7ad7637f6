package dev.kiln.tensor.spi;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.SgdConfig;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * The kernel contract every backend implements: one method per op, called only after
 * {@code tensor} has checked shapes, dtypes and devices and allocated the output.
 *
 * <p>Conventions, so that kernels stay simple:
 * <ul>
 *   <li>Outputs come first, inputs after, sizes and options last. Kernels never allocate.</li>
 *   <li>Outputs are freshly allocated and contiguous, except where a method says "any layout".</li>
 *   <li>Inputs may be any strided view (strides may be 0 for broadcast dims) unless the method
 *       says "contiguous".</li>
 *   <li>All tensors are on this backend's device; dtypes are already agreed.</li>
 * </ul>
 * Backends are found with {@link java.util.ServiceLoader}; see {@link Backends}.
 */
public interface Backend {

    /** A short name for logs and errors, e.g. "reference", "cpu", "cuda". */
    String name();

    /** The kind of device whose tensors this backend computes on. */
    Device.Type deviceType();

    /** Among available backends for one device type, the highest priority is the default. */
    int priority();

    /** False when the backend cannot run here (e.g. no CUDA driver); it is then not offered. */
    default boolean isAvailable() {
        return true;
    }

    /**
     * Whether this backend's kernels take tensors of {@code dtype}. Every backend's memory methods
     * (allocate, copy with conversion, fill, host transfers) take every dtype; an op on a dtype
     * without kernels reaches the backend through one bridge in {@code tensor}: F16 and BF16
     * computed in F32 and rounded back, the other integer types run by {@link ReferenceBackend}.
     */
    default boolean hasKernelsFor(DType dtype) {
        return dtype == DType.F32 || dtype == DType.F64 || dtype == DType.I32 || dtype == DType.BOOL;
    }

    // ---- memory and movement ----

    /** A buffer of {@code numel} elements on {@code device}, zero-filled. */
    Storage allocate(DType dtype, int numel, Device device);

    /**
     * A buffer for an op's output that the op's kernel writes in full before anything reads it:
     * its contents may be stale, which spares the zero-filling (and lets a backend reuse memory
     * that is still in cache). The default is {@link #allocate}; a backend whose kernels for some
     * op write only part of the output must not be asked for this by that op.
     */
    default Storage allocateUninitialized(DType dtype, int numel, Device device) {
        return allocate(dtype, numel, device);
    }

    /** out[i] = src[i] converted to out's dtype; equal shapes; out and src in any layout. */
    void copy(Tensor out, Tensor src);

    /** out[i] = value; out in any layout. */
    void fill(Tensor out, double value);

    /** Copies a contiguous host tensor into a contiguous tensor of this backend's device. */
    default void copyFromHost(Tensor out, Tensor hostSrc) {
        throw new UnsupportedOperationException(name() + ": copyFromHost is not supported");
    }

    /** Copies a contiguous tensor of this backend's device into a contiguous host tensor. */
    default void copyToHost(Tensor hostOut, Tensor src) {
        throw new UnsupportedOperationException(name() + ": copyToHost is not supported");
    }

    // ---- elementwise ----

    /** out = op(x); x has out's shape. */
    void unary(UnaryOp op, Tensor out, Tensor x);

    /** out = op(a, b); a and b are expanded to out's shape (BOOL out for comparisons). */
    void binary(BinaryOp op, Tensor out, Tensor a, Tensor b);

    /**
     * out = relu(a + b) (NaN kept), a and b of out's shape and dtype (a floating one). This default runs
     * the add, then ReLU in place; a backend may fuse them so that a + b never goes to memory.
     */
    default void addRelu(Tensor out, Tensor a, Tensor b) {
        binary(BinaryOp.ADD, out, a, b);
        unary(UnaryOp.RELU, out, out);
    }

    /** out = min(max(x, min), max); x has out's shape; NaN propagates. */
    void clamp(Tensor out, Tensor x, double min, double max);

    /** out = cond ? a : b; cond (BOOL), a, b expanded to out's shape. */
    void where(Tensor out, Tensor cond, Tensor a, Tensor b);

    // ---- reductions ----

    /**
     * Reduces x over the sorted {@code dims}; out has x's shape with those dims set to 1.
     * SUM of BOOL counts into an I32 out. MAX/MIN propagate NaN.
     */
    void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims);

    /** I32 index of the first max (op MAX) or min (op MIN) along dim; out has x's shape with dim set to 1. */
    void argReduce(ReduceOp op, Tensor out, Tensor x, int dim);

    // ---- products, scans and sorting (issue 15): x contiguous; "along dim" views x as
    //      [outer, n, inner] with n = x.size(dim) ----

    /** out [outer, inner] (contiguous, outer·inner elements) = the product over n along dim (1 for n = 0); BOOL and I32 multiply into I32. */
    void prod(Tensor out, Tensor x, int dim);

    /**
     * out (x's shape, contiguous) = the inclusive scan of x along dim. CUMMAX and CUMMIN write the
     * position of the running extreme into indices (I32, x's shape): the latest of equal values, and
     * once a NaN is met the NaN and the latest NaN's position, as PyTorch; indices is null for the others.
     * LOGCUMSUMEXP is log Σ exp, stable for large values and −∞ inputs.
     */
    void scan(ScanOp op, Tensor out, Tensor indices, Tensor x, int dim);

    /**
     * Stable sort of each row of x [rows, n] (the sorted dim last, contiguous): values (x's dtype) and
     * indices (I32, the source positions), both [rows, n]. NaN sorts as the largest value; equal
     * values (−0.0 and 0.0 are equal) keep their order, descending too.
     */
    void sort(Tensor values, Tensor indices, Tensor x, boolean descending);

    /**
     * The k largest (or smallest) of each row of x [rows, n] (contiguous) into values and indices
     * [rows, k], in the order {@link #sort} would give them (NaN largest, ties by position).
     */
    void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest);

    // ---- linear algebra ----

    /** out[..., M, N] = a[..., M, K] · b[..., K, N]; a and b have out's batch dims (expanded). */
    void matmul(Tensor out, Tensor a, Tensor b);

    /**
     * F.linear and an activation as one op: pre = x·weightᵀ + bias and out = act(pre), each element
     * rounded to the dtype before act reads it, as in the composition. x [rows, in], weight [out, in]
     * and bias [out] (or null: none) contiguous; out [rows, out]; act null (out gets x·weightᵀ + bias,
     * pre is null) or RELU, GELU, GELU_TANH or SILU (pre [rows, out] is kept for the backward).
     */
    void linear(Tensor out, Tensor pre, Tensor x, Tensor weight, Tensor bias, UnaryOp act);

    // ---- row kernels (x contiguous; the op runs along dim) ----

    void softmax(Tensor out, Tensor x, int dim);

    void logSoftmax(Tensor out, Tensor x, int dim);

    /** dx = y ⊙ (dy − Σ dy ⊙ y) along dim; y and dy contiguous. */
    void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim);

    /** dx = dy − exp(y) · Σ dy along dim; y and dy contiguous. */
    void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim);

    /**
     * loss[n] = logsumexp(logits[n]) − logits[n, labels[n]], or 0 where labels[n] == ignoreIndex.
     * logits [N, C] and labels [N] contiguous; labels already checked to be in range.
     */
    void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex);

    /** dlogits[n] = dloss[n] · (softmax(logits[n]) − onehot(labels[n])), 0 for ignored rows; all contiguous. */
    void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex);

    // ---- indexing (indices already checked to be in range) ----

    /** out = x.index_select(dim, index); index is I32 1-D. */
    void indexSelect(Tensor out, Tensor x, int dim, Tensor index);

    /** out (contiguous, already holding self) += src placed at index along dim. */
    void indexAdd(Tensor out, int dim, Tensor index, Tensor src);

    /** out[i..] = x[i.. with index[i..] at dim]; out has index's shape. */
    void gather(Tensor out, Tensor x, int dim, Tensor index);

    /** out (contiguous, already holding self) [i.. with index[i..] at dim] += src[i..]. */
    void scatterAdd(Tensor out, int dim, Tensor index, Tensor src);

    // ---- normalisation: x contiguous, viewed as [rows, d] with d the normalized size;
    //      weight and bias contiguous with d elements, or null; mean and rstd contiguous [rows] ----

    /** out = (x − mean)·rstd ⊙ weight + bias per row (σ² biased); saves mean and rstd = 1/√(σ² + eps). */
    void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps);

    /**
     * With x̂ = (x − mean)·rstd and d = dy ⊙ weight: dx = rstd·(d − mean(d) − x̂·mean(d ⊙ x̂));
     * dweight = Σ_rows dy ⊙ x̂ and dbias = Σ_rows dy, each written only when non-null.
     */
    void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean, Tensor rstd,
                           Tensor weight);

    /** out = x·rstd ⊙ weight per row with rstd = 1/√(mean(x²) + eps); saves rstd. */
    void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps);

    /** With x̂ = x·rstd and d = dy ⊙ weight: dx = rstd·(d − x̂·mean(d ⊙ x̂)); dweight = Σ_rows dy ⊙ x̂ when non-null. */
    void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight);

    // ---- batch normalisation: x, out, dy and dx contiguous of shape [N, C, S] (S the product of the
    //      input's dims after 1); weight, bias, mean and invstd contiguous [C], weight and bias may be null ----

    /**
     * Training forward: per channel c, mean_c and the biased σ²_c over its N·S values (two passes over
     * the channel, so accurate when |mean| ≫ σ), saved as mean and invstd = 1/√(σ² + eps); then
     * out = (x − mean_c)·invstd_c·weight_c + bias_c. x has at least one value per channel.
     */
    void batchNorm(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias, double eps);

    /**
     * With M = N·S and x̂ = (x − mean_c)·invstd_c: dbias_c = Σ dy, dweight_c = Σ dy·x̂ (each written
     * only when non-null), dx = invstd_c·weight_c/M·(M·dy − Σ dy − x̂·Σ dy·x̂) (weight 1 when null).
     */
    void batchNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean, Tensor invstd,
                           Tensor weight);

    /** Eval with running statistics folded into scale and shift (contiguous [C], not null): out = x·scale_c + shift_c. */
    void batchNormEval(Tensor out, Tensor x, Tensor scale, Tensor shift);

    /**
     * {@link #batchNorm}, then ReLU: out = max(y, 0) (NaN kept) with y as batchNorm writes it. This default
     * runs the two kernels; a backend may fuse them so that y never goes to memory.
     */
    default void batchNormRelu(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias,
                               double eps) {
        batchNorm(out, mean, invstd, x, weight, bias, eps);
        unary(UnaryOp.RELU, out, out);
    }

    /**
     * The gradients of {@link #batchNormRelu}, whose output was out: {@link #batchNormBackward} of dy
     * masked where out ≤ 0. This default writes the masked dy into dx and passes dx as dy (every
     * backend's batchNormBackward reads a value of dy before it writes dx at the same index); a fused
     * backend may instead recompute the mask from x, mean, invstd, weight and bias (null when absent).
     */
    default void batchNormReluBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor out,
                                       Tensor mean, Tensor invstd, Tensor weight, Tensor bias) {
        unaryBackward(UnaryOp.RELU, dx, out, dy);
        batchNormBackward(dx, dweight, dbias, dx, x, mean, invstd, weight);
    }

    // ---- activations: x and dy have the output's shape, any layout ----

    /** dx = dy ⊙ op'(x), with {@link UnaryOp#derivative} as the definition (the fused backward of GELU, SiLU, ...). */
    void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy);

    /** out = f(x) for an activation with scalar parameters. */
    void activation(Activation f, Tensor out, Tensor x);

    /** dx = dy ⊙ f'(x), with {@link Activation#derivative} as the definition. */
    void activationBackward(Activation f, Tensor dx, Tensor x, Tensor dy);

    /**
     * PReLU: out = x if x > 0 else w·x, with w = weight[0] when weight has one element, else
     * weight[c] for the channel c at dim 1 of x. x and weight contiguous.
     */
    void prelu(Tensor out, Tensor x, Tensor weight);

    /**
     * PReLU backward: dx = dy where x > 0 else w·dy; dweight[c] = Σ dy·x over the positions of
     * channel c (or all positions for a shared weight) where x ≤ 0. Either output may be null
     * (not wanted). All contiguous.
     */
    void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight);

    /**
     * Safe Padé activation: out = P(x)/Q(x), P = Σ_{j=0..m} a_j x^j, Q = 1 + Σ_{k=1..n} |b_k|·|x|^k,
     * with a = numerator [m+1] and b = denominator [n] (b[0] is b_1), both contiguous.
     */
    void pau(Tensor out, Tensor x, Tensor numerator, Tensor denominator);

    /**
     * PAU backward: dx = dy·(P'/Q − P/Q²·Σ k|b_k||x|^{k−1}·sign(x)); dnumerator[j] = Σ dy·x^j/Q;
     * ddenominator[k−1] = −Σ dy·P/Q²·|x|^k·sign(b_k). Any of the three outputs may be null. All contiguous.
     */
    void pauBackward(Tensor dx, Tensor dnumerator, Tensor ddenominator, Tensor dy, Tensor x, Tensor numerator,
                     Tensor denominator);

    // ---- optimizer steps: every tensor contiguous, same shape and dtype, updated in place ----

    /**
     * One Adam/AdamW step over param, its grad and the moments (maxExpAvgSq non-null for amsgrad),
     * exactly as {@link AdamConfig.Mode} describes.
     */
    void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq, AdamConfig config);

    /**
     * One SGD step, {@link SgdConfig}'s update, over param, its grad and momentumBuffer (null when
     * momentum is 0), each product and sum rounded to the dtype as the separate ops would (no fused
     * multiply-add). This default runs those ops one by one (mul by a scalar, add) through this
     * backend's binary kernel; a backend may fuse them into one pass with the same roundings.
     */
    default void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig c) {
        Tensor d = grad;
        if (c.weightDecay() != 0) {
            d = Tensor.zerosLike(param);
            scaled(d, param, c.weightDecay());
            binary(BinaryOp.ADD, d, grad, d);
        }
        if (momentumBuffer != null) {
            Tensor b = momentumBuffer;
            if (c.firstStep()) {
                copy(b, d);
            } else {
                scaled(b, b, c.momentum());
                Tensor t = d;
                if (1 - c.dampening() != 1) {
                    t = Tensor.zerosLike(d);
                    scaled(t, d, 1 - c.dampening());
                }
                binary(BinaryOp.ADD, b, b, t);
            }
            if (c.nesterov()) {
                Tensor t = Tensor.zerosLike(d);
                scaled(t, b, c.momentum());
                Tensor n = Tensor.zerosLike(d);
                binary(BinaryOp.ADD, n, d, t);
                d = n;
            } else {
                d = b;
            }
        }
        Tensor t = Tensor.zerosLike(d);
        scaled(t, d, -c.lr());
        binary(BinaryOp.ADD, param, param, t);
    }

    /** out = x · s, s rounded to x's dtype first, as {@code x.mul(s)} does. */
    private void scaled(Tensor out, Tensor x, double s) {
        binary(BinaryOp.MUL, out, x, Tensor.full(s, x.dtype(), x.device()).expand(x.shape()));
    }

    // ---- KAN B-spline basis: x contiguous [rows, in]; grid contiguous [in, K] with non-decreasing
    //      finite rows (one knot vector per input); out and derivative contiguous [rows, in, K − 1 − order],
    //      fresh and zero-filled ----

    /**
     * The Cox–de Boor basis of the given order on each input's knots t = grid[i]: out[r, i, j] =
     * B_j(x[r, i]) for j = 0..K−2−order, where order 0 is the indicator of [t_j, t_{j+1}) (half-open)
     * and B^p_j = (x − t_j)/(t_{j+p} − t_j)·B^{p−1}_j + (t_{j+p+1} − x)/(t_{j+p+1} − t_{j+1})·B^{p−1}_{j+1},
     * a term dropped where its knot span is 0. A row is 0 where x lies outside [t_0, t_{K−1}) (±∞
     * included) and NaN where x is NaN. When {@code derivative} is non-null it gets, in the same pass,
     * dB_j/dx = order·(B^{order−1}_j/(t_{j+order} − t_j) − B^{order−1}_{j+1}/(t_{j+order+1} − t_{j+1}))
     * (0 for order 0).
     */
    void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order);

    /**
     * The backward of {@link #bsplineBasis}: dx[r, i] = Σ_j dy[r, i, j]·derivative[r, i, j]; dy and
     * derivative contiguous [rows, in, n], dx contiguous [rows, in].
     */
    void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative);

    // ---- attention: q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv] with H a multiple of Hkv
    //      (query head h reads key/value head h / (H / Hkv)). q, k, v and dout have unit stride in
    //      their last dim; their other strides and offsets are arbitrary (e.g. [B, T, H, D] data
    //      viewed as [B, H, T, D]). Outputs are fresh, contiguous and zero-filled. Causal masks are
    //      aligned to the end: query i sees keys j <= i + Tk - Tq; a row that sees no key gets zeros.
    //      mask is null or a [B, H, Tq, Tk] view with any strides (0 where a smaller mask was
    //      broadcast, so it is read in place, never expanded): BOOL (false hides the key) or q's
    //      dtype (added to the scaled scores; −∞ hides the key). ----

    /**
     * out = softmax(q·kᵀ·scale + mask)·v per head, and lse [B, H, Tq] = the log-sum-exp of each
     * row of masked, scaled scores (−∞ for a row that sees no key), saved for the backward pass.
     */
    void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor mask,
                                   boolean isCausal, double scale);

    /**
     * With P = exp(q·kᵀ·scale + mask − lse): dv = Pᵀ·dout; dS = P ⊙ (dout·vᵀ − rowsum(dout ⊙ out));
     * dq = dS·k·scale; dk = dSᵀ·q·scale. dk and dv sum over the query heads that share a key head.
     * out and lse are the forward's results, contiguous; mask is the forward's. dmask is null, or
     * (for a float mask that needs a gradient) a contiguous zero-filled [B, H, Tq, Tk] that receives
     * dS, the gradient of the additive mask before any sum over broadcast dims.
     */
    void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dmask, Tensor dout, Tensor q,
                                           Tensor k, Tensor v, Tensor mask, Tensor out, Tensor lse,
                                           boolean isCausal, double scale);

    /**
     * Normalised linear attention with equal heads (H = Hkv): out_i = q_i·S_i / (q_i·z_i + eps), where
     * S_i = Σ k_jᵀ·v_j and z_i = Σ k_j over the keys query i sees (prefix sums when causal).
     */
    void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean isCausal, double eps);

    /** The gradients of {@link #linearAttention} with respect to q, k and v. */
    void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                 boolean isCausal, double eps);

    // ---- convolution and pooling over [N, C, H, W]: every tensor contiguous, outputs fresh;
    //      geometry resolved and checked by ConvOps / PoolOps ----

    /** out = conv2d(x, weight) + bias (bias [cOut] or null), as {@link ConvShape} describes. */
    void conv2d(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape shape);

    /** dx = the gradient of conv2d with respect to x: the adjoint of the convolution applied to dy. */
    void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape shape);

    /** dweight[o, c, i, j] = Σ over batch and output positions of dy · the input each tap read. */
    void conv2dBackwardWeight(Tensor dweight, Tensor dy, Tensor x, ConvShape shape);

    /** Max over each window of {@link PoolWindows}; indices (I32) get the flat position ih·W + iw within the input plane. */
    void maxPool2d(Tensor out, Tensor indices, Tensor x, PoolWindows windows);

    /** Sum over each window divided by {@link PoolWindows#divisorAt}. */
    void avgPool2d(Tensor out, Tensor x, PoolWindows windows);

    /** dx = the adjoint of {@link #avgPool2d} applied to dy. */
    void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows windows);

    /**
     * The gradient of a max pool (2-d or 3-d): dx [planes, inPlane] (fresh, zero) gets dx[p,
     * indices[p, o]] += dy[p, o], the outputs o of a plane added in increasing order, so that
     * overlapping windows sum the same on every backend and at any thread count; dy and indices
     * (I32) are contiguous [planes, outPlane].
     */
    void maxPoolBackward(Tensor dx, Tensor dy, Tensor indices);

    /**
     * Max over each window of {@link PoolWindows3d} over [N, C, D, H, W]; indices (I32) get the flat
     * position id·H·W + ih·W + iw within the input volume.
     */
    void maxPool3d(Tensor out, Tensor indices, Tensor x, PoolWindows3d windows);

    /** Sum over each 3-d window divided by {@link PoolWindows3d#divisorAt}. */
    void avgPool3d(Tensor out, Tensor x, PoolWindows3d windows);

    /** dx = the adjoint of {@link #avgPool3d} applied to dy. */
    void avgPool3dBackward(Tensor dx, Tensor dy, PoolWindows3d windows);
}
