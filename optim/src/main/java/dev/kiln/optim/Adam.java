package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;

import java.util.LinkedHashMap;
import java.util.Map;

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

    @Override
    protected void checkOption(String key, Object value) {
        check("Adam", key, value);
    }

    /** Options: lr, betas, eps, weightDecay, amsgrad. */
    public static final class Builder extends Optimizer.Builder<Builder, Adam> {
        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
        }

        public Builder betas(double beta1, double beta2) {
            return option("betas", new double[] {beta1, beta2});
        }

        public Builder eps(double eps) {
            return option("eps", eps);
        }

        public Builder weightDecay(double weightDecay) {
            return option("weight_decay", weightDecay);
        }

        public Builder amsgrad(boolean amsgrad) {
            return option("amsgrad", amsgrad);
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
        protected Map<String, Object> defaults() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("lr", 1e-3);
            d.put("betas", new double[] {0.9, 0.999});
            d.put("eps", 1e-8);
            d.put("weight_decay", 0.0);
            d.put("amsgrad", false);
            return d;
        }

        @Override
        protected void check(String key, Object value) {
            AdamFamily.check("Adam", key, value);
        }

        @Override
        public Adam build() {
            return new Adam(this);
        }
    }
}
