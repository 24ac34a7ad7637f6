package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/**
 * Quadratic below β, linear above, as {@code torch.nn.SmoothL1Loss(reduction, beta)}: 0.5·d²/β
 * where d = |input − target| &lt; β, else d − 0.5·β.
 */
public final class SmoothL1Loss implements Loss {
    private final Reduction reduction;
    private final double beta;

    /** PyTorch's defaults: mean, β = 1. */
    public SmoothL1Loss() {
        this(Reduction.MEAN, 1.0);
    }

    public SmoothL1Loss(Reduction reduction, double beta) {
        this.reduction = Losses.requireReduction("SmoothL1Loss", reduction);
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("SmoothL1Loss: beta must be >= 0 and finite, got " + beta);
        }
        this.beta = beta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.smoothL1Loss(input, target, reduction, beta);
    }

    public Reduction reduction() {
        return reduction;
    }

    public double beta() {
        return beta;
    }

    @Override
    public String toString() {
        return "SmoothL1Loss(reduction=" + reduction + ", beta=" + beta + ")";
    }
}
