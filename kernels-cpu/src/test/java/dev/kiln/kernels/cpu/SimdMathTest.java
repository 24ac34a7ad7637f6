package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SimdMath}'s functions against StrictMath (in double) over sweeps of the float range and
 * their edge cases, at the vector width this JVM was given (the pom runs it at each): within 2 ulp
 * (3 for sigmoid, a divide after exp), and the vector loop and the scalar twin give the same bits
 * for every input.
 */
class SimdMathTest {
    interface Fn {
        FloatVector vector(FloatVector x);

        float scalar(float x);
    }

    private static final Fn EXP = fn(SimdMath::exp, SimdMath::exp);
    private static final Fn LOG = fn(SimdMath::log, SimdMath::log);
    private static final Fn LOG1P = fn(SimdMath::log1p, SimdMath::log1p);
    private static final Fn TANH = fn(SimdMath::tanh, SimdMath::tanh);
    private static final Fn SIGMOID = fn(SimdMath::sigmoid, SimdMath::sigmoid);
    private static final Fn SIN = fn(SimdMath::sin, SimdMath::sin);
    private static final Fn COS = fn(SimdMath::cos, SimdMath::cos);

    static Fn fn(UnaryOperator<FloatVector> v, java.util.function.Function<Float, Float> s) {
        return new Fn() {
            public FloatVector vector(FloatVector x) {
                return v.apply(x);
            }

            public float scalar(float x) {
                return s.apply(x);
            }
        };
    }

    /** Every step-th float bit pattern between lo and hi (both signs as given), plus random ones and the edges. */
    static float[] sweep(float lo, float hi, int count, float... edges) {
        Random r = new Random(42);
        float[] out = new float[2 * count + edges.length];
        int n = 0;
        for (int i = 0; i < count; i++) {
            out[n++] = lo + (hi - lo) * i / (count - 1f);
        }
        // log-spaced magnitudes, both signs where the range has them
        for (int i = 0; i < count; i++) {
            double mag = Math.pow(2, -149 + 277.0 * r.nextDouble());
            float v = (float) (r.nextBoolean() ? mag : -mag);
            out[n++] = Math.max(lo, Math.min(hi, v));
        }
        for (float e : edges) {
            out[n++] = e;
        }
        return out;
    }

    static final float[] SPECIALS = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f,
            Math.nextUp(1f), Math.nextDown(1f), 1e-8f, -1e-8f, 0.5f, 2f};

    /** Error of y against the exact value in units of the float ulp at the exact value (subnormals: MIN_VALUE). */
    static double ulps(float y, double exact) {
        if (Double.isNaN(exact)) {
            return Float.isNaN(y) ? 0 : Double.POSITIVE_INFINITY;
        }
        float rounded = (float) exact;
        if (Float.isInfinite(rounded) || Float.isInfinite(y)) {
            return y == rounded ? 0 : Double.POSITIVE_INFINITY;
        }
        double ulp = Math.max(Math.ulp(Math.abs(rounded) == 0 ? Float.MIN_VALUE : rounded), Float.MIN_VALUE);
        if (Math.abs(exact) < Math.abs(rounded)) { // below a power of two the ulp is half as wide
            ulp = Math.max(Math.ulp(Math.nextDown(Math.abs(rounded))), Float.MIN_VALUE);
        }
        return Math.abs(y - exact) / ulp;
    }

    /** Checks fn on xs: vector and scalar bits equal, error within maxUlps; returns the worst error. */
    static double check(String name, Fn fn, DoubleUnaryOperator exact, float[] xs, double maxUlps) {
        int l = Simd.F32.length();
        float[] padded = Arrays.copyOf(xs, (xs.length + l - 1) / l * l);
        float[] v = new float[padded.length];
        if (Simd.ENABLED) {
            for (int i = 0; i < padded.length; i += l) {
                fn.vector(FloatVector.fromArray(Simd.F32, padded, i)).intoArray(v, i);
            }
        }
        double worst = 0;
        for (int i = 0; i < xs.length; i++) {
            float x = xs[i];
            float s = fn.scalar(x);
            if (Simd.ENABLED) {
                assertThat(Float.floatToIntBits(v[i])).as("%s(%s): vector %s, scalar %s", name, x, v[i], s)
                        .isEqualTo(Float.floatToIntBits(s));
            }
            double e = exact.applyAsDouble(x);
            double u = ulps(s, e);
            assertThat(u).as("%s(%s) = %s, exact %s", name, x, s, e).isLessThanOrEqualTo(maxUlps);
            worst = Math.max(worst, u);
        }
        return worst;
    }

    @Test
    void expIsWithinTwoUlpEverywhere() {
        float[] xs = sweep(-110f, 95f, 200_000, -103.972f, -103.98f, -87.3365f, -87.34f, 88.7228f, 88.72284f,
                88.7229f, 89f, -104f);
        double worst = check("exp", EXP, StrictMath::exp, concat(xs, SPECIALS), 2);
        assertThat(worst).as("worst error found").isGreaterThan(0);
        assertThat(SimdMath.exp(Float.NEGATIVE_INFINITY)).isEqualTo(0f);
        assertThat(SimdMath.exp(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SimdMath.exp(0f)).isEqualTo(1f);
        assertThat(SimdMath.exp(89f)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SimdMath.exp(-104f)).isEqualTo(0f);
    }

    /** expNonPositive is exp with fewer operations for x ≤ 0: the same bits, vector and scalar, on every x ≤ 43. */
    @Test
    void expNonPositiveHasExpsBits() {
        float[] xs = concat(sweep(-110f, 43f, 200_000, -103.972f, -103.98f, -87.3365f, -87.34f, -104f, -150f, 43f),
                new float[] {0f, -0f, Float.NaN, Float.NEGATIVE_INFINITY, -Float.MIN_VALUE, -1e-8f, -Float.MAX_VALUE});
        Fn fast = fn(SimdMath::expNonPositive, SimdMath::expNonPositive);
        check("expNonPositive", fast, StrictMath::exp, xs, 2);
        for (float x : xs) {
            assertThat(Float.floatToIntBits(SimdMath.expNonPositive(x))).as("expNonPositive(%s)", x)
                    .isEqualTo(Float.floatToIntBits(SimdMath.exp(x)));
        }
    }

    @Test
    void logIsWithinTwoUlpEverywhere() {
        float[] xs = sweep(0f, Float.MAX_VALUE, 200_000, 0.70710677f, 0.7071068f, 1.4142135f, 1.4142137f, 0.999f,
                1.001f, -5f);
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Math.abs(xs[i]); // log-spaced over all positive magnitudes, subnormals included
        }
        float[] near1 = new float[20_000];
        for (int i = 0; i < near1.length; i++) {
            near1[i] = 0.5f + 1.5f * i / near1.length;
        }
        check("log", LOG, StrictMath::log, concat(concat(xs, near1), SPECIALS), 2);
        assertThat(SimdMath.log(1f)).isEqualTo(0f);
        assertThat(SimdMath.log(0f)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(SimdMath.log(-0f)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(SimdMath.log(-1f)).isNaN();
        assertThat(SimdMath.log(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    @Test
    void log1pIsWithinTwoUlpEverywhere() {
        float[] xs = sweep(-1f, Float.MAX_VALUE, 200_000, -0.5f, -0.2929f, 0.4142f, 1f, 0.99999994f, 1.0000001f);
        float[] fine = new float[20_000];
        for (int i = 0; i < fine.length; i++) {
            fine[i] = -0.999f + 4f * i / fine.length;
        }
        check("log1p", LOG1P, StrictMath::log1p, concat(concat(xs, fine), SPECIALS), 2);
        assertThat(Float.floatToRawIntBits(SimdMath.log1p(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(SimdMath.log1p(-1f)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(SimdMath.log1p(-2f)).isNaN();
        assertThat(SimdMath.log1p(1e-30f)).isEqualTo(1e-30f);
    }

    @Test
    void sinAndCosAreWithinTwoUlpEverywhere() {
        float[] xs = sweep(-70000f, 70000f, 200_000, 65536f, Math.nextUp(65536f), -65536f, 0.7853982f, 1.5707964f,
                3.1415927f, 355f, 103993f, 1e10f);
        // near the multiples of π/2, where the reduced argument is small and cancellation would show
        float[] near = new float[40_000];
        for (int i = 0; i < near.length; i++) {
            near[i] = (float) ((i - near.length / 2) * Math.PI / 2);
        }
        check("sin", SIN, StrictMath::sin, concat(concat(xs, near), SPECIALS), 2);
        check("cos", COS, StrictMath::cos, concat(concat(xs, near), SPECIALS), 2);
        assertThat(Float.floatToRawIntBits(SimdMath.sin(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(SimdMath.cos(-0f)).isEqualTo(1f);
        assertThat(SimdMath.sin(Float.POSITIVE_INFINITY)).isNaN();
        assertThat(SimdMath.cos(Float.NEGATIVE_INFINITY)).isNaN();
    }

    @Test
    void tanhIsWithinTwoUlpEverywhere() {
        float[] xs = sweep(-12f, 12f, 200_000, 0.55f, Math.nextDown(0.55f), -0.55f, 9f, 9.1f, -9.1f);
        check("tanh", TANH, StrictMath::tanh, concat(xs, SPECIALS), 2);
        assertThat(Float.floatToRawIntBits(SimdMath.tanh(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(SimdMath.tanh(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
    }

    @Test
    void sigmoidIsWithinThreeUlp() {
        float[] xs = sweep(-120f, 120f, 100_000, -88.7f, -88.8f, 88.8f, 17f, -17f);
        check("sigmoid", SIGMOID, x -> StrictMath.exp(-x) > Float.MAX_VALUE ? 0 : 1 / (1 + StrictMath.exp(-x)), concat(xs, SPECIALS), 3);
    }

    static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
