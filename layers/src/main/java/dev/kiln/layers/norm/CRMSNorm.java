package dev.kiln.layers.norm;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/**
 * Compressed RMSNorm (Jiang et al. 2023, "Pre-RMSNorm and Pre-CRMSNorm Transformers"): the
 * input [..., d−1] holds the first d − 1 coordinates of a zero-mean vector whose last coordinate
 * is minus their sum, and CRMS(x) = x/√((Σx² + (Σx)²)/d + ε). The constructor takes the stored
 * size d − 1, the input's last dim, like the other norms.
 *
 * <p>No learnable gain: in the Pre-CRMSNorm conversion the gain is folded into the next linear
 * layer (as in the official code), and a gain on the stored coordinates would break the zero-sum
 * representation.
 */
public final class CRMSNorm extends Module {
    private final int storedDim;
    private final double eps;

    /** ε = 1e-6, as RMSNorm. */
    public CRMSNorm(int storedDim) {
        this(storedDim, 1e-6);
    }

    public CRMSNorm(int storedDim, double eps) {
        if (storedDim < 1) {
            throw new IllegalArgumentException("CRMSNorm: storedDim (d − 1) must be >= 1, got " + storedDim);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("CRMSNorm: eps must be >= 0, got " + eps);
        }
        this.storedDim = storedDim;
        this.eps = eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        Norms.check(this, x, new int[] {storedDim}, null);
        return Functional.crmsNorm(x, eps);
    }

    /** d − 1, the input's last dim. */
    public int storedDim() {
        return storedDim;
    }

    public double eps() {
        return eps;
    }

    @Override
    protected String extraRepr() {
        return storedDim + " (d=" + (storedDim + 1) + "), eps=" + eps;
    }
}
