package dev.kiln.tensor;

import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * PyTorch's {@code torch.nn.functional} losses beyond cross-entropy, NLL and MSE (those are in
 * {@link LossOps}): binary cross-entropy with and without logits, L1, smooth L1, Huber, KL
 * divergence, cosine similarity and the margin losses, in PyTorch's argument order (its deprecated
 * {@code size_average} and {@code reduce} left out). The formulas are in docs/formulas/losses.md.
 *
 * <p>Each is a composition of tensor ops, so autograd differentiates it and every backend runs it
 * (none is hot enough for a kernel of its own). binaryCrossEntropy alone is one recorded op: its
 * rule gives PyTorch's finite gradient w·(x − t)/max(x·(1 − x), 1e-12) at inputs of exactly 0 or 1,
 * where a composition's 1/x would give NaN.
 *
 * <p>Input and target must have the same shape (PyTorch broadcasts them with a warning; here that
 * is almost always a mistake, as in {@code mseLoss}); weights broadcast to the input's shape.
 */
public final class LossFunctions {
    private static final double BCE_EPSILON = 1e-12f;

    private LossFunctions() {
    }

    // ------------------------------------------------------------------ binary cross-entropy

    /**
     * −w·(t·max(log x, −100) + (1 − t)·max(log(1 − x), −100)), reduced; input holds probabilities
     * in [0, 1]. weight (null for none) broadcasts to the input's shape. PyTorch's
     * {@code F.binary_cross_entropy}.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        String op = "binaryCrossEntropy";
        samePair(op, input, target);
        LossOps.checkReduction(op, reduction);
        checkBroadcastWeight(op, "weight", input, weight);
        if (input.numel() > 0) {
            double lo = input.min().item();
            double hi = input.max().item();
            if (!(lo >= 0 && hi <= 1)) {
                throw new IllegalArgumentException(op + ": input values must be probabilities in [0, 1] (apply sigmoid "
                        + "first, or use binaryCrossEntropyWithLogits), got values from " + lo + " to " + hi);
            }
        }
        Tensor loss = binaryCrossEntropyElements(input.detach(), target.detach());
        if (weight != null) {
            loss = loss.mul(weight.detach());
        }
        Op rec = new Op.BinaryCrossEntropy(weight != null);
        loss = weight == null ? Dispatch.record(rec, loss, input, target) : Dispatch.record(rec, loss, input, target, weight);
        return reduce(loss, reduction);
    }

    /**
     * Gradients of the unreduced binaryCrossEntropy for {input, target, weight}, given the output's
     * gradient g (PyTorch's rules: dx = g·w·(x − t)/max(x·(1 − x), 1e-12f), dt = g·w·(log(1 − x) −
     * log x), dw = g·the unweighted loss); null where not needed. weight may be null.
     */
    public static Tensor[] binaryCrossEntropyBackward(Tensor g, Tensor input, Tensor target, Tensor weight,
                                                      boolean needInput, boolean needTarget, boolean needWeight) {
        Tensor gw = weight == null ? g : g.mul(weight);
        Tensor oneMinusX = input.neg().add(1);
        // PyTorch's EPSILON is the float 1e-12f, which is 1e-12 only to 4e-9
        Tensor dx = needInput ? gw.mul(input.sub(target)).div(input.mul(oneMinusX).clampMin(BCE_EPSILON)) : null;
        Tensor dt = needTarget ? gw.mul(oneMinusX.log().sub(input.log())) : null;
        Tensor dw = needWeight ? g.mul(binaryCrossEntropyElements(input, target)) : null;
        return new Tensor[] {dx, dt, dw};
    }

    private static Tensor binaryCrossEntropyElements(Tensor x, Tensor t) {
        Tensor logX = x.log().clampMin(-100);
        Tensor log1mX = x.neg().add(1).log().clampMin(-100);
        return t.mul(logX).add(t.neg().add(1).mul(log1mX)).neg();
    }

    /**
     * (1 − t)·x − (1 + (posWeight − 1)·t)·log σ(x), times weight, reduced: binary cross-entropy on
     * logits, with log σ(x) = −softplus(−x) exact for any x. weight and posWeight (null for none)
     * broadcast to the input's shape; posWeight weighs the positive term, one value per class
     * (PyTorch's {@code F.binary_cross_entropy_with_logits}).
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Reduction reduction,
                                                      Tensor posWeight) {
        String op = "binaryCrossEntropyWithLogits";
        samePair(op, input, target);
        LossOps.checkReduction(op, reduction);
        checkBroadcastWeight(op, "weight", input, weight);
        checkBroadcastWeight(op, "posWeight", input, posWeight);
        Tensor logSigmoid = input.neg().softplus().neg();
        if (posWeight != null) {
            logSigmoid = logSigmoid.mul(posWeight.sub(1).mul(target).add(1));
        }
        Tensor loss = target.neg().add(1).mul(input).sub(logSigmoid);
        if (weight != null) {
            loss = loss.mul(weight);
        }
        return reduce(loss, reduction);
    }

    // ------------------------------------------------------------------ regression losses

    /** |input − target|, reduced (PyTorch's {@code F.l1_loss}). */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        samePair("l1Loss", input, target);
        LossOps.checkReduction("l1Loss", reduction);
        return reduce(input.sub(target).abs(), reduction);
    }

    /**
     * 0.5·d²/β where d = |input − target| &lt; β, else d − 0.5·β, reduced; β = 0 is the L1 loss
     * (PyTorch's {@code F.smooth_l1_loss}).
     */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction, double beta) {
        String op = "smoothL1Loss";
        samePair(op, input, target);
        LossOps.checkReduction(op, reduction);
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException(op + ": beta must be >= 0 and finite, got " + beta);
        }
        Tensor d = input.sub(target).abs();
        if (beta == 0) {
            return reduce(d, reduction);
        }
        return reduce(Tensor.where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta)), reduction);
    }

    /**
     * 0.5·d² where d = |input − target| &lt; δ, else δ·(d − 0.5·δ), reduced (PyTorch's
     * {@code F.huber_loss}; δ times the smooth L1 loss with β = δ).
     */
    public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction, double delta) {
        String op = "huberLoss";
        samePair(op, input, target);
        LossOps.checkReduction(op, reduction);
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException(op + ": delta must be > 0 and finite, got " + delta);
        }
        Tensor d = input.sub(target).abs();
        return reduce(Tensor.where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta)), reduction);
    }

    /**
     * KL(target ‖ exp(input)) pointwise: target·(log target − input), 0 where target ≤ 0 (PyTorch
     * 1.13's rule), or exp(target)·(target − input) when logTarget. input holds log-probabilities.
     * BATCHMEAN divides the sum by the batch size input.size(0), the true KL divergence per
     * sample; MEAN divides by the number of elements (PyTorch's {@code F.kl_div}).
     */
    public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction, boolean logTarget) {
        String op = "klDiv";
        samePair(op, input, target);
        if (reduction == null) {
            throw new IllegalArgumentException(op + ": reduction is null");
        }
        Tensor loss;
        if (logTarget) {
            loss = target.exp().mul(target.sub(input));
        } else {
            Tensor positive = target.gt(0);
            // log of 1 where the target is not positive: no -inf, so no NaN in the unused branch's gradient
            Tensor logT = Tensor.where(positive, target, 1).log();
            loss = Tensor.where(positive, target.mul(logT.sub(input)), 0);
        }
        if (reduction == Reduction.BATCHMEAN) {
            return input.dim() == 0 ? loss.sum() : loss.sum().div(input.size(0));
        }
        return reduce(loss, reduction);
    }

    // ------------------------------------------------------------------ similarity and margin losses

    /**
     * Σ x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along dim, x1 and x2 broadcast against each other
     * (PyTorch's {@code F.cosine_similarity}; the norm clamp leaves a zero vector's gradient finite).
     */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim, double eps) {
        String op = "cosineSimilarity";
        Dispatch.requireFloat(op, x1);
        Dispatch.sameDType(op, x1, x2);
        Dispatch.device(op, x1, x2);
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(op + ": eps must be >= 0 and finite, got " + eps);
        }
        int[] shape = Shapes.broadcast(op, x1.shape(), x2.shape());
        if (shape.length == 0) {
            throw new IllegalArgumentException(op + ": x1 and x2 are 0-d; they need a dim to compare along");
        }
        int d = Shapes.normalizeDim(op, dim, shape.length);
        Tensor a = x1.expand(shape);
        Tensor b = x2.expand(shape);
        // max(‖x‖, eps) = √max(Σx², eps²): the clamp comes before the root, whose gradient at 0 is infinite
        Tensor na = a.square().sum(d).clampMin(eps * eps).sqrt();
        Tensor nb = b.square().sum(d).clampMin(eps * eps).sqrt();
        return a.mul(b).sum(d).div(na.mul(nb));
    }

    /**
     * 1 − cos(x1, x2) where target is 1, max(0, cos(x1, x2) − margin) where it is −1, reduced;
     * x1 and x2 are [N, D] (target [N]) or [D] (target 0-d), cos taken with PyTorch's 1e-12 inside
     * the squared norms (PyTorch's {@code F.cosine_embedding_loss}).
     */
    public static Tensor cosineEmbeddingLoss(Tensor x1, Tensor x2, Tensor target, double margin, Reduction reduction) {
        String op = "cosineEmbeddingLoss";
        samePair(op, x1, x2);
        LossOps.checkReduction(op, reduction);
        Dispatch.device(op, x1, target);
        if (x1.dim() != 1 && x1.dim() != 2) {
            throw new IllegalArgumentException(op + ": x1 and x2 must be [N, D] or [D], got " + Shapes.str(x1.shape()));
        }
        int[] expected = x1.dim() == 2 ? new int[] {x1.size(0)} : new int[0];
        Tensor y = plusMinusOne(op, target, expected, x1.dtype());
        int d = x1.dim() - 1;
        Tensor dot = x1.mul(x2).sum(d);
        Tensor mag = x1.square().sum(d).add(1e-12).mul(x2.square().sum(d).add(1e-12)).sqrt();
        Tensor cos = dot.div(mag);
        Tensor loss = Tensor.where(y.eq(1), cos.neg().add(1), cos.sub(margin).clampMin(0));
        return reduce(loss, reduction);
    }

    /** max(0, −target·(x1 − x2) + margin), reduced; target holds 1 or −1 (PyTorch's {@code F.margin_ranking_loss}). */
    public static Tensor marginRankingLoss(Tensor x1, Tensor x2, Tensor target, double margin, Reduction reduction) {
        String op = "marginRankingLoss";
        samePair(op, x1, x2);
        LossOps.checkReduction(op, reduction);
        Dispatch.device(op, x1, target);
        Tensor y = plusMinusOne(op, target, x1.shape(), x1.dtype());
        return reduce(y.mul(x1.sub(x2)).neg().add(margin).clampMin(0), reduction);
    }

    /**
     * max(0, margin + d(a, p) − d(a, n)), reduced, with d(x, y) = ‖x − y + eps‖_p over the last dim
     * (PyTorch's pairwise_distance); swap replaces d(a, n) by min(d(a, n), d(p, n)). anchor,
     * positive and negative are [N, D] or [D], of one shape (PyTorch's {@code F.triplet_margin_loss}).
     */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps, boolean swap, Reduction reduction) {
        String op = "tripletMarginLoss";
        samePair(op, anchor, positive);
        samePair(op, anchor, negative);
        LossOps.checkReduction(op, reduction);
        if (anchor.dim() != 1 && anchor.dim() != 2) {
            throw new IllegalArgumentException(op + ": anchor, positive and negative must be [N, D] or [D], got "
                    + Shapes.str(anchor.shape()));
        }
        if (!(p > 0) || Double.isInfinite(p)) {
            throw new IllegalArgumentException(op + ": the norm degree p must be > 0 and finite, got " + p);
        }
        if (!Double.isFinite(eps)) {
            throw new IllegalArgumentException(op + ": eps must be finite, got " + eps);
        }
        Tensor dPos = pairwiseDistance(anchor, positive, p, eps);
        Tensor dNeg = pairwiseDistance(anchor, negative, p, eps);
        if (swap) {
            dNeg = dNeg.minimum(pairwiseDistance(positive, negative, p, eps));
        }
        return reduce(dPos.sub(dNeg).add(margin).clampMin(0), reduction);
    }

    /** ‖x − y + eps‖_p over the last dim. */
    private static Tensor pairwiseDistance(Tensor x, Tensor y, double p, double eps) {
        int d = x.dim() - 1;
        Tensor diff = x.sub(y).add(eps);
        if (p == 2) {
            return diff.square().sum(d).sqrt();
        }
        if (p == 1) {
            return diff.abs().sum(d);
        }
        return diff.abs().pow(p).sum(d).pow(1 / p);
    }

    // ------------------------------------------------------------------ shared checks

    /** The loss of each element reduced: NONE, SUM or MEAN (NaN for no elements, as PyTorch). */
    static Tensor reduce(Tensor loss, Reduction reduction) {
        return switch (reduction) {
            case NONE -> loss;
            case SUM -> loss.sum();
            default -> loss.mean();
        };
    }

    /** Two float tensors of one dtype, device and shape. */
    private static void samePair(String op, Tensor input, Tensor target) {
        Dispatch.requireFloat(op, input);
        Dispatch.sameDType(op, input, target);
        Dispatch.device(op, input, target);
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(input.shape()) + " and target "
                    + Shapes.str(target.shape()) + " differ in shape (broadcasting here is almost always a mistake)");
        }
    }

    /** null, or a tensor of the input's dtype and device that broadcasts to the input's shape. */
    private static void checkBroadcastWeight(String op, String what, Tensor input, Tensor weight) {
        if (weight == null) {
            return;
        }
        Dispatch.device(op, input, weight);
        if (weight.dtype() != input.dtype()) {
            throw new IllegalArgumentException(op + ": " + what + " must have the input's dtype " + input.dtype()
                    + ", got " + weight.dtype());
        }
        if (!broadcastsTo(weight.shape(), input.shape())) {
            throw new IllegalArgumentException(op + ": " + what + " " + Shapes.str(weight.shape())
                    + " does not broadcast to the input's shape " + Shapes.str(input.shape()));
        }
    }

    private static boolean broadcastsTo(int[] from, int[] to) {
        if (from.length > to.length) {
            return false;
        }
        for (int i = 1; i <= from.length; i++) {
            int f = from[from.length - i];
            if (f != 1 && f != to[to.length - i]) {
                return false;
            }
        }
        return true;
    }

    /** The target of a margin loss: the given shape, values 1 or −1 only, as the input's float dtype. */
    private static Tensor plusMinusOne(String op, Tensor target, int[] shape, DType dtype) {
        if (!Arrays.equals(target.shape(), shape)) {
            throw new IllegalArgumentException(op + ": target must have shape " + Shapes.str(shape) + ", got "
                    + Shapes.str(target.shape()));
        }
        if (!target.dtype().isNumeric()) {
            throw new IllegalArgumentException(op + ": target must hold 1 or -1 (numbers), got " + target.dtype());
        }
        if (target.numel() > 0 && target.abs().eq(1).all().item() == 0) {
            throw new IllegalArgumentException(op + ": target values must be 1 or -1, got others in "
                    + Shapes.str(target.shape()));
        }
        return target.to(dtype);
    }
}
