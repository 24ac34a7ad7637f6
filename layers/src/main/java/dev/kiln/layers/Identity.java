package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

/** Returns its input: a placeholder where a layer is optional (no norm, no activation). */
public final class Identity extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
