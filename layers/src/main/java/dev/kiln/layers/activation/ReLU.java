package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** max(0, x). */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.relu();
    }
}
