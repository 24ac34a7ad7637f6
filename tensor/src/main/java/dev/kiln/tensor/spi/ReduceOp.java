package dev.kiln.tensor.spi;

/** Reductions a backend implements over any set of dims; MAX and MIN also drive argmax/argmin. */
public enum ReduceOp {
    SUM, MAX, MIN;

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
