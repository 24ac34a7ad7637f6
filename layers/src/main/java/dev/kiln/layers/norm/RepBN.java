package dev.kiln.layers.norm;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * Re-parameterised BatchNorm over token features (SLAB, Guo et al. 2024; docs/formulas/norms.md):
 * RepBN(x) = BN(x) + α·x with one learnable α (the paper's η, initialised to 1, exempt from weight
 * decay). x is [..., C]; the BatchNorm normalises each of the C features over every leading
 * position (batch and tokens), as the official code's {@code BatchNorm1d} on x transposed to
 * [B, C, T]. In eval mode the map is affine per feature, x ↦ k⊙x + c with
 * k = w/√(running_var + ε) + α and c = b − running_mean·w/√(running_var + ε) ({@link #evalAffine}),
 * which a following linear layer absorbs. Keys as the official code: {@code alpha} and the
 * BatchNorm's under {@code bn.}.
 */
public final class RepBN extends Module {
    private final int numFeatures;
    private final Parameter alpha;
    private final BatchNorm1d bn;

    /** ε 1e-5 and momentum 0.1, as BatchNorm1d's defaults. */
    public RepBN(int numFeatures) {
        this(numFeatures, 1e-5);
    }

    public RepBN(int numFeatures, double eps) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException("RepBN: numFeatures must be >= 1, got " + numFeatures);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("RepBN: eps must be >= 0, got " + eps);
        }
        this.numFeatures = numFeatures;
        this.alpha = registerParameter("alpha", new Parameter(Tensor.ones(1)).noWeightDecay());
        this.bn = registerModule("bn", new BatchNorm1d(numFeatures, eps, 0.1, true, true));
    }

    /** x [..., C] → the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        check(x);
        int[] shape = x.shape();
        Tensor rows = x.reshape(-1, numFeatures);
        return bn.forward(rows).reshape(shape).add(x.mul(alpha.tensor()));
    }

    void check(Tensor x) {
        Inputs.requireFloat(this, x);
        Inputs.requireDType(describe(), x, alpha.dtype());
        if (x.dim() < 1 || x.size(-1) != numFeatures || x.numel() == 0) {
            throw new IllegalArgumentException(describe() + ": expected a non-empty input ending in [" + numFeatures
                    + "], got " + Shapes.str(x.shape()));
        }
        if (isTraining() && x.numel() == numFeatures) {
            throw new IllegalArgumentException(describe() + ": training needs more than one position per feature to "
                    + "take batch statistics, got " + Shapes.str(x.shape()));
        }
    }

    /**
     * The eval-mode map as {k, c} (each [C], in F64): RepBN(x) = k⊙x + c with the running
     * statistics. What {@code NormConversion.foldPRepBN} folds into the next linear layer.
     */
    public Tensor[] evalAffine() {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor w = bn.weight().tensor().to(DType.F64);
            Tensor b = bn.bias().tensor().to(DType.F64);
            Tensor inv = bn.runningVar().to(DType.F64).add(bn.eps()).rsqrt();
            Tensor scale = w.mul(inv);
            Tensor k = scale.add(alpha.tensor().to(DType.F64));
            Tensor c = b.sub(bn.runningMean().to(DType.F64).mul(scale));
            return new Tensor[] {k, c};
        }
    }

    /** α, the paper's η: the weight of the identity path. */
    public Parameter alpha() {
        return alpha;
    }

    public BatchNorm1d bn() {
        return bn;
    }

    public int numFeatures() {
        return numFeatures;
    }

    @Override
    protected String extraRepr() {
        return String.valueOf(numFeatures);
    }
}
