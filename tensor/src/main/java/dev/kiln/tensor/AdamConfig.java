package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;

/**
 * The scalars of one fused Adam step (see {@link Backend#adamStep}). {@code step} is t after the
 * increment (1 on the first step).
 */
public record AdamConfig(double lr, double beta1, double beta2, double eps, double weightDecay, long step, Mode mode) {

    /** The three update conventions of docs/formulas/optimizers.md. */
    public enum Mode {
        /** torch.optim.Adam: L2 folded into the gradient; ε added after bias correction. */
        ADAM,
        /** torch.optim.AdamW: θ ← θ(1 − lr·λ) before the moments; ε after bias correction. */
        ADAMW,
        /** Hugging Face AdamW: step size lr·√bc2/bc1, ε not bias-corrected, decay after the update. */
        ADAMW_HF
    }

    public AdamConfig {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("adamStep: lr must be >= 0, got " + lr);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adamStep: betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("adamStep: eps must be >= 0, got " + eps);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("adamStep: weightDecay must be >= 0, got " + weightDecay);
        }
        if (step < 1) {
            throw new IllegalArgumentException("adamStep: step must be >= 1 (counted after the increment), got " + step);
        }
        if (mode == null) {
            throw new IllegalArgumentException("adamStep: mode is null");
        }
    }

    /** 1 − β1^t */
    public double biasCorrection1() {
        return 1 - Math.pow(beta1, step);
    }

    /** 1 − β2^t */
    public double biasCorrection2() {
        return 1 - Math.pow(beta2, step);
    }
}
