package dev.kiln.optim;

/**
 * GaLore (Zhao et al., 2024) with Hugging Face AdamW, exactly as docs/formulas/optimizers.md: for the
 * groups marked {@code galore(true)}, each m×n gradient G is projected to R (rank r) by a
 * projector recomputed from the raw gradient's SVD at the parameter's steps 0, T, 2T, ...; the
 * moments live at R's shape and are kept (not reset, not re-projected) when the projector
 * changes; the normalized update is projected back and scaled by α. Other groups get plain HF
 * AdamW. Usage, as the official recipe (attention and MLP weights low-rank, the rest full):
 * <pre>{@code
 * var opt = GaLore.builder(otherParams).lr(0.01).rank(128).updateProjGap(200).scale(0.25)
 *         .group(attentionAndMlpWeights, g -> g.galore(true))
 *         .build();
 * }</pre>
 * Optimizer state per low-rank matrix (std projection): 2·r·max(m, n) moments plus r·min(m, n)
 * projector, against 2·m·n for AdamW; {@link #stateBytes()} reports what is held.
 */
public final class GaLore extends LowRankAdam {

    private GaLore(Builder b) {
        super(b);
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    @Override
    boolean isFira() {
        return false;
    }

    /** See {@link LowRankAdam.Builder} for the options and their defaults. */
    public static final class Builder extends LowRankAdam.Builder<Builder, GaLore> {
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
            return "GaLore";
        }

        @Override
        public GaLore build() {
            return new GaLore(this);
        }
    }
}
