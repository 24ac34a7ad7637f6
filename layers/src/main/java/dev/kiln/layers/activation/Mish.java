package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** x·tanh(softplus(x)) (Misra 2019), with its fused derivative; mish(1) = 0.86510, minimum −0.30884 at x ≈ −1.1924. */
public final class Mish extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.mish();
    }
}
