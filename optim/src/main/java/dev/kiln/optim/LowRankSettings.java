package dev.kiln.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * The group settings of {@link GaLore} and {@link Fira}: Hugging Face AdamW's lr, betas, eps and
 * weight decay; whether the group's matrices are projected ({@code galore}), the rank r, the gap T
 * between projector recomputations ({@code updateProjGap}), the scale α of every projection back,
 * and the projection type. Defaults ({@link #DEFAULTS}, the official constructor's): lr 1e-3,
 * betas (0.9, 0.999), eps 1e-6, weight decay 0, galore false, rank 128, updateProjGap 200, scale
 * 1.0, projType STD (its pre-training scripts use rank 128, gap 200, scale 0.25, lr 0.01).
 * {@code galore}, {@code rank} and {@code projType} cannot change once the optimizer is built.
 */
public record LowRankSettings(double lr, double[] betas, double eps, double weightDecay, boolean galore, int rank,
                              int updateProjGap, double scale, ProjType projType)
        implements GroupSettings<LowRankSettings> {
    public static final LowRankSettings DEFAULTS = new LowRankSettings(1e-3, new double[] {0.9, 0.999}, 1e-6, 0,
            false, 128, 200, 1.0, ProjType.STD);

    public LowRankSettings {
        betas = Options.betasCopy(betas);
    }

    @Override
    public double[] betas() {
        return betas.clone();
    }

    /** Equal when every value is (betas compared by value, not by array identity). */
    @Override
    public boolean equals(Object other) {
        return other instanceof LowRankSettings o && Double.compare(lr, o.lr) == 0
                && Arrays.equals(betas, o.betas) && Double.compare(eps, o.eps) == 0
                && Double.compare(weightDecay, o.weightDecay) == 0 && galore == o.galore && rank == o.rank
                && updateProjGap == o.updateProjGap && Double.compare(scale, o.scale) == 0
                && projType == o.projType;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lr, Arrays.hashCode(betas), eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    @Override
    public String toString() {
        return "LowRankSettings[lr=" + lr + ", betas=" + Arrays.toString(betas) + ", eps=" + eps
                + ", weightDecay=" + weightDecay + ", galore=" + galore + ", rank=" + rank + ", updateProjGap="
                + updateProjGap + ", scale=" + scale + ", projType=" + projType + "]";
    }

    @Override
    public void check(String opt) {
        Options.lr(opt, lr);
        Options.betas(opt, betas);
        Options.nonNegative(opt, "eps", eps);
        Options.nonNegative(opt, "weight_decay", weightDecay);
        Options.positiveInt(opt, "rank", rank);
        Options.positiveInt(opt, "update_proj_gap", updateProjGap);
        Options.nonNegative(opt, "scale", scale);
        if (projType == null) {
            throw new IllegalArgumentException(opt + ": projType is null");
        }
    }

    @Override
    public LowRankSettings withLr(double lr) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    public LowRankSettings withBetas(double beta1, double beta2) {
        return new LowRankSettings(lr, new double[] {beta1, beta2}, eps, weightDecay, galore, rank, updateProjGap,
                scale, projType);
    }

    public LowRankSettings withEps(double eps) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    public LowRankSettings withWeightDecay(double weightDecay) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    public LowRankSettings withGalore(boolean galore) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    public LowRankSettings withRank(int rank) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    public LowRankSettings withUpdateProjGap(int updateProjGap) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    public LowRankSettings withScale(double scale) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }

    public LowRankSettings withProjType(ProjType projType) {
        return new LowRankSettings(lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType);
    }
}
