package dev.kiln.tensor;

import java.util.Locale;

/** F.pad's modes; {@link #mode()} is PyTorch's string. */
public enum PadMode {
    CONSTANT,
    REFLECT,
    REPLICATE,
    CIRCULAR;

    /** PyTorch's name: "constant", "reflect", "replicate" or "circular". */
    public String mode() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named by PyTorch's string. */
    public static PadMode of(String mode) {
        for (PadMode m : values()) {
            if (m.mode().equals(mode)) {
                return m;
            }
        }
        throw new IllegalArgumentException("pad: mode must be one of constant, reflect, replicate, circular, got "
                + (mode == null ? "null" : "\"" + mode + "\""));
    }
}
