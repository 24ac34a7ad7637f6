package dev.kiln.tensor.testing;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Assertions on tensor values and on the errors ops raise. */
public final class TensorAssert {
    private TensorAssert() {
    }

    /** Tolerance for F32 results computed in double and rounded once. */
    public static final double F32_TOL = 2e-6;
    /** Tolerance for F64 results. */
    public static final double F64_TOL = 1e-12;

    /** The default tolerance of a dtype: a unit in the last place of F16 and BF16, exact for the integer types and BOOL. */
    public static double tolerance(DType dtype) {
        return switch (dtype) {
            case F32 -> F32_TOL;
            case F64 -> F64_TOL;
            case F16 -> 0x1p-10;
            case BF16 -> 0x1p-7;
            case I32, I64, I8, U8, BOOL -> 0;
        };
    }

    /**
     * Asserts shape, then every value within {@code tol}·max(1, |expected|) (NaN matches NaN,
     * infinities must be equal).
     */
    public static void assertValues(Tensor actual, Nd expected, double tol) {
        assertValues(actual, expected.shape(), expected.data(), tol);
    }

    public static void assertValues(Tensor actual, int[] shape, double[] expected, double tol) {
        assertThat(actual.shape()).as("shape of %s", TestTensors.describe(actual)).containsExactly(shape);
        double[] got = actual.toDoubleArray();
        assertThat(got).hasSize(expected.length);
        for (int i = 0; i < got.length; i++) {
            if (!close(got[i], expected[i], tol)) {
                throw new AssertionError("element " + i + " " + Arrays.toString(Nd.unravel(i, shape)) + " of "
                        + TestTensors.describe(actual) + ": expected " + expected[i] + " but got " + got[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }

    /** Asserts values with the default tolerance of actual's dtype. */
    public static void assertValues(Tensor actual, Nd expected) {
        assertValues(actual, expected, tolerance(actual.dtype()));
    }

    public static boolean close(double got, double want, double tol) {
        if (Double.isNaN(want)) {
            return Double.isNaN(got);
        }
        if (Double.isInfinite(want)) {
            return got == want;
        }
        return Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
    }

    /**
     * Asserts that the call throws an IllegalArgumentException whose message starts with
     * "{@code op}:" and contains every fragment (shapes, values, dtypes at fault).
     */
    public static void assertRejects(ThrowingCallable call, String op, String... fragments) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(op + ":")
                .hasMessageContainingAll(fragments);
    }

    /** As {@link #assertRejects} for an IllegalStateException (misuse of state). */
    public static void assertRefusesState(ThrowingCallable call, String op, String... fragments) {
        assertThatThrownBy(call).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith(op + ":")
                .hasMessageContainingAll(fragments);
    }
}
