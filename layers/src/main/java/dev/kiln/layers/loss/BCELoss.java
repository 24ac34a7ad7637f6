package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/**
 * Binary cross-entropy of probabilities in [0, 1], as {@code torch.nn.BCELoss(weight, reduction)}:
 * a weight that broadcasts to the input (null for none), the log clamped at −100.
 */
public final class BCELoss implements Loss {
    private final Tensor weight;
    private final Reduction reduction;

    public BCELoss() {
        this(null, Reduction.MEAN);
    }

    public BCELoss(Tensor weight, Reduction reduction) {
        this.weight = weight;
        this.reduction = Losses.requireReduction("BCELoss", reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropy(input, target, weight, reduction);
    }

    /** The element weights, or null. */
    public Tensor weight() {
        return weight;
    }

    public Reduction reduction() {
        return reduction;
    }

    @Override
    public String toString() {
        return "BCELoss(reduction=" + reduction + ")";
    }
}
