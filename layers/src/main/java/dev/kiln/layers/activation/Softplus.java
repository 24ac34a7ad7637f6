package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/**
 * log(1 + e^{βx})/β, and x where βx &gt; threshold, as {@code torch.nn.Softplus} (β = 1, threshold
 * 20 by default; the default is the fused, stable {@link Tensor#softplus()}).
 */
public final class Softplus extends Module {
    private final double beta;
    private final double threshold;

    public Softplus() {
        this(1, 20);
    }

    public Softplus(double beta, double threshold) {
        if (!Double.isFinite(beta) || beta == 0 || Double.isNaN(threshold)) {
            throw new IllegalArgumentException("Softplus: beta must be finite and nonzero and threshold not NaN, got beta "
                    + beta + ", threshold " + threshold);
        }
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return beta == 1 && threshold == 20 ? x.softplus() : x.softplus(beta, threshold);
    }

    public double beta() {
        return beta;
    }

    public double threshold() {
        return threshold;
    }
}
