package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** log(1 + eˣ), computed stably (β = 1; PyTorch's threshold shortcut is not needed). */
public final class Softplus extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.softplus();
    }
}
