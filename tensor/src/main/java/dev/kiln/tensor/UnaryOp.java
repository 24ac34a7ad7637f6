package dev.kiln.tensor;

/** Elementwise functions of one tensor. Each has one derivative rule in autograd. */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, RSQRT, ABS, SIGN, TANH, SIGMOID, RELU;

    /** The public method name, used in error messages. */
    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Ops that only make sense on floating-point input. */
    public boolean needsFloat() {
        return switch (this) {
            case NEG, ABS, SIGN, RELU -> false;
            default -> true;
        };
    }

    /** The scalar definition, in double; the reference backend and the tests both use it. */
    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
            case RELU -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
        };
    }
}
