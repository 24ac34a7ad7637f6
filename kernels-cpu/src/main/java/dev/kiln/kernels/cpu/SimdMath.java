package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Kiln's own exp, exp2, expm1, log, log2, log10, log1p, tanh, sigmoid, sin and cos on float vectors, each with a scalar twin that does
 * the same float operations in the same order, so a kernel's vector loop and its scalar tail give
 * the same bits for the same input.
 *
 * <p>Why not {@code lanewise(EXP)} and {@link Math#exp}: the Vector API's transcendental operators
 * run a Java fallback (Math.exp per lane, in double) until C2 compiles the kernel and an SVML
 * routine after, and the two round differently, so a training run's bits depended on JIT timing;
 * and the scalar tails differed from both. These functions use only add, multiply, FMA, divide,
 * min/max, compares, blends and integer bit operations, which IEEE 754 and the Java spec fix to the
 * bit in the interpreter, in C2's code and in {@link Math#fma}. Each is within 2 ulp of the exact
 * result over the whole float range (SimdMathTest checks it against StrictMath); NaN in gives NaN
 * out, with no promise about its payload.
 */
public final class SimdMath {
    // e^x = 2^n · e^r with n = round(x·log₂e), r = x − n·ln2 in [−ln2/2, ln2/2] (ln2 split in two so n·LN2_HI is exact)
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: x + ROUND rounds x (|x| < 2²²) to an integer, kept in the low mantissa bits. */
    static final float ROUND = 12582912f;
    static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /* e^x underflows to 0 below −103.98 and overflows above 88.73: clamping there keeps n in [−150, 128]. */
    private static final float EXP_LO = -104f;
    private static final float EXP_HI = 89f;
    /* e^r − 1 = r·(1 + r·(E2 + r·(E3 + ...))): degree 6, fitted for least relative error (2e-9) on [−ln2/2, ln2/2]. */
    private static final float E2 = 0.49999994f;
    private static final float E3 = 0.16666432f;
    private static final float E4 = 0.041668f;
    private static final float E5 = 0.0083741555f;
    private static final float E6 = 0.0013843654f;

    // log x = k·ln2 + log(1 + f), 1 + f in [√½, √2); log(1 + f) = f − s·(f − R(s²)) with s = f/(2 + f)
    private static final int SQRT_HALF_BITS = Float.floatToRawIntBits(0.70710677f);
    private static final int MANTISSA = 0x007fffff;
    private static final float MIN_NORMAL = Float.MIN_NORMAL;
    private static final float TWO_23 = 8388608f;
    /* R(z) = z·(G1 + z·(G2 + z·G3)) ≈ (log((1+s)/(1−s)) − 2s)/s, z = s², fitted for least relative error (1e-9). */
    private static final float G1 = 0.66666776f;
    private static final float G2 = 0.3997756f;
    private static final float G3 = 0.29871362f;

    // tanh: x + x³·P(x²) below TANH_SMALL (fitted, 4e-8), else 1 − 2/(e^{2|x|} + 1), sign restored from x
    private static final float TANH_SMALL = 0.55f;
    private static final float T1 = -0.33332947f;
    private static final float T2 = 0.13320725f;
    private static final float T3 = -0.052671812f;
    private static final float T4 = 0.01643758f;
    static final int SIGN = 0x80000000;

    // sin, cos: x = k·π/2 + r, k = round(x·2/π), r in [−π/4, π/4] by Cody–Waite with π/2 in three float
    // parts (the first step is exact, FMA rounds each once); then r + r³·PS(r²) and 1 − r²/2 + r⁴·PC(r²),
    // least-squares fits on [0, π/4] (relative error 8e-8), picked and signed by k mod 4. Past TRIG_MAX
    // a lane takes StrictMath's double result rounded once (rare, exact, the same in every JIT mode).
    static final float TWO_OVER_PI = 0.63661975f;
    static final float PIO2_1 = 1.5707964f;
    static final float PIO2_2 = -4.371139e-08f;
    static final float PIO2_3 = -1.7151245e-15f;
    static final float TRIG_MAX = 65536f;
    private static final float S1 = -0.16666655f;
    private static final float S2 = 0.008332166f;
    private static final float S3 = -1.9515913e-04f;
    private static final float C1 = 0.041666646f;
    private static final float C2 = -0.0013887341f;
    private static final float C3 = 2.4435813e-05f;

    private SimdMath() {
    }

    // ------------------------------------------------------------------ exp

    /** e^x per lane. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(EXP_LO).min(EXP_HI); // NaN stays NaN (Math.max/min semantics)
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(bc(x, -LN2_HI), x);
        r = n.fma(bc(x, -LN2_LO), r);
        FloatVector p = r.fma(E6, E5).fma(r, bc(x, E4)).fma(r, bc(x, E3)).fma(r, bc(x, E2)).fma(r, bc(x, 1f))
                .fma(r, bc(x, 1f));
        // 2^n as 2^n1 · 2^n2, both normal: one scale alone would not reach the subnormals or 2^128.
        // pow2 written out: in a large kernel C2 stops inlining calls (NodeCountInliningCutoff), and
        // an IntVector passed to a call that is not inlined is boxed
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS - 127);  // n + 127
        IntVector n1 = ni.sub(127).lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);                                     // n − n1 + 127
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(n2.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /** e^x, the scalar twin of {@link #exp(FloatVector)}. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, E6, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int ni = Float.floatToRawIntBits(t) - ROUND_BITS;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return p * pow2(n1) * pow2(n2);
    }

    /* 2^(n+64) from t's low bits: n + 64 + 127 in the exponent field */
    private static final int EXP_NEG_BITS = ROUND_BITS - 64 - 127;
    private static final float TWO_M64 = 0x1p-64f;

    /**
     * e^x per lane for x ≤ 0 (and −∞, NaN): the bits of {@link #exp(FloatVector)}, in about two
     * thirds of its operations, for softmax's e^{x − max}. exp scales by 2^n in two normal steps so
     * that it reaches both the subnormals and 2^128; with x ≤ 0, one step by 2^{n+64} (exact,
     * normal down to n = −150) and one by 2^−64 (which rounds once, as exp's second step does) give
     * the same value, and a compare and a blend replace exp's NaN-aware clamps (a NaN passes through
     * the multiplies). Not for x above 43, where 2^{n+64} overflows.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        x = x.blend(EXP_LO, x.compare(VectorOperators.LT, EXP_LO));
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(bc(x, -LN2_HI), x);
        r = n.fma(bc(x, -LN2_LO), r);
        FloatVector scale = t.reinterpretAsInts().sub(EXP_NEG_BITS).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return expPoly(r).mul(scale).mul(TWO_M64);
    }

    /** e^x for x ≤ 0, the scalar twin of {@link #expNonPositive(FloatVector)}. */
    public static float expNonPositive(float x) {
        x = x < EXP_LO ? EXP_LO : x;
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float scale = Float.intBitsToFloat((Float.floatToRawIntBits(t) - EXP_NEG_BITS) << 23);
        return expPoly(r) * scale * TWO_M64;
    }

    // ------------------------------------------------------------------ exp2, expm1, e^x/2

    private static final float LN2_F = 0.6931472f;
    private static final float LN2_F_LO = -1.9046542e-09f;

    /** 2^x per lane: 2^n · e^{(x − n)·ln2} with n = round(x) and x − n exact; exact at integers. */
    public static FloatVector exp2(FloatVector x) {
        x = x.max(-151f).min(129f);
        FloatVector t = x.add(ROUND);
        FloatVector f = x.sub(t.sub(ROUND));
        FloatVector r = f.fma(bc(x, LN2_F), f.mul(LN2_F_LO));
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        return expPoly(r).mul(pow2(n1)).mul(pow2(ni.sub(n1)));
    }

    /** 2^x, the scalar twin of {@link #exp2(FloatVector)}. */
    public static float exp2(float x) {
        x = Math.min(Math.max(x, -151f), 129f);
        float t = x + ROUND;
        float f = x - (t - ROUND);
        float r = Math.fma(f, LN2_F, f * LN2_F_LO);
        int ni = Float.floatToRawIntBits(t) - ROUND_BITS;
        int n1 = ni >> 1;
        return expPoly(r) * pow2(n1) * pow2(ni - n1);
    }

    /**
     * e^x − 1 per lane, exact in its small-x digits: with n and r as in exp, e^r − 1 = r·Q(r) from
     * exp's polynomial, then 2·(h·(e^r − 1) + (h − ½)) with h = 2^(n−1), one rounding in the FMA
     * (h − ½ is exact where it matters). n = 0 keeps r·Q(r) itself (subnormals stay), and ±0 is kept.
     */
    public static FloatVector expm1(FloatVector x) {
        x = x.max(-30f).min(EXP_HI); // e^−30 − 1 rounds to −1
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(bc(x, -LN2_HI), x);
        r = n.fma(bc(x, -LN2_LO), r);
        FloatVector em1 = r.mul(expm1Poly(r));
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        FloatVector h = pow2(ni.sub(1));
        FloatVector y = h.fma(em1, h.sub(0.5f)).mul(2f);
        return y.blend(em1, ni.compare(VectorOperators.EQ, 0).cast(x.species())).blend(x, x.eq(0f)); // keeps −0
    }

    /** e^x − 1, the scalar twin of {@link #expm1(FloatVector)}. */
    public static float expm1(float x) {
        x = Math.min(Math.max(x, -30f), EXP_HI);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float em1 = r * expm1Poly(r);
        int ni = Float.floatToRawIntBits(t) - ROUND_BITS;
        if (x == 0f) {
            return x;
        }
        if (ni == 0) {
            return em1;
        }
        float h = pow2(ni - 1);
        return Math.fma(h, em1, h - 0.5f) * 2f;
    }

    /** e^x/2 per lane, finite up to x = 89.4 (where e^x alone overflows): cosh and sinh of large x. */
    static FloatVector expHalf(FloatVector x) {
        x = x.max(EXP_LO).min(90f);
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(bc(x, -LN2_HI), x);
        r = n.fma(bc(x, -LN2_LO), r);
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS + 1);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        return expPoly(r).mul(pow2(n1)).mul(pow2(ni.sub(n1)));
    }

    /** e^x/2, the scalar twin of {@link #expHalf(FloatVector)}. */
    static float expHalf(float x) {
        x = Math.min(Math.max(x, EXP_LO), 90f);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        int ni = Float.floatToRawIntBits(t) - (ROUND_BITS + 1);
        int n1 = ni >> 1;
        return expPoly(r) * pow2(n1) * pow2(ni - n1);
    }

    // ------------------------------------------------------------------ e^{−a²/2}, GELU's Gaussian

    /** Largest a that {@link #gaussianScaled} takes: beyond, e^{−a²/2}·2^−64 is below float's smallest subnormal. */
    static final float GAUSS_A_MAX = 14.5f;
    /* ni + 64 is the exponent of the result: the ROUND bits and the 2^64 offset in one constant */
    private static final int GAUSS_BITS = ROUND_BITS - 64;

    /**
     * e^{−a²/2}·2^64 per lane for a in [0, GAUSS_A_MAX] (NaN in, no promise out): a² = h + l exactly
     * (FMA), so r = −h/2 − n·ln2 − l/2 carries no rounding of a² (which e^{−a²/2} would amplify
     * to a²/2 ulp, 50 at a = 10), then exp's polynomial and one scaling by 2^{n+64}: the offset keeps
     * the result normal down to a = 14.5, where callers multiply by 2^−64 and round once into the
     * subnormals. Within 2 ulp (the polynomial's 2e-9, the rounding of r and the last FMA).
     */
    static FloatVector gaussianScaled(FloatVector a) {
        FloatVector h = a.mul(a);
        FloatVector l = a.fma(a, h.neg());
        FloatVector t = h.fma(-0.5f * LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(bc(a, -LN2_HI), h.mul(-0.5f)); // exact: n·LN2_HI has 17 bits
        r = n.fma(bc(a, -LN2_LO), r);
        r = l.fma(bc(a, -0.5f), r);
        IntVector scale = t.reinterpretAsInts().sub(GAUSS_BITS).lanewise(VectorOperators.LSHL, 23);
        return expPoly(r).reinterpretAsInts().add(scale).reinterpretAsFloats();
    }

    /** e^{−a²/2}·2^64, the scalar twin of {@link #gaussianScaled(FloatVector)}. */
    static float gaussianScaled(float a) {
        float h = a * a;
        float l = Math.fma(a, a, -h);
        float t = Math.fma(h, -0.5f * LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, h * -0.5f);
        r = Math.fma(n, -LN2_LO, r);
        r = Math.fma(l, -0.5f, r);
        int scale = (Float.floatToRawIntBits(t) - GAUSS_BITS) << 23;
        return Float.intBitsToFloat(Float.floatToRawIntBits(expPoly(r)) + scale);
    }

    /** (e^r − 1)/r for r in [−ln2/2, ln2/2] (exp's polynomial without its last step). */
    private static FloatVector expm1Poly(FloatVector r) {
        return r.fma(E6, E5).fma(r, bc(r, E4)).fma(r, bc(r, E3)).fma(r, bc(r, E2)).fma(r, bc(r, 1f));
    }

    private static float expm1Poly(float r) {
        float p = Math.fma(r, E6, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        return Math.fma(p, r, 1f);
    }

    /** e^r for r in [−ln2/2, ln2/2], the same operations as exp's. */
    private static FloatVector expPoly(FloatVector r) {
        return expm1Poly(r).fma(r, bc(r, 1f));
    }

    private static float expPoly(float r) {
        return Math.fma(expm1Poly(r), r, 1f);
    }

    private static FloatVector pow2(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    private static float pow2(int n) {
        return Float.intBitsToFloat((n + 127) << 23);
    }

    private static FloatVector bc(FloatVector like, float c) {
        return FloatVector.broadcast(like.species(), c);
    }

    // ------------------------------------------------------------------ sin, cos

    /** sin x per lane (NaN at ±∞). */
    public static FloatVector sin(FloatVector x) {
        return sinCos(x, 0);
    }

    /** cos x per lane (NaN at ±∞). */
    public static FloatVector cos(FloatVector x) {
        return sinCos(x, 1);
    }

    /** sin x, the scalar twin of {@link #sin(FloatVector)}. */
    public static float sin(float x) {
        return Math.abs(x) > TRIG_MAX ? (float) StrictMath.sin(x) : sinCos(x, 0);
    }

    /** cos x, the scalar twin of {@link #cos(FloatVector)}. */
    public static float cos(float x) {
        return Math.abs(x) > TRIG_MAX ? (float) StrictMath.cos(x) : sinCos(x, 1);
    }

    /** sin x (quarter = 0) or cos x = sin(x + π/2) (quarter = 1). */
    private static FloatVector sinCos(FloatVector x, int quarter) {
        FloatVector t = x.fma(TWO_OVER_PI, ROUND);
        FloatVector k = t.sub(ROUND);
        FloatVector r = k.fma(bc(x, -PIO2_1), x);
        r = k.fma(bc(x, -PIO2_2), r);
        r = k.fma(bc(x, -PIO2_3), r);
        FloatVector z = r.mul(r);
        FloatVector s = r.mul(z).fma(z.fma(S3, S2).fma(z, bc(x, S1)), r);
        FloatVector c = z.mul(z).fma(z.fma(C3, C2).fma(z, bc(x, C1)), z.fma(-0.5f, 1f));
        IntVector q = t.reinterpretAsInts().sub(ROUND_BITS - quarter);
        FloatVector y = s.blend(c, q.and(1).compare(VectorOperators.NE, 0).cast(x.species()));
        y = y.reinterpretAsInts().lanewise(VectorOperators.XOR, q.and(2).lanewise(VectorOperators.LSHL, 30))
                .reinterpretAsFloats();
        if (quarter == 0) {
            y = y.blend(x, x.compare(VectorOperators.EQ, 0f)); // sin(−0) = −0: r + (+0) would lose the sign
        }
        VectorMask<Float> big = x.abs().compare(VectorOperators.GT, TRIG_MAX);
        if (big.anyTrue()) {
            for (int i = 0; i < x.length(); i++) {
                if (big.laneIsSet(i)) {
                    double v = x.lane(i);
                    y = y.withLane(i, (float) (quarter == 0 ? StrictMath.sin(v) : StrictMath.cos(v)));
                }
            }
        }
        return y;
    }

    private static float sinCos(float x, int quarter) {
        float t = Math.fma(x, TWO_OVER_PI, ROUND);
        float k = t - ROUND;
        float r = Math.fma(k, -PIO2_1, x);
        r = Math.fma(k, -PIO2_2, r);
        r = Math.fma(k, -PIO2_3, r);
        float z = r * r;
        float s = Math.fma(r * z, Math.fma(Math.fma(z, S3, S2), z, S1), r);
        float c = Math.fma(z * z, Math.fma(Math.fma(z, C3, C2), z, C1), Math.fma(z, -0.5f, 1f));
        int q = Float.floatToRawIntBits(t) - ROUND_BITS + quarter;
        float y = (q & 1) != 0 ? c : s;
        y = Float.intBitsToFloat(Float.floatToRawIntBits(y) ^ ((q & 2) << 30));
        return quarter == 0 && x == 0 ? x : y;
    }

    // ------------------------------------------------------------------ log, log1p

    /** The natural log per lane: −∞ at ±0, NaN below 0, +∞ at +∞. */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> tiny = x.lt(MIN_NORMAL); // subnormals are scaled into the normal range first
        FloatVector xs = x.blend(x.mul(TWO_23), tiny);
        IntVector bits = xs.reinterpretAsInts().add(Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        FloatVector k = (FloatVector) bits.lanewise(VectorOperators.ASHR, 23).sub(127)
                .convert(VectorOperators.I2F, 0);
        k = k.blend(k.sub(23f), tiny);
        FloatVector f = bits.and(MANTISSA).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
        FloatVector y = k.fma(bc(x, LN2_HI), log1pReduced(f).add(k.mul(LN2_LO)));
        return y.blend(Float.NEGATIVE_INFINITY, x.eq(0f))
                .blend(Float.POSITIVE_INFINITY, x.eq(Float.POSITIVE_INFINITY))
                .blend(Float.NaN, x.lt(0f).or(x.test(VectorOperators.IS_NAN)));
    }

    /** The natural log, the scalar twin of {@link #log(FloatVector)}. */
    public static float log(float x) {
        boolean tiny = x < MIN_NORMAL;
        float xs = tiny ? x * TWO_23 : x;
        int bits = Float.floatToRawIntBits(xs) + (Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        float k = (float) ((bits >> 23) - 127);
        if (tiny) {
            k = k - 23f;
        }
        float f = Float.intBitsToFloat((bits & MANTISSA) + SQRT_HALF_BITS) - 1f;
        float y = Math.fma(k, LN2_HI, log1pReduced(f) + k * LN2_LO);
        if (x == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        return x < 0f || x != x ? Float.NaN : y;
    }

    // ------------------------------------------------------------------ log2, log10

    private static final float LOG2E_HI = 1.442695f;
    private static final float LOG2E_LO = 1.925963e-08f;
    private static final float LOG10E_HI = 0.4342945f;
    private static final float LOG10E_LO = -1.0103050e-08f;
    private static final float LOG10_2_HI = 0.30103f;
    private static final float LOG10_2_LO = -1.4320989e-08f;

    /** log₂ x per lane: k + log(1 + f)·log₂e (log's reduction); exact at powers of two, specials as log. */
    public static FloatVector log2(FloatVector x) {
        VectorMask<Float> tiny = x.lt(MIN_NORMAL);
        IntVector bits = x.blend(x.mul(TWO_23), tiny).reinterpretAsInts()
                .add(Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        FloatVector k = logExponent(bits, tiny);
        FloatVector l = log1pReduced(logFraction(bits));
        return logSpecials(x, l.fma(bc(x, LOG2E_HI), l.fma(bc(x, LOG2E_LO), k)));
    }

    /** log₂ x, the scalar twin of {@link #log2(FloatVector)}. */
    public static float log2(float x) {
        boolean tiny = x < MIN_NORMAL;
        int bits = Float.floatToRawIntBits(tiny ? x * TWO_23 : x) + (Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        float k = logExponent(bits, tiny);
        float l = log1pReduced(logFraction(bits));
        return logSpecials(x, Math.fma(l, LOG2E_HI, Math.fma(l, LOG2E_LO, k)));
    }

    /** log₁₀ x per lane: k·log₁₀2 + log(1 + f)·log₁₀e, constants in two parts; specials as log. */
    public static FloatVector log10(FloatVector x) {
        VectorMask<Float> tiny = x.lt(MIN_NORMAL);
        IntVector bits = x.blend(x.mul(TWO_23), tiny).reinterpretAsInts()
                .add(Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        FloatVector k = logExponent(bits, tiny);
        FloatVector l = log1pReduced(logFraction(bits));
        FloatVector lo = l.fma(bc(x, LOG10E_LO), k.mul(LOG10_2_LO));
        return logSpecials(x, k.fma(bc(x, LOG10_2_HI), l.fma(bc(x, LOG10E_HI), lo)));
    }

    /** log₁₀ x, the scalar twin of {@link #log10(FloatVector)}. */
    public static float log10(float x) {
        boolean tiny = x < MIN_NORMAL;
        int bits = Float.floatToRawIntBits(tiny ? x * TWO_23 : x) + (Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        float k = logExponent(bits, tiny);
        float l = log1pReduced(logFraction(bits));
        float lo = Math.fma(l, LOG10E_LO, k * LOG10_2_LO);
        return logSpecials(x, Math.fma(k, LOG10_2_HI, Math.fma(l, LOG10E_HI, lo)));
    }

    /** k of x = 2^k·(1 + f) from log's shifted bits (23 less for a subnormal scaled by 2²³). */
    private static FloatVector logExponent(IntVector bits, VectorMask<Float> tiny) {
        FloatVector k = (FloatVector) bits.lanewise(VectorOperators.ASHR, 23).sub(127).convert(VectorOperators.I2F, 0);
        return k.blend(k.sub(23f), tiny);
    }

    private static float logExponent(int bits, boolean tiny) {
        float k = (float) ((bits >> 23) - 127);
        return tiny ? k - 23f : k;
    }

    /** f of x = 2^k·(1 + f), 1 + f in [√½, √2). */
    private static FloatVector logFraction(IntVector bits) {
        return bits.and(MANTISSA).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
    }

    private static float logFraction(int bits) {
        return Float.intBitsToFloat((bits & MANTISSA) + SQRT_HALF_BITS) - 1f;
    }

    /** y, or log's value at x = ±0 (−∞), +∞ (+∞), below 0 and NaN (NaN). */
    private static FloatVector logSpecials(FloatVector x, FloatVector y) {
        return y.blend(Float.NEGATIVE_INFINITY, x.eq(0f))
                .blend(Float.POSITIVE_INFINITY, x.eq(Float.POSITIVE_INFINITY))
                .blend(Float.NaN, x.lt(0f).or(x.test(VectorOperators.IS_NAN)));
    }

    private static float logSpecials(float x, float y) {
        if (x == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        return x < 0f || x != x ? Float.NaN : y;
    }

    /**
     * log(1 + x) per lane, accurate for small x where log(1 + x) would lose x's digits: u = 1 + x
     * goes through log's reduction, and the rounding error of that add (exact in two operations)
     * is added back as c/u.
     */
    public static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        IntVector bits = u.reinterpretAsInts().add(Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        FloatVector k = (FloatVector) bits.lanewise(VectorOperators.ASHR, 23).sub(127)
                .convert(VectorOperators.I2F, 0);
        FloatVector f = bits.and(MANTISSA).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
        FloatVector c = x.sub(u.sub(1f)).blend(bc(x, 1f).sub(u.sub(x)), u.compare(VectorOperators.GE, 2f)).div(u);
        FloatVector y = k.fma(bc(x, LN2_HI), log1pReduced(f).add(k.fma(bc(x, LN2_LO), c)));
        return y.blend(x, x.eq(0f)) // keeps −0
                .blend(Float.NEGATIVE_INFINITY, u.eq(0f))
                .blend(Float.POSITIVE_INFINITY, x.eq(Float.POSITIVE_INFINITY))
                .blend(Float.NaN, u.lt(0f).or(x.test(VectorOperators.IS_NAN)));
    }

    /** log(1 + x), the scalar twin of {@link #log1p(FloatVector)}. */
    public static float log1p(float x) {
        float u = x + 1f;
        int bits = Float.floatToRawIntBits(u) + (Float.floatToRawIntBits(1f) - SQRT_HALF_BITS);
        float k = (float) ((bits >> 23) - 127);
        float f = Float.intBitsToFloat((bits & MANTISSA) + SQRT_HALF_BITS) - 1f;
        float c = (u >= 2f ? 1f - (u - x) : x - (u - 1f)) / u;
        float y = Math.fma(k, LN2_HI, log1pReduced(f) + Math.fma(k, LN2_LO, c));
        if (x == 0f) {
            return x;
        }
        if (u == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        return u < 0f || x != x ? Float.NaN : y;
    }

    /** log(1 + f) for 1 + f in [√½, √2). */
    private static FloatVector log1pReduced(FloatVector f) {
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector r = z.fma(G3, G2).fma(z, bc(f, G1)).mul(z);
        return f.sub(r).fma(s.neg(), f);
    }

    private static float log1pReduced(float f) {
        float s = f / (f + 2f);
        float z = s * s;
        float r = Math.fma(Math.fma(z, G3, G2), z, G1) * z;
        return Math.fma(f - r, -s, f);
    }

    // ------------------------------------------------------------------ tanh, sigmoid

    /** tanh per lane (both forms computed, the right one kept: no branch). */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector big = bc(x, 1f).sub(bc(x, 2f).div(exp(a.add(a)).add(1f)));
        FloatVector z = a.mul(a);
        FloatVector p = z.fma(T4, T3).fma(z, bc(x, T2)).fma(z, bc(x, T1));
        FloatVector small = a.mul(z).fma(p, a);
        FloatVector r = big.blend(small, a.lt(TANH_SMALL));
        return r.reinterpretAsInts().or(x.reinterpretAsInts().and(SIGN)).reinterpretAsFloats();
    }

    /** tanh, the scalar twin of {@link #tanh(FloatVector)}. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        float r;
        if (a < TANH_SMALL) {
            float z = a * a;
            float p = Math.fma(Math.fma(Math.fma(z, T4, T3), z, T2), z, T1);
            r = Math.fma(a * z, p, a);
        } else {
            r = 1f - 2f / (exp(a + a) + 1f);
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(r) | (Float.floatToRawIntBits(x) & SIGN));
    }

    /** 1/(1 + e^−x) per lane: 0 once e^−x overflows (x below −88.7, true value under 3e-39). */
    public static FloatVector sigmoid(FloatVector x) {
        return bc(x, 1f).div(exp(x.neg()).add(1f));
    }

    /** 1/(1 + e^−x), the scalar twin of {@link #sigmoid(FloatVector)}. */
    public static float sigmoid(float x) {
        return 1f / (exp(-x) + 1f);
    }
}
