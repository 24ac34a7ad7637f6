package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** scale·(x if x > 0 else α·(eˣ − 1)), as {@code torch.nn.SELU} (α = 1.6733, scale = 1.0507). */
public final class SELU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.selu();
    }
}
