package dev.kiln.kernels.cpu;

import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.spi.BinaryOp;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import static dev.kiln.kernels.cpu.SimdMathTest.SPECIALS;
import static dev.kiln.kernels.cpu.SimdMathTest.check;
import static dev.kiln.kernels.cpu.SimdMathTest.concat;
import static dev.kiln.kernels.cpu.SimdMathTest.fn;
import static dev.kiln.kernels.cpu.SimdMathTest.sweep;
import static dev.kiln.kernels.cpu.SimdMathTest.ulps;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SimdFunctions} and SimdMath's exp2, expm1, log2 and log10 against StrictMath (or a double
 * formula where StrictMath has none) over dense sweeps with their edges, NaN, ±∞, ±0 and
 * subnormals, at this JVM's vector width: within 2 ulp (logaddexp 3: exp, log1p and the sum each
 * round; erfc 3.5), the roundings exact (signed zeros included), and the vector loop and the scalar twin give the same bits.
 */
class SimdFunctionsTest {
    private static final double LN2 = Math.log(2);

    /** Values from lo to hi, evenly and log-spaced, with the specials (out-of-domain ones included). */
    private static float[] range(float lo, float hi, float... edges) {
        return concat(sweep(lo, hi, 100_000, edges), SPECIALS);
    }

    @Test
    void exp2AndExpm1() {
        check("exp2", fn(SimdMath::exp2, SimdMath::exp2), x -> StrictMath.pow(2, x),
                range(-160f, 140f, -149f, -149.5f, -150f, -126f, 127f, 127.99f, 128f, 3f, -3f, 0.5f), 2);
        assertThat(SimdMath.exp2(10f)).isEqualTo(1024f);
        assertThat(SimdMath.exp2(-149f)).isEqualTo(Float.MIN_VALUE);
        check("expm1", fn(SimdMath::expm1, SimdMath::expm1), StrictMath::expm1,
                range(-40f, 95f, 0.3465f, 0.3466f, -0.3466f, 0.6931f, 88.72f, 88.73f, -29.9f, -30f, 1e-40f, -1e-40f), 2);
        assertThat(Float.floatToRawIntBits(SimdMath.expm1(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(SimdMath.expm1(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
    }

    @Test
    void log2AndLog10() {
        float[] xs = range(0f, Float.MAX_VALUE, 0.70710677f, 1.4142135f, 0.999f, 1.001f, 1024f, 1000f, 10f, 0.1f);
        for (int i = 0; i < xs.length - SPECIALS.length; i++) {
            xs[i] = Math.abs(xs[i]);
        }
        float[] near1 = new float[20_000];
        for (int i = 0; i < near1.length; i++) {
            near1[i] = 0.5f + 1.5f * i / near1.length;
        }
        xs = concat(xs, near1);
        check("log2", fn(SimdMath::log2, SimdMath::log2), x -> StrictMath.log(x) / LN2, xs, 2);
        check("log10", fn(SimdMath::log10, SimdMath::log10), StrictMath::log10, xs, 2);
        assertThat(SimdMath.log2(8f)).isEqualTo(3f);
        assertThat(SimdMath.log2(Float.MIN_VALUE)).isEqualTo(-149f);
        assertThat(SimdMath.log10(-0f)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void hyperbolicAndInverses() {
        float[] xs = range(-95f, 95f, 89.4f, 89.42f, -89.4f, 10f, Math.nextUp(10f), 1e-30f, 88f);
        check("sinh", fn(SimdFunctions::sinh, SimdFunctions::sinh), StrictMath::sinh, xs, 2);
        check("cosh", fn(SimdFunctions::cosh, SimdFunctions::cosh), StrictMath::cosh, xs, 2);
        float[] wide = range(-Float.MAX_VALUE, Float.MAX_VALUE, 2f, Math.nextDown(2f), 268435456f, 1e20f, -1e20f, 0.5f);
        check("asinh", fn(SimdFunctions::asinh, SimdFunctions::asinh), UnaryOp.ASINH::apply, wide, 2);
        float[] above1 = wide.clone();
        for (int i = 0; i < above1.length - SPECIALS.length; i++) {
            above1[i] = Math.abs(above1[i]) + 1f;
        }
        check("acosh", fn(SimdFunctions::acosh, SimdFunctions::acosh), UnaryOp.ACOSH::apply,
                concat(above1, new float[] {1f, Math.nextUp(1f), 1.5f, 2f, 0.5f, -2f}), 2);
        check("atanh", fn(SimdFunctions::atanh, SimdFunctions::atanh), UnaryOp.ATANH::apply,
                range(-1f, 1f, 0.5f, Math.nextDown(0.5f), 0.99999994f, -0.99999994f, 2f), 2);
        assertThat(SimdFunctions.atanh(1f)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SimdFunctions.atanh(-1f)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(SimdFunctions.acosh(1f)).isEqualTo(0f);
        assertThat(SimdFunctions.cosh(90f)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    @Test
    void tangentAndInverseTrigonometry() {
        float[] near = new float[40_000];
        for (int i = 0; i < near.length; i++) {
            near[i] = (float) ((i - near.length / 2) * Math.PI / 4);
        }
        check("tan", fn(SimdFunctions::tan, SimdFunctions::tan), StrictMath::tan,
                concat(range(-70000f, 70000f, 65536f, Math.nextUp(65536f), 1.5707964f, 0.7853982f, 1e10f), near), 2);
        float[] unit = range(-1f, 1f, 0.5f, Math.nextUp(0.5f), Math.nextDown(0.5f), 0.99999994f, 1.5f);
        check("asin", fn(SimdFunctions::asin, SimdFunctions::asin), StrictMath::asin, unit, 2);
        check("acos", fn(SimdFunctions::acos, SimdFunctions::acos), StrictMath::acos, unit, 2);
        check("atan", fn(SimdFunctions::atan, SimdFunctions::atan), StrictMath::atan,
                range(-Float.MAX_VALUE, Float.MAX_VALUE, 0.66f, Math.nextUp(0.66f), 2.4142137f, 2.414214f, 1f, 100f), 2);
        assertThat(SimdFunctions.asin(1f)).isEqualTo((float) (Math.PI / 2));
        assertThat(SimdFunctions.acos(-1f)).isEqualTo((float) Math.PI);
        assertThat(SimdFunctions.acos(1f)).isEqualTo(0f);
        assertThat(Float.floatToRawIntBits(SimdFunctions.atan(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void erfAndErfc() {
        float[] xs = range(-12f, 12f, 0.84375f, Math.nextDown(0.84375f), 1.25f, Math.nextDown(1.25f), 2.5f,
                Math.nextDown(2.5f), 3.92f, 9.19f, 10.05f, 10.06f, -0.84375f, -1.25f, 1e-30f, 0.5f);
        check("erf", fn(SimdFunctions::erf, SimdFunctions::erf), dev.kiln.tensor.SpecialFunctions::erf, xs, 2);
        // erfc's tail is e^−x² times F/x: exp's error and four roundings (3.1 ulp seen), hence 3.5
        check("erfc", fn(SimdFunctions::erfc, SimdFunctions::erfc), dev.kiln.tensor.SpecialFunctions::erfc, xs, 3.5);
        assertThat(SimdFunctions.erf(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
        assertThat(SimdFunctions.erfc(Float.NEGATIVE_INFINITY)).isEqualTo(2f);
        assertThat(SimdFunctions.erfc(Float.POSITIVE_INFINITY)).isEqualTo(0f);
        assertThat(Float.floatToRawIntBits(SimdFunctions.erf(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void roundingsAreExact() {
        float[] xs = range(-20f, 20f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 8388607.5f, 8388608f, 4194303.5f, 1e30f, -0.3f, 0.7f);
        Random r = new Random(7);
        float[] bits = new float[200_000];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Float.intBitsToFloat(r.nextInt()); // every exponent, NaNs included
        }
        xs = concat(xs, bits);
        assertExact("floor", fn(SimdFunctions::floor, SimdFunctions::floor), Math::floor, xs);
        assertExact("ceil", fn(SimdFunctions::ceil, SimdFunctions::ceil), Math::ceil, xs);
        assertExact("round", fn(SimdFunctions::rint, SimdFunctions::rint), Math::rint, xs);
        assertExact("trunc", fn(SimdFunctions::trunc, SimdFunctions::trunc), x -> x < 0 ? Math.ceil(x) : Math.floor(x), xs);
    }

    /** fn(x) has the bits of (float) exact(x) (NaN as any NaN), in the vector loop and the scalar twin. */
    private static void assertExact(String name, SimdMathTest.Fn fn, DoubleUnaryOperator exact, float[] xs) {
        int l = Simd.F32.length();
        float[] padded = Arrays.copyOf(xs, (xs.length + l - 1) / l * l);
        for (int i = 0; i < padded.length; i += l) {
            float[] v = new float[l];
            if (Simd.ENABLED) {
                fn.vector(FloatVector.fromArray(Simd.F32, padded, i)).intoArray(v, 0);
            }
            for (int j = 0; j < l && i + j < xs.length; j++) {
                float x = padded[i + j];
                int want = Float.floatToIntBits((float) exact.applyAsDouble(x));
                assertThat(Float.floatToIntBits(fn.scalar(x))).as("%s(%s) scalar", name, x).isEqualTo(want);
                if (Simd.ENABLED) {
                    assertThat(Float.floatToIntBits(v[j])).as("%s(%s) vector", name, x).isEqualTo(want);
                }
            }
        }
    }

    interface Fn2 {
        FloatVector vector(FloatVector a, FloatVector b);

        float scalar(float a, float b);
    }

    @Test
    void binaryFunctions() {
        Random r = new Random(11);
        int n = 200_000;
        float[] a = new float[n + 2 * SPECIALS.length * SPECIALS.length];
        float[] b = new float[a.length];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
            b[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
            if (i % 7 == 0) { // whole range of magnitudes, subnormals included
                a[i] = (float) (Math.pow(2, -149 + 277 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1));
                b[i] = (float) (Math.pow(2, -149 + 277 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1));
            }
        }
        int k = n;
        for (float x : SPECIALS) {
            for (float y : SPECIALS) {
                a[k] = x;
                b[k++] = y;
            }
        }
        for (; k < a.length; k++) { // values a few ulp apart, where logaddexp's a − b and hypot's ratio matter
            a[k] = (float) r.nextGaussian() * 50;
            b[k] = Math.nextUp(a[k]);
        }
        check2("atan2", new Fn2() {
            public FloatVector vector(FloatVector x, FloatVector y) {
                return SimdFunctions.atan2(x, y);
            }

            public float scalar(float x, float y) {
                return SimdFunctions.atan2(x, y);
            }
        }, StrictMath::atan2, a, b, 2);
        check2("hypot", new Fn2() {
            public FloatVector vector(FloatVector x, FloatVector y) {
                return SimdFunctions.hypot(x, y);
            }

            public float scalar(float x, float y) {
                return SimdFunctions.hypot(x, y);
            }
        }, StrictMath::hypot, a, b, 2);
        check2("logaddexp", new Fn2() {
            public FloatVector vector(FloatVector x, FloatVector y) {
                return SimdFunctions.logaddexp(x, y);
            }

            public float scalar(float x, float y) {
                return SimdFunctions.logaddexp(x, y);
            }
        }, BinaryOp.LOGADDEXP::apply, a, b, -3);
        check2("copysign", new Fn2() {
            public FloatVector vector(FloatVector x, FloatVector y) {
                return SimdFunctions.copysign(x, y);
            }

            public float scalar(float x, float y) {
                return SimdFunctions.copysign(x, y);
            }
        }, Math::copySign, a, b, 0);
        assertThat(SimdFunctions.atan2(0f, -0f)).isEqualTo((float) Math.PI);
        assertThat(Float.floatToRawIntBits(SimdFunctions.atan2(-0f, 0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(SimdFunctions.atan2(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY)).isEqualTo((float) (-3 * Math.PI / 4));
        assertThat(SimdFunctions.hypot(Float.POSITIVE_INFINITY, Float.NaN)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SimdFunctions.hypot(3e38f, 3e38f)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SimdFunctions.hypot(3f, 4f)).isEqualTo(5f);
    }

    /**
     * fn against exact on the pairs (a, b), within maxUlps of the exact value; a negative maxUlps
     * measures in ulps of the larger of the exact value and the two terms of max(a, b) + log1p(...)
     * instead (logaddexp: where that sum cancels, as it does in float for PyTorch too, the error is
     * that of its terms).
     */
    private static void check2(String name, Fn2 fn, DoubleBinaryOperator exact, float[] a, float[] b, double maxUlps) {
        int l = Simd.F32.length();
        float[] pa = Arrays.copyOf(a, (a.length + l - 1) / l * l);
        float[] pb = Arrays.copyOf(b, pa.length);
        float[] v = new float[pa.length];
        if (Simd.ENABLED) {
            for (int i = 0; i < pa.length; i += l) {
                fn.vector(FloatVector.fromArray(Simd.F32, pa, i), FloatVector.fromArray(Simd.F32, pb, i)).intoArray(v, i);
            }
        }
        for (int i = 0; i < a.length; i++) {
            float s = fn.scalar(a[i], b[i]);
            if (Simd.ENABLED) {
                assertThat(Float.floatToIntBits(v[i])).as("%s(%s, %s): vector %s, scalar %s", name, a[i], b[i], v[i], s)
                        .isEqualTo(Float.floatToIntBits(s));
            }
            double e = exact.applyAsDouble(a[i], b[i]);
            double u = ulps(s, e);
            float m = Math.max(a[i], b[i]);
            double base = Math.max(Math.abs(m), Math.abs(e - m)); // the larger term of max + log1p(...)
            if (maxUlps < 0 && Float.isFinite(m) && Float.isFinite(s) && base > Math.abs(e)) {
                u = Math.abs(s - e) / Math.ulp((float) base);
            }
            assertThat(u).as("%s(%s, %s) = %s, exact %s", name, a[i], b[i], s, e).isLessThanOrEqualTo(Math.abs(maxUlps));
        }
    }
}
