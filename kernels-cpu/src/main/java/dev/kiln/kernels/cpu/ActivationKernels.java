package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 activation kernels, forward and backward side by side: GELU (erf and tanh forms), SiLU,
 * Mish, softplus, squared ReLU, and the fused backward dx = dy ⊙ f'(x) that autograd uses for them
 * (plus ReLU, sigmoid and tanh); LeakyReLU and PReLU.
 *
 * <p>Definitions are those of {@link UnaryOp#apply} and {@link UnaryOp#derivative}; the scalar
 * tails call them in double and round once, the vector loops compute in float.
 */
public final class ActivationKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float K0 = 0.7978845608028654f; // √(2/π)
    private static final float K1 = 0.044715f;

    private ActivationKernels() {
    }

    private static int bound(int n) {
        return Simd.ENABLED ? S.loopBound(n) : 0;
    }

    /** Whether {@link #forward} has a vector kernel for op. */
    public static boolean hasForward(UnaryOp op) {
        return switch (op) {
            case GELU, GELU_TANH, SILU, MISH, SOFTPLUS, RELU_SQUARED -> true;
            default -> false;
        };
    }

    /** y = op(x) on contiguous runs, for the ops of {@link #hasForward}. */
    public static void forward(UnaryOp op, float[] y, int yo, float[] x, int xo, int n) {
        switch (op) {
            case GELU -> gelu(y, yo, x, xo, n);
            case GELU_TANH -> geluTanh(y, yo, x, xo, n);
            case SILU -> silu(y, yo, x, xo, n);
            case MISH -> mish(y, yo, x, xo, n);
            case SOFTPLUS -> softplus(y, yo, x, xo, n);
            case RELU_SQUARED -> reluSquared(y, yo, x, xo, n);
            default -> throw new IllegalArgumentException("ActivationKernels.forward: no kernel for " + op);
        }
    }

    /** Whether {@link #backward} has a vector kernel for op. */
    public static boolean hasBackward(UnaryOp op) {
        return switch (op) {
            case GELU, GELU_TANH, SILU, MISH, SOFTPLUS, RELU_SQUARED, RELU, SIGMOID, TANH -> true;
            default -> false;
        };
    }

    /** dx = dy ⊙ op'(x) on contiguous runs, for the ops of {@link #hasBackward}. */
    public static void backward(UnaryOp op, float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        switch (op) {
            case GELU -> geluBackward(dx, dxo, x, xo, dy, dyo, n);
            case GELU_TANH -> geluTanhBackward(dx, dxo, x, xo, dy, dyo, n);
            case SILU -> siluBackward(dx, dxo, x, xo, dy, dyo, n);
            case MISH -> mishBackward(dx, dxo, x, xo, dy, dyo, n);
            case SOFTPLUS -> softplusBackward(dx, dxo, x, xo, dy, dyo, n);
            case RELU_SQUARED -> reluSquaredBackward(dx, dxo, x, xo, dy, dyo, n);
            case RELU -> reluBackward(dx, dxo, x, xo, dy, dyo, n);
            case SIGMOID -> sigmoidBackward(dx, dxo, x, xo, dy, dyo, n);
            case TANH -> tanhBackward(dx, dxo, x, xo, dy, dyo, n);
            default -> throw new IllegalArgumentException("ActivationKernels.backward: no kernel for " + op);
        }
    }

    /** dx = dy ⊙ op'(x) where x and dy step by xs and gs (scalar, in double, any op). */
    public static void backwardStrided(UnaryOp op, float[] dx, int dxo, float[] x, int xo, int xs, float[] dy, int dyo,
                                       int gs, int n) {
        for (int i = 0; i < n; i++) {
            dx[dxo + i] = refBackward(op, dy[dyo + i * gs], x[xo + i * xs]);
        }
    }

    private static float ref(UnaryOp op, float v) {
        return (float) op.apply(v);
    }

    private static float refBackward(UnaryOp op, float g, float v) {
        if (op == UnaryOp.RELU) {
            return v > 0 ? g : 0f; // a select, as the vector loop
        }
        return (float) (g * op.derivative(v));
    }

    private static FloatVector sigmoid(FloatVector v) {
        return FloatVector.broadcast(S, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    // ------------------------------------------------------------------ GELU, erf form

    /**
     * GELU(x) = x·Φ(x) with Φ(x) = erfc(−x/√2)/2 (approximate='none'). erfc is the Numerical
     * Recipes rational-exponential form (erfcc, fractional error below 1.2e-7 everywhere), so the
     * negative tail keeps its relative accuracy where 1 + erf(x) would cancel.
     */
    public static void gelu(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(phi(v)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = ref(UnaryOp.GELU, x[xo + i]);
        }
    }

    /** dx = dy·(Φ(x) + x·φ(x)). */
    public static void geluBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector pdf = v.mul(v).mul(-0.5f).lanewise(VectorOperators.EXP).mul(INV_SQRT_2PI);
            FloatVector.fromArray(S, dy, dyo + i).mul(v.fma(pdf, phi(v))).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.GELU, dy[dyo + i], x[xo + i]);
        }
    }

    /**
     * Φ(x) = erfc(−x/√2)/2 with a = |x|/√2, t = 1/(1 + a/2) and erfc(a)/2 = t·e^{−a² + P(t) − ln 2}
     * (ln 2 folded into P's constant term); for x > 0, Φ = 1 − erfc(a)/2.
     */
    private static FloatVector phi(FloatVector v) {
        FloatVector t = FloatVector.broadcast(S, 1f).div(v.abs().fma(0.35355339059327376f, 1f)); // 1/(1 + |x|/(2√2))
        FloatVector p = t.fma(0.17087277f, -0.82215223f);
        p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
        p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
        p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
        p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
        p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
        p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
        p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
        p = p.fma(t, FloatVector.broadcast(S, -1.95865941f)); // −1.26551223 − ln 2
        FloatVector half = t.mul(v.mul(v).fma(FloatVector.broadcast(S, -0.5f), p).lanewise(VectorOperators.EXP));
        return half.blend(FloatVector.broadcast(S, 1f).sub(half), v.compare(VectorOperators.GT, 0f));
    }

    // ------------------------------------------------------------------ GELU, tanh form

    /**
     * x/2·(1 + tanh(u)) with u = √(2/π)(x + 0.044715x³) (approximate='tanh'), computed as x·σ(2u)
     * since 1 + tanh(u) = 2σ(2u): no cancellation for negative x.
     */
    public static void geluTanh(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector minus2u = v.mul(v).fma(K1, 1f).mul(v).mul(-2 * K0);
            v.div(minus2u.lanewise(VectorOperators.EXP).add(1f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = ref(UnaryOp.GELU_TANH, x[xo + i]);
        }
    }

    /**
     * dx = dy·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)) with t = tanh(u). As 1 + t = 2σ(2u)
     * and 1 − t = 2σ(−2u), this is σ(2u)·(1 + 2x·σ(−2u)·√(2/π)(1 + 3·0.044715x²)), where both
     * sigmoids come from one e^{−|2u|} ≤ 1: no cancellation and no overflow.
     */
    public static void geluTanhBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector v2 = v.mul(v);
            FloatVector twoU = v2.fma(K1, 1f).mul(v).mul(2 * K0);
            FloatVector e = twoU.abs().neg().lanewise(VectorOperators.EXP);
            FloatVector big = FloatVector.broadcast(S, 1f).div(e.add(1f)); // σ(|2u|)
            FloatVector small = e.mul(big);                                // σ(−|2u|)
            VectorMask<Float> negative = twoU.compare(VectorOperators.LT, 0f);
            FloatVector sPlus = big.blend(small, negative);                // σ(2u)
            FloatVector sMinus = small.blend(big, negative);               // σ(−2u)
            FloatVector slope = v2.fma(3 * K1, 1f).mul(2 * K0);
            FloatVector d = v.mul(sMinus).fma(slope, FloatVector.broadcast(S, 1f)).mul(sPlus);
            FloatVector.fromArray(S, dy, dyo + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.GELU_TANH, dy[dyo + i], x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ SiLU

    /** x·σ(x) = x/(1 + e^−x). */
    public static void silu(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = ref(UnaryOp.SILU, x[xo + i]);
        }
    }

    /** dx = dy·σ(x)(1 + x(1 − σ(x))). */
    public static void siluBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector s = sigmoid(v);
            FloatVector d = s.mul(v.mul(s.neg().add(1f)).add(1f));
            FloatVector.fromArray(S, dy, dyo + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.SILU, dy[dyo + i], x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ softplus and Mish

    /** log(1 + eˣ) = max(x, 0) + log1p(e^−|x|). */
    private static FloatVector softplus(FloatVector v) {
        return v.max(0f).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
    }

    public static void softplus(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            softplus(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = ref(UnaryOp.SOFTPLUS, x[xo + i]);
        }
    }

    /** dx = dy·σ(x). */
    public static void softplusBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector s = sigmoid(FloatVector.fromArray(S, x, xo + i));
            FloatVector.fromArray(S, dy, dyo + i).mul(s).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.SOFTPLUS, dy[dyo + i], x[xo + i]);
        }
    }

    /** x·tanh(softplus(x)). */
    public static void mish(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(softplus(v).lanewise(VectorOperators.TANH)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = ref(UnaryOp.MISH, x[xo + i]);
        }
    }

    /** dx = dy·(t + x·σ(x)(1 − t²)), t = tanh(softplus(x)). */
    public static void mishBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector t = softplus(v).lanewise(VectorOperators.TANH);
            FloatVector d = v.mul(sigmoid(v)).mul(t.mul(t).neg().add(1f)).add(t);
            FloatVector.fromArray(S, dy, dyo + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.MISH, dy[dyo + i], x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ ReLU family, sigmoid, tanh

    /** max(0, x)²; NaN stays NaN. */
    public static void reluSquared(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector r = FloatVector.fromArray(S, x, xo + i).max(0f);
            r.mul(r).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = ref(UnaryOp.RELU_SQUARED, x[xo + i]);
        }
    }

    /** dx = dy·(x > 0 ? 2x : 0); a multiply, so a NaN or infinite dy propagates as in the reference. */
    public static void reluSquaredBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector d = v.add(v).blend(0f, v.compare(VectorOperators.GT, 0f).not());
            FloatVector.fromArray(S, dy, dyo + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.RELU_SQUARED, dy[dyo + i], x[xo + i]);
        }
    }

    /** dx = x > 0 ? dy : 0, a select (PyTorch's threshold_backward: an infinite dy still gives 0 where x ≤ 0). */
    public static void reluBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            VectorMask<Float> off = FloatVector.fromArray(S, x, xo + i).compare(VectorOperators.GT, 0f).not();
            FloatVector.fromArray(S, dy, dyo + i).blend(0f, off).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.RELU, dy[dyo + i], x[xo + i]);
        }
    }

    /** dx = dy·σ(x)(1 − σ(x)). */
    public static void sigmoidBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector s = sigmoid(FloatVector.fromArray(S, x, xo + i));
            FloatVector.fromArray(S, dy, dyo + i).mul(s.mul(s.neg().add(1f))).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.SIGMOID, dy[dyo + i], x[xo + i]);
        }
    }

    /** dx = dy·(1 − tanh²(x)). */
    public static void tanhBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector t = FloatVector.fromArray(S, x, xo + i).lanewise(VectorOperators.TANH);
            FloatVector.fromArray(S, dy, dyo + i).mul(t.mul(t).neg().add(1f)).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = refBackward(UnaryOp.TANH, dy[dyo + i], x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ parameterised activations

    /** y = f(x) where x steps by xs: LeakyReLU in vectors, every other kind by its scalar definition. */
    public static void activation(Activation f, float[] y, int yo, float[] x, int xo, int xs, int n) {
        int i = 0;
        if (f.kind() == Activation.Kind.LEAKY_RELU && xs == 1) {
            float slope = (float) f.param(0);
            for (int up = bound(n); i < up; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                v.blend(v.mul(slope), v.compare(VectorOperators.GT, 0f).not()).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = (float) f.apply(x[xo + i * xs]);
        }
    }

    /** dx = dy·f'(x), x and dy stepping by xs and gs (scalar, by the activation's definition). */
    public static void activationBackward(Activation f, float[] dx, int dxo, float[] x, int xo, int xs, float[] dy,
                                          int dyo, int gs, int n) {
        for (int i = 0; i < n; i++) {
            dx[dxo + i] = (float) (dy[dyo + i * gs] * f.derivative(x[xo + i * xs]));
        }
    }

    /**
     * PReLU over x viewed as [outer, channels, inner] (contiguous), for the (outer, channel) runs
     * u in [u0, u1): y = x if x > 0 else w[c]·x. A single shared slope is channels = 1.
     */
    public static void prelu(float[] y, int yo, float[] x, int xo, float[] w, int wo, int channels, int inner, int u0,
                             int u1) {
        for (int u = u0; u < u1; u++) {
            float slope = w[wo + u % channels];
            int base = u * inner;
            int i = 0;
            for (int up = bound(inner); i < up; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, xo + base + i);
                v.blend(v.mul(slope), v.compare(VectorOperators.GT, 0f).not()).intoArray(y, yo + base + i);
            }
            for (; i < inner; i++) {
                float v = x[xo + base + i];
                y[yo + base + i] = v > 0 ? v : slope * v;
            }
        }
    }

    /**
     * PReLU backward for runs u in [u0, u1): dx = dy where x > 0 else w[c]·dy (when dx is non-null);
     * dw[dwo + c] += Σ dy·x where x ≤ 0 (when dw is non-null).
     */
    public static void preluBackward(float[] dx, int dxo, float[] dw, int dwo, float[] dy, int dyo, float[] x, int xo,
                                     float[] w, int wo, int channels, int inner, int u0, int u1) {
        for (int u = u0; u < u1; u++) {
            int c = u % channels;
            float slope = w[wo + c];
            int base = u * inner;
            int i = 0;
            float sum = 0;
            int up = bound(inner);
            if (up > 0) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xo + base + i);
                    FloatVector g = FloatVector.fromArray(S, dy, dyo + base + i);
                    VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
                    if (dx != null) {
                        g.blend(g.mul(slope), pos.not()).intoArray(dx, dxo + base + i);
                    }
                    acc = acc.add(g.mul(v), v.compare(VectorOperators.LE, 0f));
                }
                sum = Simd.sum(acc);
            }
            for (; i < inner; i++) {
                float v = x[xo + base + i];
                float g = dy[dyo + base + i];
                if (dx != null) {
                    dx[dxo + base + i] = v > 0 ? g : slope * g;
                }
                if (v <= 0) {
                    sum += g * v;
                }
            }
            if (dw != null) {
                dw[dwo + c] += sum;
            }
        }
    }
}
