package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

/**
 * The gate of a gated linear unit g(x) = gate(L·x) ⊙ (R·x): identity gives the pure bilinear
 * layer, sigmoid GLU, SiLU SwiGLU, GELU GeGLU (Shazeer, "GLU Variants Improve Transformer").
 */
public enum Gate {
    IDENTITY, SIGMOID, SILU, GELU, GELU_TANH, RELU;

    public Tensor apply(Tensor x) {
        return switch (this) {
            case IDENTITY -> x;
            case SIGMOID -> x.sigmoid();
            case SILU -> x.silu();
            case GELU -> x.gelu();
            case GELU_TANH -> x.gelu("tanh");
            case RELU -> x.relu();
        };
    }
}
