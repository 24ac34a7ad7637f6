package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/**
 * Smooth activation unit: a leaky ReLU of slope a convolved with a Gaussian of width σ,
 * (1+a)/2·x + (1−a)/2·(x·erf(x/(σ√2)) + σ√(2/π)·e^{−x²/(2σ²)}), whose derivative is
 * (1+a)/2 + (1−a)/2·erf(x/(σ√2)). Defaults a = 0.01, σ = 1 (parametrisation unverified).
 */
public final class SAU extends Module {
    private final Activation f;

    public SAU() {
        this(Activation.Kind.SAU.defaultParam(0), Activation.Kind.SAU.defaultParam(1));
    }

    public SAU(double a, double sigma) {
        this.f = Activation.sau(a, sigma);
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.activation(f);
    }

    public double a() {
        return f.param(0);
    }

    public double sigma() {
        return f.param(1);
    }

    @Override
    protected String extraRepr() {
        return "a=" + a() + ", sigma=" + sigma();
    }
}
