package dev.kiln.models.data;

import dev.kiln.tensor.Tensor;

/** One mini-batch: the model's input and the loss's target, with the batch size in dim 0. */
public record Batch(Tensor input, Tensor target) {
    public int size() {
        return input.size(0);
    }
}
