package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/**
 * Smooth ReLU (Shamir, Lin and Chen, "Smooth activations and reproducibility in deep networks"):
 * 0 for x ≤ −β, (x + β)²/(4β) for |x| ≤ β, x for x ≥ β. β = 1 by default (unverified default).
 */
public final class SmeLU extends Module {
    private final Activation f;

    public SmeLU() {
        this(Activation.Kind.SMELU.defaultParam(0));
    }

    public SmeLU(double beta) {
        this.f = Activation.smelu(beta);
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.activation(f);
    }

    public double beta() {
        return f.param(0);
    }

    @Override
    protected String extraRepr() {
        return "beta=" + beta();
    }
}
