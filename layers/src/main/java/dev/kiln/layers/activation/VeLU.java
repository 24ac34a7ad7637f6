package dev.kiln.layers.activation;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/**
 * VeLU (Shakarami et al. 2025): λ·x·σ(α·(atan(β1·x) + asin(β2·x)))·(1 + γ·tanh(μ·s)), s the
 * standard deviation of the whole input (see {@link Functional#velu}). The asin argument is
 * clamped to [−1, 1]. Every constant is a constructor argument; the defaults (λ 1, α 1, β1 1,
 * β2 0.5, γ 0.1, μ 1) are unverified, as is the parametrisation (docs/formulas/activations.md). The paper's optional
 * Wasserstein-2 regulariser is a loss term, not part of the activation.
 */
public final class VeLU extends Module {
    private final double lambda;
    private final double alpha;
    private final double beta1;
    private final double beta2;
    private final double gamma;
    private final double mu;

    public VeLU() {
        this(Activation.Kind.VELU.defaultParam(0), Activation.Kind.VELU.defaultParam(1),
                Activation.Kind.VELU.defaultParam(2), Activation.Kind.VELU.defaultParam(3), 0.1, 1.0);
    }

    public VeLU(double lambda, double alpha, double beta1, double beta2, double gamma, double mu) {
        Activation.velu(lambda, alpha, beta1, beta2); // checks the constants
        if (!Double.isFinite(gamma) || !Double.isFinite(mu)) {
            throw new IllegalArgumentException("VeLU: gamma and mu must be finite, got " + gamma + " and " + mu);
        }
        this.lambda = lambda;
        this.alpha = alpha;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.gamma = gamma;
        this.mu = mu;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return Functional.velu(x, lambda, alpha, beta1, beta2, gamma, mu);
    }

    @Override
    protected String extraRepr() {
        return "lambda=" + lambda + ", alpha=" + alpha + ", beta1=" + beta1 + ", beta2=" + beta2 + ", gamma=" + gamma
                + ", mu=" + mu;
    }
}
