package dev.kiln.tensor;

import java.math.BigInteger;
import java.util.Arrays;

/** Shape arithmetic shared by the op checks and by backends: sizes, strides, broadcasting, dims. */
public final class Shapes {
    private Shapes() {
    }

    /** The most elements, and the largest size, stride or offset, that a storage's int indexing reaches. */
    public static final int MAX_INDEX = Integer.MAX_VALUE;

    /** Product of the sizes; fails when it does not fit a Java array index. */
    public static int numel(int[] shape) {
        return numel("numel", shape);
    }

    /** Product of the sizes; fails naming {@code op} when it does not fit a storage's int indexing. */
    public static int numel(String op, int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw negativeSize(op, s, shape);
            }
            n *= s;
            if (n > MAX_INDEX) {
                throw tooLarge(op, shape);
            }
        }
        return (int) n;
    }

    /**
     * Checks a shape that a new tensor or view will have and returns its element count: no size is
     * negative, and the sizes, with each 0 counted as 1, multiply to at most 2^31-1. The second rule
     * holds for empty shapes too, because a contiguous layout's strides are those partial products
     * and a storage indexes with ints: under it every stride and offset of a view fits an int.
     */
    public static int checkShape(String op, int[] shape) {
        long span = 1;
        boolean empty = false;
        for (int s : shape) {
            if (s < 0) {
                throw negativeSize(op, s, shape);
            }
            empty |= s == 0;
            span *= Math.max(s, 1);
            if (span > MAX_INDEX) {
                throw tooLarge(op, shape);
            }
        }
        return empty ? 0 : (int) span;
    }

    private static IllegalArgumentException negativeSize(String op, int size, int[] shape) {
        return new IllegalArgumentException(op + ": negative size " + size + " in shape " + str(shape));
    }

    private static IllegalArgumentException tooLarge(String op, int[] shape) {
        BigInteger span = BigInteger.ONE;
        boolean empty = false;
        for (int s : shape) {
            span = span.multiply(BigInteger.valueOf(Math.max(s, 1)));
            empty |= s == 0;
        }
        return new IllegalArgumentException(op + ": shape " + str(shape) + " is too large: its "
                + (empty ? "sizes (a 0 counted as 1, as in its strides) multiply to " : "element count is ") + span
                + ", more than the " + MAX_INDEX + " (2^31-1) that a storage's int indexing reaches");
    }

    /** a·b for sizes, strides or offsets of {@code shape}; fails naming op and shape when it leaves the int range. */
    public static int multiplyExact(String op, int[] shape, long a, long b) {
        try {
            return toIntExact(op, shape, Math.multiplyExact(a, b));
        } catch (ArithmeticException e) {
            throw outOfRange(op, shape, "beyond 2^63");
        }
    }

    /** a + b for sizes, strides or offsets of {@code shape}; fails naming op and shape when it leaves the int range. */
    public static int addExact(String op, int[] shape, long a, long b) {
        try {
            return toIntExact(op, shape, Math.addExact(a, b));
        } catch (ArithmeticException e) {
            throw outOfRange(op, shape, "beyond 2^63");
        }
    }

    /** value as an int size, stride or offset of {@code shape}; fails naming op and shape when it does not fit. */
    public static int toIntExact(String op, int[] shape, long value) {
        if (value != (int) value) {
            throw outOfRange(op, shape, Long.toString(value));
        }
        return (int) value;
    }

    private static IllegalArgumentException outOfRange(String op, int[] shape, String value) {
        return new IllegalArgumentException(op + ": a size, stride or offset computed for shape " + str(shape) + " is "
                + value + ", outside the int range that a storage's indexing reaches (at most " + MAX_INDEX + ")");
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            if (i > 0) {
                s = multiplyExact("contiguousStrides", shape, s, Math.max(shape[i], 1));
            }
        }
        return strides;
    }

    /** Whether a layout visits memory in row-major order with no gaps (size-1 dims are ignored). */
    public static boolean isContiguous(int[] shape, int[] strides) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 0) {
                return true;
            }
            if (shape[i] != 1) {
                if (strides[i] != expected) {
                    return false;
                }
                // past the int range no stride can match; capping keeps the product from wrapping
                expected = Math.min(expected * shape[i], 1L << 32);
            }
        }
        return true;
    }

    /** NumPy broadcasting of two shapes; the message names the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast: sizes " + da + " and " + db + " differ at dim " + (i - rank));
            }
            out[i] = da == 1 ? db : da;
        }
        checkShape(op, out);
        return out;
    }

    /** Whether {@code from} broadcasts to exactly {@code to}. */
    public static boolean broadcastsTo(int[] from, int[] to) {
        if (from.length > to.length) {
            return false;
        }
        int lead = to.length - from.length;
        for (int i = 0; i < from.length; i++) {
            if (from[i] != 1 && from[i] != to[lead + i]) {
                return false;
            }
        }
        return true;
    }

    /** A dim in [-rank, rank) made non-negative; a 0-d tensor accepts 0 and -1 as PyTorch does. */
    public static int normalizeDim(String op, int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for a tensor of rank "
                    + rank + " (expected " + -r + " to " + (r - 1) + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** Normalized, sorted, duplicate-free dims; an empty array means all dims. */
    public static int[] normalizeDims(String op, int[] dims, int rank) {
        if (dims.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = normalizeDim(op, dims[i], rank);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException(op + ": dim " + out[i] + " appears more than once in "
                        + Arrays.toString(dims));
            }
        }
        if (rank == 0) {
            return new int[0];
        }
        return out;
    }

    /** The shape with the given (sorted) dims set to 1, or removed when keepDim is false. */
    public static int[] reducedShape(int[] shape, int[] sortedDims, boolean keepDim) {
        int[] kept = shape.clone();
        for (int d : sortedDims) {
            kept[d] = 1;
        }
        if (keepDim) {
            return kept;
        }
        int[] out = new int[shape.length - sortedDims.length];
        int j = 0;
        int k = 0;
        for (int i = 0; i < shape.length; i++) {
            if (k < sortedDims.length && sortedDims[k] == i) {
                k++;
            } else {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /** "[2, 3]" */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
