package dev.kiln.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * {@link Spam}'s group settings: Hugging Face AdamW's lr, betas, eps and weight decay, and the
 * sparse-momentum density d in (0, 1]. Defaults ({@link #DEFAULTS}): lr 1e-3, betas (0.9, 0.999),
 * eps 1e-6, weight decay 0, density 1.
 */
public record SpamSettings(double lr, double[] betas, double eps, double weightDecay, double density)
        implements GroupSettings<SpamSettings> {
    public static final SpamSettings DEFAULTS = new SpamSettings(1e-3, new double[] {0.9, 0.999}, 1e-6, 0, 1);

    public SpamSettings {
        betas = Options.betasCopy(betas);
    }

    @Override
    public double[] betas() {
        return betas.clone();
    }

    /** Equal when every value is (betas compared by value, not by array identity). */
    @Override
    public boolean equals(Object other) {
        return other instanceof SpamSettings o && Double.compare(lr, o.lr) == 0 && Arrays.equals(betas, o.betas)
                && Double.compare(eps, o.eps) == 0 && Double.compare(weightDecay, o.weightDecay) == 0
                && Double.compare(density, o.density) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lr, Arrays.hashCode(betas), eps, weightDecay, density);
    }

    @Override
    public String toString() {
        return "SpamSettings[lr=" + lr + ", betas=" + Arrays.toString(betas) + ", eps=" + eps + ", weightDecay="
                + weightDecay + ", density=" + density + "]";
    }

    @Override
    public void check(String opt) {
        Options.lr(opt, lr);
        Options.betas(opt, betas);
        Options.nonNegative(opt, "eps", eps);
        Options.nonNegative(opt, "weight_decay", weightDecay);
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException(opt + ": density must lie in (0, 1], got " + density);
        }
    }

    @Override
    public SpamSettings withLr(double lr) {
        return new SpamSettings(lr, betas, eps, weightDecay, density);
    }

    public SpamSettings withBetas(double beta1, double beta2) {
        return new SpamSettings(lr, new double[] {beta1, beta2}, eps, weightDecay, density);
    }

    public SpamSettings withEps(double eps) {
        return new SpamSettings(lr, betas, eps, weightDecay, density);
    }

    public SpamSettings withWeightDecay(double weightDecay) {
        return new SpamSettings(lr, betas, eps, weightDecay, density);
    }

    public SpamSettings withDensity(double density) {
        return new SpamSettings(lr, betas, eps, weightDecay, density);
    }
}
