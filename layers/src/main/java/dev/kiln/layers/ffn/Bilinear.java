package dev.kiln.layers.ffn;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Gate;
import dev.kiln.layers.Init;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * A gated linear unit on one weight, g(x) = gate(L·x) ⊙ (R·x) (Pearce et al., "Bilinear MLPs
 * enable weight-based mechanistic interpretability"; Shazeer, "GLU Variants Improve Transformer"):
 * one Linear(dIn, 2·dOut) whose weight [2·dOut, dIn] is split into halves L (rows 0..dOut−1) and
 * R. With the identity gate this is the pure bilinear layer, which has no elementwise
 * nonlinearity at all; {@link SwiGLU}, {@link GeGLU} and {@link GLU} fix other gates. Keys
 * "weight" and "bias" as the official code's nn.Linear subclass, initialised as nn.Linear.
 */
public class Bilinear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Gate gate;
    private final Parameter weight;
    private final Parameter bias;

    /** The pure bilinear layer: identity gate, no bias. */
    public Bilinear(int inFeatures, int outFeatures, Generator rng) {
        this(inFeatures, outFeatures, Gate.IDENTITY, false, rng);
    }

    public Bilinear(int inFeatures, int outFeatures, Gate gate, boolean bias, Generator rng) {
        if (inFeatures < 0 || outFeatures < 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": sizes must be >= 0, got inFeatures "
                    + inFeatures + " and outFeatures " + outFeatures);
        }
        if (gate == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": gate is null (Gate.IDENTITY for none)");
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.gate = gate;
        this.weight = registerParameter("weight", new Parameter(Tensor.zeros(2 * outFeatures, inFeatures)));
        this.bias = bias ? registerParameter("bias", new Parameter(Tensor.zeros(2 * outFeatures))) : null;
        Init.linearDefault_(weight.tensor(), bias ? this.bias.tensor() : null, rng);
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFeatures(describe(), x, inFeatures, weight.dtype());
        return Functional.bilinear(x, weight.tensor(), bias == null ? null : bias.tensor(), gate);
    }

    /** The combined weight [2·outFeatures, inFeatures]: L on top of R. */
    public Parameter weight() {
        return weight;
    }

    /** The bias [2·outFeatures] (left half first), or null. */
    public Parameter bias() {
        return bias;
    }

    /** L, the gated half [outFeatures, inFeatures]: a detached view of the live weight (no copy). */
    public Tensor left() {
        return weight.tensor().detach().narrow(0, 0, outFeatures);
    }

    /** R, the linear half [outFeatures, inFeatures]: a detached view of the live weight (no copy). */
    public Tensor right() {
        return weight.tensor().detach().narrow(0, outFeatures, outFeatures);
    }

    public Gate gate() {
        return gate;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    @Override
    protected String extraRepr() {
        return "inFeatures=" + inFeatures + ", outFeatures=" + outFeatures + ", gate=" + gate + ", bias=" + (bias != null);
    }
}
