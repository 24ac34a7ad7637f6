package dev.kiln.layers.loss;

import dev.kiln.tensor.Tensor;

/**
 * A loss: a function of the model's output and a target (PyTorch's loss modules). Not a
 * {@link dev.kiln.layers.Module}, since it takes two inputs and owns no parameters.
 */
public interface Loss {
    Tensor forward(Tensor input, Tensor target);
}
