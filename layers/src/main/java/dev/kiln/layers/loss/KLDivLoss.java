package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/**
 * KL divergence of a target distribution from the input's log-probabilities, as
 * {@code torch.nn.KLDivLoss(reduction, log_target)}. {@link Reduction#BATCHMEAN} gives the true KL
 * divergence per sample; MEAN (PyTorch's default, kept) divides by every element instead.
 */
public final class KLDivLoss implements Loss {
    private final Reduction reduction;
    private final boolean logTarget;

    public KLDivLoss() {
        this(Reduction.MEAN, false);
    }

    public KLDivLoss(Reduction reduction, boolean logTarget) {
        if (reduction == null) {
            throw new IllegalArgumentException("KLDivLoss: reduction is null");
        }
        this.reduction = reduction;
        this.logTarget = logTarget;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.klDiv(input, target, reduction, logTarget);
    }

    public Reduction reduction() {
        return reduction;
    }

    public boolean logTarget() {
        return logTarget;
    }

    @Override
    public String toString() {
        return "KLDivLoss(reduction=" + reduction + ", logTarget=" + logTarget + ")";
    }
}
