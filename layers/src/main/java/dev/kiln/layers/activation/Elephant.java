package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/**
 * The elephant activation 1/(1 + |x/a|^d), a smooth bump of width a and sharpness d. Defaults
 * a = 1, d = 4 (one source uses d = 8, a = 2).
 */
public final class Elephant extends Module {
    private final Activation f;

    public Elephant() {
        this(Activation.Kind.ELEPHANT.defaultParam(0), Activation.Kind.ELEPHANT.defaultParam(1));
    }

    public Elephant(double a, double d) {
        this.f = Activation.elephant(a, d);
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.activation(f);
    }

    public double a() {
        return f.param(0);
    }

    public double d() {
        return f.param(1);
    }

    @Override
    protected String extraRepr() {
        return "a=" + a() + ", d=" + d();
    }
}
