package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/** max(0, x) + min(0, α·(e^{x/α} − 1)), as {@code torch.nn.CELU} (α = 1 by default, not 0). */
public final class CELU extends Module {
    private final double alpha;

    public CELU() {
        this(Activation.Kind.CELU.defaultParam(0));
    }

    public CELU(double alpha) {
        Activation.celu(alpha); // the op's own checks, at construction
        this.alpha = alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.celu(alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    protected String extraRepr() {
        return "alpha=" + alpha;
    }
}
