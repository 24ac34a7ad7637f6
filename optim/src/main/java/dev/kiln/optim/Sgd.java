package dev.kiln.optim;

import dev.kiln.tensor.Fused;
import dev.kiln.tensor.SgdConfig;
import dev.kiln.tensor.Tensor;

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
            checkNesterov(g.settings(SgdSettings.class));
        }
    }

    /** SGD over these parameters with this learning rate and no momentum. */
    public Sgd(Iterable<?> params, double lr) {
        this(builder(params).lr(lr));
    }

    public static Builder builder(Iterable<?> params) {
        return new Builder(params);
    }

    private static void checkNesterov(SgdSettings s) {
        if (s.nesterov() && (s.momentum() <= 0 || s.dampening() != 0)) {
            throw new IllegalArgumentException("Sgd: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum "
                    + s.momentum() + " and dampening " + s.dampening());
        }
    }

    @Override
    protected void checkChange(GroupSettings<?> old, GroupSettings<?> next) {
        checkNesterov((SgdSettings) next);
    }

    @Override
    protected void update() {
        for (ParamGroup g : paramGroups()) {
            SgdSettings set = g.settings(SgdSettings.class);
            double lr = set.lr();
            double momentum = set.momentum();
            double dampening = set.dampening();
            boolean nesterov = set.nesterov();
            for (int i = 0; i < g.size(); i++) {
                Tensor p = g.param(i);
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                ParamState s = stateAt(g.index(i));
                double wd = g.decays(i) ? set.weightDecay() : 0;
                Tensor buf = null;
                boolean first = false;
                if (momentum != 0) {
                    buf = s.get("momentum_buffer");
                    if (buf == null) {
                        buf = Tensor.zerosLike(p);
                        putState(s, "momentum_buffer", buf);
                        first = true;
                    }
                }
                // one pass over θ, g and b: the values of the op-by-op update, bit for bit (OptimizerKernelsTest)
                Fused.sgdStep(p, grad.detach().contiguous(), buf,
                        new SgdConfig(lr, momentum, dampening, wd, nesterov, first));
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

    /** Settings: lr, momentum, dampening, weightDecay, nesterov ({@link SgdSettings}). */
    public static final class Builder extends Optimizer.Builder<Builder, Sgd, SgdSettings> {
        private Builder(Iterable<?> params) {
            super(params);
        }

        private Builder() {
        }

        public Builder momentum(double momentum) {
            return set(s -> s.withMomentum(momentum));
        }

        public Builder dampening(double dampening) {
            return set(s -> s.withDampening(dampening));
        }

        public Builder weightDecay(double weightDecay) {
            return set(s -> s.withWeightDecay(weightDecay));
        }

        public Builder nesterov(boolean nesterov) {
            return set(s -> s.withNesterov(nesterov));
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
        protected SgdSettings defaults() {
            return SgdSettings.DEFAULTS;
        }

        @Override
        public Sgd build() {
            return new Sgd(this);
        }
    }
}
