package dev.kiln.layers;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * The gate of a gated linear unit g(x) = gate(L·x) ⊙ (R·x): identity gives the pure bilinear
 * layer, sigmoid GLU, ReLU ReGLU, SiLU SwiGLU, GELU GeGLU (Shazeer, "GLU Variants Improve
 * Transformer"). Each gate is declared once here, with its activation and the variant's name; the
 * transformer's gated feed-forward kinds ({@code FeedForwardKind}) are derived from this list.
 */
public enum Gate {
    IDENTITY(null, "bilinear"),
    SIGMOID(UnaryOp.SIGMOID, "glu"),
    SILU(UnaryOp.SILU, "swiglu"),
    GELU(UnaryOp.GELU, "geglu"),
    GELU_TANH(UnaryOp.GELU_TANH, "geglu-tanh"),
    RELU(UnaryOp.RELU, "reglu");

    private final UnaryOp activation;
    private final String unitName;

    Gate(UnaryOp activation, String unitName) {
        this.activation = activation;
        this.unitName = unitName;
    }

    /** The gated unit's name in the literature and on the command line ("swiglu"). */
    public String unitName() {
        return unitName;
    }

    /** The activation the gate applies, null for the identity. */
    public UnaryOp activation() {
        return activation;
    }

    public Tensor apply(Tensor x) {
        return activation == null ? x : activation.applyTo(x);
    }
}
