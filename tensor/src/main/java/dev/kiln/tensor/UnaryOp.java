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
    RELU_SQUARED(15, null, "relu2");

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
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
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
            case SIGMOID -> sigmoid(x);
            case RELU -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
            case GELU -> x * SpecialFunctions.normalCdf(x);
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
            case SILU -> x * sigmoid(x);
            case MISH -> x * Math.tanh(softplus(x));
            case SOFTPLUS -> softplus(x);
            case RELU_SQUARED -> x > 0 ? x * x : (Double.isNaN(x) ? x : 0.0);
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
        };
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
