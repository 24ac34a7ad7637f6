package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** x·relu6(x + 3)/6, as {@code torch.nn.Hardswish}. */
public final class Hardswish extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.hardswish();
    }
}
