package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/** Mean squared error, as {@code torch.nn.MSELoss}; input and target must have the same shape. */
public final class MSELoss implements Loss {
    private final Reduction reduction;

    public MSELoss() {
        this(Reduction.MEAN);
    }

    public MSELoss(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException("MSELoss: reduction is null");
        }
        this.reduction = reduction;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.mseLoss(input, target, reduction);
    }

    public Reduction reduction() {
        return reduction;
    }

    @Override
    public String toString() {
        return "MSELoss(reduction=" + reduction + ")";
    }
}
