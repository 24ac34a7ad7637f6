package dev.kiln.tensor.testing;

import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;

/**
 * A plain row-major array of doubles with a shape: the independent side of a test. Its index
 * arithmetic and broadcasting are written here from scratch, not borrowed from the engine.
 */
public record Nd(int[] shape, double[] data) {

    public Nd {
        if (TestTensors.numel(shape) != data.length) {
            throw new IllegalArgumentException("Nd: shape " + Arrays.toString(shape) + " needs "
                    + TestTensors.numel(shape) + " values, got " + data.length);
        }
    }

    /** The values of a tensor (any dtype, any layout) in row-major order. */
    public static Nd of(Tensor t) {
        return new Nd(t.shape(), t.toDoubleArray());
    }

    /** An array whose element at each multi-index is f(index). */
    public static Nd build(int[] shape, ToDoubleFunction<int[]> f) {
        double[] v = new double[TestTensors.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(unravel(i, shape));
        }
        return new Nd(shape.clone(), v);
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return data.length;
    }

    /** The element at a multi-index of exactly this rank. */
    public double get(int... index) {
        return data[ravel(index, shape)];
    }

    /**
     * The element that broadcasting this array to a shape of rank {@code index.length} puts at
     * {@code index}: leading dims are dropped and size-1 dims read index 0.
     */
    public double getBroadcast(int[] index) {
        int lead = index.length - shape.length;
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            int i = shape[d] == 1 ? 0 : index[lead + d];
            flat = flat * shape[d] + i;
        }
        return data[flat];
    }

    public Nd map(DoubleUnaryOperator f) {
        double[] v = new double[data.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(data[i]);
        }
        return new Nd(shape, v);
    }

    /** f applied elementwise after NumPy broadcasting of a and b. */
    public static Nd zip(Nd a, Nd b, DoubleBinaryOperator f) {
        int[] shape = broadcastShape(a.shape, b.shape);
        return build(shape, idx -> f.applyAsDouble(a.getBroadcast(idx), b.getBroadcast(idx)));
    }

    /** NumPy's broadcast of two shapes, or null when they do not broadcast. */
    public static int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int k = 1; k <= rank; k++) {
            int x = k <= a.length ? a[a.length - k] : 1;
            int y = k <= b.length ? b[b.length - k] : 1;
            if (x != y && x != 1 && y != 1) {
                return null;
            }
            out[rank - k] = x == 1 ? y : x;
        }
        return out;
    }

    /** Row-major position of a multi-index. */
    public static int ravel(int[] index, int[] shape) {
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("Nd: index " + Arrays.toString(index) + " outside "
                        + Arrays.toString(shape));
            }
            flat = flat * shape[d] + index[d];
        }
        return flat;
    }

    /** Multi-index of a row-major position. */
    public static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    @Override
    public String toString() {
        return "Nd" + Arrays.toString(shape) + Arrays.toString(data);
    }
}
