package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/**
 * GELU (Hendrycks and Gimpel), as {@code torch.nn.GELU}: x·Φ(x) with the exact erf form by
 * default, or PyTorch's tanh approximation with {@code approximate = "tanh"}. Both have fused
 * analytic derivatives.
 */
public final class GELU extends Module {
    private final String approximate;

    public GELU() {
        this("none");
    }

    public GELU(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
        this.approximate = approximate;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.gelu(approximate);
    }

    public String approximate() {
        return approximate;
    }

    @Override
    protected String extraRepr() {
        return approximate.equals("none") ? "" : "approximate=" + approximate;
    }
}
