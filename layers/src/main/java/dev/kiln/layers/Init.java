package dev.kiln.layers;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Initialisers, as {@code torch.nn.init}: each fills a tensor in place (outside the graph, so a
 * parameter's leaf can be filled) from a seeded {@link Generator}, in row-major order, and returns it.
 *
 * <p>Fans follow PyTorch: for a weight [out, in, k...], fan_in = in·Πk and fan_out = out·Πk.
 * Kaiming (He et al. 2015): std = gain/√fan, bound = gain·√(3/fan), gain = √(2/(1 + a²)) for a
 * leaky slope a. Xavier (Glorot and Bengio 2010): std = gain·√(2/(fan_in + fan_out)),
 * bound = gain·√(6/(fan_in + fan_out)).
 */
public final class Init {
    private Init() {
    }

    /** Which fan Kaiming scales by: fan_in keeps the forward pass's variance, fan_out the backward's. */
    public enum FanMode { FAN_IN, FAN_OUT }

    /** {fan_in, fan_out} of a tensor with at least 2 dims. */
    public static int[] fans(Tensor t) {
        int[] s = t.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("Init.fans: fan in and fan out cannot be computed for a tensor with fewer "
                    + "than 2 dims, got " + Shapes.str(s));
        }
        int receptive = 1;
        for (int i = 2; i < s.length; i++) {
            receptive *= s[i];
        }
        return new int[] {s[1] * receptive, s[0] * receptive};
    }

    /**
     * PyTorch's {@code calculate_gain}: 1 for linear, conv and sigmoid; 5/3 for tanh; √2 for relu;
     * √(2/(1 + a²)) for leaky_relu with slope {@code param}; 3/4 for selu.
     */
    public static double calculateGain(String nonlinearity, double param) {
        return switch (nonlinearity.toLowerCase(Locale.ROOT)) {
            case "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid" -> 1.0;
            case "tanh" -> 5.0 / 3.0;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1 + param * param));
            case "selu" -> 0.75;
            default -> throw new IllegalArgumentException("Init.calculateGain: unsupported nonlinearity '" + nonlinearity
                    + "' (linear, conv*, sigmoid, tanh, relu, leaky_relu, selu)");
        };
    }

    /** calculateGain with PyTorch's default slope 0.01 for leaky_relu. */
    public static double calculateGain(String nonlinearity) {
        return calculateGain(nonlinearity, 0.01);
    }

    // ------------------------------------------------------------------ plain fills

    /** U(a, b). */
    public static Tensor uniform_(Tensor t, double a, double b, Generator rng) {
        requireRng("uniform_", rng);
        if (!(a <= b)) {
            throw new IllegalArgumentException("Init.uniform_: a " + a + " must be <= b " + b);
        }
        return fill(t, () -> a + (b - a) * rng.nextDouble());
    }

    /** N(mean, std²). */
    public static Tensor normal_(Tensor t, double mean, double std, Generator rng) {
        requireRng("normal_", rng);
        if (!(std >= 0)) {
            throw new IllegalArgumentException("Init.normal_: std must be >= 0, got " + std);
        }
        return fill(t, () -> mean + std * rng.nextGaussian());
    }

    /** N(0, std²). */
    public static Tensor normal_(Tensor t, double std, Generator rng) {
        return normal_(t, 0, std, rng);
    }

    public static Tensor constant_(Tensor t, double value) {
        try (NoGrad ignored = NoGrad.enter()) {
            return t.fill_(value);
        }
    }

    public static Tensor zeros_(Tensor t) {
        return constant_(t, 0);
    }

    public static Tensor ones_(Tensor t) {
        return constant_(t, 1);
    }

    // ------------------------------------------------------------------ Kaiming (He) and Xavier (Glorot)

    /** Kaiming uniform, bound = gain·√(3/fan), with the gain of {@code nonlinearity} (slope a for leaky_relu). */
    public static Tensor kaimingUniform_(Tensor t, double a, FanMode mode, String nonlinearity, Generator rng) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan("kaimingUniform_", t, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform_(t, -bound, bound, rng);
    }

    /** Kaiming uniform for a leaky ReLU of slope a (a = 0: ReLU), gain √(2/(1 + a²)). */
    public static Tensor kaimingUniform_(Tensor t, double a, FanMode mode, Generator rng) {
        return kaimingUniform_(t, a, mode, "leaky_relu", rng);
    }

    /** Kaiming uniform for ReLU, fan_in (PyTorch's defaults). */
    public static Tensor kaimingUniform_(Tensor t, Generator rng) {
        return kaimingUniform_(t, 0, FanMode.FAN_IN, rng);
    }

    /** Kaiming normal, std = gain/√fan, with the gain of {@code nonlinearity} (slope a for leaky_relu). */
    public static Tensor kaimingNormal_(Tensor t, double a, FanMode mode, String nonlinearity, Generator rng) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan("kaimingNormal_", t, mode));
        return normal_(t, 0, std, rng);
    }

    /** Kaiming normal for a leaky ReLU of slope a (a = 0: ReLU), gain √(2/(1 + a²)). */
    public static Tensor kaimingNormal_(Tensor t, double a, FanMode mode, Generator rng) {
        return kaimingNormal_(t, a, mode, "leaky_relu", rng);
    }

    /** Kaiming normal for ReLU, fan_in. */
    public static Tensor kaimingNormal_(Tensor t, Generator rng) {
        return kaimingNormal_(t, 0, FanMode.FAN_IN, rng);
    }

    /** Xavier uniform, bound = gain·√(6/(fan_in + fan_out)). */
    public static Tensor xavierUniform_(Tensor t, double gain, Generator rng) {
        int[] f = fans(t);
        double bound = gain * Math.sqrt(6.0 / Math.max(1, f[0] + f[1]));
        return uniform_(t, -bound, bound, rng);
    }

    public static Tensor xavierUniform_(Tensor t, Generator rng) {
        return xavierUniform_(t, 1.0, rng);
    }

    /** Xavier normal, std = gain·√(2/(fan_in + fan_out)). */
    public static Tensor xavierNormal_(Tensor t, double gain, Generator rng) {
        int[] f = fans(t);
        double std = gain * Math.sqrt(2.0 / Math.max(1, f[0] + f[1]));
        return normal_(t, 0, std, rng);
    }

    public static Tensor xavierNormal_(Tensor t, Generator rng) {
        return xavierNormal_(t, 1.0, rng);
    }

    /**
     * PyTorch's default for Linear: weight [out, in] ~ U(±1/√in) (its kaiming_uniform_ with a = √5)
     * and bias ~ U(±1/√in), weight first. bias may be null.
     */
    public static void linearDefault_(Tensor weight, Tensor bias, Generator rng) {
        int fanIn = fans(weight)[0];
        double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0.0;
        uniform_(weight, -bound, bound, rng);
        if (bias != null) {
            uniform_(bias, -bound, bound, rng);
        }
    }

    private static int fan(String method, Tensor t, FanMode mode) {
        int f = fans(t)[mode == FanMode.FAN_IN ? 0 : 1];
        if (f == 0 && t.numel() > 0) {
            throw new IllegalArgumentException("Init." + method + ": the " + mode + " of " + Shapes.str(t.shape()) + " is 0");
        }
        return Math.max(f, 1);
    }

    private static void requireRng(String method, Generator rng) {
        if (rng == null) {
            throw new IllegalArgumentException("Init." + method + ": a Generator is required (initialisation is seeded)");
        }
    }

    /** Writes values drawn in row-major order into t (any layout, dtype and device), outside the graph. */
    private static Tensor fill(Tensor t, DoubleSupplier next) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Init: expected a floating-point tensor, got " + t.dtype() + " "
                    + Shapes.str(t.shape()));
        }
        if (t.numel() == 0) {
            return t;
        }
        Tensor src = hostTensor(t.dtype(), t.shape(), next).to(t.device());
        try (NoGrad ignored = NoGrad.enter()) {
            return t.copy_(src);
        }
    }

    /**
     * A new contiguous host tensor of a floating dtype filled in row-major order from next, built
     * straight in the dtype's array (no double[] detour for F32, which matters for large embeddings).
     */
    static Tensor hostTensor(DType dtype, int[] shape, DoubleSupplier next) {
        int n = Shapes.numel(shape);
        if (dtype == DType.F32) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) next.getAsDouble();
            }
            return Tensor.wrap(v, shape);
        } else if (dtype == DType.F64) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = next.getAsDouble();
            }
            return Tensor.wrap(v, shape);
        } else if (dtype.isReducedFloat()) {
            // F16/BF16: drawn as F32 (the same draws as an F32 tensor), then rounded
            return hostTensor(DType.F32, shape, next).to(dtype);
        } else {
            throw new IllegalArgumentException("Init: expected a floating-point dtype, got " + dtype);
        }
    }
}
