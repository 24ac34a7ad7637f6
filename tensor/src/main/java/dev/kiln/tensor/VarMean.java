package dev.kiln.tensor;

/** {@code varMean}'s result, the variance first as PyTorch's {@code var_mean}. */
public record VarMean(Tensor var, Tensor mean) {
}
