package dev.kiln.tensor.spi;

/** Elementwise functions of two broadcast tensors. Comparisons return BOOL and have no gradient. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE;

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }

    /** Ops whose result is not an integer for integer input (PyTorch's true division). */
    public boolean needsFloat() {
        return this == DIV || this == POW;
    }

    /** The scalar definition in double; comparisons give 1 or 0. NaN propagates through max/min. */
    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAXIMUM -> Math.max(a, b);
            case MINIMUM -> Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
        };
    }
}
