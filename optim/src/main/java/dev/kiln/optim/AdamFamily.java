package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.Fused;
import dev.kiln.tensor.Tensor;

/**
 * Adam, AdamW and Hugging Face AdamW: one fused backend kernel per parameter
 * ({@link Fused#adamStep}), differing only in the {@link AdamConfig.Mode} they pass.
 */
abstract class AdamFamily extends Optimizer {

    AdamFamily(Optimizer.Builder<?, ?, AdamSettings> b) {
        super(b);
    }

    /** The update convention of this optimizer. */
    abstract AdamConfig.Mode mode();

    @Override
    protected void update() {
        AdamConfig.Mode mode = mode();
        for (ParamGroup g : paramGroups()) {
            AdamSettings set = g.settings(AdamSettings.class);
            double lr = set.lr();
            double[] betas = set.betas();
            double eps = set.eps();
            boolean amsgrad = set.amsgrad();
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                ParamState s = stateAt(g.index(i));
                if (s.get("exp_avg") == null) {
                    putState(s, "exp_avg", Tensor.zerosLike(p.detach()));
                    putState(s, "exp_avg_sq", Tensor.zerosLike(p.detach()));
                }
                if (amsgrad && s.get("max_exp_avg_sq") == null) {
                    putState(s, "max_exp_avg_sq", Tensor.zerosLike(p.detach()));
                }
                setStep(s, s.step() + 1);
                double wd = g.decays(i) ? set.weightDecay() : 0;
                AdamConfig config = new AdamConfig(lr, betas[0], betas[1], eps, wd, s.step(), mode);
                Fused.adamStep(p, grad.detach().contiguous(), s.get("exp_avg"), s.get("exp_avg_sq"),
                        amsgrad ? s.get("max_exp_avg_sq") : null, config);
            }
        }
    }

    @Override
    protected void checkLoadedState(int index, ParamState s) {
        int[] shape = params().get(index).shape();
        if (s.get("max_exp_avg_sq") != null) {
            requireStateNames(index, s, "exp_avg", "exp_avg_sq", "max_exp_avg_sq");
            requireStateTensor(index, s, "max_exp_avg_sq", shape);
        } else {
            requireStateNames(index, s, "exp_avg", "exp_avg_sq");
        }
        requireStateTensor(index, s, "exp_avg", shape);
        requireStateTensor(index, s, "exp_avg_sq", shape);
    }
}
