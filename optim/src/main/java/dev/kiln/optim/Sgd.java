package dev.kiln.optim;

import dev.kiln.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay, exactly as
 * {@code torch.optim.SGD}:
 * <pre>
 *   g ← g + λ·θ                                   (if λ ≠ 0)
 *   b ← g on the first step, else μ·b + (1 − dampening)·g      (if μ ≠ 0)
 *   g ← g + μ·b if nesterov, else b
 *   θ ← θ − lr·g
 * </pre>
 * Defaults: lr 1e-3 (PyTorch 2's default), momentum 0, dampening 0, weight decay 0, nesterov off.
 */
public final class Sgd extends Optimizer {

    private Sgd(Builder b) {
        super(b);
        for (ParamGroup g : paramGroups()) {
            checkNesterov(g.getBoolean("nesterov"), g.getDouble("momentum"), g.getDouble("dampening"));
        }
    }

    /** SGD over these parameters with this learning rate and no momentum. */
    public Sgd(Iterable<?> params, double lr) {
        this(builder(params).lr(lr));
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    private static void checkNesterov(boolean nesterov, double momentum, double dampening) {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Sgd: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum "
                    + momentum + " and dampening " + dampening);
        }
    }

    private static void check(String key, Object v) {
        switch (key) {
            case "lr" -> Options.lr("Sgd", v);
            case "momentum", "weight_decay" -> Options.nonNegative("Sgd", key, v);
            case "dampening" -> {
                double d = (Double) v;
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException("Sgd: dampening must be finite, got " + d);
                }
            }
            case "nesterov" -> { }
            default -> Options.unknown("Sgd", key);
        }
    }

    @Override
    protected void checkOption(String key, Object value) {
        check(key, value);
    }

    @Override
    protected void update() {
        for (ParamGroup g : paramGroups()) {
            double lr = g.lr();
            double momentum = g.getDouble("momentum");
            double dampening = g.getDouble("dampening");
            boolean nesterov = g.getBoolean("nesterov");
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                ParamState s = stateAt(g.index(i));
                double wd = g.weightDecayFor(i);
                Tensor d = wd != 0 ? grad.add(p, wd) : grad;
                if (momentum != 0) {
                    Tensor buf = s.get("momentum_buffer");
                    if (buf == null) {
                        buf = d.detach().clone();
                        putState(s, "momentum_buffer", buf);
                    } else {
                        buf.mul_(momentum).add_(d, 1 - dampening);
                    }
                    d = nesterov ? d.add(buf, momentum) : buf;
                }
                p.add_(d, -lr);
                setStep(s, s.step() + 1);
            }
        }
    }

    @Override
    protected void checkLoadedState(int index, ParamState s) {
        if (s.tensors().isEmpty()) {
            return; // no momentum: only the step count
        }
        requireStateNames(index, s, "momentum_buffer");
        requireStateTensor(index, s, "momentum_buffer", params().get(index).shape());
    }

    /** Options: lr, momentum, dampening, weightDecay, nesterov. */
    public static final class Builder extends Optimizer.Builder<Builder, Sgd> {
        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
        }

        public Builder momentum(double momentum) {
            return option("momentum", momentum);
        }

        public Builder dampening(double dampening) {
            return option("dampening", dampening);
        }

        public Builder weightDecay(double weightDecay) {
            return option("weight_decay", weightDecay);
        }

        public Builder nesterov(boolean nesterov) {
            return option("nesterov", nesterov);
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
            return "Sgd";
        }

        @Override
        protected Map<String, Object> defaults() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("lr", 1e-3);
            d.put("momentum", 0.0);
            d.put("dampening", 0.0);
            d.put("weight_decay", 0.0);
            d.put("nesterov", false);
            return d;
        }

        @Override
        protected void check(String key, Object value) {
            Sgd.check(key, value);
        }

        @Override
        public Sgd build() {
            return new Sgd(this);
        }
    }
}
