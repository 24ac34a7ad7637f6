package dev.kiln.tensor;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link FuzzTest} asserts about a call that succeeded: every tensor is self-consistent (sizes,
 * element count, a layout inside its storage, readable values), and the view ops' results equal
 * what an independent reading of the input gives.
 */
final class FuzzChecks {
    private FuzzChecks() {
    }

    /** A result together with the check of its values against the call's inputs. */
    record Checked(Object result, Runnable check) {
    }

    static Checked checked(Object result, Runnable check) {
        return new Checked(result, check);
    }

    /** Shape, count and layout agree with each other and stay inside the storage. */
    static void assertSelfConsistent(Tensor t) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        assertThat(strides).as("strides of %s", Arrays.toString(shape)).hasSameSizeAs(shape);
        assertThat(t.dim()).isEqualTo(shape.length);
        BigInteger count = BigInteger.ONE;
        BigInteger span = BigInteger.ONE;
        for (int s : shape) {
            assertThat(s).as("a size of %s", Arrays.toString(shape)).isNotNegative();
            count = count.multiply(BigInteger.valueOf(s));
            span = span.multiply(BigInteger.valueOf(Math.max(s, 1)));
        }
        // the invariant that keeps strides and offsets exact: sizes with 0 counted as 1 fit an int
        assertThat(span).as("sizes of %s", Arrays.toString(shape)).isLessThanOrEqualTo(BigInteger.valueOf(Integer.MAX_VALUE));
        assertThat(t.numel()).isEqualTo(count.intValueExact());
        if (t.numel() > 0) {
            long lo = t.offset();
            long hi = t.offset();
            for (int d = 0; d < shape.length; d++) {
                long reach = (long) (shape[d] - 1) * strides[d];
                lo += Math.min(reach, 0);
                hi += Math.max(reach, 0);
            }
            assertThat(lo).as("lowest element of %s", describe(t)).isNotNegative();
            assertThat(hi).as("highest element of %s", describe(t)).isLessThan(t.storage().size());
        }
        assertThat(t.toDoubleArray()).hasSize(t.numel());
    }

    static String describe(Tensor t) {
        return t.dtype() + Arrays.toString(t.shape()) + " strides " + Arrays.toString(t.strides()) + " offset "
                + t.offset() + " over " + t.storage().size();
    }

    /** out has the expected shape and the same values as x in row-major order (reshape, view, flatten, ...). */
    static void assertSameValues(Tensor x, Tensor out, int[] expectedShape) {
        assertThat(out.shape()).as("shape from %s", describe(x)).containsExactly(expectedShape);
        assertThat(out.toDoubleArray()).as("values from %s", describe(x)).containsExactly(x.toDoubleArray());
    }

    /** out has the expected shape and out[i] == x[toInput(i)] for every multi-index i of out. */
    static void assertMapped(Tensor x, Tensor out, int[] expectedShape, UnaryOperator<int[]> toInput) {
        assertMapped(x, out, expectedShape, toInput, (xv, ov) -> assertThat(ov).isEqualTo(xv));
    }

    /** out has the expected shape and check(x[toInput(i)], out[i]) holds for every multi-index i of out. */
    static void assertMapped(Tensor x, Tensor out, int[] expectedShape, UnaryOperator<int[]> toInput,
                             BiConsumer<Double, Double> check) {
        assertThat(out.shape()).as("shape from %s", describe(x)).containsExactly(expectedShape);
        double[] xv = x.toDoubleArray();
        double[] ov = out.toDoubleArray();
        int[] xShape = x.shape();
        for (int i = 0; i < ov.length; i++) {
            int[] idx = unravel(i, expectedShape);
            int[] at = toInput.apply(idx);
            try {
                check.accept(xv[ravel(at, xShape)], ov[i]);
            } catch (AssertionError e) {
                throw new AssertionError("element " + Arrays.toString(idx) + " of the result from " + describe(x)
                        + " (input element " + Arrays.toString(at) + "): " + e.getMessage(), e);
            }
        }
    }

    /** Every element of t equals want (NaN equals NaN). */
    static void assertAll(Tensor t, double want) {
        for (double v : t.toDoubleArray()) {
            assertSameNumber(v, want, "an element of " + describe(t));
        }
    }

    /** got == want, or both NaN. */
    static void assertSameNumber(double got, double want, String what) {
        if (Double.isNaN(want) ? !Double.isNaN(got) : got != want) {
            throw new AssertionError(what + " is " + got + ", expected " + want);
        }
    }

    /** The value a tensor of this dtype stores for v (F32 rounds, I32 truncates, BOOL is v != 0). */
    static double stored(double v, DType dtype) {
        return switch (dtype) {
            case F32 -> (float) v;
            case F64 -> v;
            case I32 -> (int) v;
            case BOOL -> v != 0 ? 1 : 0;
            case I64 -> (long) v;
            case I8 -> (byte) v;
            case U8 -> (byte) v & 0xFF;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BF16 -> Tensor.scalar(v, DType.BF16).item();
        };
    }

    /** A dim the op accepted, made non-negative; fails when it was out of range (a 0-d tensor takes 0 and -1). */
    static int norm(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new AssertionError("dim " + dim + " was accepted for a tensor of rank " + rank);
        }
        return dim < 0 ? dim + r : dim;
    }

    /** The product of the sizes, with one -1 inferred from numel (only called after the op accepted them). */
    static int[] inferred(int numel, int[] sizes) {
        int[] out = sizes.clone();
        long known = 1;
        int infer = -1;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == -1) {
                infer = i;
            } else {
                known *= sizes[i];
            }
        }
        if (infer >= 0) {
            out[infer] = (int) (numel / known);
        }
        return out;
    }

    static int[] unravel(int linear, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = linear % shape[d];
            linear /= shape[d];
        }
        return idx;
    }

    static int ravel(int[] idx, int[] shape) {
        int linear = 0;
        for (int d = 0; d < shape.length; d++) {
            linear = linear * shape[d] + idx[d];
        }
        return linear;
    }

    /** idx with value v inserted at position at. */
    static int[] insert(int[] idx, int at, int v) {
        int[] out = new int[idx.length + 1];
        System.arraycopy(idx, 0, out, 0, at);
        out[at] = v;
        System.arraycopy(idx, at, out, at + 1, idx.length - at);
        return out;
    }

    /** idx without position at. */
    static int[] remove(int[] idx, int at) {
        int[] out = new int[idx.length - 1];
        System.arraycopy(idx, 0, out, 0, at);
        System.arraycopy(idx, at + 1, out, at, idx.length - at - 1);
        return out;
    }
}
