package dev.kiln.tensor.spi;

/**
 * Elementwise functions of two broadcast tensors. Comparisons return BOOL and have no gradient;
 * the bitwise ops take I32 (and BOOL for and/or/xor) and have none either.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE,
    // issue 15: PyTorch's atan2, copysign, logaddexp(2), hypot, fmod, remainder, div(rounding_mode)
    ATAN2, COPYSIGN, LOGADDEXP, LOGADDEXP2, HYPOT, FMOD, REMAINDER, DIV_TRUNC, DIV_FLOOR,
    BITWISE_AND, BITWISE_OR, BITWISE_XOR, BITWISE_LEFT_SHIFT, BITWISE_RIGHT_SHIFT;

    private static final double LN2 = 0.69314718055994530942;

    /** The public method's name, for messages. */
    public String opName() {
        return switch (this) {
            case DIV_TRUNC, DIV_FLOOR -> "div";
            case LOGADDEXP2 -> "logaddexp2";
            case BITWISE_AND -> "bitwiseAnd";
            case BITWISE_OR -> "bitwiseOr";
            case BITWISE_XOR -> "bitwiseXor";
            case BITWISE_LEFT_SHIFT -> "bitwiseLeftShift";
            case BITWISE_RIGHT_SHIFT -> "bitwiseRightShift";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }

    /** Integer-only ops (BOOL too for and/or/xor): no float definition, no gradient. */
    public boolean isBitwise() {
        return ordinal() >= BITWISE_AND.ordinal();
    }

    /**
     * Ops that kernels compute in a floating dtype only: integer and BOOL operands are promoted to
     * F32 first (PyTorch's true division). POW of integers is the exception, an integer result that
     * ElementwiseOps computes through F64, so no kernel sees an integer POW.
     */
    public boolean needsFloat() {
        return switch (this) {
            case DIV, POW, ATAN2, COPYSIGN, LOGADDEXP, LOGADDEXP2, HYPOT -> true;
            default -> false;
        };
    }

    /** Ops that divide: an integer zero divisor is an error, as PyTorch's ZeroDivisionError. */
    public boolean divides() {
        return this == FMOD || this == REMAINDER || this == DIV_TRUNC || this == DIV_FLOOR;
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
            case ATAN2 -> Math.atan2(a, b);
            case COPYSIGN -> Math.copySign(a, b);
            case LOGADDEXP -> logAddExp(a, b, false);
            case LOGADDEXP2 -> logAddExp(a, b, true);
            case HYPOT -> Math.hypot(a, b);
            case FMOD -> a % b; // Java's % on doubles is C's fmod: the sign of a
            case REMAINDER -> remainder(a, b);
            case DIV_TRUNC -> trunc(a / b);
            case DIV_FLOOR -> divFloor(a, b);
            case BITWISE_AND -> (int) a & (int) b;
            case BITWISE_OR -> (int) a | (int) b;
            case BITWISE_XOR -> (int) a ^ (int) b;
            case BITWISE_LEFT_SHIFT -> (int) a << (int) b;
            case BITWISE_RIGHT_SHIFT -> (int) a >> (int) b;
        };
    }

    /**
     * The I32 definition: the long one's low 32 bits (which wrap as int arithmetic, MIN_VALUE / −1
     * included), but for the shifts, whose count Java masks to 5 bits in int as PyTorch 1.13's CPU
     * kernels do (1 &lt;&lt; 32 is 1); null for ops with none (float-only).
     */
    public Integer applyInt(int a, int b) {
        return switch (this) {
            case BITWISE_LEFT_SHIFT -> a << b;
            case BITWISE_RIGHT_SHIFT -> a >> b;
            default -> {
                Long r = applyLong(a, b);
                yield r == null ? null : (int) (long) r;
            }
        };
    }

    /** The integer definition in long (I64), wrapping as PyTorch's; null where the op has no integer form. */
    public Long applyLong(long a, long b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case MAXIMUM -> Math.max(a, b);
            case MINIMUM -> Math.min(a, b);
            case FMOD -> a % b;
            case REMAINDER -> Math.floorMod(a, b);
            case DIV_TRUNC -> a / b;
            case DIV_FLOOR -> Math.floorDiv(a, b);
            case BITWISE_AND -> a & b;
            case BITWISE_OR -> a | b;
            case BITWISE_XOR -> a ^ b;
            case BITWISE_LEFT_SHIFT -> a << b;
            case BITWISE_RIGHT_SHIFT -> a >> b;
            default -> null;
        };
    }

    private static double trunc(double x) {
        return x < 0 ? Math.ceil(x) : Math.floor(x);
    }

    /** PyTorch's: the sign of the divisor (a − floor(a/b)·b computed through fmod, exact). */
    private static double remainder(double a, double b) {
        double m = a % b;
        if (m != 0 && (b < 0) != (m < 0)) {
            m += b;
        }
        return m;
    }

    /** PyTorch's div_floor: through fmod, so that a quotient just below an integer is not rounded up. */
    private static double divFloor(double a, double b) {
        if (b == 0) {
            return a / b;
        }
        double mod = a % b;
        double div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            div -= 1;
        }
        if (div == 0) {
            return Math.copySign(0.0, a / b);
        }
        double floor = Math.floor(div);
        if (div - floor > 0.5) {
            floor += 1;
        }
        return floor;
    }

    /** log(eᵃ + eᵇ) (base 2 when two), without overflow; equal infinities give themselves. */
    private static double logAddExp(double a, double b, boolean two) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.NaN;
        }
        if (Double.isInfinite(a) && a == b) {
            return a;
        }
        double m = Math.max(a, b);
        double d = -Math.abs(a - b);
        return two ? m + Math.log1p(Math.pow(2, d)) / LN2 : m + Math.log1p(Math.exp(d));
    }
}
