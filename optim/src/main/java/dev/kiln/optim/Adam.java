package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;

/**
 * Adam exactly as {@code torch.optim.Adam} (docs/formulas/optimizers.md): weight decay is L2, folded into
 * the gradient (g ← g + λ·θ); ε is added after the bias correction; optional AMSGrad.
 * Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0, amsgrad off.
 * For decoupled weight decay use {@link AdamW}.
 */
public final class Adam extends AdamFamily {

    private Adam(Builder b) {
        super(b);
    }

    public Adam(Iterable<?> params, double lr) {
        this(builder(params).lr(lr));
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    @Override
    AdamConfig.Mode mode() {
        return AdamConfig.Mode.ADAM;
    }

    /** Settings: lr, betas, eps, weightDecay, amsgrad ({@link AdamSettings}). */
    public static final class Builder extends Optimizer.Builder<Builder, Adam, AdamSettings> {
        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
        }

        public Builder betas(double beta1, double beta2) {
            return set(s -> s.withBetas(beta1, beta2));
        }

        public Builder eps(double eps) {
            return set(s -> s.withEps(eps));
        }

        public Builder weightDecay(double weightDecay) {
            return set(s -> s.withWeightDecay(weightDecay));
        }

        public Builder amsgrad(boolean amsgrad) {
            return set(s -> s.withAmsgrad(amsgrad));
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected Builder newGroupBuilder() {
            return new Builder();
        }

        @Override
        protected String optimizerName() {
            return "Adam";
        }

        @Override
        protected AdamSettings defaults() {
            return AdamSettings.DEFAULTS;
        }

        @Override
        public Adam build() {
            return new Adam(this);
        }
    }
}
