package dev.kiln.tensor;

import java.util.Locale;

/** scatterReduce's reductions; {@link #reduce()} is PyTorch's string. */
public enum ScatterReduction {
    SUM,
    PROD,
    MEAN,
    AMAX,
    AMIN;

    /** PyTorch's name: "sum", "prod", "mean", "amax" or "amin". */
    public String reduce() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The reduction named by PyTorch's string. */
    public static ScatterReduction of(String reduce) {
        for (ScatterReduction r : values()) {
            if (r.reduce().equals(reduce)) {
                return r;
            }
        }
        throw new IllegalArgumentException("scatterReduce: reduce must be one of sum, prod, mean, amax, amin, got "
                + (reduce == null ? "null" : "\"" + reduce + "\""));
    }
}
