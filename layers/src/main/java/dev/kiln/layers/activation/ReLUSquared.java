package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

/** max(0, x)², the squared ReLU (So et al., "Primer"), with its fused derivative 2·max(0, x). */
public final class ReLUSquared extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return x.reluSquared();
    }
}
