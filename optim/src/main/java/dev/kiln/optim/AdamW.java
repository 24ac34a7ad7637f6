package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;

import java.util.LinkedHashMap;
import java.util.Map;

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

    public Convention convention() {
        return (Convention) globalOption("convention");
    }

    @Override
    AdamConfig.Mode mode() {
        return convention() == Convention.PYTORCH ? AdamConfig.Mode.ADAMW : AdamConfig.Mode.ADAMW_HF;
    }

    @Override
    protected void checkOption(String key, Object value) {
        check(key, value);
        if (key.equals("amsgrad") && (Boolean) value && convention() == Convention.HUGGING_FACE) {
            throw new IllegalArgumentException("AdamW: amsgrad is not part of the Hugging Face convention");
        }
    }

    private static void check(String key, Object value) {
        if (key.equals("convention")) {
            return;
        }
        AdamFamily.check("AdamW", key, value);
    }

    /** Options: lr, betas, eps, weightDecay, amsgrad; optimizer-wide: convention. */
    public static final class Builder extends Optimizer.Builder<Builder, AdamW> {
        private boolean epsSet;

        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
        }

        public Builder betas(double beta1, double beta2) {
            return option("betas", new double[] {beta1, beta2});
        }

        public Builder eps(double eps) {
            epsSet = true;
            return option("eps", eps);
        }

        public Builder weightDecay(double weightDecay) {
            return option("weight_decay", weightDecay);
        }

        public Builder amsgrad(boolean amsgrad) {
            return option("amsgrad", amsgrad);
        }

        /** Which AdamW: {@link Convention#PYTORCH} (default) or {@link Convention#HUGGING_FACE}. */
        public Builder convention(Convention convention) {
            return globalOption("convention", convention);
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
        protected Map<String, Object> defaults() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("lr", 1e-3);
            d.put("betas", new double[] {0.9, 0.999});
            d.put("eps", 1e-8);
            d.put("weight_decay", 1e-2);
            d.put("amsgrad", false);
            return d;
        }

        @Override
        protected Map<String, Object> globalDefaults() {
            return Map.of("convention", Convention.PYTORCH);
        }

        @Override
        protected void check(String key, Object value) {
            AdamW.check(key, value);
        }

        @Override
        public AdamW build() {
            boolean hf = globals.get("convention") == Convention.HUGGING_FACE;
            if (hf && !epsSet) {
                eps(1e-6);
            }
            if (hf) {
                boolean ams = Boolean.TRUE.equals(options.get("amsgrad"))
                        || groups.stream().anyMatch(g -> Boolean.TRUE.equals(g.options().get("amsgrad")));
                if (ams) {
                    throw new IllegalArgumentException("AdamW: amsgrad is not part of the Hugging Face convention");
                }
            }
            return new AdamW(this);
        }
    }
}
