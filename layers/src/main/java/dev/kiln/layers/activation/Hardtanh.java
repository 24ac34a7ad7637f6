package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/** min(max(x, minVal), maxVal), as {@code torch.nn.Hardtanh} (−1 and 1 by default). */
public final class Hardtanh extends Module {
    private final double minVal;
    private final double maxVal;

    public Hardtanh() {
        this(Activation.Kind.HARDTANH.defaultParam(0), Activation.Kind.HARDTANH.defaultParam(1));
    }

    public Hardtanh(double minVal, double maxVal) {
        Activation.hardtanh(minVal, maxVal); // the op's own checks, at construction
        this.minVal = minVal;
        this.maxVal = maxVal;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.hardtanh(minVal, maxVal);
    }

    public double minVal() {
        return minVal;
    }

    public double maxVal() {
        return maxVal;
    }

    @Override
    protected String extraRepr() {
        return "minVal=" + minVal + ", maxVal=" + maxVal;
    }
}
