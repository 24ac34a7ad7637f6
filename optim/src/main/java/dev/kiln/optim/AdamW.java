package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;

/**
 * AdamW, in one of two named conventions (docs/formulas/optimizers.md):
 * <ul>
 *   <li>{@link Convention#PYTORCH} (default), as {@code torch.optim.AdamW}: θ ← θ·(1 − lr·λ)
 *       before the moment update, ε added after the bias correction, optional AMSGrad.
 *       Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.</li>
 *   <li>{@link Convention#HUGGING_FACE}, as {@code transformers.AdamW} (and inside GaLore, SPAM
 *       and Fira): step size lr·√bc2/bc1, ε not bias-corrected, decay θ ← θ − lr·λ·θ after the
 *       update. Its default eps is 1e-6 (used unless eps is set); no AMSGrad.</li>
 * </ul>
 * The two differ numerically early in training, when the bias corrections matter.
 */
public final class AdamW extends AdamFamily {

    /** The two update conventions. */
    public enum Convention {
        /** torch.optim.AdamW. */
        PYTORCH,
        /** transformers.AdamW (Hugging Face), the base of GaLore, SPAM and Fira. */
        HUGGING_FACE
    }

    private AdamW(Builder b) {
        super(b);
    }

    /** PyTorch-convention AdamW with this learning rate and the other defaults. */
    public AdamW(Iterable<?> params, double lr) {
        this(builder(params).lr(lr));
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    /** AdamW's optimizer-wide setting: the convention (state-dict key "global.convention"). */
    public record Global(Convention convention) implements Settings {
        @Override
        public void check(String opt) {
            if (convention == null) {
                throw new IllegalArgumentException(opt + ": convention is null");
            }
        }
    }

    public Convention convention() {
        return ((Global) globals()).convention();
    }

    @Override
    AdamConfig.Mode mode() {
        return convention() == Convention.PYTORCH ? AdamConfig.Mode.ADAMW : AdamConfig.Mode.ADAMW_HF;
    }

    @Override
    protected void checkChange(GroupSettings<?> old, GroupSettings<?> next) {
        checkAmsgrad(convention(), (AdamSettings) next);
    }

    private static void checkAmsgrad(Convention convention, AdamSettings s) {
        if (s.amsgrad() && convention == Convention.HUGGING_FACE) {
            throw new IllegalArgumentException("AdamW: amsgrad is not part of the Hugging Face convention");
        }
    }

    /** Settings: lr, betas, eps, weightDecay, amsgrad ({@link AdamSettings}); optimizer-wide: convention. */
    public static final class Builder extends Optimizer.Builder<Builder, AdamW, AdamSettings> {
        private Convention convention = Convention.PYTORCH;

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

        /** Which AdamW: {@link Convention#PYTORCH} (default) or {@link Convention#HUGGING_FACE}. */
        public Builder convention(Convention convention) {
            requireTopLevel("convention");
            new Global(convention).check("AdamW");
            this.convention = convention;
            return this;
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
            return "AdamW";
        }

        @Override
        protected AdamSettings defaults() {
            // the Hugging Face convention's eps is 1e-6 (an eps set on the builder overrides it)
            double eps = convention == Convention.HUGGING_FACE ? 1e-6 : 1e-8;
            return AdamSettings.DEFAULTS.withWeightDecay(1e-2).withEps(eps);
        }

        @Override
        protected Settings globals() {
            return new Global(convention);
        }

        @Override
        public AdamW build() {
            for (AdamSettings s : groupSettings()) {
                checkAmsgrad(convention, s);
            }
            return new AdamW(this);
        }
    }
}
