package dev.kiln.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * The group settings of {@link Adam} and {@link AdamW}: lr, betas (β1, β2), eps, weight decay and
 * AMSGrad. Adam's defaults are {@link #DEFAULTS} (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight
 * decay 0, amsgrad off); AdamW's weight decay defaults to 1e-2, and its Hugging Face convention's
 * eps to 1e-6.
 */
public record AdamSettings(double lr, double[] betas, double eps, double weightDecay, boolean amsgrad)
        implements GroupSettings<AdamSettings> {
    public static final AdamSettings DEFAULTS = new AdamSettings(1e-3, new double[] {0.9, 0.999}, 1e-8, 0, false);

    public AdamSettings {
        betas = Options.betasCopy(betas);
    }

    @Override
    public double[] betas() {
        return betas.clone();
    }

    /** Equal when every value is (betas compared by value, not by array identity). */
    @Override
    public boolean equals(Object other) {
        return other instanceof AdamSettings o && Double.compare(lr, o.lr) == 0 && Arrays.equals(betas, o.betas)
                && Double.compare(eps, o.eps) == 0 && Double.compare(weightDecay, o.weightDecay) == 0
                && amsgrad == o.amsgrad;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lr, Arrays.hashCode(betas), eps, weightDecay, amsgrad);
    }

    @Override
    public String toString() {
        return "AdamSettings[lr=" + lr + ", betas=" + Arrays.toString(betas) + ", eps=" + eps + ", weightDecay="
                + weightDecay + ", amsgrad=" + amsgrad + "]";
    }

    @Override
    public void check(String opt) {
        Options.lr(opt, lr);
        Options.betas(opt, betas);
        Options.nonNegative(opt, "eps", eps);
        Options.nonNegative(opt, "weight_decay", weightDecay);
    }

    @Override
    public AdamSettings withLr(double lr) {
        return new AdamSettings(lr, betas, eps, weightDecay, amsgrad);
    }

    public AdamSettings withBetas(double beta1, double beta2) {
        return new AdamSettings(lr, new double[] {beta1, beta2}, eps, weightDecay, amsgrad);
    }

    public AdamSettings withEps(double eps) {
        return new AdamSettings(lr, betas, eps, weightDecay, amsgrad);
    }

    public AdamSettings withWeightDecay(double weightDecay) {
        return new AdamSettings(lr, betas, eps, weightDecay, amsgrad);
    }

    public AdamSettings withAmsgrad(boolean amsgrad) {
        return new AdamSettings(lr, betas, eps, weightDecay, amsgrad);
    }
}
