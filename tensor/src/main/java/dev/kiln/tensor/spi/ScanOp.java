package dev.kiln.tensor.spi;

/** Inclusive scans along one dim ({@link Backend#scan}); CUMMAX and CUMMIN also give the index of the running extreme. */
public enum ScanOp {
    CUMSUM, CUMPROD, CUMMAX, CUMMIN, LOGCUMSUMEXP;

    public String opName() {
        return switch (this) {
            case CUMSUM -> "cumsum";
            case CUMPROD -> "cumprod";
            case CUMMAX -> "cummax";
            case CUMMIN -> "cummin";
            case LOGCUMSUMEXP -> "logcumsumexp";
        };
    }

    /** Whether the scan writes indices beside its values. */
    public boolean hasIndices() {
        return this == CUMMAX || this == CUMMIN;
    }
}
