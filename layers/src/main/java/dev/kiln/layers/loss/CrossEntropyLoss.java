package dev.kiln.layers.loss;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/**
 * Cross-entropy of logits [N, C] (or [C], or [N, C, d...]) against I32 class indices or class
 * probabilities, as {@code torch.nn.CrossEntropyLoss}: a reduction (mean by default, over the
 * targets that are not ignored), an ignore index (−100), label smoothing (0) and class weights
 * (none; with weights the mean divides by the summed weights of the targets not ignored).
 * <pre>{@code new CrossEntropyLoss.Builder().labelSmoothing(0.1).ignoreIndex(0).build()}</pre>
 */
public final class CrossEntropyLoss implements Loss {
    private final Tensor weight;
    private final Reduction reduction;
    private final int ignoreIndex;
    private final double labelSmoothing;

    /** PyTorch's defaults: mean, ignoreIndex −100, no smoothing. */
    public CrossEntropyLoss() {
        this(Reduction.MEAN, -100, 0.0);
    }

    public CrossEntropyLoss(Reduction reduction, int ignoreIndex, double labelSmoothing) {
        this(null, ignoreIndex, reduction, labelSmoothing);
    }

    /** PyTorch's order: {@code nn.CrossEntropyLoss(weight, ignore_index=, reduction=, label_smoothing=)}; weight may be null. */
    public CrossEntropyLoss(Tensor weight, int ignoreIndex, Reduction reduction, double labelSmoothing) {
        Losses.requireReduction("CrossEntropyLoss", reduction);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        this.weight = weight;
        this.reduction = reduction;
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Tensor forward(Tensor logits, Tensor target) {
        return Functional.crossEntropy(logits, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    /** The class weights, or null. */
    public Tensor weight() {
        return weight;
    }

    public Reduction reduction() {
        return reduction;
    }

    public int ignoreIndex() {
        return ignoreIndex;
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(reduction=" + reduction + ", ignoreIndex=" + ignoreIndex + ", labelSmoothing="
                + labelSmoothing + ")";
    }

    /** Keyword arguments by PyTorch's names. */
    public static final class Builder {
        private Tensor weight;
        private Reduction reduction = Reduction.MEAN;
        private int ignoreIndex = -100;
        private double labelSmoothing;

        /** One weight per class, or null for none. */
        public Builder weight(Tensor w) {
            this.weight = w;
            return this;
        }

        public Builder reduction(Reduction r) {
            this.reduction = r;
            return this;
        }

        public Builder ignoreIndex(int i) {
            this.ignoreIndex = i;
            return this;
        }

        public Builder labelSmoothing(double eps) {
            this.labelSmoothing = eps;
            return this;
        }

        public CrossEntropyLoss build() {
            return new CrossEntropyLoss(weight, ignoreIndex, reduction, labelSmoothing);
        }
    }
}
