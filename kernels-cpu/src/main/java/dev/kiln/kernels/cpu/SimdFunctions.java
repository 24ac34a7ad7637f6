package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.kiln.kernels.cpu.SimdMath.ROUND;
import static dev.kiln.kernels.cpu.SimdMath.ROUND_BITS;
import static dev.kiln.kernels.cpu.SimdMath.SIGN;

/**
 * The elementwise functions of issue 15 on float vectors, built on {@link SimdMath}'s exp and log
 * and its rules: only add, multiply, FMA, divide, sqrt, min/max, compares, blends and integer bit
 * operations (fixed to the bit by IEEE 754 in every JIT tier), and a scalar twin per function that
 * does the same operations in the same order. Hyperbolic functions and their inverses, tan and
 * the inverse trigonometric functions, erf and erfc, atan2, hypot, logaddexp, and the roundings. Each
 * is within 2 ulp of the exact result (logaddexp within 3, and of max(a, b) where its sum cancels;
 * erfc within 3.5 beyond |x| = 1.25, where e^−x² and F/x each round),
 * the roundings exact; SimdFunctionsTest sweeps each against StrictMath.
 *
 * <p>The polynomials are least-squares fits for relative error, refitted after rounding to float
 * ({@code tools/fit_simd_polys.py} prints them with their error).
 */
public final class SimdFunctions {
    private static final float TWO_23 = 8388608f;
    private static final int ABS_MASK = 0x7fffffff;
    private static final float LN2 = 0.6931472f;
    // π/2, π/4 and π in two parts (hi + lo), so that base + small adds the base's rounding error back
    private static final float PIO2_HI = 1.5707964f;
    private static final float PIO2_LO = -4.3711388e-08f;
    private static final float PIO4_HI = 0.7853982f;
    private static final float PIO4_LO = -2.1855694e-08f;
    private static final float PI_HI = 3.1415927f;
    private static final float PI_LO = -8.742278e-08f;

    // atan(w) = w + w³·A(w²) on [0, 0.66] (error 3e-9); larger |x| reduce by π/4 + atan((x − 1)/(x + 1)) or π/2 − atan(1/x)
    private static final float A0 = -0.33333305f;
    private static final float A1 = 0.1999846f;
    private static final float A2 = -0.14259265f;
    private static final float A3 = 0.108903944f;
    private static final float A4 = -0.08052111f;
    private static final float A5 = 0.047560785f;
    private static final float A6 = -0.015253861f;
    private static final float TAN_3PI_8 = 2.4142137f;
    private static final float ATAN_MID = 0.66f;

    // asin(s) = s + s³·B(s²) on [0, 0.5] (error 1.3e-9); above, asin(x) = π/2 − 2·asin(√((1 − x)/2))
    private static final float B0 = 0.16666657f;
    private static final float B1 = 0.07500667f;
    private static final float B2 = 0.044484634f;
    private static final float B3 = 0.03207906f;
    private static final float B4 = 0.013426926f;
    private static final float B5 = 0.038902301f;

    // tan(r) = r + r³·C(r²) on [0, π/4] (error 7e-9), −1/tan(r) in odd quadrants
    private static final float C0 = 0.33333367f;
    private static final float C1 = 0.13332187f;
    private static final float C2 = 0.054110248f;
    private static final float C3 = 0.021040328f;
    private static final float C4 = 0.011417705f;
    private static final float C5 = -5.958274e-04f;
    private static final float C6 = 0.004691352f;

    // sinh(a) = a + a³·H(a²) on [0, 1] (error 4e-9)
    private static final float H0 = 0.16666667f;
    private static final float H1 = 0.008333333f;
    private static final float H2 = 1.9841321e-04f;
    private static final float H3 = 2.7549531e-06f;
    private static final float H4 = 2.5621670e-08f;

    // acosh(1 + t) = √(2t)·(1 + t·Q(t)) on [0, ¼] (error 4e-10)
    private static final float Q1 = -0.08333333f;
    private static final float Q2 = 0.018749904f;
    private static final float Q3 = -0.005579108f;
    private static final float Q4 = 0.0018896653f;
    private static final float Q5 = -6.5969495e-04f;
    private static final float Q6 = 1.7703809e-04f;

    // erf: x·(2/√π + x²·P(x²)) below |x| = 0.84375 (error 5e-9); ERX + D(|x| − 1) up to 1.25 (error 2e-8 of
    // erfc there); beyond, erfc(x) = e^−x²·F(1/x − c)/x with F fitted around c on [1.25, 2.5] and [2.5, 10.1]
    // (error 4e-9), erf = 1 − erfc. From fdlibm's ranges, refitted for float.
    private static final float C0_HI = 1.1283792f;
    private static final float C0_LO = -5.8635383e-08f;
    private static final float P0 = -0.37612638f;
    private static final float P1 = 0.11283782f;
    private static final float P2 = -0.02686551f;
    private static final float P3 = 0.00522156f;
    private static final float P4 = -8.4962655e-04f;
    private static final float P5 = 1.1389557e-04f;
    private static final float P6 = -1.01336464e-05f;
    private static final float ERF_SMALL = 0.84375f;
    private static final float ERF_MID = 1.25f;
    private static final float ERX = 0.8450629f;
    private static final float D0 = -0.0023621174f;
    private static final float D1 = 0.41510746f;
    private static final float D2 = -0.4151074f;
    private static final float D3 = 0.13837373f;
    private static final float D4 = 0.069146574f;
    private static final float D5 = -0.069201775f;
    private static final float D6 = 0.0058074296f;
    private static final float D7 = 0.010644778f;
    private static final float ERFC_SPLIT = 2.5f;
    // F's constant term in two parts (hi + lo), the others c1..c7 from the lowest power
    private static final float FA_C = 0.6f;
    private static final float FA_HI = 0.49381247f;
    private static final float FA_LO = -1.4628819e-08f;
    private static final float[] FA = {-0.17138076f, -0.0070017218f, 0.08021701f, -0.08443474f, 0.05090727f,
        -3.0585987e-04f, -0.03966198f};
    private static final float FB_C = 0.24950495f;
    private static final float FB_HI = 0.5480569f;
    private static final float FB_LO = 2.2165159e-08f;
    private static final float[] FB = {-0.119280666f, -0.16811441f, 0.21957785f, -0.026930306f, -0.27539614f,
        0.37789845f, -0.017928554f};

    /** Beyond 2²⁸ the ±1 and 1/(2x) terms of asinh and acosh are below the last bit: log(2|x|). */
    private static final float HUGE = 268435456f;

    private SimdFunctions() {
    }

    private static FloatVector bc(FloatVector like, float c) {
        return FloatVector.broadcast(like.species(), c);
    }

    /** mag with the sign bit of s (mag's own sign bit cleared first). */
    private static FloatVector copySign(FloatVector mag, FloatVector s) {
        return mag.reinterpretAsInts().and(ABS_MASK).or(s.reinterpretAsInts().and(SIGN)).reinterpretAsFloats();
    }

    private static float copySign(float mag, float s) {
        return Float.intBitsToFloat((Float.floatToRawIntBits(mag) & ABS_MASK) | (Float.floatToRawIntBits(s) & SIGN));
    }

    /** The lanes whose sign bit is set (−0 and NaNs with the bit included). */
    private static VectorMask<Float> signBit(FloatVector x) {
        return x.reinterpretAsInts().compare(VectorOperators.LT, 0).cast(x.species());
    }

    // ------------------------------------------------------------------ copysign

    /** |a| with the sign bit of b, per lane (PyTorch's copysign: a NaN b gives its sign bit too). */
    public static FloatVector copysign(FloatVector a, FloatVector b) {
        return copySign(a, b);
    }

    /** copysign, the scalar twin of {@link #copysign(FloatVector, FloatVector)}. */
    public static float copysign(float a, float b) {
        return copySign(a, b);
    }

    // ------------------------------------------------------------------ roundings (exact)

    /** Round half to even per lane: |x| + 2²³ − 2²³ below 2²³ (float addition rounds to even), x above; the sign kept. */
    public static FloatVector rint(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector r = a.add(TWO_23).sub(TWO_23).blend(a, a.compare(VectorOperators.GE, TWO_23));
        return copySign(r, x);
    }

    /** Round half to even, the scalar twin of {@link #rint(FloatVector)}. */
    public static float rint(float x) {
        float a = Math.abs(x);
        float r = a >= TWO_23 ? a : a + TWO_23 - TWO_23;
        return copySign(r, x);
    }

    /** The largest integer ≤ x per lane (x's sign kept: floor(−0) = −0). */
    public static FloatVector floor(FloatVector x) {
        FloatVector r = rint(x);
        return orSign(r.sub(bc(x, 1f), r.compare(VectorOperators.GT, x)), x);
    }

    public static float floor(float x) {
        float r = rint(x);
        return orSign(r > x ? r - 1f : r, x);
    }

    /** The smallest integer ≥ x per lane (ceil(−0.5) = −0). */
    public static FloatVector ceil(FloatVector x) {
        FloatVector r = rint(x);
        return orSign(r.add(bc(x, 1f), r.compare(VectorOperators.LT, x)), x);
    }

    public static float ceil(float x) {
        float r = rint(x);
        return orSign(r < x ? r + 1f : r, x);
    }

    /** x rounded toward 0 per lane. */
    public static FloatVector trunc(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector r = rint(a);
        return copySign(r.sub(bc(x, 1f), r.compare(VectorOperators.GT, a)), x);
    }

    public static float trunc(float x) {
        float a = Math.abs(x);
        float r = rint(a);
        return copySign(r > a ? r - 1f : r, x);
    }

    /** r with x's sign bit or'ed in: a rounding of a negative x is ≤ −0 and of a positive one ≥ +0. */
    private static FloatVector orSign(FloatVector r, FloatVector x) {
        return r.reinterpretAsInts().or(x.reinterpretAsInts().and(SIGN)).reinterpretAsFloats();
    }

    private static float orSign(float r, float x) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(r) | (Float.floatToRawIntBits(x) & SIGN));
    }

    // ------------------------------------------------------------------ hyperbolic

    /** cosh x = e^|x|/2 + (1/4)/(e^|x|/2) per lane; +∞ from |x| = 89.4 on. */
    public static FloatVector cosh(FloatVector x) {
        FloatVector h = SimdMath.expHalf(x.abs());
        return bc(x, 0.25f).div(h).add(h);
    }

    public static float cosh(float x) {
        float h = SimdMath.expHalf(Math.abs(x));
        return 0.25f / h + h;
    }

    /**
     * sinh x per lane: a + a³·H(a²) for a = |x| below 1, (E + E/(E + 1))/2 with E = e^a − 1 up to 10,
     * e^a/2 − (1/4)/(e^a/2) above; the sign of x restored.
     */
    public static FloatVector sinh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = a.mul(a);
        FloatVector p = z.fma(H4, H3).fma(z, bc(x, H2)).fma(z, bc(x, H1)).fma(z, bc(x, H0));
        FloatVector poly = a.mul(z).fma(p, a);
        FloatVector e = SimdMath.expm1(a.min(10f));
        FloatVector mid = e.div(e.add(1f)).add(e).mul(0.5f);
        FloatVector h = SimdMath.expHalf(a);
        FloatVector big = h.sub(bc(x, 0.25f).div(h));
        FloatVector r = poly.blend(mid, a.compare(VectorOperators.GE, 1f)).blend(big, a.compare(VectorOperators.GT, 10f));
        return copySign(r, x);
    }

    public static float sinh(float x) {
        float a = Math.abs(x);
        float r;
        if (a > 10f) {
            float h = SimdMath.expHalf(a);
            r = h - 0.25f / h;
        } else if (a >= 1f) {
            float e = SimdMath.expm1(Math.min(a, 10f));
            r = (e / (e + 1f) + e) * 0.5f;
        } else {
            float z = a * a;
            float p = Math.fma(z, H4, H3);
            p = Math.fma(p, z, H2);
            p = Math.fma(p, z, H1);
            p = Math.fma(p, z, H0);
            r = Math.fma(a * z, p, a);
        }
        return copySign(r, x);
    }

    /**
     * asinh x per lane: log1p(a + a²/(1 + √(1 + a²))) for a = |x| below 2, log(2a + 1/(a + √(a² + 1)))
     * up to 2²⁸ and log a + ln 2 beyond; the sign of x restored.
     */
    public static FloatVector asinh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector a2 = a.mul(a);
        FloatVector s = a2.add(1f).sqrt();
        FloatVector small = SimdMath.log1p(a2.div(s.add(1f)).add(a));
        VectorMask<Float> huge = a.compare(VectorOperators.GE, HUGE);
        FloatVector v = a.add(a).add(bc(x, 1f).div(s.add(a))).blend(a, huge);
        FloatVector big = SimdMath.log(v).add(bc(x, 0f).blend(LN2, huge));
        return copySign(small.blend(big, a.compare(VectorOperators.GE, 2f)), x);
    }

    public static float asinh(float x) {
        float a = Math.abs(x);
        float a2 = a * a;
        float s = (float) Math.sqrt(a2 + 1f);
        float r;
        if (a >= 2f) {
            boolean huge = a >= HUGE;
            r = SimdMath.log(huge ? a : a + a + 1f / (s + a)) + (huge ? LN2 : 0f);
        } else {
            r = SimdMath.log1p(a2 / (s + 1f) + a);
        }
        return copySign(r, x);
    }

    /**
     * acosh x per lane (NaN below 1): √(2t)·(1 + t·Q(t)) with t = x − 1 (exact) up to t = ¼, where
     * log1p would add the roundings of √ and +; log1p(t + √(2t + t²)) below 2, log(2x − 1/(x + √(x² − 1)))
     * up to 2²⁸, log x + ln 2 beyond.
     */
    public static FloatVector acosh(FloatVector x) {
        FloatVector t = x.sub(1f);
        FloatVector q = t.fma(Q6, Q5).fma(t, bc(x, Q4)).fma(t, bc(x, Q3)).fma(t, bc(x, Q2)).fma(t, bc(x, Q1));
        FloatVector s = t.add(t).sqrt();
        FloatVector near = s.mul(t).fma(q, s);
        FloatVector small = SimdMath.log1p(t.fma(t, t.add(t)).sqrt().add(t));
        VectorMask<Float> huge = x.compare(VectorOperators.GE, HUGE);
        FloatVector v = x.add(x).sub(bc(x, 1f).div(x.fma(x, bc(x, -1f)).sqrt().add(x))).blend(x, huge);
        FloatVector big = SimdMath.log(v).add(bc(x, 0f).blend(LN2, huge));
        return near.blend(small, t.compare(VectorOperators.GT, 0.25f)).blend(big, x.compare(VectorOperators.GE, 2f))
                .blend(Float.NaN, x.compare(VectorOperators.LT, 1f));
    }

    public static float acosh(float x) {
        if (x < 1f) {
            return Float.NaN;
        }
        if (x >= 2f) {
            boolean huge = x >= HUGE;
            return SimdMath.log(huge ? x : x + x - 1f / ((float) Math.sqrt(Math.fma(x, x, -1f)) + x)) + (huge ? LN2 : 0f);
        }
        float t = x - 1f;
        if (t > 0.25f) {
            return SimdMath.log1p((float) Math.sqrt(Math.fma(t, t, t + t)) + t);
        }
        float q = Math.fma(t, Q6, Q5);
        q = Math.fma(q, t, Q4);
        q = Math.fma(q, t, Q3);
        q = Math.fma(q, t, Q2);
        q = Math.fma(q, t, Q1);
        float s = (float) Math.sqrt(t + t);
        return Math.fma(s * t, q, s);
    }

    /**
     * atanh x per lane: ½·log1p(u), u = 2a + 2a·a/(1 − a) below a = |x| = ½ and 2a/(1 − a) above
     * (1 − a exact there); ±∞ at ±1, NaN beyond; the sign of x restored.
     */
    public static FloatVector atanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector a2 = a.add(a);
        FloatVector d = bc(x, 1f).sub(a);
        FloatVector u = a2.fma(a.div(d), a2).blend(a2.div(d), a.compare(VectorOperators.GE, 0.5f));
        return copySign(SimdMath.log1p(u).mul(0.5f), x);
    }

    public static float atanh(float x) {
        float a = Math.abs(x);
        float a2 = a + a;
        float d = 1f - a;
        float u = a >= 0.5f ? a2 / d : Math.fma(a2, a / d, a2);
        return copySign(SimdMath.log1p(u) * 0.5f, x);
    }

    // ------------------------------------------------------------------ tan

    /**
     * tan x per lane (NaN at ±∞): x = k·π/2 + r + lo, r + lo exact to about 2⁻⁴⁸ (the first step of the
     * reduction is exact for |k| below 2²⁴, the second is a TwoSum with the product split by FMA),
     * tan(r + lo) = r + r³·C(r²) + lo·(1 + r²), and −1/tan in odd quadrants. Past 65536 a lane takes
     * StrictMath's double result rounded once, as sin.
     */
    public static FloatVector tan(FloatVector x) {
        FloatVector t = x.fma(SimdMath.TWO_OVER_PI, ROUND);
        FloatVector k = t.sub(ROUND);
        FloatVector r1 = k.fma(bc(x, -SimdMath.PIO2_1), x);
        FloatVector ph = k.mul(-SimdMath.PIO2_2);
        FloatVector pl = k.fma(bc(x, -SimdMath.PIO2_2), ph.neg());
        FloatVector r = r1.add(ph);
        FloatVector bb = r.sub(r1);
        FloatVector e = r1.sub(r.sub(bb)).add(ph.sub(bb));
        FloatVector lo = k.fma(bc(x, -SimdMath.PIO2_3), pl.add(e));
        FloatVector z = r.mul(r);
        FloatVector p = z.fma(C6, C5).fma(z, bc(x, C4)).fma(z, bc(x, C3)).fma(z, bc(x, C2)).fma(z, bc(x, C1))
                .fma(z, bc(x, C0));
        FloatVector y = r.mul(z).fma(p, lo.mul(z.add(1f))).add(r);
        IntVector q = t.reinterpretAsInts().sub(ROUND_BITS);
        y = y.blend(bc(x, -1f).div(y), q.and(1).compare(VectorOperators.NE, 0).cast(x.species()));
        y = y.blend(x, x.eq(0f)); // tan(−0) = −0
        VectorMask<Float> big = x.abs().compare(VectorOperators.GT, SimdMath.TRIG_MAX);
        if (big.anyTrue()) {
            for (int i = 0; i < x.length(); i++) {
                if (big.laneIsSet(i)) {
                    y = y.withLane(i, (float) StrictMath.tan(x.lane(i)));
                }
            }
        }
        return y;
    }

    public static float tan(float x) {
        if (Math.abs(x) > SimdMath.TRIG_MAX) {
            return (float) StrictMath.tan(x);
        }
        float t = Math.fma(x, SimdMath.TWO_OVER_PI, ROUND);
        float k = t - ROUND;
        float r1 = Math.fma(k, -SimdMath.PIO2_1, x);
        float ph = k * -SimdMath.PIO2_2;
        float pl = Math.fma(k, -SimdMath.PIO2_2, -ph);
        float r = r1 + ph;
        float bb = r - r1;
        float e = (r1 - (r - bb)) + (ph - bb);
        float lo = Math.fma(k, -SimdMath.PIO2_3, pl + e);
        float z = r * r;
        float p = Math.fma(z, C6, C5);
        p = Math.fma(p, z, C4);
        p = Math.fma(p, z, C3);
        p = Math.fma(p, z, C2);
        p = Math.fma(p, z, C1);
        p = Math.fma(p, z, C0);
        float y = Math.fma(r * z, p, lo * (z + 1f)) + r;
        int q = Float.floatToRawIntBits(t) - ROUND_BITS;
        y = (q & 1) != 0 ? -1f / y : y;
        return x == 0f ? x : y;
    }

    // ------------------------------------------------------------------ atan, atan2

    /** atan of a ≥ 0 (NaN kept): three ranges, each w + w³·A(w²) added to its base in two parts. */
    private static FloatVector atanPositive(FloatVector a) {
        VectorMask<Float> big = a.compare(VectorOperators.GT, TAN_3PI_8);
        VectorMask<Float> mid = a.compare(VectorOperators.GT, ATAN_MID).andNot(big);
        FloatVector one = bc(a, 1f);
        FloatVector w = a.blend(a.sub(one).div(a.add(one)), mid).blend(one.neg().div(a), big);
        FloatVector z = w.mul(w);
        FloatVector p = z.fma(A6, A5).fma(z, bc(a, A4)).fma(z, bc(a, A3)).fma(z, bc(a, A2)).fma(z, bc(a, A1))
                .fma(z, bc(a, A0));
        FloatVector zero = bc(a, 0f);
        FloatVector lo = zero.blend(PIO4_LO, mid).blend(PIO2_LO, big);
        FloatVector hi = zero.blend(PIO4_HI, mid).blend(PIO2_HI, big);
        return w.mul(z).fma(p, lo.add(w)).add(hi);
    }

    private static float atanPositive(float a) {
        boolean big = a > TAN_3PI_8;
        boolean mid = !big && a > ATAN_MID;
        float w = big ? -1f / a : mid ? (a - 1f) / (a + 1f) : a;
        float z = w * w;
        float p = Math.fma(z, A6, A5);
        p = Math.fma(p, z, A4);
        p = Math.fma(p, z, A3);
        p = Math.fma(p, z, A2);
        p = Math.fma(p, z, A1);
        p = Math.fma(p, z, A0);
        float lo = big ? PIO2_LO : mid ? PIO4_LO : 0f;
        float hi = big ? PIO2_HI : mid ? PIO4_HI : 0f;
        return Math.fma(w * z, p, lo + w) + hi;
    }

    /** atan x per lane (±π/2 at ±∞, −0 kept). */
    public static FloatVector atan(FloatVector x) {
        return copySign(atanPositive(x.abs()), x);
    }

    public static float atan(float x) {
        return copySign(atanPositive(Math.abs(x)), x);
    }

    /**
     * atan2(y, x) per lane with Math.atan2's signed zeros and infinities: t = atan(min/max) of the
     * magnitudes (0 for two zeros, 1 for two infinities), π/2 − t when |y| > |x|, π − t when x's
     * sign bit is set, then y's sign.
     */
    public static FloatVector atan2(FloatVector y, FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector ay = y.abs();
        FloatVector lo = ax.min(ay);
        FloatVector hi = ax.max(ay);
        FloatVector q = lo.div(hi).blend(0f, hi.eq(0f)).blend(1f, lo.eq(Float.POSITIVE_INFINITY));
        FloatVector t = atanPositive(q);
        t = t.blend(bc(x, PIO2_LO).sub(t).add(PIO2_HI), ay.compare(VectorOperators.GT, ax));
        t = t.blend(bc(x, PI_LO).sub(t).add(PI_HI), signBit(x));
        return copySign(t, y);
    }

    public static float atan2(float y, float x) {
        float ax = Math.abs(x);
        float ay = Math.abs(y);
        float lo = Math.min(ax, ay);
        float hi = Math.max(ax, ay);
        float q = lo == Float.POSITIVE_INFINITY ? 1f : hi == 0f ? 0f : lo / hi;
        float t = atanPositive(q);
        if (ay > ax) {
            t = PIO2_LO - t + PIO2_HI;
        }
        if (Float.floatToRawIntBits(x) < 0) {
            t = PI_LO - t + PI_HI;
        }
        return copySign(t, y);
    }

    // ------------------------------------------------------------------ asin, acos

    /** B(z) of asin(s) = s + s³·B(s²) on [0, ½]. */
    private static FloatVector asinPoly(FloatVector z) {
        return z.fma(B5, B4).fma(z, bc(z, B3)).fma(z, bc(z, B2)).fma(z, bc(z, B1)).fma(z, bc(z, B0));
    }

    private static float asinPoly(float z) {
        float p = Math.fma(z, B5, B4);
        p = Math.fma(p, z, B3);
        p = Math.fma(p, z, B2);
        p = Math.fma(p, z, B1);
        return Math.fma(p, z, B0);
    }

    /** asin of the reduced s in [0, ½] given z = s². */
    private static FloatVector asinReduced(FloatVector s, FloatVector z) {
        return s.mul(z).fma(asinPoly(z), s);
    }

    private static float asinReduced(float s, float z) {
        return Math.fma(s * z, asinPoly(z), s);
    }

    /**
     * asin x per lane (NaN outside [−1, 1]): s + s³·B(s²) within [−½, ½]; outside, with z = (1 − |x|)/2
     * and s = √z, π/2 − 2·asin(s) summed as (π/2 − 2s) − (2c − π/2's low part), c = s³·B(z) plus
     * the rounding error of √ (by FMA), so that no step rounds at a larger ulp than the result's.
     */
    public static FloatVector asin(FloatVector x) {
        FloatVector a = x.abs();
        VectorMask<Float> big = a.compare(VectorOperators.GT, 0.5f);
        FloatVector z = a.mul(a).blend(bc(x, 1f).sub(a).mul(0.5f), big);
        FloatVector s = a.blend(z.sqrt(), big);
        FloatVector c = outerCorrection(s, z);
        FloatVector outer = bc(x, PIO2_HI).sub(s.add(s)).sub(c.fma(bc(x, 2f), bc(x, -PIO2_LO)));
        return copySign(asinReduced(s, z).blend(outer, big), x);
    }

    public static float asin(float x) {
        float a = Math.abs(x);
        if (a > 0.5f) {
            float z = (1f - a) * 0.5f;
            float s = (float) Math.sqrt(z);
            float c = outerCorrection(s, z);
            return copySign(PIO2_HI - (s + s) - Math.fma(c, 2f, -PIO2_LO), x);
        }
        return copySign(asinReduced(a, a * a), x);
    }

    /**
     * acos x per lane: (π/2 − x) − (x³·B(x²) − π/2's low part) within [−½, ½]; outside, with s and c
     * as in asin, 2s + 2c for x &gt; ½ and (π − 2s) − (2c − π's low part) for x &lt; −½.
     */
    public static FloatVector acos(FloatVector x) {
        FloatVector a = x.abs();
        VectorMask<Float> big = a.compare(VectorOperators.GT, 0.5f);
        FloatVector z = a.mul(a).blend(bc(x, 1f).sub(a).mul(0.5f), big);
        FloatVector s = a.blend(z.sqrt(), big);
        FloatVector c = outerCorrection(s, z);
        FloatVector mid = bc(x, PIO2_HI).sub(x).sub(x.mul(z).fma(asinPoly(z), bc(x, -PIO2_LO)));
        FloatVector positive = c.fma(bc(x, 2f), s.add(s));
        FloatVector negative = bc(x, PI_HI).sub(s.add(s)).sub(c.fma(bc(x, 2f), bc(x, -PI_LO)));
        return mid.blend(positive.blend(negative, x.compare(VectorOperators.LT, 0f)), big);
    }

    public static float acos(float x) {
        float a = Math.abs(x);
        if (a > 0.5f) {
            float z = (1f - a) * 0.5f;
            float s = (float) Math.sqrt(z);
            float c = outerCorrection(s, z);
            return x < 0f ? PI_HI - (s + s) - Math.fma(c, 2f, -PI_LO) : Math.fma(c, 2f, s + s);
        }
        float z = a * a;
        return PIO2_HI - x - Math.fma(x * z, asinPoly(z), -PIO2_LO);
    }

    /** asin(s) − s for s = √z rounded: s³·B(z) plus z − s² over 2s (√'s rounding error, exact by FMA). */
    private static FloatVector outerCorrection(FloatVector s, FloatVector z) {
        FloatVector r = s.neg().fma(s, z).div(s.add(s)).blend(0f, s.eq(0f));
        return s.mul(z).fma(asinPoly(z), r);
    }

    private static float outerCorrection(float s, float z) {
        float r = s == 0f ? 0f : Math.fma(-s, s, z) / (s + s);
        return Math.fma(s * z, asinPoly(z), r);
    }

    // ------------------------------------------------------------------ erf, erfc

    /** x·(2/√π + z·P(z)) − as (2/√π)_hi·x + x·((2/√π)_lo + z·P(z)), z = x²: the inner sum first, one rounding at the end. */
    private static FloatVector erfSmallTail(FloatVector x, FloatVector z) {
        FloatVector p = z.fma(P6, P5).fma(z, bc(x, P4)).fma(z, bc(x, P3)).fma(z, bc(x, P2)).fma(z, bc(x, P1))
                .fma(z, bc(x, P0));
        return x.mul(z).fma(p, x.mul(C0_LO));
    }

    private static float erfSmallTail(float x, float z) {
        float p = Math.fma(z, P6, P5);
        p = Math.fma(p, z, P4);
        p = Math.fma(p, z, P3);
        p = Math.fma(p, z, P2);
        p = Math.fma(p, z, P1);
        p = Math.fma(p, z, P0);
        return Math.fma(x * z, p, x * C0_LO);
    }

    /** erf(1 + s) − ERX for s in [−0.15625, 0.25]. */
    private static FloatVector erfMid(FloatVector s) {
        return s.fma(D7, D6).fma(s, bc(s, D5)).fma(s, bc(s, D4)).fma(s, bc(s, D3)).fma(s, bc(s, D2))
                .fma(s, bc(s, D1)).fma(s, bc(s, D0));
    }

    private static float erfMid(float s) {
        float p = Math.fma(s, D7, D6);
        p = Math.fma(p, s, D5);
        p = Math.fma(p, s, D4);
        p = Math.fma(p, s, D3);
        p = Math.fma(p, s, D2);
        p = Math.fma(p, s, D1);
        return Math.fma(p, s, D0);
    }

    /**
     * erfc(a) for a ≥ 1.25 (a up to 11; 0 beyond 10.06): e^−a²·F/a with a² = hi + lo exactly (FMA),
     * e^−a² = e^−hi·(1 − lo), F the polynomial of a's interval (coefficients picked per lane).
     */
    private static FloatVector erfcLarge(FloatVector a) {
        a = a.min(11f);
        VectorMask<Float> far = a.compare(VectorOperators.GE, ERFC_SPLIT);
        FloatVector u = bc(a, 1f).div(a);
        FloatVector v = u.sub(bc(a, FA_C).blend(FB_C, far));
        FloatVector p = bc(a, FA[6]).blend(FB[6], far);
        for (int i = 5; i >= 0; i--) {
            p = p.fma(v, bc(a, FA[i]).blend(FB[i], far));
        }
        p = p.fma(v, bc(a, FA_LO).blend(FB_LO, far)).add(bc(a, FA_HI).blend(FB_HI, far));
        FloatVector hi = a.mul(a);
        FloatVector lo = a.fma(a, hi.neg());
        FloatVector g = p.div(a);
        return SimdMath.exp(hi.neg()).mul(lo.neg().fma(g, g));
    }

    private static float erfcLarge(float a) {
        a = Math.min(a, 11f);
        boolean far = a >= ERFC_SPLIT;
        float[] c = far ? FB : FA;
        float v = 1f / a - (far ? FB_C : FA_C);
        float p = c[6];
        for (int i = 5; i >= 0; i--) {
            p = Math.fma(p, v, c[i]);
        }
        p = Math.fma(p, v, far ? FB_LO : FA_LO) + (far ? FB_HI : FA_HI);
        float hi = a * a;
        float lo = Math.fma(a, a, -hi);
        float g = p / a;
        return SimdMath.exp(-hi) * Math.fma(-lo, g, g);
    }

    /** erf x per lane (±1 at ±∞, −0 kept). */
    public static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector small = a.fma(bc(x, C0_HI), erfSmallTail(a, a.mul(a)));
        FloatVector mid = erfMid(a.sub(1f)).add(ERX);
        FloatVector large = bc(x, 1f).sub(erfcLarge(a));
        FloatVector y = large.blend(mid, a.compare(VectorOperators.LT, ERF_MID)).blend(small, a.compare(VectorOperators.LT, ERF_SMALL));
        return copySign(y, x);
    }

    public static float erf(float x) {
        float a = Math.abs(x);
        float y;
        if (a < ERF_SMALL) {
            y = Math.fma(a, C0_HI, erfSmallTail(a, a * a));
        } else if (a < ERF_MID) {
            y = erfMid(a - 1f) + ERX;
        } else {
            y = 1f - erfcLarge(a);
        }
        return copySign(y, x);
    }

    /**
     * erfc x per lane: (1 − (2/√π)_hi·x) − the small tail below |x| = 0.84375 (either sign, no
     * cancellation past what the result can hold), (1 ∓ ERX) ∓ D(|x| − 1) up to 1.25, the tail
     * function for x ≥ 1.25 and 2 minus it for x ≤ −1.25.
     */
    public static FloatVector erfc(FloatVector x) {
        FloatVector a = x.abs();
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        FloatVector small = x.neg().fma(bc(x, C0_HI), bc(x, 1f)).sub(erfSmallTail(x, x.mul(x)));
        FloatVector d = erfMid(a.sub(1f));
        FloatVector mid = bc(x, 1f - ERX).sub(d).blend(bc(x, 1f + ERX).add(d), neg);
        FloatVector t = erfcLarge(a);
        FloatVector large = t.blend(bc(x, 2f).sub(t), neg);
        return large.blend(mid, a.compare(VectorOperators.LT, ERF_MID)).blend(small, a.compare(VectorOperators.LT, ERF_SMALL));
    }

    public static float erfc(float x) {
        float a = Math.abs(x);
        if (a < ERF_SMALL) {
            return Math.fma(-x, C0_HI, 1f) - erfSmallTail(x, x * x);
        }
        if (a < ERF_MID) {
            float d = erfMid(a - 1f);
            return x < 0f ? (1f + ERX) + d : (1f - ERX) - d;
        }
        float t = erfcLarge(a);
        return x < 0f ? 2f - t : t;
    }

    // ------------------------------------------------------------------ hypot, logaddexp

    /**
     * √(a² + b²) per lane without overflow or underflow: both scaled by the same power of two so
     * the larger lies in [1, 4), one FMA, sqrt, scaled back; +∞ if either is infinite (even with a NaN).
     */
    public static FloatVector hypot(FloatVector a, FloatVector b) {
        FloatVector ax = a.abs();
        FloatVector bx = b.abs();
        IntVector e = ax.max(bx).reinterpretAsInts().lanewise(VectorOperators.LSHR, 23).max(1).min(253);
        FloatVector down = e.neg().add(254).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector up = e.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector as = ax.mul(down);
        FloatVector bs = bx.mul(down);
        FloatVector r = as.fma(as, bs.mul(bs)).sqrt().mul(up);
        return r.blend(Float.POSITIVE_INFINITY,
                ax.eq(Float.POSITIVE_INFINITY).or(bx.eq(Float.POSITIVE_INFINITY)));
    }

    public static float hypot(float a, float b) {
        float ax = Math.abs(a);
        float bx = Math.abs(b);
        if (ax == Float.POSITIVE_INFINITY || bx == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        int e = Math.min(Math.max(Float.floatToRawIntBits(Math.max(ax, bx)) >>> 23, 1), 253);
        float down = Float.intBitsToFloat((254 - e) << 23);
        float up = Float.intBitsToFloat(e << 23);
        float as = ax * down;
        float bs = bx * down;
        return (float) Math.sqrt(Math.fma(as, as, bs * bs)) * up;
    }

    /**
     * log(e^a + e^b) per lane: max + log1p(E) − σ·l·E/(1 + E) with E = e^−|d|, d = a − b rounded and l its
     * rounding error (TwoSum), σ the sign of d: the first-order correction for d's rounding, which
     * would otherwise cost an ulp where E is not small. Equal infinities give themselves, NaN gives NaN.
     */
    public static FloatVector logaddexp(FloatVector a, FloatVector b) {
        FloatVector d = a.sub(b);
        FloatVector bb = d.sub(a);
        FloatVector l = a.sub(d.sub(bb)).sub(b.add(bb));
        FloatVector e = SimdMath.exp(d.abs().neg());
        // an infinite a or b leaves l NaN: no correction there
        FloatVector corr = copySign(l, d.mul(l)).mul(e).div(e.add(1f)).blend(0f, l.test(VectorOperators.IS_NAN));
        FloatVector y = a.max(b).add(SimdMath.log1p(e).sub(corr));
        return y.blend(a, a.eq(b).and(a.abs().eq(Float.POSITIVE_INFINITY)));
    }

    public static float logaddexp(float a, float b) {
        if (a == b && Math.abs(a) == Float.POSITIVE_INFINITY) {
            return a;
        }
        float d = a - b;
        float bb = d - a;
        float l = (a - (d - bb)) - (b + bb);
        float e = SimdMath.exp(-Math.abs(d));
        float corr = l != l ? 0f : copySign(l, d * l) * e / (e + 1f);
        return Math.max(a, b) + (SimdMath.log1p(e) - corr);
    }
}
