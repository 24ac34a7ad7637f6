package dev.kiln.optim;

/**
 * {@link Sgd}'s group settings. Defaults ({@link #DEFAULTS}): lr 1e-3 (PyTorch 2's default),
 * momentum 0, dampening 0, weight decay 0, nesterov off.
 */
public record SgdSettings(double lr, double momentum, double dampening, double weightDecay, boolean nesterov)
        implements GroupSettings<SgdSettings> {
    public static final SgdSettings DEFAULTS = new SgdSettings(1e-3, 0, 0, 0, false);

    @Override
    public void check(String opt) {
        Options.lr(opt, lr);
        Options.nonNegative(opt, "momentum", momentum);
        Options.nonNegative(opt, "weight_decay", weightDecay);
        if (!Double.isFinite(dampening)) {
            throw new IllegalArgumentException(opt + ": dampening must be finite, got " + dampening);
        }
    }

    @Override
    public SgdSettings withLr(double lr) {
        return new SgdSettings(lr, momentum, dampening, weightDecay, nesterov);
    }

    public SgdSettings withMomentum(double momentum) {
        return new SgdSettings(lr, momentum, dampening, weightDecay, nesterov);
    }

    public SgdSettings withDampening(double dampening) {
        return new SgdSettings(lr, momentum, dampening, weightDecay, nesterov);
    }

    public SgdSettings withWeightDecay(double weightDecay) {
        return new SgdSettings(lr, momentum, dampening, weightDecay, nesterov);
    }

    public SgdSettings withNesterov(boolean nesterov) {
        return new SgdSettings(lr, momentum, dampening, weightDecay, nesterov);
    }
}
