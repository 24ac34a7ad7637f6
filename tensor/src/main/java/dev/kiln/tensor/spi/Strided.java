package dev.kiln.tensor.spi;

import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/** Index arithmetic over strided layouts, for reference loops and the generic paths of other backends. */
public final class Strided {
    private Strided() {
    }

    /** The storage offset of every element of t, in row-major logical order. */
    public static int[] offsets(Tensor t) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        int n = t.numel();
        int[] out = new int[n];
        if (n == 0) {
            return out;
        }
        int rank = shape.length;
        int[] idx = new int[rank];
        // long: stepping past the last index of a dim can leave the int range before the carry rewinds it
        long off = t.offset();
        for (int i = 0; i < n; i++) {
            out[i] = (int) off;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                off -= (long) strides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    /** The multi-index of the element at row-major position {@code linear} of {@code shape}. */
    public static int[] unravel(int linear, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = linear % shape[d];
            linear /= shape[d];
        }
        return idx;
    }

    /** The storage offset of t's element at a multi-index. */
    public static int offsetOf(Tensor t, int[] index) {
        int[] strides = t.strides();
        long off = t.offset();
        for (int d = 0; d < index.length; d++) {
            off += (long) index[d] * strides[d];
        }
        // the shape is copied only on the failing path, which Shapes turns into a message
        return off == (int) off ? (int) off : Shapes.toIntExact("offsetOf", t.shape(), off);
    }

    /** Product of the sizes before dim. */
    public static int outer(int[] shape, int dim) {
        int n = 1;
        for (int i = 0; i < dim; i++) {
            n = Shapes.multiplyExact("outer", shape, n, shape[i]);
        }
        return n;
    }

    /** Product of the sizes after dim. */
    public static int inner(int[] shape, int dim) {
        int n = 1;
        for (int i = dim + 1; i < shape.length; i++) {
            n = Shapes.multiplyExact("inner", shape, n, shape[i]);
        }
        return n;
    }
}
