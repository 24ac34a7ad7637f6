package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** relu6(x + 3)/6, as {@code torch.nn.Hardsigmoid}. */
public final class Hardsigmoid extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.hardsigmoid();
    }
}
