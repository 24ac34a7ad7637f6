package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/** x if x > 0 else a·x, as {@code torch.nn.LeakyReLU} (a = 0.01 by default). */
public final class LeakyReLU extends Module {
    private final double negativeSlope;

    public LeakyReLU() {
        this(Activation.Kind.LEAKY_RELU.defaultParam(0));
    }

    public LeakyReLU(double negativeSlope) {
        if (!Double.isFinite(negativeSlope)) {
            throw new IllegalArgumentException("LeakyReLU: negativeSlope must be finite, got " + negativeSlope);
        }
        this.negativeSlope = negativeSlope;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.leakyRelu(negativeSlope);
    }

    public double negativeSlope() {
        return negativeSlope;
    }

    @Override
    protected String extraRepr() {
        return "negativeSlope=" + negativeSlope;
    }
}
