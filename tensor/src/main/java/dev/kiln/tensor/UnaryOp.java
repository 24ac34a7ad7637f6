package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;

/**
 * Elementwise functions of one tensor. Each has one derivative rule in autograd; the activations
 * from GELU on are differentiated by the fused {@link Backend#unaryBackward} kernel, which uses
 * {@link #derivative(double)} as its definition.
 *
 * <p>This is where each op is declared once, with what the other lists of ops need: its CUDA op
 * code (kiln.cuh's {@code KILN_UNARY_*}, derived by kernels-cuda's OpCodes and checked against
 * the header by its OpCodesTest), its PyTorch name, and, for an activation, the name commands
 * and layers use ({@link #activationName()}; together with {@link Activation.Kind} the activations
 * of models' registry, checked by its test).
 */
public enum UnaryOp {
    NEG(0, "neg", null),
    EXP(1, "exp", null),
    LOG(2, "log", null),
    SQRT(3, "sqrt", null),
    RSQRT(4, "rsqrt", null),
    ABS(5, "abs", null),
    SIGN(6, "sign", null),
    TANH(7, "tanh", "tanh"),
    SIGMOID(8, "sigmoid", "sigmoid"),
    RELU(9, "relu", "relu"),
    /** x·Φ(x), PyTorch's {@code gelu(approximate='none')}. */
    GELU(10, "gelu", "gelu"),
    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), PyTorch's {@code gelu(approximate='tanh')}. */
    GELU_TANH(11, "gelu(approximate='tanh')", "gelu-tanh"),
    /** x·σ(x) (Swish with β = 1). */
    SILU(12, "silu", "silu"),
    /** x·tanh(softplus(x)). */
    MISH(13, "mish", "mish"),
    /** log(1 + eˣ), computed as max(x, 0) + log1p(e^{−|x|}) so it neither overflows nor cancels. */
    SOFTPLUS(14, "softplus", "softplus"),
    /** max(0, x)², the squared ReLU of Primer (PyTorch has no op: relu(x) ** 2). */
    RELU_SQUARED(15, null, "relu2"),

    // issue 15, the elementwise group: int and BOOL inputs compute in F32 (PyTorch's default dtype)
    SIN(16, "sin", null),
    COS(17, "cos", null),
    TAN(18, "tan", null),
    ASIN(19, "asin", null),
    ACOS(20, "acos", null),
    ATAN(21, "atan", null),
    SINH(22, "sinh", null),
    COSH(23, "cosh", null),
    ASINH(24, "asinh", null),
    ACOSH(25, "acosh", null),
    ATANH(26, "atanh", null),
    /** Rounds down; an I32 input is returned as is (PyTorch). The gradient is 0. */
    FLOOR(27, "floor", null),
    CEIL(28, "ceil", null),
    /** Rounds half to even, as PyTorch's {@code round} (C's nearbyint). */
    ROUND(29, "round", null),
    TRUNC(30, "trunc", null),
    /** x − trunc(x), the sign of x kept; gradient 1. Floating-point only, as PyTorch. */
    FRAC(31, "frac", null),
    ERF(32, "erf", null),
    ERFC(33, "erfc", null),
    /** The inverse of erf on [−1, 1]: ±∞ at ±1, NaN outside. */
    ERFINV(34, "erfinv", null),
    LOG2(35, "log2", null),
    LOG10(36, "log10", null),
    LOG1P(37, "log1p", null),
    EXP2(38, "exp2", null),
    EXPM1(39, "expm1", null),

    // issue 15, the parameterless activations (the parameterised ones are Activation.Kind)
    /** scale·(x if x > 0 else α·(eˣ − 1)) with PyTorch's α and scale. */
    SELU(40, "selu", "selu"),
    /** min(max(x, 0), 6); the gradient is 1 strictly inside (0, 6), as PyTorch. */
    RELU6(41, "relu6", "relu6"),
    /** x·relu6(x + 3)/6; gradient 0 below −3, x/3 + ½ on [−3, 3), 1 from 3 on (PyTorch). */
    HARDSWISH(42, "hardswish", "hardswish"),
    /** relu6(x + 3)/6; gradient ⅙ strictly inside (−3, 3). */
    HARDSIGMOID(43, "hardsigmoid", "hardsigmoid"),
    /** log σ(x) = −softplus(−x). */
    LOGSIGMOID(44, "logsigmoid", "logsigmoid"),
    /** x/(1 + |x|). */
    SOFTSIGN(45, "softsign", "softsign"),
    /** x − tanh(x). */
    TANHSHRINK(46, "tanhshrink", "tanhshrink");

    /** PyTorch's SELU constants (Klambauer et al.). */
    static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    static final double SELU_SCALE = 1.0507009873554804934193349852946;
    private static final double LN2 = 0.69314718055994530942;
    private static final double LN10 = 2.30258509299404568402;
    private static final double TWO_OVER_SQRT_PI = 1.12837916709551257390;

    private static final double SQRT_2_OVER_PI = 0.79788456080286535588;
    private static final double GELU_C = 0.044715;

    private final int cudaCode;
    private final String torchName;
    private final String activationName;

    UnaryOp(int cudaCode, String torchName, String activationName) {
        this.cudaCode = cudaCode;
        this.torchName = torchName;
        this.activationName = activationName;
    }

    /** The op's code in the CUDA kernels (kiln.cuh's {@code KILN_UNARY_<name>}). */
    public int cudaCode() {
        return cudaCode;
    }

    /** PyTorch's name for it ({@code torch.nn.functional} or {@code torch}), or null where PyTorch has none. */
    public String torchName() {
        return torchName;
    }

    /** The activation's name in commands and layer registries ("relu2"), or null for an op that is no activation. */
    public String activationName() {
        return activationName;
    }

    /** This op on x, as its Tensor method ({@code x.gelu("tanh")} for GELU_TANH) computes it. */
    public Tensor applyTo(Tensor x) {
        return ElementwiseOps.unary(this, x);
    }

    /** The public method name, used in error messages. */
    public String opName() {
        return switch (this) {
            case GELU_TANH -> "gelu";
            case RELU_SQUARED -> "reluSquared";
            case RELU6 -> "relu6";
            case LOGSIGMOID -> "logsigmoid";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * Ops whose result is floating-point: integer and BOOL inputs of the issue 15 ops are computed
     * in F32, PyTorch's default dtype, as PyTorch does ({@code sin} of an int tensor is float).
     */
    public boolean needsFloat() {
        return switch (this) {
            case NEG, ABS, SIGN, RELU, FLOOR, CEIL, ROUND, TRUNC -> false;
            default -> true;
        };
    }

    /**
     * Whether an I32 input is computed in F32 rather than refused: PyTorch's promotion, for the ops
     * it accepts integers in (all but {@code frac}; the older ops refuse them, as they always did).
     */
    public boolean promotesIntegers() {
        return ordinal() >= SIN.ordinal() && this != FRAC && !isRounding();
    }

    /** The rounding ops, the identity on integers (PyTorch returns an integer tensor as it is). */
    public boolean isRounding() {
        return this == FLOOR || this == CEIL || this == ROUND || this == TRUNC;
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
            case SIGMOID -> sigmoid(x);
            case RELU -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
            case GELU -> x * SpecialFunctions.normalCdf(x);
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
            case SILU -> x * sigmoid(x);
            case MISH -> x * Math.tanh(softplus(x));
            case SOFTPLUS -> softplus(x);
            case RELU_SQUARED -> x > 0 ? x * x : (Double.isNaN(x) ? x : 0.0);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TAN -> Math.tan(x);
            case ASIN -> Math.asin(x);
            case ACOS -> Math.acos(x);
            case ATAN -> Math.atan(x);
            case SINH -> Math.sinh(x);
            case COSH -> Math.cosh(x);
            case ASINH -> asinh(x);
            case ACOSH -> acosh(x);
            case ATANH -> 0.5 * Math.log1p(2 * x / (1 - x));
            case FLOOR -> Math.floor(x);
            case CEIL -> Math.ceil(x);
            case ROUND -> Math.rint(x);
            case TRUNC -> trunc(x);
            case FRAC -> x - trunc(x);
            case ERF -> SpecialFunctions.erf(x);
            case ERFC -> SpecialFunctions.erfc(x);
            case ERFINV -> SpecialFunctions.erfinv(x);
            case LOG2 -> Math.log(x) / LN2;
            case LOG10 -> Math.log10(x);
            case LOG1P -> Math.log1p(x);
            case EXP2 -> Math.pow(2, x);
            case EXPM1 -> Math.expm1(x);
            case SELU -> x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);
            case RELU6 -> Double.isNaN(x) ? x : Math.min(Math.max(x, 0.0), 6.0);
            case HARDSWISH -> Double.isNaN(x) ? x : x * (Math.min(Math.max(x + 3, 0.0), 6.0) / 6);
            case HARDSIGMOID -> Double.isNaN(x) ? x : Math.min(Math.max(x + 3, 0.0), 6.0) / 6;
            case LOGSIGMOID -> -softplus(-x);
            case SOFTSIGN -> x / (1 + Math.abs(x));
            case TANHSHRINK -> x - Math.tanh(x);
        };
    }

    /**
     * The derivative f'(x), in double, with PyTorch's choice at kinks (ReLU and ABS give 0 at 0).
     * The fused backward kernels multiply it by the incoming gradient.
     */
    public double derivative(double x) {
        return switch (this) {
            case NEG -> -1.0;
            case EXP -> Math.exp(x);
            case LOG -> 1.0 / x;
            case SQRT -> 0.5 / Math.sqrt(x);
            case RSQRT -> -0.5 / (x * Math.sqrt(x));
            case ABS -> Math.signum(x);
            case SIGN -> 0.0;
            case TANH -> {
                double t = Math.tanh(x);
                yield 1 - t * t;
            }
            case SIGMOID -> {
                double s = sigmoid(x);
                yield s * (1 - s);
            }
            case RELU -> x > 0 ? 1.0 : 0.0;
            case GELU -> SpecialFunctions.normalCdf(x) + x * SpecialFunctions.normalPdf(x);
            case GELU_TANH -> {
                double x2 = x * x;
                double t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_C * x2 * x));
                yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x2);
            }
            case SILU -> {
                double s = sigmoid(x);
                yield s * (1 + x * (1 - s));
            }
            case MISH -> {
                double t = Math.tanh(softplus(x));
                yield t + x * sigmoid(x) * (1 - t * t);
            }
            case SOFTPLUS -> sigmoid(x);
            case RELU_SQUARED -> x > 0 ? 2 * x : 0.0;
            case SIN -> Math.cos(x);
            case COS -> -Math.sin(x);
            case TAN -> {
                double t = Math.tan(x);
                yield 1 + t * t;
            }
            case ASIN -> 1 / Math.sqrt(1 - x * x);
            case ACOS -> -1 / Math.sqrt(1 - x * x);
            case ATAN -> 1 / (1 + x * x);
            case SINH -> Math.cosh(x);
            case COSH -> Math.sinh(x);
            case ASINH -> 1 / Math.sqrt(x * x + 1);
            case ACOSH -> 1 / Math.sqrt(x * x - 1);
            case ATANH -> 1 / (1 - x * x);
            case FLOOR, CEIL, ROUND, TRUNC -> 0.0; // PyTorch: piecewise constant, 0 even at the jumps
            case FRAC -> 1.0;
            case ERF -> TWO_OVER_SQRT_PI * Math.exp(-x * x);
            case ERFC -> -TWO_OVER_SQRT_PI * Math.exp(-x * x);
            case ERFINV -> {
                double y = SpecialFunctions.erfinv(x);
                yield Math.exp(y * y) / TWO_OVER_SQRT_PI;
            }
            case LOG2 -> 1 / (x * LN2);
            case LOG10 -> 1 / (x * LN10);
            case LOG1P -> 1 / (1 + x);
            case EXP2 -> LN2 * Math.pow(2, x);
            case EXPM1 -> Math.exp(x);
            // PyTorch's elu_backward takes the exponential branch at 0
            case SELU -> x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x);
            case RELU6 -> x > 0 && x < 6 ? 1.0 : 0.0;
            case HARDSWISH -> x < -3 ? 0.0 : x >= 3 ? 1.0 : x / 3 + 0.5; // PyTorch's: −½ at −3, 1 at 3, NaN at NaN
            case HARDSIGMOID -> x > -3 && x < 3 ? 1.0 / 6 : 0.0;
            case LOGSIGMOID -> sigmoid(-x);
            case SOFTSIGN -> {
                if (Double.isInfinite(x)) {
                    yield Double.NaN; // PyTorch composes softsign: its gradient at ±∞ is ∞/∞
                }
                double d = 1 + Math.abs(x);
                yield 1 / (d * d);
            }
            case TANHSHRINK -> {
                double t = Math.tanh(x);
                yield t * t;
            }
        };
    }

    private static double trunc(double x) {
        return x < 0 ? Math.ceil(x) : Math.floor(x);
    }

    /** asinh without cancellation near 0 or overflow of x² for huge |x|. */
    private static double asinh(double x) {
        double a = Math.abs(x);
        double r = a > 1e150 ? Math.log(a) + LN2 : Math.log1p(a + a * a / (1 + Math.sqrt(1 + a * a)));
        return Math.copySign(r, x);
    }

    /** acosh through log1p of t = x − 1, exact near 1; NaN below 1. */
    private static double acosh(double x) {
        if (!(x >= 1)) {
            return Double.NaN;
        }
        if (x > 1e150) {
            return Math.log(x) + LN2;
        }
        double t = x - 1;
        return Math.log1p(t + Math.sqrt(2 * t + t * t));
    }

    /** σ(x) without overflow for either sign. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** log(1 + eˣ) without overflow or cancellation. */
    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
