package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** x − tanh(x), as {@code torch.nn.Tanhshrink}. */
public final class Tanhshrink extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.tanhshrink();
    }
}
