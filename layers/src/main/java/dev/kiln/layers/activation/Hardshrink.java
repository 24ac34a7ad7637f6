package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/** x where |x| > λ, else 0, as {@code torch.nn.Hardshrink} (λ = 0.5 by default). */
public final class Hardshrink extends Module {
    private final double lambd;

    public Hardshrink() {
        this(Activation.Kind.HARDSHRINK.defaultParam(0));
    }

    public Hardshrink(double lambd) {
        Activation.hardshrink(lambd); // the op's own checks, at construction
        this.lambd = lambd;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.hardshrink(lambd);
    }

    public double lambd() {
        return lambd;
    }

    @Override
    protected String extraRepr() {
        return "lambd=" + lambd;
    }
}
