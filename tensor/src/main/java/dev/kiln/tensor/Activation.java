package dev.kiln.tensor;

import java.util.Arrays;

/**
 * An elementwise activation with fixed scalar parameters (a leaky slope, a width, a threshold):
 * one kind and its parameters, with the scalar definition and its derivative side by side. The
 * reference kernels loop over {@link #apply} and {@link #derivative}; faster backends switch on
 * {@link #kind()}. Learnable activations (PReLU, PAU) are separate ops, because their parameters
 * are tensors with gradients.
 *
 * <p>Make one with the factories ({@link #leakyRelu}, {@link #smelu}, ...), which check the parameters.
 */
public record Activation(Kind kind, double[] params) {

    /**
     * The kinds, each declared once with everything the other lists derive from it: its method name,
     * CUDA code, PyTorch name, command-line name and its parameters' defaults (their count is the
     * arity; the layer modules' no-argument constructors and the commands' registry use them).
     */
    public enum Kind {
        /** x if x > 0 else slope·x. Parameters: slope (PyTorch's 0.01). */
        LEAKY_RELU("leakyRelu", 0, "leaky_relu", "leakyrelu", 0.01),
        /** Smooth ReLU: 0 below −β, (x + β)²/(4β) on [−β, β], x above β. Parameters: beta (1, unverified). */
        SMELU("smelu", 1, null, "smelu", 1.0),
        /** ReLU forward; the training backward passes the gradient where x > −α. Parameters: alpha (0.05, unverified). */
        HELU("helu", 2, null, "helu", 0.05),
        /** 1/(1 + |x/a|^d). Parameters: a, d (1 and 4; one source uses 2 and 8). */
        ELEPHANT("elephant", 3, null, "elephant", 1.0, 4.0),
        /** x if x ≥ T else 0. Parameters: threshold (0.1 is ours: no source gives one). */
        FATRELU("fatrelu", 4, null, "fatrelu", 0.1),
        /** Leaky ReLU (slope a) smoothed by a Gaussian of width σ. Parameters: a, sigma (0.01 and 1, unverified). */
        SAU("sau", 5, null, "sau", 0.01, 1.0),
        /**
         * λ·x·σ(α·(atan(β1·x) + asin(clamp(β2·x, −1, 1)))), VeLU without its variance factor.
         * Parameters: lambda, alpha, beta1, beta2 (1, 1, 1, 0.5, unverified).
         */
        VELU("velu", 6, null, "velu", 1.0, 1.0, 1.0, 0.5),
        /** x if x > 0 else α·(eˣ − 1). Parameters: alpha (PyTorch's 1). */
        ELU("elu", 7, "elu", "elu", 1.0),
        /** max(0, x) + min(0, α·(e^{x/α} − 1)). Parameters: alpha (PyTorch's 1; not 0). */
        CELU("celu", 8, "celu", "celu", 1.0),
        /** min(max(x, minVal), maxVal); gradient 1 strictly inside. Parameters: minVal, maxVal (PyTorch's −1, 1). */
        HARDTANH("hardtanh", 9, "hardtanh", "hardtanh", -1.0, 1.0),
        /** x − λ above λ, x + λ below −λ, else 0. Parameters: lambd (PyTorch's 0.5; ≥ 0). */
        SOFTSHRINK("softshrink", 10, "softshrink", "softshrink", 0.5),
        /** x where |x| > λ, else 0. Parameters: lambd (PyTorch's 0.5). */
        HARDSHRINK("hardshrink", 11, "hardshrink", "hardshrink", 0.5);

        private final String opName;
        private final int cudaCode;
        private final String torchName;
        private final String activationName;
        private final double[] defaults;

        Kind(String opName, int cudaCode, String torchName, String activationName, double... defaults) {
            this.opName = opName;
            this.cudaCode = cudaCode;
            this.torchName = torchName;
            this.activationName = activationName;
            this.defaults = defaults;
        }

        /** The kind's code in the CUDA kernels (kiln.cuh's {@code KILN_ACTIVATION_<name>}). */
        public int cudaCode() {
            return cudaCode;
        }

        /** PyTorch's {@code torch.nn.functional} name, or null where PyTorch has none. */
        public String torchName() {
            return torchName;
        }

        /** The activation's name in commands and layer registries ("leakyrelu"). */
        public String activationName() {
            return activationName;
        }

        /** The method name used in error messages and grad_fn names. */
        public String opName() {
            return opName;
        }

        /** How many parameters the kind takes. */
        public int arity() {
            return defaults.length;
        }

        /** Default parameter i. */
        public double defaultParam(int i) {
            return defaults[i];
        }

        /** The default parameters, in order (a copy). */
        public double[] defaults() {
            return defaults.clone();
        }
    }

    private static final double SQRT_2 = 1.41421356237309504880;
    private static final double SQRT_2_OVER_PI = 0.79788456080286535588;

    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("Activation: kind is null");
        }
        if (params == null || params.length != kind.arity()) {
            throw new IllegalArgumentException(kind.opName() + ": expected " + kind.arity() + " parameters, got "
                    + (params == null ? "null" : Arrays.toString(params)));
        }
        params = params.clone();
        for (double p : params) {
            if (!Double.isFinite(p)) {
                throw new IllegalArgumentException(kind.opName() + ": parameters must be finite, got " + Arrays.toString(params));
            }
        }
    }

    /** The kind with its default parameters ({@link Kind#defaults()}). */
    public static Activation defaults(Kind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("Activation.defaults: kind is null");
        }
        return new Activation(kind, kind.defaults());
    }

    /** The parameters (a copy). */
    @Override
    public double[] params() {
        return params.clone();
    }

    /** Parameter i, without copying. */
    public double param(int i) {
        return params[i];
    }

    public static Activation leakyRelu(double negativeSlope) {
        return new Activation(Kind.LEAKY_RELU, new double[] {negativeSlope});
    }

    public static Activation smelu(double beta) {
        positive("smelu", "beta", beta);
        return new Activation(Kind.SMELU, new double[] {beta});
    }

    public static Activation helu(double alpha) {
        if (!(alpha >= 0)) {
            throw new IllegalArgumentException("helu: alpha must be >= 0, got " + alpha);
        }
        return new Activation(Kind.HELU, new double[] {alpha});
    }

    public static Activation elephant(double a, double d) {
        positive("elephant", "a", a);
        positive("elephant", "d", d);
        return new Activation(Kind.ELEPHANT, new double[] {a, d});
    }

    public static Activation fatrelu(double threshold) {
        return new Activation(Kind.FATRELU, new double[] {threshold});
    }

    public static Activation sau(double a, double sigma) {
        positive("sau", "sigma", sigma);
        return new Activation(Kind.SAU, new double[] {a, sigma});
    }

    public static Activation velu(double lambda, double alpha, double beta1, double beta2) {
        return new Activation(Kind.VELU, new double[] {lambda, alpha, beta1, beta2});
    }

    /** PyTorch's {@code elu(alpha)}. */
    public static Activation elu(double alpha) {
        return new Activation(Kind.ELU, new double[] {alpha});
    }

    /** PyTorch's {@code celu(alpha)}; alpha must not be 0 (it divides). */
    public static Activation celu(double alpha) {
        if (alpha == 0) {
            throw new IllegalArgumentException("celu: alpha must not be 0, got " + alpha);
        }
        return new Activation(Kind.CELU, new double[] {alpha});
    }

    /** PyTorch's {@code hardtanh(minVal, maxVal)}; minVal must not exceed maxVal. */
    public static Activation hardtanh(double minVal, double maxVal) {
        if (minVal > maxVal) {
            throw new IllegalArgumentException("hardtanh: minVal " + minVal + " is greater than maxVal " + maxVal);
        }
        return new Activation(Kind.HARDTANH, new double[] {minVal, maxVal});
    }

    /** PyTorch's {@code softshrink(lambd)}; lambd must be >= 0. */
    public static Activation softshrink(double lambd) {
        if (!(lambd >= 0)) {
            throw new IllegalArgumentException("softshrink: lambd must be >= 0, got " + lambd);
        }
        return new Activation(Kind.SOFTSHRINK, new double[] {lambd});
    }

    /** PyTorch's {@code hardshrink(lambd)}. */
    public static Activation hardshrink(double lambd) {
        return new Activation(Kind.HARDSHRINK, new double[] {lambd});
    }

    private static void positive(String op, String name, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(op + ": " + name + " must be positive and finite, got " + v);
        }
    }

    /** f(x) in double. */
    public double apply(double x) {
        if (Double.isNaN(x)) {
            return kind == Kind.SOFTSHRINK ? 0.0 : x; // PyTorch's softshrink falls through to its 0 branch
        }
        return switch (kind) {
            case LEAKY_RELU -> x > 0 ? x : params[0] * x;
            case SMELU -> {
                double b = params[0];
                yield x <= -b ? 0.0 : x >= b ? x : (x + b) * (x + b) / (4 * b);
            }
            case HELU -> x > 0 ? x : 0.0;
            case ELEPHANT -> 1.0 / (1.0 + Math.pow(Math.abs(x / params[0]), params[1]));
            case FATRELU -> x >= params[0] ? x : 0.0;
            case SAU -> {
                double a = params[0];
                double s = params[1];
                double smoothAbs = x * SpecialFunctions.erf(x / (s * SQRT_2))
                        + s * SQRT_2_OVER_PI * Math.exp(-x * x / (2 * s * s));
                yield (1 + a) / 2 * x + (1 - a) / 2 * smoothAbs;
            }
            case VELU -> params[0] * x * UnaryOp.sigmoid(veluArgument(x));
            case ELU -> x > 0 ? x : params[0] * Math.expm1(x);
            case CELU -> x > 0 ? x : params[0] * Math.expm1(x / params[0]);
            case HARDTANH -> Math.min(Math.max(x, params[0]), params[1]);
            case SOFTSHRINK -> x > params[0] ? x - params[0] : x < -params[0] ? x + params[0] : 0.0;
            case HARDSHRINK -> x > params[0] || x < -params[0] ? x : 0.0;
        };
    }

    /**
     * f'(x) in double: 0 at the kinks of LeakyReLU and HeLU-at-inference as PyTorch's ReLU, and for
     * HeLU the shifted (training) threshold x > −α, which is deliberately not the true derivative.
     */
    public double derivative(double x) {
        if (Double.isNaN(x)) {
            // PyTorch's (vectorised) backwards of the clamping kinds give 0 at NaN
            return kind == Kind.HARDTANH || kind == Kind.SOFTSHRINK || kind == Kind.HARDSHRINK ? 0.0 : x;
        }
        return switch (kind) {
            case LEAKY_RELU -> x > 0 ? 1.0 : params[0];
            case SMELU -> {
                double b = params[0];
                yield x <= -b ? 0.0 : x >= b ? 1.0 : (x + b) / (2 * b);
            }
            case HELU -> x > -params[0] ? 1.0 : 0.0;
            case ELEPHANT -> {
                double a = params[0];
                double d = params[1];
                double u = Math.abs(x / a);
                if (u == 0) {
                    // the limit of |u|^{d−1}: 0 for d > 1, 1 for d = 1 (a kink: PyTorch's convention of 0 there)
                    yield 0.0;
                }
                double ud = Math.pow(u, d);
                double den = 1 + ud;
                yield -(d / a) * Math.signum(x) * (ud / u) / (den * den);
            }
            case FATRELU -> x >= params[0] ? 1.0 : 0.0;
            // the x·erf and Gaussian terms' derivatives cancel but for erf: f' = (1+a)/2 + (1−a)/2·erf(x/(σ√2))
            case SAU -> (1 + params[0]) / 2 + (1 - params[0]) / 2 * SpecialFunctions.erf(x / (params[1] * SQRT_2));
            case VELU -> {
                double lambda = params[0];
                double alpha = params[1];
                double b1 = params[2];
                double b2 = params[3];
                double s = UnaryOp.sigmoid(veluArgument(x));
                double u = b2 * x;
                // clamp(β2·x) passes no gradient outside (−1, 1), where asin' would be infinite anyway
                double dAsin = Math.abs(u) < 1 ? b2 / Math.sqrt(1 - u * u) : 0.0;
                double dArg = alpha * (b1 / (1 + b1 * b1 * x * x) + dAsin);
                yield lambda * (s + x * s * (1 - s) * dArg);
            }
            // PyTorch's elu_backward takes the exponential branch at 0 (celu's is 1 there, elu's alpha)
            case ELU -> x > 0 ? 1.0 : params[0] * Math.exp(x);
            case CELU -> x > 0 ? 1.0 : Math.exp(x / params[0]);
            case HARDTANH -> x > params[0] && x < params[1] ? 1.0 : 0.0;
            case SOFTSHRINK, HARDSHRINK -> x > params[0] || x < -params[0] ? 1.0 : 0.0;
        };
    }

    private double veluArgument(double x) {
        double u = Math.max(-1.0, Math.min(1.0, params[3] * x));
        return params[1] * (Math.atan(params[2] * x) + Math.asin(u));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Activation a && a.kind == kind && Arrays.equals(a.params, params);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(params);
    }

    @Override
    public String toString() {
        return kind.opName() + Arrays.toString(params);
    }
}
