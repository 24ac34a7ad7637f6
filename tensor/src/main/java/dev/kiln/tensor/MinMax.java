package dev.kiln.tensor;

/** {@code aminmax}'s result, min first as PyTorch's. */
public record MinMax(Tensor min, Tensor max) {
}
