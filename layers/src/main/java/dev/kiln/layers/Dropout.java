package dev.kiln.layers;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * Inverted dropout, as {@code torch.nn.Dropout}: in training each element is zeroed with
 * probability p (the masks drawn from this layer's generator, so runs repeat) and the rest scaled
 * by 1/(1 − p); in eval mode the identity.
 */
public class Dropout extends Module {
    private final double p;
    private final Generator rng;

    /** p = 0.5, PyTorch's default. */
    public Dropout(Generator rng) {
        this(0.5, rng);
    }

    public Dropout(double p, Generator rng) {
        Functional.checkProbability("Dropout", p);
        if (rng == null) {
            throw new IllegalArgumentException("Dropout: a Generator is required (masks are seeded)");
        }
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return Functional.dropout(x, p, isTraining(), rng);
    }

    public double p() {
        return p;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
