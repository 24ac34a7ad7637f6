package dev.kiln.layers;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * y = x·Wᵀ + b, as {@code torch.nn.Linear}: weight [out, in] and bias [out] under PyTorch's key
 * names, initialised as PyTorch does (U(±1/√in) for both) from the given generator.
 */
public class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /** With a bias. */
    public Linear(int inFeatures, int outFeatures, Generator rng) {
        this(inFeatures, outFeatures, true, rng);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, Generator rng) {
        if (inFeatures < 0 || outFeatures < 0) {
            throw new IllegalArgumentException("Linear: sizes must be >= 0, got inFeatures " + inFeatures
                    + " and outFeatures " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", new Parameter(Tensor.zeros(outFeatures, inFeatures)));
        this.bias = bias ? registerParameter("bias", new Parameter(Tensor.zeros(outFeatures))) : null;
        Init.linearDefault_(weight.tensor(), bias ? this.bias.tensor() : null, rng);
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFeatures(this, x, inFeatures, weight.dtype());
        return Functional.linear(x, weight.tensor(), bias == null ? null : bias.tensor());
    }

    /**
     * activation(forward(x)) as one op: the activation applied in the pass that adds the bias
     * ({@link Functional#linear(Tensor, Tensor, Tensor, UnaryOp)}); RELU, GELU, GELU_TANH or SILU.
     */
    public Tensor forward(Tensor x, UnaryOp activation) {
        Inputs.requireFeatures(this, x, inFeatures, weight.dtype());
        return Functional.linear(x, weight.tensor(), bias == null ? null : bias.tensor(), activation);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when the layer has none. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    @Override
    protected String extraRepr() {
        return "inFeatures=" + inFeatures + ", outFeatures=" + outFeatures + ", bias=" + (bias != null);
    }
}
