package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** x·σ(x) (Swish with β = 1), with its fused derivative σ(x)(1 + x(1 − σ(x))). */
public final class SiLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.silu();
    }
}
