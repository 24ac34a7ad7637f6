package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.Fused;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
            if (!g.getBoolean("galore")) {
                continue;
            }
            any = true;
            if (isFira() && g.get("proj_type") == ProjType.FULL) {
                throw new IllegalArgumentException(name() + ": projType FULL is not supported: Fira's scaling factor "
                        + "has one entry per row or column of the gradient, which an r×r projection does not give");
            }
            int rank = g.getInt("rank");
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

    static void check(String opt, String key, Object v) {
        switch (key) {
            case "lr" -> Options.lr(opt, v);
            case "betas" -> Options.betas(opt, v);
            case "eps", "weight_decay" -> Options.nonNegative(opt, key, v);
            case "rank", "update_proj_gap" -> Options.positiveInt(opt, key, v);
            case "scale" -> Options.nonNegative(opt, key, v);
            case "galore", "proj_type" -> { }
            default -> Options.unknown(opt, key);
        }
    }

    @Override
    protected void checkOption(String key, Object value) {
        check(name(), key, value);
    }

    @Override
    protected Set<String> fixedOptions() {
        return Set.of("galore", "rank", "proj_type");
    }

    @Override
    protected void update() {
        for (ParamGroup g : paramGroups()) {
            double lr = g.lr();
            double[] betas = g.betas();
            double eps = g.getDouble("eps");
            boolean galore = g.getBoolean("galore");
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                ParamState s = stateAt(g.index(i));
                double wd = g.weightDecayFor(i);
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
                lowRankStep(g, p, grad.detach(), s, lr, betas, eps, wd);
            }
        }
    }

    private void lowRankStep(ParamGroup g, Tensor p, Tensor grad, ParamState s, double lr, double[] betas, double eps,
                             double wd) {
        GaLoreProjector.Side side = GaLoreProjector.side((ProjType) g.get("proj_type"), p.size(0), p.size(1));
        double scale = g.getDouble("scale");
        // recompute from the raw gradient at iter = 0, T, 2T, ... (iter: the step count before the increment)
        if (!GaLoreProjector.exists(s, side) || s.step() % g.getInt("update_proj_gap") == 0) {
            GaLoreProjector.recompute(s, grad, g.getInt("rank"), side);
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
        ParamGroup g = groupOf(index);
        Tensor p = params().get(index);
        if (!g.getBoolean("galore")) {
            requireStateNames(index, s, "exp_avg", "exp_avg_sq");
            requireStateTensor(index, s, "exp_avg", p.shape());
            requireStateTensor(index, s, "exp_avg_sq", p.shape());
            return;
        }
        int m = p.size(0);
        int n = p.size(1);
        int rank = g.getInt("rank");
        GaLoreProjector.Side side = GaLoreProjector.side((ProjType) g.get("proj_type"), m, n);
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
     * Options: lr, betas, eps, weightDecay; galore (whether a group's matrices are projected),
     * rank, updateProjGap, scale, projType. Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-6,
     * weight decay 0, galore false, rank 128, updateProjGap 200, scale 1.0, projType STD (the
     * official constructor's; its pre-training scripts use rank 128, gap 200, scale 0.25, lr 0.01).
     */
    public abstract static class Builder<B extends Builder<B, O>, O extends LowRankAdam> extends Optimizer.Builder<B, O> {
        protected Builder(Iterable<?> params) {
            super(params);
        }

        protected Builder() {
        }

        public B betas(double beta1, double beta2) {
            return option("betas", new double[] {beta1, beta2});
        }

        public B eps(double eps) {
            return option("eps", eps);
        }

        public B weightDecay(double weightDecay) {
            return option("weight_decay", weightDecay);
        }

        /** Whether this group's (2-D) parameters get the low-rank projection. */
        public B galore(boolean galore) {
            return option("galore", galore);
        }

        public B rank(int rank) {
            return option("rank", rank);
        }

        /** T: the projector is recomputed every T steps of a parameter. */
        public B updateProjGap(int gap) {
            return option("update_proj_gap", gap);
        }

        /** α: every projection back is multiplied by it. */
        public B scale(double scale) {
            return option("scale", scale);
        }

        public B projType(ProjType type) {
            if (type == null) {
                throw new IllegalArgumentException(optimizerName() + ": projType is null");
            }
            return option("proj_type", type);
        }

        @Override
        protected Map<String, Object> defaults() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("lr", 1e-3);
            d.put("betas", new double[] {0.9, 0.999});
            d.put("eps", 1e-6);
            d.put("weight_decay", 0.0);
            d.put("galore", false);
            d.put("rank", 128);
            d.put("update_proj_gap", 200);
            d.put("scale", 1.0);
            d.put("proj_type", ProjType.STD);
            return d;
        }

        @Override
        protected void check(String key, Object value) {
            LowRankAdam.check(optimizerName(), key, value);
        }
    }
}
