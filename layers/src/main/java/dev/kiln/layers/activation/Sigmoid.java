package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** 1/(1 + e^{−x}). */
public final class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.sigmoid();
    }
}
