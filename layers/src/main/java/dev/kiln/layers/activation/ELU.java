package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/** x if x > 0 else α·(eˣ − 1), as {@code torch.nn.ELU} (α = 1 by default). */
public final class ELU extends Module {
    private final double alpha;

    public ELU() {
        this(Activation.Kind.ELU.defaultParam(0));
    }

    public ELU(double alpha) {
        Activation.elu(alpha); // the op's own checks, at construction
        this.alpha = alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.elu(alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    protected String extraRepr() {
        return "alpha=" + alpha;
    }
}
