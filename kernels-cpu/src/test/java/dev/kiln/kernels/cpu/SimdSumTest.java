package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Simd#sum} adds a vector's lanes in one fixed tree order, so a kernel's result does not
 * depend on whether C2 has compiled it yet ({@code reduceLanes(ADD)} adds sequentially in its Java
 * fallback and as a tree once compiled: the first calls here would differ from the later ones).
 */
class SimdSumTest {
    /** The tree order written out in scalar code: lane i with lane i + n/2, and so on down. */
    private static float treeSum(float[] lanes) {
        float[] a = lanes.clone();
        for (int half = a.length / 2; half >= 1; half /= 2) {
            float[] b = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                b[i] = a[i] + a[(i + half) % a.length];
            }
            a = b;
        }
        return a[0];
    }

    @Test
    void sumAddsInTheSameOrderFromTheFirstCallOn() {
        int n = Simd.F32.length();
        Random r = new Random(11);
        float[] x = new float[n];
        int orderMatters = 0;
        // enough calls that Simd.sum runs interpreted first and compiled later
        for (int round = 0; round < 50_000; round++) {
            for (int i = 0; i < n; i++) {
                x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7)));
            }
            float expected = treeSum(x);
            float sequential = 0;
            for (float v : x) {
                sequential += v;
            }
            if (sequential != expected) {
                orderMatters++;
            }
            float got = Simd.sum(FloatVector.fromArray(Simd.F32, x, 0));
            assertThat(Float.floatToRawIntBits(got)).as("round %d: %s", round, java.util.Arrays.toString(x))
                    .isEqualTo(Float.floatToRawIntBits(expected));
        }
        if (n > 2) {
            assertThat(orderMatters).as("inputs where the order of the adds changes the bits").isGreaterThan(1000);
        }
    }
}
