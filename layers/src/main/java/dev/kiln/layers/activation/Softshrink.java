package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;

/** x − λ above λ, x + λ below −λ, else 0, as {@code torch.nn.Softshrink} (λ = 0.5 by default, ≥ 0). */
public final class Softshrink extends Module {
    private final double lambd;

    public Softshrink() {
        this(Activation.Kind.SOFTSHRINK.defaultParam(0));
    }

    public Softshrink(double lambd) {
        Activation.softshrink(lambd); // the op's own checks, at construction
        this.lambd = lambd;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.softshrink(lambd);
    }

    public double lambd() {
        return lambd;
    }

    @Override
    protected String extraRepr() {
        return "lambd=" + lambd;
    }
}
