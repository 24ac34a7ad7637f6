package dev.kiln.layers.norm;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * LayerNorm over the trailing normalizedShape, as {@code torch.nn.LayerNorm}: (x − μ)/√(σ² + ε)
 * ⊙ weight + bias with biased σ², ε = 1e-5 by default; weight starts at 1 and bias at 0, both
 * exempt from weight decay. Runs on the fused layer_norm kernel, which saves μ and 1/√(σ² + ε)
 * for the backward pass.
 */
public final class LayerNorm extends Module {
    private final int[] normalizedShape;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    /** Over the last dim, ε 1e-5, with weight and bias. */
    public LayerNorm(int normalizedShape) {
        this(new int[] {normalizedShape}, 1e-5, true, true);
    }

    public LayerNorm(int normalizedShape, double eps) {
        this(new int[] {normalizedShape}, eps, true, true);
    }

    /**
     * @param elementwiseAffine whether there is a learnable weight (and bias)
     * @param bias              whether there is a bias (only with elementwiseAffine), PyTorch's {@code bias=}
     */
    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, boolean bias) {
        if (normalizedShape.length == 0) {
            throw new IllegalArgumentException("LayerNorm: normalizedShape must name at least one dim");
        }
        for (int s : normalizedShape) {
            if (s < 1) {
                throw new IllegalArgumentException("LayerNorm: normalizedShape sizes must be >= 1, got "
                        + Shapes.str(normalizedShape));
            }
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("LayerNorm: eps must be >= 0, got " + eps);
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = elementwiseAffine
                ? registerParameter("weight", new Parameter(Tensor.ones(normalizedShape)).noWeightDecay()) : null;
        this.bias = elementwiseAffine && bias
                ? registerParameter("bias", new Parameter(Tensor.zeros(normalizedShape)).noWeightDecay()) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Norms.check(this, x, normalizedShape, weight);
        return x.layerNorm(normalizedShape, weight == null ? null : weight.tensor(), bias == null ? null : bias.tensor(), eps);
    }

    /** The gain, or null without elementwise affine. */
    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    public int[] normalizedShape() {
        return normalizedShape.clone();
    }

    public double eps() {
        return eps;
    }

    @Override
    protected String extraRepr() {
        return Arrays.toString(normalizedShape) + ", eps=" + eps + ", elementwiseAffine=" + (weight != null)
                + (weight != null ? ", bias=" + (bias != null) : "");
    }
}
