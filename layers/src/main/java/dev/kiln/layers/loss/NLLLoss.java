package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/**
 * Negative log-likelihood of log-probabilities [N, C] (or [C], or [N, C, d...]) at I32 class
 * indices, as {@code torch.nn.NLLLoss(weight, ignore_index, reduction)}: class weights (null for
 * none), an ignore index (−100) and a reduction (mean over the weights of the targets not ignored).
 */
public final class NLLLoss implements Loss {
    private final Tensor weight;
    private final int ignoreIndex;
    private final Reduction reduction;

    /** PyTorch's defaults: no weights, ignoreIndex −100, mean. */
    public NLLLoss() {
        this(null, -100, Reduction.MEAN);
    }

    public NLLLoss(Tensor weight, int ignoreIndex, Reduction reduction) {
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
        this.reduction = Losses.requireReduction("NLLLoss", reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.nllLoss(input, target, weight, ignoreIndex, reduction);
    }

    /** The class weights, or null. */
    public Tensor weight() {
        return weight;
    }

    public int ignoreIndex() {
        return ignoreIndex;
    }

    public Reduction reduction() {
        return reduction;
    }

    @Override
    public String toString() {
        return "NLLLoss(weight=" + (weight == null ? "null" : "[" + weight.numel() + "]") + ", ignoreIndex="
                + ignoreIndex + ", reduction=" + reduction + ")";
    }
}
