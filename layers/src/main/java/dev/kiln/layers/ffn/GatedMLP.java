package dev.kiln.layers.ffn;

import dev.kiln.layers.Gate;
import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * The gated feed-forward block P·g(x): a {@link Bilinear} dModel → dHidden with the given gate,
 * then a Linear dHidden → dModel. With Gate.IDENTITY it is the bilinear MLP of Pearce et al.; with
 * Gate.SILU the SwiGLU feed-forward of LLaMA. Keys "w.weight" and "p.weight" (and biases), as the
 * official bilinear code.
 */
public final class GatedMLP extends Module {
    private final Bilinear w;
    private final Linear p;

    public GatedMLP(int dModel, int dHidden, Gate gate, Generator rng) {
        this(dModel, dHidden, gate, false, rng);
    }

    public GatedMLP(int dModel, int dHidden, Gate gate, boolean bias, Generator rng) {
        this.w = registerModule("w", new Bilinear(dModel, dHidden, gate, bias, rng));
        this.p = registerModule("p", new Linear(dHidden, dModel, bias, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        return p.forward(w.forward(x));
    }

    /** The gated layer g. */
    public Bilinear w() {
        return w;
    }

    /** The readout P. */
    public Linear p() {
        return p;
    }
}
