package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.Fused;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The common base of {@link GaLore} and {@link Fira}: Hugging Face AdamW (docs/formulas/optimizers.md) on
 * every parameter, with the gradients of the groups marked {@code galore(true)} projected to rank
 * r first and the normalized update projected back. Parameters of the other groups (embeddings,
 * norm gains, biases) get plain Hugging Face AdamW through the fused kernel.
 */
public abstract sealed class LowRankAdam extends Optimizer permits GaLore, Fira {

    LowRankAdam(Builder<?, ?> b) {
        super(b);
        boolean any = false;
        for (ParamGroup g : paramGroups()) {
            LowRankSettings set = g.settings(LowRankSettings.class);
            if (!set.galore()) {
                continue;
            }
            any = true;
            if (isFira() && set.projType() == ProjType.FULL) {
                throw new IllegalArgumentException(name() + ": projType FULL is not supported: Fira's scaling factor "
                        + "has one entry per row or column of the gradient, which an r×r projection does not give");
            }
            int rank = set.rank();
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                if (p.dim() != 2) {
                    throw new IllegalArgumentException(name() + ": parameter " + g.index(i) + " has shape "
                            + Shapes.str(p.shape()) + ", but groups with galore(true) take 2-D weight matrices only; "
                            + "put it in a group without GaLore");
                }
                int min = Math.min(p.size(0), p.size(1));
                if (rank >= min) {
                    throw new IllegalArgumentException(name() + ": rank " + rank + " must be less than min(m, n) = "
                            + min + " for parameter " + g.index(i) + " of shape " + Shapes.str(p.shape()));
                }
            }
        }
        if (!any) {
            throw new IllegalArgumentException(name() + ": no parameter group uses the low-rank projection; mark the "
                    + "attention and MLP weight matrices with .group(weights, g -> g.galore(true))");
        }
    }

    abstract boolean isFira();

    /** galore, rank and projType fix the state's shapes: they cannot change once the optimizer is built. */
    @Override
    protected void checkChange(GroupSettings<?> old, GroupSettings<?> next) {
        LowRankSettings a = (LowRankSettings) old;
        LowRankSettings b = (LowRankSettings) next;
        fixed("galore", a.galore(), b.galore());
        fixed("rank", a.rank(), b.rank());
        fixed("proj_type", a.projType(), b.projType());
    }

    private void fixed(String key, Object old, Object next) {
        if (!old.equals(next)) {
            throw new IllegalArgumentException(name() + ": '" + key + "' cannot change once the optimizer is built "
                    + "(the state's shapes depend on it): it is " + old + ", got " + next);
        }
    }

    @Override
    protected void update() {
        for (ParamGroup g : paramGroups()) {
            LowRankSettings set = g.settings(LowRankSettings.class);
            double lr = set.lr();
            double[] betas = set.betas();
            double eps = set.eps();
            boolean galore = set.galore();
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                ParamState s = stateAt(g.index(i));
                double wd = g.decays(i) ? set.weightDecay() : 0;
                if (!galore) {
                    if (s.get("exp_avg") == null) {
                        putState(s, "exp_avg", Tensor.zerosLike(p.detach()));
                        putState(s, "exp_avg_sq", Tensor.zerosLike(p.detach()));
                    }
                    setStep(s, s.step() + 1);
                    Fused.adamStep(p, grad.detach().contiguous(), s.get("exp_avg"), s.get("exp_avg_sq"), null,
                            new AdamConfig(lr, betas[0], betas[1], eps, wd, s.step(), AdamConfig.Mode.ADAMW_HF));
                    continue;
                }
                lowRankStep(set, p, grad.detach(), s, lr, betas, eps, wd);
            }
        }
    }

    private void lowRankStep(LowRankSettings set, Tensor p, Tensor grad, ParamState s, double lr, double[] betas, double eps,
                             double wd) {
        GaLoreProjector.Side side = GaLoreProjector.side(set.projType(), p.size(0), p.size(1));
        double scale = set.scale();
        // recompute from the raw gradient at iter = 0, T, 2T, ... (iter: the step count before the increment)
        if (!GaLoreProjector.exists(s, side) || s.step() % set.updateProjGap() == 0) {
            GaLoreProjector.recompute(s, grad, set.rank(), side);
        }
        Tensor r = GaLoreProjector.project(s, grad, side);
        if (s.get("exp_avg") == null) {
            putState(s, "exp_avg", Tensor.zerosLike(r));
            putState(s, "exp_avg_sq", Tensor.zerosLike(r));
        }
        setStep(s, s.step() + 1);
        long t = s.step();
        Tensor m = s.get("exp_avg");
        Tensor v = s.get("exp_avg_sq");
        m.mul_(betas[0]).add_(r, 1 - betas[0]);
        v.mul_(betas[1]).add_(r.mul(r), 1 - betas[1]);
        Tensor n = m.div(v.sqrt().add(eps));
        double stepSize = lr * Math.sqrt(1 - Math.pow(betas[1], t)) / (1 - Math.pow(betas[0], t));
        Tensor update = GaLoreProjector.projectBack(s, n, side, scale);
        if (isFira()) {
            update = update.add(firaResidual(s, grad, r, n, side, scale));
        }
        p.add_(update, -stepSize);
        if (wd > 0) {
            p.add_(p, -lr * wd);
        }
    }

    /**
     * Fira's scaled residual (docs/formulas/optimizers.md, as the official fira_adamw.py): the part of G
     * outside the subspace, scaled per row or column by ‖N‖/‖R‖, then held to at most 1.01× the
     * previous step's norm.
     */
    private static Tensor firaResidual(ParamState s, Tensor grad, Tensor r, Tensor n, GaLoreProjector.Side side,
                                       double scale) {
        Tensor sub = GaLoreProjector.projectBack(s, r, side, scale);
        int normDim = n.size(0) < n.size(1) ? 0 : 1;
        Tensor phi = n.mul(n).sum(normDim, true).sqrt().div(r.mul(r).sum(normDim, true).sqrt().add(1e-8));
        Tensor residual = grad.sub(sub).mul(phi);
        Tensor norm = residual.mul(residual).sum().sqrt();
        Tensor previous = s.get("scaling_grad_norm");
        if (previous != null) {
            Tensor limiter = norm.div(previous.add(1e-8)).clampMin(1.01).div(1.01);
            residual = residual.div(limiter);
            norm = norm.div(limiter);
        }
        putState(s, "scaling_grad_norm", norm);
        return residual;
    }

    @Override
    protected void checkLoadedState(int index, ParamState s) {
        LowRankSettings set = groupOf(index).settings(LowRankSettings.class);
        Tensor p = params().get(index);
        if (!set.galore()) {
            requireStateNames(index, s, "exp_avg", "exp_avg_sq");
            requireStateTensor(index, s, "exp_avg", p.shape());
            requireStateTensor(index, s, "exp_avg_sq", p.shape());
            return;
        }
        int m = p.size(0);
        int n = p.size(1);
        int rank = set.rank();
        GaLoreProjector.Side side = GaLoreProjector.side(set.projType(), m, n);
        List<String> names = new ArrayList<>(List.of("exp_avg", "exp_avg_sq"));
        names.addAll(side == GaLoreProjector.Side.FULL ? List.of("projector_left", "projector_right")
                : List.of("projector"));
        if (isFira()) {
            names.add("scaling_grad_norm");
            requireStateTensor(index, s, "scaling_grad_norm", new int[0]);
        }
        requireStateNames(index, s, names.toArray(new String[0]));
        int[] low = GaLoreProjector.lowRankShape(side, m, n, rank);
        requireStateTensor(index, s, "exp_avg", low);
        requireStateTensor(index, s, "exp_avg_sq", low);
        GaLoreProjector.checkState(this, index, s, side, m, n, rank);
    }

    private ParamGroup groupOf(int index) {
        for (ParamGroup g : paramGroups()) {
            if (index >= g.index(0) && index < g.index(0) + g.size()) {
                return g;
            }
        }
        throw new IllegalStateException("no group holds parameter " + index);
    }

    /**
     * Settings: lr, betas, eps, weightDecay, galore, rank, updateProjGap, scale, projType
     * ({@link LowRankSettings}).
     */
    public abstract static class Builder<B extends Builder<B, O>, O extends LowRankAdam>
            extends Optimizer.Builder<B, O, LowRankSettings> {
        protected Builder(Iterable<?> params) {
            super(params);
        }

        protected Builder() {
        }

        public B betas(double beta1, double beta2) {
            return set(s -> s.withBetas(beta1, beta2));
        }

        public B eps(double eps) {
            return set(s -> s.withEps(eps));
        }

        public B weightDecay(double weightDecay) {
            return set(s -> s.withWeightDecay(weightDecay));
        }

        /** Whether this group's (2-D) parameters get the low-rank projection. */
        public B galore(boolean galore) {
            return set(s -> s.withGalore(galore));
        }

        public B rank(int rank) {
            return set(s -> s.withRank(rank));
        }

        /** T: the projector is recomputed every T steps of a parameter. */
        public B updateProjGap(int gap) {
            return set(s -> s.withUpdateProjGap(gap));
        }

        /** α: every projection back is multiplied by it. */
        public B scale(double scale) {
            return set(s -> s.withScale(scale));
        }

        public B projType(ProjType type) {
            return set(s -> s.withProjType(type));
        }

        @Override
        protected LowRankSettings defaults() {
            return LowRankSettings.DEFAULTS;
        }
    }
}
