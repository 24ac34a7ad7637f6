package dev.kiln.tensor;

import java.util.Locale;

/** {@code div}'s rounding modes; {@link #mode()} is PyTorch's string (its None is a null mode: true division). */
public enum RoundingMode {
    /** Rounds the quotient toward zero (C's integer division). */
    TRUNC,
    /** Rounds the quotient down (Python's {@code //}). */
    FLOOR;

    /** PyTorch's name: "trunc" or "floor". */
    public String mode() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named by PyTorch's string; null stays null (true division). */
    public static RoundingMode of(String mode) {
        if (mode == null) {
            return null;
        }
        for (RoundingMode m : values()) {
            if (m.mode().equals(mode)) {
                return m;
            }
        }
        throw new IllegalArgumentException("div: roundingMode must be \"trunc\", \"floor\" or null, got \"" + mode + "\"");
    }
}
