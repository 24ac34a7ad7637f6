package dev.kiln.tensor;

/**
 * {@code unique}'s result, in PyTorch's order: the sorted distinct values, then (when asked for,
 * else null) the I32 index of each input element in {@code output}, and each value's I32 count.
 */
public record UniqueResult(Tensor output, Tensor inverseIndices, Tensor counts) {
}
