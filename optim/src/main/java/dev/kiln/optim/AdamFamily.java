package dev.kiln.optim;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.Fused;
import dev.kiln.tensor.Tensor;

/**
 * Adam, AdamW and Hugging Face AdamW: one fused backend kernel per parameter
 * ({@link Fused#adamStep}), differing only in the {@link AdamConfig.Mode} they pass.
 */
abstract class AdamFamily extends Optimizer {

    AdamFamily(Optimizer.Builder<?, ?> b) {
        super(b);
    }

    /** The update convention of this optimizer. */
    abstract AdamConfig.Mode mode();

    static void check(String opt, String key, Object v) {
        switch (key) {
            case "lr" -> Options.lr(opt, v);
            case "betas" -> Options.betas(opt, v);
            case "eps", "weight_decay" -> Options.nonNegative(opt, key, v);
            case "amsgrad" -> { }
            default -> Options.unknown(opt, key);
        }
    }

    @Override
    protected void update() {
        AdamConfig.Mode mode = mode();
        for (ParamGroup g : paramGroups()) {
            double lr = g.lr();
            double[] betas = g.betas();
            double eps = g.getDouble("eps");
            boolean amsgrad = g.getBoolean("amsgrad");
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
                AdamConfig config = new AdamConfig(lr, betas[0], betas[1], eps, g.weightDecayFor(i), s.step(), mode);
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
