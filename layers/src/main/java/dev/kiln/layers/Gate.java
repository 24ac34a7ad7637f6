package dev.kiln.layers;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * The gate of a gated linear unit g(x) = gate(L·x) ⊙ (R·x): identity gives the pure bilinear
 * layer, sigmoid GLU, SiLU SwiGLU, GELU GeGLU (Shazeer, "GLU Variants Improve Transformer").
 */
public enum Gate {
    IDENTITY(null), SIGMOID(UnaryOp.SIGMOID), SILU(UnaryOp.SILU), GELU(UnaryOp.GELU), GELU_TANH(UnaryOp.GELU_TANH),
    RELU(UnaryOp.RELU);

    private final UnaryOp activation;

    Gate(UnaryOp activation) {
        this.activation = activation;
    }

    /** The activation the gate applies, null for the identity. */
    public UnaryOp activation() {
        return activation;
    }

    public Tensor apply(Tensor x) {
        return activation == null ? x : activation.applyTo(x);
    }
}
