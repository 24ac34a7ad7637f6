package dev.kiln.kernels.cpu;

import dev.kiln.tensor.SpecialFunctions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exact GELU (erf form) and its derivative against double precision over the whole range where
 * they are not 0 or x: every 61st float of [−14.5, 14.5] (an odd stride, so every exponent and
 * mantissa pattern is met), through the vector loop and the scalar tail at once. Bounds: GELU within
 * 9 ulp (ulp of the result, or of the smallest subnormal where the result is one); the derivative
 * Φ(x) + x·φ(x) within 9 ulp of the larger of its two terms, since the sum cancels near x = −0.75
 * where it crosses 0. (The erfcc form this replaced: 6 ulp near 0, over 100 in the negative tail.)
 */
class GeluKernelsTest {
    private static final double BOUND = 9;

    private static float[] inputs() {
        int top = Float.floatToRawIntBits(14.5f);
        int stride = 61;
        int count = top / stride + 1;
        float[] x = new float[2 * count + 3];
        for (int k = 0; k < count; k++) {
            x[2 * k] = Float.intBitsToFloat(k * stride);
            x[2 * k + 1] = -x[2 * k];
        }
        x[2 * count] = 14.5f;
        x[2 * count + 1] = -14.5f;
        x[2 * count + 2] = -0.7518f; // near the derivative's zero
        return x;
    }

    private static double ulp(double v) {
        return Math.max(Math.ulp((float) Math.abs(v)), Float.MIN_VALUE);
    }

    @Test
    void geluIsWithinNineUlpEverywhere() {
        float[] x = inputs();
        float[] y = new float[x.length];
        ActivationKernels.gelu(y, 0, x, 0, x.length - 5); // the last five through a second call's tail too
        ActivationKernels.gelu(y, x.length - 5, x, x.length - 5, 5);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < x.length; i++) {
            double exact = x[i] * SpecialFunctions.normalCdf(x[i]);
            double err = Math.abs(y[i] - exact) / ulp(exact);
            if (err > worst) {
                worst = err;
                at = x[i];
            }
        }
        assertThat(worst).as("GELU's largest error in ulp (at x = %s)", at).isLessThanOrEqualTo(BOUND);
    }

    @Test
    void derivativeIsWithinNineUlpOfItsTerms() {
        float[] x = inputs();
        float[] ones = new float[x.length];
        java.util.Arrays.fill(ones, 1f);
        float[] d = new float[x.length];
        ActivationKernels.geluBackward(d, 0, x, 0, ones, 0, x.length);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < x.length; i++) {
            double cdf = SpecialFunctions.normalCdf(x[i]);
            double xpdf = x[i] * SpecialFunctions.normalPdf(x[i]);
            double err = Math.abs(d[i] - (cdf + xpdf)) / ulp(Math.max(cdf, Math.abs(xpdf)));
            if (err > worst) {
                worst = err;
                at = x[i];
            }
        }
        assertThat(worst).as("GELU derivative's largest error in ulp (at x = %s)", at).isLessThanOrEqualTo(BOUND);
    }

    @Test
    void tailsAndSpecialValues() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e30f, -1e30f, -20f, 20f,
            1e-40f, -1e-40f};
        float[] y = new float[x.length];
        float[] d = new float[x.length];
        float[] ones = new float[x.length];
        java.util.Arrays.fill(ones, 1f);
        ActivationKernels.gelu(y, 0, x, 0, x.length);
        ActivationKernels.geluBackward(d, 0, x, 0, ones, 0, x.length);
        // as x·Φ(x) and Φ(x) + x·φ(x) give them in double: ∞·0 is NaN, as in PyTorch
        assertThat(y).containsExactly(Float.NaN, Float.POSITIVE_INFINITY, Float.NaN, 0f, -0f, 1e30f, -0f, -0f, 20f,
                5e-41f, -5e-41f);
        assertThat(Float.floatToRawIntBits(y[4])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(d).containsExactly(Float.NaN, Float.NaN, Float.NaN, 0.5f, 0.5f, 1f, 0f, 0f, 1f, 0.5f, 0.5f);
    }
}
