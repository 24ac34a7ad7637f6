package dev.kiln.layers.activation;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/**
 * Hysteresis ReLU: the forward pass is ReLU; in training the backward pass lets the gradient
 * through wherever x > −α, a little below the kink, so units just below zero can come back. In
 * eval mode it is ReLU exactly. α = 0.05 by default (unverified default).
 */
public final class HeLU extends Module {
    private final double alpha;

    public HeLU() {
        this(Activation.Kind.HELU.defaultParam(0));
    }

    public HeLU(double alpha) {
        Activation.helu(alpha); // checks alpha
        this.alpha = alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return Functional.helu(x, alpha, isTraining());
    }

    public double alpha() {
        return alpha;
    }

    @Override
    protected String extraRepr() {
        return "alpha=" + alpha;
    }
}
