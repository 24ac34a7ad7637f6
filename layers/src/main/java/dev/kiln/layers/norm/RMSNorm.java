package dev.kiln.layers.norm;

import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Tensor;

/**
 * RMSNorm (Zhang and Sennrich 2019): x/√(mean(x²) + ε) ⊙ weight over the last dim, with ε inside
 * the root (the only form offered) and ε = 1e-6 by default, the LLaMA convention the GaLore and
 * Mix-LN code use. weight starts at 1 and is exempt from weight decay. Runs on the fused rms_norm
 * kernel, which saves 1/rms for the backward pass.
 */
public final class RMSNorm extends Module {
    private final int dim;
    private final double eps;
    private final Parameter weight;

    public RMSNorm(int dim) {
        this(dim, 1e-6, true);
    }

    public RMSNorm(int dim, double eps) {
        this(dim, eps, true);
    }

    /** @param elementwiseAffine whether there is a learnable gain */
    public RMSNorm(int dim, double eps, boolean elementwiseAffine) {
        if (dim < 1) {
            throw new IllegalArgumentException("RMSNorm: dim must be >= 1, got " + dim);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("RMSNorm: eps must be >= 0, got " + eps);
        }
        this.dim = dim;
        this.eps = eps;
        this.weight = elementwiseAffine
                ? registerParameter("weight", new Parameter(Tensor.ones(dim)).noWeightDecay()) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Norms.check(this, x, new int[] {dim}, weight);
        return x.rmsNorm(new int[] {dim}, weight == null ? null : weight.tensor(), eps);
    }

    /** The gain, or null. */
    public Parameter weight() {
        return weight;
    }

    public int dim() {
        return dim;
    }

    public double eps() {
        return eps;
    }

    @Override
    protected String extraRepr() {
        return dim + ", eps=" + eps + (weight == null ? ", elementwiseAffine=false" : "");
    }
}
