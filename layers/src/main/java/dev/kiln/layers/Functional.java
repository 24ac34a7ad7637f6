package dev.kiln.layers;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.ConvOps;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.InterpolateOps;
import dev.kiln.tensor.LossFunctions;
import dev.kiln.tensor.Pool3dOps;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import java.util.Arrays;

/**
 * The layers as functions of tensors and parameters ({@code torch.nn.functional}): every module in
 * this package calls one of these in its forward, so a model can also be written without modules.
 * Each checks its arguments and names itself in the error; the math is tensor ops, so gradients
 * come from the ops' rules (and from fused kernels where one exists: GELU, the norms, ...).
 */
public final class Functional {
    private Functional() {
    }

    // ------------------------------------------------------------------ linear maps

    /** y = x·weightᵀ + bias, PyTorch's {@code F.linear}: weight [out, in], bias [out] or null, x [..., in]. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        checkLinear(x, weight, bias);
        return Tensor.linear(x, weight, bias);
    }

    /**
     * activation(linear(x, weight, bias)) as one op ({@link Tensor#linear(Tensor, Tensor, Tensor,
     * UnaryOp)}: the activation applied in the pass that adds the bias); activation is RELU, GELU,
     * GELU_TANH or SILU.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, UnaryOp activation) {
        checkLinear(x, weight, bias);
        return Tensor.linear(x, weight, bias, activation);
    }

    private static void checkLinear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("linear: weight must be 2-D [out, in], got " + Shapes.str(weight.shape()));
        }
        int in = weight.size(1);
        int out = weight.size(0);
        Inputs.requireFeatures("linear", x, in, weight.dtype());
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out || bias.dtype() != weight.dtype())) {
            throw new IllegalArgumentException("linear: bias must be " + weight.dtype() + " [" + out + "] for weight "
                    + Shapes.str(weight.shape()) + ", got " + bias.dtype() + " " + Shapes.str(bias.shape()));
        }
    }

    /**
     * A gated linear unit on one weight [2·out, in]: h = x·weightᵀ + bias split into halves L (rows
     * 0..out−1) and R, returns gate(L) ⊙ R. Gate IDENTITY is the pure bilinear layer.
     */
    public static Tensor bilinear(Tensor x, Tensor weight, Tensor bias, Gate gate) {
        if (weight.dim() != 2 || weight.size(0) % 2 != 0) {
            throw new IllegalArgumentException("bilinear: weight must be 2-D [2·out, in] with an even number of rows, got "
                    + Shapes.str(weight.shape()));
        }
        Tensor h = linear(x, weight, bias);
        int out = weight.size(0) / 2;
        int last = h.dim() - 1;
        return gate.apply(h.narrow(last, 0, out)).mul(h.narrow(last, out, out));
    }

    /** PyTorch's {@code F.glu}: the first half of dim times the sigmoid of the second half. */
    public static Tensor glu(Tensor x, int dim) {
        return x.glu(dim);
    }


    // ------------------------------------------------------------------ padding and one-hot

    /** PyTorch's {@code F.pad} with zeros: pad holds (before, after) pairs from the last dim backwards. */
    public static Tensor pad(Tensor input, int[] pad) {
        return input.pad(pad);
    }

    /** {@code F.normalize(input)}: p = 2 along dim 1, eps 1e-12. */
    public static Tensor normalize(Tensor input) {
        return normalize(input, 2, 1, 1e-12);
    }

    public static Tensor normalize(Tensor input, double p) {
        return normalize(input, p, 1, 1e-12);
    }

    public static Tensor normalize(Tensor input, double p, int dim) {
        return normalize(input, p, dim, 1e-12);
    }

    /**
     * {@code F.normalize(input, p, dim, eps)}: input / max(‖input‖_p along dim, eps), each line along
     * dim scaled to norm 1. A composition of {@code norm} (keeping dim), {@code clampMin} and a
     * broadcast {@code div}, as PyTorch's; the gradient comes from their rules.
     */
    public static Tensor normalize(Tensor input, double p, int dim, double eps) {
        int n = Math.max(input.dim(), 1);
        if (dim < -n || dim >= n) {
            throw new IllegalArgumentException("normalize: dim " + dim + " is out of range for "
                    + java.util.Arrays.toString(input.shape()));
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("normalize: eps must be >= 0, got " + eps);
        }
        return input.div(input.norm(p, new int[] {dim}, true).clampMin(eps));
    }

    /** {@code F.softmin(input, dim)}: softmax of −input along dim (a composition of neg and softmax). */
    public static Tensor softmin(Tensor input, int dim) {
        return input.neg().softmax(dim);
    }

    /** {@code F.pad(input, pad, mode, value)}; mode "constant", "reflect", "replicate" or "circular". */
    public static Tensor pad(Tensor input, int[] pad, String mode, double value) {
        return input.pad(pad, mode, value);
    }

    /** {@code F.one_hot}: I32 rows of numClasses (−1: max + 1) for a non-negative I32 tensor. */
    public static Tensor oneHot(Tensor tensor, int numClasses) {
        return tensor.oneHot(numClasses);
    }

    // ------------------------------------------------------------------ embedding and dropout

    /** Rows of weight [num, dim] at I32 indices of any shape; the result is [..., dim]. */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return Tensor.embedding(indices, weight);
    }

    /**
     * As {@link #embedding(Tensor, Tensor)}, but the row {@code paddingIdx} gets no gradient (its
     * output is still the row's value, as PyTorch). A negative paddingIdx counts from the end.
     */
    public static Tensor embedding(Tensor indices, Tensor weight, int paddingIdx) {
        Tensor out = Tensor.embedding(indices, weight);
        int pad = normalizePaddingIdx("embedding", paddingIdx, weight.size(0));
        if (!out.requiresGrad()) {
            return out;
        }
        // where(pad, detached, live): the same values, but no gradient flows to the padding row
        Tensor isPad = indices.eq(pad).unsqueeze(-1);
        return Tensor.where(isPad, out.detach(), out);
    }

    static int normalizePaddingIdx(String op, int paddingIdx, int num) {
        if (paddingIdx < -num || paddingIdx >= num) {
            throw new IllegalArgumentException(op + ": paddingIdx " + paddingIdx + " is out of range for " + num
                    + " embeddings [" + -num + ", " + num + ")");
        }
        return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
    }

    /**
     * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
     * 1/(1 − p), the mask drawn from rng; otherwise (or with p = 0) returns x itself.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator rng) {
        checkProbability("dropout", p);
        Inputs.requireFloat("dropout", x);
        if (!training || p == 0) {
            return x;
        }
        if (rng == null) {
            throw new IllegalArgumentException("dropout: training needs a Generator for the mask");
        }
        double scale = p == 1 ? 0 : 1 / (1 - p);
        Tensor mask = Init.hostTensor(x.dtype(), x.shape(), () -> rng.nextDouble() >= p ? scale : 0);
        return x.mul(mask.to(x.device()));
    }

    static void checkProbability(String op, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(op + ": probability p must be in [0, 1], got " + p);
        }
    }

    // ------------------------------------------------------------------ activations

    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    public static Tensor sigmoid(Tensor x) {
        return x.sigmoid();
    }

    public static Tensor tanh(Tensor x) {
        return x.tanh();
    }

    public static Tensor leakyRelu(Tensor x, double negativeSlope) {
        return x.leakyRelu(negativeSlope);
    }

    /** max(0, x) + w·min(0, x), w shared (one element) or per channel at dim 1. */
    public static Tensor prelu(Tensor x, Tensor weight) {
        return x.prelu(weight);
    }

    /** max(0, x)². */
    public static Tensor reluSquared(Tensor x) {
        return x.reluSquared();
    }

    /** GELU, erf form x·Φ(x). */
    public static Tensor gelu(Tensor x) {
        return x.gelu();
    }

    /** GELU with PyTorch's approximate argument, "none" or "tanh". */
    public static Tensor gelu(Tensor x, String approximate) {
        return x.gelu(approximate);
    }

    public static Tensor silu(Tensor x) {
        return x.silu();
    }

    public static Tensor mish(Tensor x) {
        return x.mish();
    }

    public static Tensor softplus(Tensor x) {
        return x.softplus();
    }

    /** SmeLU (Shamir et al.): 0 below −β, (x + β)²/(4β) between, x above β. */
    public static Tensor smelu(Tensor x, double beta) {
        return x.activation(Activation.smelu(beta));
    }

    /**
     * HeLU: ReLU forward; in training the backward passes the gradient where x > −α (a hysteresis
     * that lets slightly negative units recover). Outside training it is exactly ReLU.
     */
    public static Tensor helu(Tensor x, double alpha, boolean training) {
        Activation f = Activation.helu(alpha);
        return training ? x.activation(f) : x.relu();
    }

    /** 1/(1 + |x/a|^d). */
    public static Tensor elephant(Tensor x, double a, double d) {
        return x.activation(Activation.elephant(a, d));
    }

    /** x if x ≥ threshold else 0. */
    public static Tensor fatrelu(Tensor x, double threshold) {
        return x.activation(Activation.fatrelu(threshold));
    }

    /** Leaky ReLU of slope a smoothed by a Gaussian of width σ (SAU). */
    public static Tensor sau(Tensor x, double a, double sigma) {
        return x.activation(Activation.sau(a, sigma));
    }

    /** Safe Padé activation P(x)/Q(x) with numerator [m+1] and denominator [n] coefficients. */
    public static Tensor pau(Tensor x, Tensor numerator, Tensor denominator) {
        return x.pau(numerator, denominator);
    }

    /**
     * VeLU: λ·x·σ(α·(atan(β1·x) + asin(clamp(β2·x, −1, 1))))·(1 + γ·tanh(μ·s)), with s the standard
     * deviation (biased, plus 1e-12 inside the root so a constant input stays differentiable) of
     * all of x. The gradient flows through s too. Parametrisation unverified (docs/formulas/activations.md).
     */
    public static Tensor velu(Tensor x, double lambda, double alpha, double beta1, double beta2, double gamma, double mu) {
        Tensor core = x.activation(Activation.velu(lambda, alpha, beta1, beta2));
        if (gamma == 0 || x.numel() == 0) {
            return core;
        }
        Tensor s = x.reshape(-1).var(new int[] {0}, 0, false).add(1e-12).sqrt();
        return core.mul(s.mul(mu).tanh().mul(gamma).add(1));
    }

    // ------------------------------------------------------------------ normalisation

    /** LayerNorm over the trailing normalizedShape (biased variance, ε inside the root); weight, bias may be null. */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return x.layerNorm(normalizedShape, weight, bias, eps);
    }

    /** RMSNorm over the trailing normalizedShape, x/√(mean(x²) + ε) ⊙ weight; weight may be null. */
    public static Tensor rmsNorm(Tensor x, int[] normalizedShape, Tensor weight, double eps) {
        return x.rmsNorm(normalizedShape, weight, eps);
    }

    /**
     * Compressed RMSNorm (Jiang et al. 2023) over the last dim of x [..., d−1], the first d − 1
     * coordinates of a zero-sum vector whose last is −Σx: x/√((Σx² + (Σx)²)/d + ε). Computed by
     * restoring the last coordinate and running the fused RMSNorm over all d.
     */
    public static Tensor crmsNorm(Tensor x, double eps) {
        Inputs.requireFloat("crmsNorm", x);
        if (x.dim() == 0) {
            throw new IllegalArgumentException("crmsNorm: expected at least 1 dim, got a 0-d tensor");
        }
        int stored = x.size(-1);
        Tensor full = Tensor.cat(-1, x, x.sum(-1, true).neg());
        return full.rmsNorm(new int[] {stored + 1}, null, eps).narrow(x.dim() - 1, 0, stored);
    }

    // ------------------------------------------------------------------ losses

    /**
     * PyTorch's {@code F.cross_entropy} with label smoothing ε: the loss against (1 − ε)·target +
     * ε/C (uniform over the C classes); ignored targets contribute nothing. Targets are I32 class
     * indices or class probabilities of the logits' shape.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction, int ignoreIndex,
                                      double labelSmoothing) {
        return logits.crossEntropy(target, null, ignoreIndex, reduction, labelSmoothing);
    }

    /** Mean cross-entropy against I32 labels, PyTorch's defaults (ignoreIndex −100, no smoothing). */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return logits.crossEntropy(target, null, -100, Reduction.MEAN, 0);
    }

    /** {@code F.cross_entropy(input, target, weight)}: class weights, null for none. */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight) {
        return input.crossEntropy(target, weight, -100, Reduction.MEAN, 0);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, int ignoreIndex) {
        return input.crossEntropy(target, weight, ignoreIndex, Reduction.MEAN, 0);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, int ignoreIndex,
                                      Reduction reduction) {
        return input.crossEntropy(target, weight, ignoreIndex, reduction, 0);
    }

    /**
     * PyTorch's {@code F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)}
     * in its order: see {@link Tensor#crossEntropy(Tensor, Tensor, int, Reduction, double)}.
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, int ignoreIndex,
                                      Reduction reduction, double labelSmoothing) {
        return input.crossEntropy(target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, int ignoreIndex, String reduction,
                                      double labelSmoothing) {
        return input.crossEntropy(target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    /** {@code F.nll_loss}: mean negative log-likelihood of log-probabilities at I32 class indices. */
    public static Tensor nllLoss(Tensor input, Tensor target) {
        return input.nllLoss(target);
    }

    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight) {
        return input.nllLoss(target, weight);
    }

    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex) {
        return input.nllLoss(target, weight, ignoreIndex);
    }

    /** {@code F.nll_loss(input, target, weight, ignore_index, reduction)}: see {@link Tensor#nllLoss(Tensor, Tensor, int, Reduction)}. */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        return input.nllLoss(target, weight, ignoreIndex, reduction);
    }

    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex, String reduction) {
        return input.nllLoss(target, weight, ignoreIndex, reduction);
    }

    /** (input − target)², reduced; shapes must match. */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        return input.mseLoss(target, reduction);
    }

    public static Tensor mseLoss(Tensor input, Tensor target, String reduction) {
        return input.mseLoss(target, Reduction.of(reduction));
    }

    public static Tensor mseLoss(Tensor input, Tensor target) {
        return input.mseLoss(target, Reduction.MEAN);
    }

    /** {@code F.binary_cross_entropy}: mean binary cross-entropy of probabilities in [0, 1]. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return LossFunctions.binaryCrossEntropy(input, target, null, Reduction.MEAN);
    }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight) {
        return LossFunctions.binaryCrossEntropy(input, target, weight, Reduction.MEAN);
    }

    /** See {@link LossFunctions#binaryCrossEntropy(Tensor, Tensor, Tensor, Reduction)}; weight may be null. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        return LossFunctions.binaryCrossEntropy(input, target, weight, reduction);
    }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, String reduction) {
        return LossFunctions.binaryCrossEntropy(input, target, weight, Reduction.of(reduction));
    }

    /** {@code F.binary_cross_entropy_with_logits}: mean binary cross-entropy of logits. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return LossFunctions.binaryCrossEntropyWithLogits(input, target, null, Reduction.MEAN, null);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight) {
        return LossFunctions.binaryCrossEntropyWithLogits(input, target, weight, Reduction.MEAN, null);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight,
                                                      Reduction reduction) {
        return LossFunctions.binaryCrossEntropyWithLogits(input, target, weight, reduction, null);
    }

    /**
     * {@code F.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)}; weight
     * and posWeight may be null. See {@link LossFunctions#binaryCrossEntropyWithLogits}.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight,
                                                      Reduction reduction, Tensor posWeight) {
        return LossFunctions.binaryCrossEntropyWithLogits(input, target, weight, reduction, posWeight);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, String reduction,
                                                      Tensor posWeight) {
        return LossFunctions.binaryCrossEntropyWithLogits(input, target, weight, Reduction.of(reduction), posWeight);
    }

    /** {@code F.l1_loss}: mean |input − target|. */
    public static Tensor l1Loss(Tensor input, Tensor target) {
        return LossFunctions.l1Loss(input, target, Reduction.MEAN);
    }

    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        return LossFunctions.l1Loss(input, target, reduction);
    }

    public static Tensor l1Loss(Tensor input, Tensor target, String reduction) {
        return LossFunctions.l1Loss(input, target, Reduction.of(reduction));
    }

    /** {@code F.smooth_l1_loss} with β = 1, mean. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target) {
        return LossFunctions.smoothL1Loss(input, target, Reduction.MEAN, 1.0);
    }

    public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction) {
        return LossFunctions.smoothL1Loss(input, target, reduction, 1.0);
    }

    /** See {@link LossFunctions#smoothL1Loss(Tensor, Tensor, Reduction, double)}. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction, double beta) {
        return LossFunctions.smoothL1Loss(input, target, reduction, beta);
    }

    public static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction, double beta) {
        return LossFunctions.smoothL1Loss(input, target, Reduction.of(reduction), beta);
    }

    /** {@code F.huber_loss} with δ = 1, mean. */
    public static Tensor huberLoss(Tensor input, Tensor target) {
        return LossFunctions.huberLoss(input, target, Reduction.MEAN, 1.0);
    }

    public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction) {
        return LossFunctions.huberLoss(input, target, reduction, 1.0);
    }

    /** See {@link LossFunctions#huberLoss(Tensor, Tensor, Reduction, double)}. */
    public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction, double delta) {
        return LossFunctions.huberLoss(input, target, reduction, delta);
    }

    public static Tensor huberLoss(Tensor input, Tensor target, String reduction, double delta) {
        return LossFunctions.huberLoss(input, target, Reduction.of(reduction), delta);
    }

    /** {@code F.kl_div}: input log-probabilities, target probabilities, mean over elements (PyTorch's default). */
    public static Tensor klDiv(Tensor input, Tensor target) {
        return LossFunctions.klDiv(input, target, Reduction.MEAN, false);
    }

    public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction) {
        return LossFunctions.klDiv(input, target, reduction, false);
    }

    /** See {@link LossFunctions#klDiv(Tensor, Tensor, Reduction, boolean)}; BATCHMEAN is the true KL divergence. */
    public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction, boolean logTarget) {
        return LossFunctions.klDiv(input, target, reduction, logTarget);
    }

    public static Tensor klDiv(Tensor input, Tensor target, String reduction, boolean logTarget) {
        return LossFunctions.klDiv(input, target, Reduction.of(reduction), logTarget);
    }

    /** {@code F.cosine_similarity} along dim 1, eps 1e-8. */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2) {
        return LossFunctions.cosineSimilarity(x1, x2, 1, 1e-8);
    }

    public static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim) {
        return LossFunctions.cosineSimilarity(x1, x2, dim, 1e-8);
    }

    /** See {@link LossFunctions#cosineSimilarity(Tensor, Tensor, int, double)}. */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim, double eps) {
        return LossFunctions.cosineSimilarity(x1, x2, dim, eps);
    }

    /** {@code F.cosine_embedding_loss} with margin 0, mean; target holds 1 or −1. */
    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target) {
        return LossFunctions.cosineEmbeddingLoss(input1, input2, target, 0, Reduction.MEAN);
    }

    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin) {
        return LossFunctions.cosineEmbeddingLoss(input1, input2, target, margin, Reduction.MEAN);
    }

    /** See {@link LossFunctions#cosineEmbeddingLoss(Tensor, Tensor, Tensor, double, Reduction)}. */
    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin,
                                             Reduction reduction) {
        return LossFunctions.cosineEmbeddingLoss(input1, input2, target, margin, reduction);
    }

    public static Tensor cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin,
                                             String reduction) {
        return LossFunctions.cosineEmbeddingLoss(input1, input2, target, margin, Reduction.of(reduction));
    }

    /** {@code F.margin_ranking_loss} with margin 0, mean; target holds 1 or −1. */
    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target) {
        return LossFunctions.marginRankingLoss(input1, input2, target, 0, Reduction.MEAN);
    }

    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin) {
        return LossFunctions.marginRankingLoss(input1, input2, target, margin, Reduction.MEAN);
    }

    /** See {@link LossFunctions#marginRankingLoss(Tensor, Tensor, Tensor, double, Reduction)}. */
    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin,
                                           Reduction reduction) {
        return LossFunctions.marginRankingLoss(input1, input2, target, margin, reduction);
    }

    public static Tensor marginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin,
                                           String reduction) {
        return LossFunctions.marginRankingLoss(input1, input2, target, margin, Reduction.of(reduction));
    }

    /** {@code F.triplet_margin_loss} with margin 1, p 2, eps 1e-6, no swap, mean. */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative) {
        return LossFunctions.tripletMarginLoss(anchor, positive, negative, 1.0, 2, 1e-6, false, Reduction.MEAN);
    }

    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin) {
        return LossFunctions.tripletMarginLoss(anchor, positive, negative, margin, 2, 1e-6, false, Reduction.MEAN);
    }

    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p) {
        return LossFunctions.tripletMarginLoss(anchor, positive, negative, margin, p, 1e-6, false, Reduction.MEAN);
    }

    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps) {
        return LossFunctions.tripletMarginLoss(anchor, positive, negative, margin, p, eps, false, Reduction.MEAN);
    }

    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps, boolean swap) {
        return LossFunctions.tripletMarginLoss(anchor, positive, negative, margin, p, eps, swap, Reduction.MEAN);
    }

    /** See {@link LossFunctions#tripletMarginLoss(Tensor, Tensor, Tensor, double, double, double, boolean, Reduction)}. */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps, boolean swap, Reduction reduction) {
        return LossFunctions.tripletMarginLoss(anchor, positive, negative, margin, p, eps, swap, reduction);
    }

    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps, boolean swap, String reduction) {
        return LossFunctions.tripletMarginLoss(anchor, positive, negative, margin, p, eps, swap,
                Reduction.of(reduction));
    }

    // ------------------------------------------------------------------ attention

    /** {@code F.scaled_dot_product_attention(q, k, v)}: no mask, not causal, scale 1/√D, the fused kernel. */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value) {
        return Tensor.scaledDotProductAttention(query, key, value, false);
    }

    /** With attnMask (null for none): BOOL (true = attend) or a float mask added to the scores. */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask) {
        return Tensor.scaledDotProductAttention(query, key, value, attnMask);
    }

    /** PyTorch's positional {@code (q, k, v, attn_mask, dropout_p, is_causal)}; dropoutP > 0 needs a Generator. */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask,
                                                   double dropoutP, boolean isCausal) {
        return Tensor.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal);
    }

    /**
     * {@code F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale)} with the
     * dropout mask drawn from rng: see
     * {@link Tensor#scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, double, boolean, double, Generator)}.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask,
                                                   double dropoutP, boolean isCausal, double scale, Generator rng) {
        return Tensor.scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, scale, rng);
    }

    // ------------------------------------------------------------------ convolution and pooling
    // (the ops live in kiln-tensor's ConvOps and PoolOps; docs/formulas/convolution.md defines them)

    /** PyTorch's {@code F.conv2d}: stride, padding and dilation take one value or (height, width). */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return ConvOps.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** {@code F.conv2d} with padding "same" or "valid". */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return ConvOps.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** {@code F.conv2d} with stride 1, no padding, dilation 1 and one group. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        return ConvOps.conv2d(x, weight, bias, new int[] {1}, new int[] {0}, new int[] {1}, 1);
    }

    /** PyTorch's {@code F.conv1d}, computed as conv2d over a height of 1. */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return ConvOps.conv1d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** {@code F.conv1d} with padding "same" or "valid". */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, int stride, String padding, int dilation,
                                int groups) {
        return ConvOps.conv1d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** PyTorch's {@code F.conv3d} (a composition of conv2d over depth slices: correct, not fast). */
    public static Tensor conv3d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return ConvOps.conv3d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** {@code F.conv3d} with padding "same" or "valid". */
    public static Tensor conv3d(Tensor x, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return ConvOps.conv3d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** PyTorch's {@code F.conv_transpose2d}, in its argument order (groups before dilation). */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return ConvOps.convTranspose2d(x, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** PyTorch's {@code F.conv_transpose3d} (a composition of convTranspose2d over depth slices: correct, not fast). */
    public static Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return ConvOps.convTranspose3d(x, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** PyTorch's {@code F.conv_transpose1d}, computed as convTranspose2d over a height of 1. */
    public static Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, int stride, int padding,
                                         int outputPadding, int groups, int dilation) {
        return ConvOps.convTranspose1d(x, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** {@code F.max_pool2d}; stride null means the kernel size. */
    public static Tensor maxPool2d(Tensor x, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return PoolOps.maxPool2d(x, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** {@code F.max_pool2d} with stride = kernel, no padding. */
    public static Tensor maxPool2d(Tensor x, int kernelSize) {
        return PoolOps.maxPool2d(x, new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    /** {@code F.max_pool2d(..., return_indices=True)}. */
    public static PoolOps.MaxPoolResult maxPool2dWithIndices(Tensor x, int[] kernelSize, int[] stride, int[] padding,
                                                             int[] dilation, boolean ceilMode) {
        return PoolOps.maxPool2dWithIndices(x, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** {@code F.max_pool1d}; a stride of 0 or less means the kernel size. */
    public static Tensor maxPool1d(Tensor x, int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        return PoolOps.maxPool1d(x, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** {@code F.avg_pool2d}; stride null means the kernel size, divisorOverride null none. */
    public static Tensor avgPool2d(Tensor x, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        return PoolOps.avgPool2d(x, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** {@code F.max_pool3d} over [N, C, D, H, W] or [C, D, H, W]; stride null means the kernel size. */
    public static Tensor maxPool3d(Tensor x, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return Pool3dOps.maxPool3d(x, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** {@code F.max_pool3d} with stride = kernel, no padding. */
    public static Tensor maxPool3d(Tensor x, int kernelSize) {
        return Pool3dOps.maxPool3d(x, new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    /** {@code F.max_pool3d(..., return_indices=True)}: indices flat within each input volume. */
    public static PoolOps.MaxPoolResult maxPool3dWithIndices(Tensor x, int[] kernelSize, int[] stride, int[] padding,
                                                             int[] dilation, boolean ceilMode) {
        return Pool3dOps.maxPool3dWithIndices(x, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** {@code F.avg_pool3d}; stride null means the kernel size, divisorOverride null none. */
    public static Tensor avgPool3d(Tensor x, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        return Pool3dOps.avgPool3d(x, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** {@code F.avg_pool3d} with stride = kernel, no padding, padding counted. */
    public static Tensor avgPool3d(Tensor x, int kernelSize) {
        return Pool3dOps.avgPool3d(x, new int[] {kernelSize}, null, new int[] {0}, false, true, null);
    }

    /** {@code F.avg_pool1d}; a stride of 0 or less means the kernel size. */
    public static Tensor avgPool1d(Tensor x, int kernelSize, int stride, int padding, boolean ceilMode,
                                   boolean countIncludePad) {
        return PoolOps.avgPool1d(x, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    /** {@code F.max_unpool2d}; stride null means the kernel size, outputSize null the default size. */
    public static Tensor maxUnpool2d(Tensor x, Tensor indices, int[] kernelSize, int[] stride, int[] padding,
                                     int[] outputSize) {
        return PoolOps.maxUnpool2d(x, indices, kernelSize, stride, padding, outputSize);
    }

    /** {@code F.adaptive_avg_pool2d}. */
    public static Tensor adaptiveAvgPool2d(Tensor x, int[] outputSize) {
        return PoolOps.adaptiveAvgPool2d(x, outputSize);
    }

    /** {@code F.adaptive_max_pool2d}. */
    public static Tensor adaptiveMaxPool2d(Tensor x, int[] outputSize) {
        return PoolOps.adaptiveMaxPool2d(x, outputSize);
    }

    /** PyTorch's {@code F.unfold} (im2col): [N, C, H, W] to [N, C·kH·kW, L]. */
    public static Tensor unfold(Tensor x, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        return ConvOps.unfold(x, kernelSize, dilation, padding, stride);
    }

    /** PyTorch's {@code F.fold} (col2im), the adjoint of unfold: [N, C·kH·kW, L] to [N, C, outputSize]. */
    public static Tensor fold(Tensor x, int[] outputSize, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        return ConvOps.fold(x, outputSize, kernelSize, dilation, padding, stride);
    }

    /**
     * PyTorch's {@code F.interpolate}: exactly one of size and scaleFactor; mode nearest,
     * nearest-exact, linear, bilinear or trilinear; alignCorners null for the nearest modes.
     */
    public static Tensor interpolate(Tensor x, int[] size, double[] scaleFactor, String mode, Boolean alignCorners) {
        return InterpolateOps.interpolate(x, size, scaleFactor, mode, alignCorners);
    }

    // ------------------------------------------------------------------ normalisation over channels (dim 1)

    /**
     * PyTorch's {@code F.batch_norm} over x [N, C, *]: per channel c, (x − μ_c)/√(σ²_c + ε)·weight_c +
     * bias_c. In training μ and σ² (biased) are the batch's over every dim but 1, and the running
     * statistics, when given, are updated in place as r ← (1 − momentum)·r + momentum·s with the
     * unbiased batch variance for runningVar (as PyTorch). Otherwise the running statistics are used.
     * Any of runningMean, runningVar (both or neither), weight, bias may be null. With batch
     * statistics it runs on a fused kernel whose fused backward is the exact derivative of the batch
     * statistics, as PyTorch's.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        return x.batchNorm(runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /** {@code relu(batchNorm(x, ...))} as one op ({@link Tensor#batchNormRelu}): the same values and gradients. */
    public static Tensor batchNormRelu(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                       boolean training, double momentum, double eps) {
        return x.batchNormRelu(runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /**
     * PyTorch's {@code F.group_norm}: x [N, C, *] with C a multiple of numGroups; each sample's
     * groups of C/numGroups channels normalised together (biased variance), then per-channel weight
     * and bias (either may be null). Runs on the fused layer_norm kernel over [N, G, rest].
     */
    public static Tensor groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        String op = "groupNorm";
        int c = channels(op, x);
        if (numGroups < 1 || c % numGroups != 0) {
            throw new IllegalArgumentException(op + ": the " + c + " channels of input " + Shapes.str(x.shape())
                    + " must be divisible by numGroups " + numGroups + " (>= 1)");
        }
        checkChannelParam(op, x, "weight", weight, c);
        checkChannelParam(op, x, "bias", bias, c);
        int n = x.size(0);
        int rest = n == 0 ? 0 : x.numel() / (n * numGroups);
        if (rest == 0) {
            return affine(x, weight, bias, channelView(x));
        }
        Tensor y = x.reshape(n, numGroups, rest).layerNorm(new int[] {rest}, null, null, eps).reshape(x.shape());
        return affine(y, weight, bias, channelView(x));
    }

    /**
     * PyTorch's {@code F.instance_norm} with input statistics (its default): each sample's channels
     * normalised on their own over the spatial dims, then per-channel weight and bias (may be null).
     * Running statistics (PyTorch's track_running_stats) are not supported.
     */
    public static Tensor instanceNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        String op = "instanceNorm";
        int c = channels(op, x);
        if (x.dim() < 3) {
            throw new IllegalArgumentException(op + ": expected an input [N, C, *] with at least one spatial dim, got "
                    + Shapes.str(x.shape()));
        }
        return groupNorm(x, Math.max(c, 1), weight, bias, eps);
    }

    /**
     * PyTorch's {@code F.local_response_norm} over the channels (dim 1) of x [N, C, *]:
     * y = x / (k + α/size · Σ x²)^β, the sum over channels c − ⌊size/2⌋ … c + ⌊(size−1)/2⌋ that exist
     * (the rest count as 0, while the divisor stays size, as PyTorch).
     */
    public static Tensor localResponseNorm(Tensor x, int size, double alpha, double beta, double k) {
        String op = "localResponseNorm";
        Inputs.requireFloat(op, x);
        if (x.dim() < 3) {
            throw new IllegalArgumentException(op + ": expected an input [N, C, *] with at least 3 dims, got "
                    + Shapes.str(x.shape()));
        }
        if (size < 1) {
            throw new IllegalArgumentException(op + ": size must be >= 1, got " + size);
        }
        if (x.numel() == 0) {
            return x;
        }
        int c = x.size(1);
        Tensor sq = x.square();
        int[] padShape = x.shape();
        padShape[1] = size / 2;
        Tensor before = Tensor.zeros(x.dtype(), padShape).to(x.device());
        padShape[1] = (size - 1) / 2;
        Tensor after = Tensor.zeros(x.dtype(), padShape).to(x.device());
        Tensor padded = Tensor.cat(1, before, sq, after);
        Tensor sum = padded.narrow(1, 0, c);
        for (int j = 1; j < size; j++) {
            sum = sum.add(padded.narrow(1, j, c));
        }
        return x.div(sum.mul(alpha / size).add(k).pow(beta));
    }

    private static int channels(String op, Tensor x) {
        Inputs.requireFloat(op, x);
        if (x.dim() < 2) {
            throw new IllegalArgumentException(op + ": expected an input [N, C, *] with at least 2 dims, got "
                    + Shapes.str(x.shape()));
        }
        return x.size(1);
    }

    private static void checkChannelParam(String op, Tensor x, String what, Tensor p, int c) {
        if (p != null && (p.dim() != 1 || p.size(0) != c || p.dtype() != x.dtype())) {
            throw new IllegalArgumentException(op + ": " + what + " must be " + x.dtype() + " [" + c + "] for input "
                    + Shapes.str(x.shape()) + ", got " + p.dtype() + " " + Shapes.str(p.shape()));
        }
    }

    /** [1, C, 1, ...]: a per-channel tensor broadcast over x. */
    private static int[] channelView(Tensor x) {
        int[] v = new int[x.dim()];
        Arrays.fill(v, 1);
        v[1] = x.size(1);
        return v;
    }

    private static Tensor affine(Tensor y, Tensor weight, Tensor bias, int[] view) {
        if (weight != null) {
            y = y.mul(weight.reshape(view));
        }
        return bias == null ? y : y.add(bias.reshape(view));
    }
}
