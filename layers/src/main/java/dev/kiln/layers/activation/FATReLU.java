package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/** Forced-activation-threshold ReLU: x if x ≥ T else 0 (T ≥ 0), sparser than ReLU for T > 0. */
public final class FATReLU extends Module {
    private final Activation f;

    /** Threshold {@link Activation.Kind#FATRELU}'s default, 0.1 (ours: no source gives one). */
    public FATReLU() {
        this(Activation.Kind.FATRELU.defaultParam(0));
    }

    public FATReLU(double threshold) {
        if (!(threshold >= 0)) {
            throw new IllegalArgumentException("FATReLU: threshold must be >= 0, got " + threshold);
        }
        this.f = Activation.fatrelu(threshold);
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.activation(f);
    }

    public double threshold() {
        return f.param(0);
    }

    @Override
    protected String extraRepr() {
        return "threshold=" + threshold();
    }
}
