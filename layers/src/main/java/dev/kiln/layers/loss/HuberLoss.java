package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/**
 * Quadratic below δ, linear above, as {@code torch.nn.HuberLoss(reduction, delta)}: 0.5·d² where
 * d = |input − target| &lt; δ, else δ·(d − 0.5·δ).
 */
public final class HuberLoss implements Loss {
    private final Reduction reduction;
    private final double delta;

    /** PyTorch's defaults: mean, δ = 1. */
    public HuberLoss() {
        this(Reduction.MEAN, 1.0);
    }

    public HuberLoss(Reduction reduction, double delta) {
        this.reduction = Losses.requireReduction("HuberLoss", reduction);
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("HuberLoss: delta must be > 0 and finite, got " + delta);
        }
        this.delta = delta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.huberLoss(input, target, reduction, delta);
    }

    public Reduction reduction() {
        return reduction;
    }

    public double delta() {
        return delta;
    }

    @Override
    public String toString() {
        return "HuberLoss(reduction=" + reduction + ", delta=" + delta + ")";
    }
}
