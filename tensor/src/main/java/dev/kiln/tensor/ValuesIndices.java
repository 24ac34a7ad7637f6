package dev.kiln.tensor;

/**
 * Values and their I32 indices along the op's dim (PyTorch's are int64), values first as in
 * PyTorch's named tuples: what {@code sort}, {@code topk}, {@code cummax}, {@code cummin},
 * {@code kthvalue}, {@code median} and {@code mode} return.
 */
public record ValuesIndices(Tensor values, Tensor indices) {
}
