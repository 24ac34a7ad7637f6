package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/**
 * Binary cross-entropy of logits, exact where a sigmoid would round to 0 or 1, as
 * {@code torch.nn.BCEWithLogitsLoss(weight, reduction, pos_weight)}: weight and posWeight (the
 * positive term's weight, usually one per class) broadcast to the input; null for none.
 */
public final class BCEWithLogitsLoss implements Loss {
    private final Tensor weight;
    private final Reduction reduction;
    private final Tensor posWeight;

    public BCEWithLogitsLoss() {
        this(null, Reduction.MEAN, null);
    }

    public BCEWithLogitsLoss(Tensor weight, Reduction reduction, Tensor posWeight) {
        this.weight = weight;
        this.reduction = Losses.requireReduction("BCEWithLogitsLoss", reduction);
        this.posWeight = posWeight;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropyWithLogits(input, target, weight, reduction, posWeight);
    }

    /** The element weights, or null. */
    public Tensor weight() {
        return weight;
    }

    public Reduction reduction() {
        return reduction;
    }

    /** The positive examples' weights, or null. */
    public Tensor posWeight() {
        return posWeight;
    }

    @Override
    public String toString() {
        return "BCEWithLogitsLoss(reduction=" + reduction + ", posWeight=" + (posWeight != null) + ")";
    }
}
