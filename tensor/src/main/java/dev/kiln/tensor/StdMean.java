package dev.kiln.tensor;

/** {@code stdMean}'s result, the standard deviation first as PyTorch's {@code std_mean}. */
public record StdMean(Tensor std, Tensor mean) {
}
