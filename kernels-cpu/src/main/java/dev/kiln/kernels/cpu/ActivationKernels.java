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
 * <p>Definitions are those of {@link UnaryOp#apply} and {@link UnaryOp#derivative}, computed in
 * float with {@link SimdMath}'s exp and friends; each scalar tail is the vector loop's twin (the same
 * operations in the same order), so a result's bits depend neither on the JIT nor on where the tail
 * starts, and the scalar-only build ({@code -Dkiln.simd=scalar}) gives the same bits as the vector one.
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
            case GELU, GELU_TANH, SILU, MISH, SOFTPLUS, RELU_SQUARED, RELU6, HARDSIGMOID, HARDSWISH, SOFTSIGN,
                 TANHSHRINK, LOGSIGMOID -> true;
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
            case RELU6, HARDSIGMOID, HARDSWISH, SOFTSIGN, TANHSHRINK, LOGSIGMOID -> hard(op, y, yo, x, xo, n);
            default -> throw new IllegalArgumentException("ActivationKernels.forward: no kernel for " + op);
        }
    }

    /** Whether {@link #backward} has a vector kernel for op. */
    public static boolean hasBackward(UnaryOp op) {
        return switch (op) {
            case GELU, GELU_TANH, SILU, MISH, SOFTPLUS, RELU_SQUARED, RELU, SIGMOID, TANH, RELU6, HARDSIGMOID,
                 HARDSWISH, SOFTSIGN, TANHSHRINK, LOGSIGMOID -> true;
            default -> MathKernels.hasBackward(op);
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
            case RELU6, HARDSIGMOID, HARDSWISH, SOFTSIGN, TANHSHRINK, LOGSIGMOID ->
                    hardBackward(op, dx, dxo, x, xo, dy, dyo, n);
            default -> MathKernels.backward(op, dx, dxo, x, xo, dy, dyo, n);
        }
    }

    /** dx = dy ⊙ op'(x) where x and dy step by xs and gs (scalar, any op). */
    public static void backwardStrided(UnaryOp op, float[] dx, int dxo, float[] x, int xo, int xs, float[] dy, int dyo,
                                       int gs, int n) {
        for (int i = 0; i < n; i++) {
            dx[dxo + i] = backwardScalar(op, dy[dyo + i * gs], x[xo + i * xs]);
        }
    }

    /**
     * op(v) as the vector kernels compute it (their scalar twins, the same bits), for the ops of
     * {@link #hasForward}; any other op by its definition, in double rounded once.
     */
    public static float forwardScalar(UnaryOp op, float v) {
        return switch (op) {
            case GELU -> v * phi(v);
            case GELU_TANH -> geluTanh(v);
            case SILU -> v / (SimdMath.exp(-v) + 1f);
            case MISH -> v * mishT(v);
            case SOFTPLUS -> softplus(v);
            case RELU_SQUARED -> {
                float r = Math.max(v, 0f);
                yield r * r;
            }
            case RELU6 -> Math.min(Math.max(v, 0f), 6f);
            case HARDSIGMOID -> Math.min(Math.max(v + 3f, 0f), 6f) / 6f;
            case HARDSWISH -> v * (Math.min(Math.max(v + 3f, 0f), 6f) / 6f);
            case SOFTSIGN -> v / (Math.abs(v) + 1f);
            case TANHSHRINK -> v - SimdMath.tanh(v);
            case LOGSIGMOID -> -softplus(-v);
            default -> (float) op.apply(v);
        };
    }

    /** dy·op'(v) as the vector kernels compute it, for the ops of {@link #hasBackward}; any other op in double. */
    public static float backwardScalar(UnaryOp op, float g, float v) {
        return switch (op) {
            case GELU -> g * geluDerivative(v);
            case GELU_TANH -> g * geluTanhDerivative(v);
            case SILU -> {
                float s = SimdMath.sigmoid(v);
                yield g * (s * (v * (-s + 1f) + 1f));
            }
            case MISH -> g * mishDerivative(v);
            case SOFTPLUS -> g * SimdMath.sigmoid(v);
            case RELU_SQUARED -> g * (v > 0 ? v + v : 0f);
            case RELU -> v > 0 ? g : 0f; // a select: an infinite dy still gives 0 where x ≤ 0
            case SIGMOID -> {
                float s = SimdMath.sigmoid(v);
                yield g * (s * (-s + 1f));
            }
            case TANH -> {
                float t = SimdMath.tanh(v);
                yield g * (-(t * t) + 1f);
            }
            case RELU6 -> v > 0f && v < 6f ? g : 0f;
            case HARDSIGMOID -> v > -3f && v < 3f ? g * (1f / 6f) : 0f;
            case HARDSWISH -> v < -3f ? 0f : v >= 3f ? g : g * (v / 3f + 0.5f);
            case SOFTSIGN -> {
                float d = Math.abs(v) + 1f;
                yield Float.isInfinite(v) ? Float.NaN : g / (d * d);
            }
            case TANHSHRINK -> {
                float t = SimdMath.tanh(v);
                yield g * (t * t);
            }
            case LOGSIGMOID -> g * SimdMath.sigmoid(-v);
            default -> MathKernels.hasBackward(op) ? MathKernels.backwardScalar(op, g, v) : (float) (g * op.derivative(v));
        };
    }

    private static FloatVector one() {
        return FloatVector.broadcast(S, 1f);
    }

    // ------------------------------------------------------------------ GELU, erf form

    /**
     * GELU(x) = x·Φ(x) with Φ(x) = erfc(−x/√2)/2 (approximate='none'). erfc is the Numerical
     * Recipes rational-exponential form (erfcc, fractional error below 1.2e-7 everywhere), so the
     * negative tail keeps its relative accuracy where 1 + erf(x) would cancel.
     */
    public static void gelu(float[] y, int yo, float[] x, int xo, int n) {
        int up = bound(n);
        float[] scratch = GELU_SCRATCH.get();
        for (int c = 0; c < up; c += GELU_CHUNK) {
            int len = Math.min(GELU_CHUNK, up - c);
            phiChunk(y, yo + c, x, xo + c, scratch, len, true);
        }
        for (int i = up; i < n; i++) {
            float v = x[xo + i];
            y[yo + i] = v * phi(v);
        }
    }

    /** dx = dy·(Φ(x) + x·φ(x)): per chunk φ(x) and Φ(x) into scratch rows, then the combination. */
    public static void geluBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int up = bound(n);
        float[] scratch = GELU_SCRATCH.get();
        for (int c = 0; c < up; c += GELU_CHUNK) {
            int len = Math.min(GELU_CHUNK, up - c);
            geluPdf(scratch, PDF, x, xo + c, len);
            phiChunk(scratch, E, x, xo + c, scratch, len, false);
            geluBackwardCombine(dx, dxo + c, x, xo + c, dy, dyo + c, scratch, len);
        }
        for (int i = up; i < n; i++) {
            dx[dxo + i] = dy[dyo + i] * geluDerivative(x[xo + i]);
        }
    }

    /*
     * Why GELU runs in passes over L1-sized chunks: Φ's division, degree-9 polynomial and exp in one
     * loop (twice over in the backward) are more than C2 inlines in one compilation
     * (NodeCountInliningCutoff): it left part of SimdMath.exp out of line, and every vector crossing
     * that call was boxed (~6 bytes an element, GELU 3x slower, 2026-12-06). Each pass below is a
     * small loop compiled on its own (JitDirectives.OUT_OF_LINE), with the same operations in the
     * same order as the scalar twins, so the bits are unchanged. Intermediates live in a per-thread
     * scratch, and each output element is written last, after its inputs are read, so an output may
     * alias an input as before.
     */
    private static final int GELU_CHUNK = 512;
    /** Offsets in the scratch of t = 1/(1 + |x|/(2√2)), of the exponent (then e^it, then Φ) and of φ(x). */
    private static final int T = 0;
    private static final int E = GELU_CHUNK;
    private static final int PDF = 2 * GELU_CHUNK;
    private static final ThreadLocal<float[]> GELU_SCRATCH = ThreadLocal.withInitial(() -> new float[3 * GELU_CHUNK]);

    /** Φ(x) (or x·Φ(x) when timesX) for n elements, a multiple of the vector length, into out; t and e in scratch. */
    private static void phiChunk(float[] out, int oo, float[] x, int xo, float[] scratch, int n, boolean timesX) {
        phiExponent(scratch, x, xo, n);
        expInPlace(scratch, E, n);
        phiFinish(out, oo, scratch, x, xo, n, timesX);
    }

    /** t = 1/(1 + |x|/(2√2)) and e = −x²/2 + P(t), erfcc's exponent (ln 2 folded into P). */
    private static void phiExponent(float[] scratch, float[] x, int xo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector tv = ONE.div(v.abs().fma(V_INV_2_SQRT_2, ONE));
            FloatVector p = tv.fma(VP9, VP8);
            p = p.fma(tv, VP7);
            p = p.fma(tv, VP6);
            p = p.fma(tv, VP5);
            p = p.fma(tv, VP4);
            p = p.fma(tv, VP3);
            p = p.fma(tv, VP2);
            p = p.fma(tv, VP1);
            p = p.fma(tv, VP0);
            tv.intoArray(scratch, T + i);
            v.mul(v).fma(MINUS_HALF, p).intoArray(scratch, E + i);
        }
    }

    private static void expInPlace(float[] a, int ao, int n) {
        for (int i = 0; i < n; i += L) {
            SimdMath.exp(FloatVector.fromArray(S, a, ao + i)).intoArray(a, ao + i);
        }
    }

    /** erfc(|x|/√2)/2 = t·e^{...}; Φ = that for x ≤ 0, else 1 − that; times x when timesX. */
    private static void phiFinish(float[] out, int oo, float[] scratch, float[] x, int xo, int n, boolean timesX) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector half = FloatVector.fromArray(S, scratch, T + i).mul(FloatVector.fromArray(S, scratch, E + i));
            FloatVector phi = half.blend(ONE.sub(half), v.compare(VectorOperators.GT, ZERO));
            (timesX ? v.mul(phi) : phi).intoArray(out, oo + i);
        }
    }

    /** pdf = φ(x) = e^{−x²/2}/√(2π). */
    private static void geluPdf(float[] pdf, int po, float[] x, int xo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            SimdMath.exp(v.mul(v).mul(MINUS_HALF)).mul(V_INV_SQRT_2PI).intoArray(pdf, po + i);
        }
    }

    /** dx = dy·(x·φ + Φ), φ and Φ from the scratch. */
    private static void geluBackwardCombine(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, float[] scratch,
                                            int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector pdf = FloatVector.fromArray(S, scratch, PDF + i);
            FloatVector p = FloatVector.fromArray(S, scratch, E + i);
            FloatVector.fromArray(S, dy, dyo + i).mul(v.fma(pdf, p)).intoArray(dx, dxo + i);
        }
    }

    private static float geluDerivative(float v) {
        float pdf = SimdMath.exp(v * v * -0.5f) * INV_SQRT_2PI;
        return Math.fma(v, pdf, phi(v));
    }

    /* erfcc's polynomial in t, highest power first; the last has −ln 2 folded in (−1.26551223 − ln 2). */
    private static final float P9 = 0.17087277f;
    private static final float P8 = -0.82215223f;
    private static final float P7 = 1.48851587f;
    private static final float P6 = -1.13520398f;
    private static final float P5 = 0.27886807f;
    private static final float P4 = -0.18628806f;
    private static final float P3 = 0.09678418f;
    private static final float P2 = 0.37409196f;
    private static final float P1 = 1.00002368f;
    private static final float P0 = -1.95865941f;
    private static final float INV_2_SQRT_2 = 0.35355339059327376f;
    // erfcc's coefficients as vectors made once (fewer nodes for C2 than a broadcast at each use)
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector MINUS_HALF = FloatVector.broadcast(S, -0.5f);
    private static final FloatVector V_INV_2_SQRT_2 = FloatVector.broadcast(S, INV_2_SQRT_2);
    private static final FloatVector V_INV_SQRT_2PI = FloatVector.broadcast(S, INV_SQRT_2PI);
    private static final FloatVector VP9 = FloatVector.broadcast(S, P9);
    private static final FloatVector VP8 = FloatVector.broadcast(S, P8);
    private static final FloatVector VP7 = FloatVector.broadcast(S, P7);
    private static final FloatVector VP6 = FloatVector.broadcast(S, P6);
    private static final FloatVector VP5 = FloatVector.broadcast(S, P5);
    private static final FloatVector VP4 = FloatVector.broadcast(S, P4);
    private static final FloatVector VP3 = FloatVector.broadcast(S, P3);
    private static final FloatVector VP2 = FloatVector.broadcast(S, P2);
    private static final FloatVector VP1 = FloatVector.broadcast(S, P1);
    private static final FloatVector VP0 = FloatVector.broadcast(S, P0);

    /**
     * Φ(x) = erfc(−x/√2)/2 with a = |x|/√2, t = 1/(1 + a/2) and erfc(a)/2 = t·e^{−a² + P(t) − ln 2}
     * (ln 2 folded into P's constant term); for x > 0, Φ = 1 − erfc(a)/2. The scalar twin of
     * {@link #phiChunk}'s passes.
     */
    private static float phi(float v) {
        float t = 1f / Math.fma(Math.abs(v), INV_2_SQRT_2, 1f);
        float p = Math.fma(t, P9, P8);
        p = Math.fma(p, t, P7);
        p = Math.fma(p, t, P6);
        p = Math.fma(p, t, P5);
        p = Math.fma(p, t, P4);
        p = Math.fma(p, t, P3);
        p = Math.fma(p, t, P2);
        p = Math.fma(p, t, P1);
        p = Math.fma(p, t, P0);
        float half = t * SimdMath.exp(Math.fma(v * v, -0.5f, p));
        return v > 0f ? 1f - half : half;
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
            v.div(SimdMath.exp(minus2u).add(1f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = geluTanh(x[xo + i]);
        }
    }

    private static float geluTanh(float v) {
        float minus2u = Math.fma(v * v, K1, 1f) * v * (-2 * K0);
        return v / (SimdMath.exp(minus2u) + 1f);
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
            FloatVector e = SimdMath.exp(twoU.abs().neg());
            FloatVector big = one().div(e.add(1f));                        // σ(|2u|)
            FloatVector small = e.mul(big);                                // σ(−|2u|)
            VectorMask<Float> negative = twoU.compare(VectorOperators.LT, 0f);
            FloatVector sPlus = big.blend(small, negative);                // σ(2u)
            FloatVector sMinus = small.blend(big, negative);               // σ(−2u)
            FloatVector slope = v2.fma(3 * K1, 1f).mul(2 * K0);
            FloatVector d = v.mul(sMinus).fma(slope, one()).mul(sPlus);
            FloatVector.fromArray(S, dy, dyo + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = dy[dyo + i] * geluTanhDerivative(x[xo + i]);
        }
    }

    private static float geluTanhDerivative(float v) {
        float v2 = v * v;
        float twoU = Math.fma(v2, K1, 1f) * v * (2 * K0);
        float e = SimdMath.exp(-Math.abs(twoU));
        float big = 1f / (e + 1f);
        float small = e * big;
        boolean negative = twoU < 0f;
        float sPlus = negative ? small : big;
        float sMinus = negative ? big : small;
        float slope = Math.fma(v2, 3 * K1, 1f) * (2 * K0);
        return Math.fma(v * sMinus, slope, 1f) * sPlus;
    }

    // ------------------------------------------------------------------ SiLU

    /** x·σ(x) = x/(1 + e^−x). */
    public static void silu(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.div(SimdMath.exp(v.neg()).add(1f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = forwardScalar(UnaryOp.SILU, x[xo + i]);
        }
    }

    /** dx = dy·σ(x)(1 + x(1 − σ(x))). */
    public static void siluBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector s = SimdMath.sigmoid(v);
            FloatVector d = s.mul(v.mul(s.neg().add(1f)).add(1f));
            FloatVector.fromArray(S, dy, dyo + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = backwardScalar(UnaryOp.SILU, dy[dyo + i], x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ softplus and Mish

    /** log(1 + eˣ) = max(x, 0) + log1p(e^−|x|). */
    private static FloatVector softplus(FloatVector v) {
        return v.max(0f).add(SimdMath.log1p(SimdMath.exp(v.abs().neg())));
    }

    private static float softplus(float v) {
        return Math.max(v, 0f) + SimdMath.log1p(SimdMath.exp(-Math.abs(v)));
    }

    public static void softplus(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            softplus(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = softplus(x[xo + i]);
        }
    }

    /** dx = dy·σ(x). */
    public static void softplusBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector s = SimdMath.sigmoid(FloatVector.fromArray(S, x, xo + i));
            FloatVector.fromArray(S, dy, dyo + i).mul(s).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = backwardScalar(UnaryOp.SOFTPLUS, dy[dyo + i], x[xo + i]);
        }
    }

    /*
     * Mish from one exponential: with n = eˣ, tanh(softplus(x)) = w/(w + 2) where w = n(n + 2), and
     * 1 − t = 2/(w + 2), σ(x) = n/(n + 1); no cancellation anywhere. eˣ is taken at min(x, MISH_CAP):
     * above it t is 1 in float (and the derivative 1).
     */
    private static final float MISH_CAP = 20f;

    /** Mish's t = tanh(softplus(x)). */
    private static FloatVector mishT(FloatVector v) {
        FloatVector e = SimdMath.exp(v.min(MISH_CAP));
        FloatVector w = e.add(2f).mul(e);
        return w.div(w.add(2f));
    }

    private static float mishT(float v) {
        float e = SimdMath.exp(Math.min(v, MISH_CAP));
        float w = (e + 2f) * e;
        return w / (w + 2f);
    }

    /** x·tanh(softplus(x)). */
    public static void mish(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(mishT(v)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i];
            y[yo + i] = v * mishT(v);
        }
    }

    /** dx = dy·(t + x·σ(x)(1 − t)(1 + t)), t = tanh(softplus(x)). */
    public static void mishBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector e = SimdMath.exp(v.min(MISH_CAP));
            FloatVector w = e.add(2f).mul(e);
            FloatVector wp2 = w.add(2f);
            FloatVector t = w.div(wp2);
            FloatVector sig = e.div(e.add(1f));
            FloatVector oneMinusT = FloatVector.broadcast(S, 2f).div(wp2);
            // above the cap the derivative is 1 (v·0 + 1 keeps the reference's NaN at +∞)
            FloatVector d = v.mul(sig).mul(oneMinusT).mul(t.add(1f)).add(t)
                    .blend(v.mul(0f).add(1f), v.compare(VectorOperators.GT, MISH_CAP));
            FloatVector.fromArray(S, dy, dyo + i).mul(d).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = dy[dyo + i] * mishDerivative(x[xo + i]);
        }
    }

    private static float mishDerivative(float v) {
        float e = SimdMath.exp(Math.min(v, MISH_CAP));
        float w = (e + 2f) * e;
        float wp2 = w + 2f;
        float t = w / wp2;
        float sig = e / (e + 1f);
        float oneMinusT = 2f / wp2;
        return v > MISH_CAP ? v * 0f + 1f : v * sig * oneMinusT * (t + 1f) + t;
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
            y[yo + i] = forwardScalar(UnaryOp.RELU_SQUARED, x[xo + i]);
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
            dx[dxo + i] = backwardScalar(UnaryOp.RELU_SQUARED, dy[dyo + i], x[xo + i]);
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
            dx[dxo + i] = backwardScalar(UnaryOp.RELU, dy[dyo + i], x[xo + i]);
        }
    }

    /** dx = dy·σ(x)(1 − σ(x)). */
    public static void sigmoidBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector s = SimdMath.sigmoid(FloatVector.fromArray(S, x, xo + i));
            FloatVector.fromArray(S, dy, dyo + i).mul(s.mul(s.neg().add(1f))).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = backwardScalar(UnaryOp.SIGMOID, dy[dyo + i], x[xo + i]);
        }
    }

    /** dx = dy·(1 − tanh²(x)). */
    public static void tanhBackward(float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector t = SimdMath.tanh(FloatVector.fromArray(S, x, xo + i));
            FloatVector.fromArray(S, dy, dyo + i).mul(t.mul(t).neg().add(1f)).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = backwardScalar(UnaryOp.TANH, dy[dyo + i], x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ issue 15: ReLU6, hard sigmoid and swish, softsign, tanhshrink, logsigmoid

    /**
     * y = op(x) for the clamp-built and sigmoid-built activations, in float (hardswish as
     * x·(relu6(x + 3)/6), which cannot overflow where PyTorch's x·relu6(x + 3)/6 does). Clamps are
     * max-then-min, which keep NaN; {@link #forwardScalar} is the tail's twin.
     */
    static void hard(UnaryOp op, float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector r = switch (op) {
                case RELU6 -> v.max(0f).min(6f);
                case HARDSIGMOID -> v.add(3f).max(0f).min(6f).div(6f);
                case HARDSWISH -> v.mul(v.add(3f).max(0f).min(6f).div(6f));
                case SOFTSIGN -> v.div(v.abs().add(1f));
                case TANHSHRINK -> v.sub(SimdMath.tanh(v));
                case LOGSIGMOID -> softplus(v.neg()).neg();
                default -> throw new IllegalArgumentException("ActivationKernels.hard: no kernel for " + op);
            };
            r.intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = forwardScalar(op, x[xo + i]);
        }
    }

    /**
     * dx = dy ⊙ op'(x) for the ops of {@link #hard}, with PyTorch's values at the kinks: selects
     * (an infinite dy still gives 0 outside the linear pieces), hardswish −½ at −3 and 1 at 3.
     */
    static void hardBackward(UnaryOp op, float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
            FloatVector r = switch (op) {
                case RELU6 -> zero.blend(g, v.compare(VectorOperators.GT, 0f).and(v.compare(VectorOperators.LT, 6f)));
                case HARDSIGMOID -> zero.blend(g.mul(1f / 6f),
                        v.compare(VectorOperators.GT, -3f).and(v.compare(VectorOperators.LT, 3f)));
                case HARDSWISH -> g.mul(v.div(3f).add(0.5f)).blend(g, v.compare(VectorOperators.GE, 3f))
                        .blend(zero, v.compare(VectorOperators.LT, -3f));
                case SOFTSIGN -> {
                    FloatVector d = v.abs().add(1f);
                    yield g.div(d.mul(d)).blend(Float.NaN, v.abs().compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
                }
                case TANHSHRINK -> {
                    FloatVector t = SimdMath.tanh(v);
                    yield g.mul(t.mul(t));
                }
                case LOGSIGMOID -> g.mul(SimdMath.sigmoid(v.neg()));
                default -> throw new IllegalArgumentException("ActivationKernels.hardBackward: no kernel for " + op);
            };
            r.intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = backwardScalar(op, dy[dyo + i], x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ parameterised activations

    /**
     * y = f(x) where x steps by xs: LeakyReLU, ELU and CELU in vectors when x is contiguous (ELU and
     * CELU through {@link SimdMath#expm1}, within 3 ulp), every other kind by its scalar definition
     * in double (hardtanh and the shrinks compare x with their double parameters, as the reference).
     */
    public static void activation(Activation f, float[] y, int yo, float[] x, int xo, int xs, int n) {
        int i = 0;
        Activation.Kind kind = f.kind();
        if (xs == 1 && hasVectorActivation(kind)) {
            float p0 = (float) f.param(0);
            for (int up = bound(n); i < up; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
                FloatVector r = switch (kind) {
                    case LEAKY_RELU -> v.blend(v.mul(p0), pos.not());
                    case ELU -> SimdMath.expm1(v).mul(p0).blend(v, pos);
                    case CELU -> SimdMath.expm1(v.div(p0)).mul(p0).blend(v, pos);
                    default -> throw new IllegalArgumentException("ActivationKernels.activation: no kernel for " + kind);
                };
                r.intoArray(y, yo + i);
            }
            for (; i < n; i++) {
                y[yo + i] = activationScalar(f, x[xo + i], p0);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = (float) f.apply(x[xo + i * xs]);
        }
    }

    /** The kinds {@link #activation} runs in vectors. */
    private static boolean hasVectorActivation(Activation.Kind kind) {
        return kind == Activation.Kind.LEAKY_RELU || hasVectorBackward(kind);
    }

    /**
     * The kinds {@link #activationBackward} runs in vectors: not LeakyReLU, whose reference
     * multiplies dy by the double slope (exact to the bit only in double).
     */
    private static boolean hasVectorBackward(Activation.Kind kind) {
        return kind == Activation.Kind.ELU || kind == Activation.Kind.CELU;
    }

    /** f(v) as {@link #activation}'s vector loop computes it (p0: the parameter as a float). */
    private static float activationScalar(Activation f, float v, float p0) {
        return switch (f.kind()) {
            case LEAKY_RELU -> v > 0 ? v : p0 * v;
            case ELU -> v > 0f ? v : SimdMath.expm1(v) * p0;
            case CELU -> v > 0f ? v : SimdMath.expm1(v / p0) * p0;
            default -> (float) f.apply(v);
        };
    }

    /**
     * dx = dy·f'(x), x and dy stepping by xs and gs: ELU and CELU in vectors (through {@link
     * SimdMath#exp}) when both are contiguous, the rest by the scalar definition in double.
     */
    public static void activationBackward(Activation f, float[] dx, int dxo, float[] x, int xo, int xs, float[] dy,
                                          int dyo, int gs, int n) {
        int i = 0;
        Activation.Kind kind = f.kind();
        if (xs == 1 && gs == 1 && hasVectorBackward(kind)) {
            float p0 = (float) f.param(0);
            for (int up = bound(n); i < up; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
                FloatVector slope = kind == Activation.Kind.ELU ? SimdMath.exp(v).mul(p0) : SimdMath.exp(v.div(p0));
                g.mul(slope).blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(dx, dxo + i);
            }
            for (; i < n; i++) {
                dx[dxo + i] = activationBackwardScalar(kind, dy[dyo + i], x[xo + i], p0);
            }
        }
        for (; i < n; i++) {
            dx[dxo + i] = (float) (dy[dyo + i * gs] * f.derivative(x[xo + i * xs]));
        }
    }

    /** dy·f'(v) as {@link #activationBackward}'s vector loop computes it, for ELU and CELU. */
    private static float activationBackwardScalar(Activation.Kind kind, float g, float v, float p0) {
        if (v > 0f) {
            return g;
        }
        return g * (kind == Activation.Kind.ELU ? SimdMath.exp(v) * p0 : SimdMath.exp(v / p0));
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
