package dev.kiln.optim;

/**
 * Fira (Chen et al., 2024): {@link GaLore} plus the out-of-subspace residual of the gradient,
 * scaled per row or column by ‖N‖/‖R‖ and held by a norm-growth limiter (docs/formulas/optimizers.md, as
 * the official fira_adamw.py). Same builder options as GaLore ({@code scale} is the official
 * code's {@code alpha}); projType FULL is not supported. Per low-rank matrix it keeps one more
 * scalar than GaLore ("scaling_grad_norm", the limiter's previous norm).
 */
public final class Fira extends LowRankAdam {

    private Fira(Builder b) {
        super(b);
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    @Override
    boolean isFira() {
        return true;
    }

    /** See {@link LowRankAdam.Builder} for the options and their defaults. */
    public static final class Builder extends LowRankAdam.Builder<Builder, Fira> {
        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
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
            return "Fira";
        }

        @Override
        public Fira build() {
            return new Fira(this);
        }
    }
}
