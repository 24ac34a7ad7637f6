package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** tanh(x). */
public final class Tanh extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.tanh();
    }
}
