package dev.kiln.tensor;

import java.util.Locale;

/**
 * How a loss reduces its per-element values, as PyTorch's {@code reduction=} argument.
 * {@link #BATCHMEAN} (the sum divided by the batch size) is {@code klDiv}'s alone; every other
 * loss refuses it, as PyTorch does.
 */
public enum Reduction {
    NONE, MEAN, SUM, BATCHMEAN;

    /** The constant for PyTorch's string: "none", "mean", "sum" or "batchmean". */
    public static Reduction of(String reduction) {
        if (reduction != null) {
            for (Reduction r : values()) {
                if (r.name().toLowerCase(Locale.ROOT).equals(reduction)) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException("reduction: expected one of \"none\", \"mean\", \"sum\" (or \"batchmean\" "
                + "for klDiv), got " + (reduction == null ? "null" : "\"" + reduction + "\""));
    }

    /** PyTorch's string for this constant. */
    public String pytorchName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
