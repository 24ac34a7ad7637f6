package dev.kiln.tensor.testing;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Random tensors and the same values in other memory layouts, for tests of any module that hold an
 * op against a plain-loop reference on contiguous and non-contiguous inputs alike.
 *
 * <p>Every view made here is of a detached tensor, so it can be built while grad is enabled; in
 * autograd tests build views inside the function under test instead.
 */
public final class TestTensors {
    private TestTensors() {
    }

    /** Standard-normal F32 values. */
    public static Tensor random(Generator rng, int... shape) {
        return random(rng, DType.F32, shape);
    }

    /** Standard-normal values of a floating dtype. */
    public static Tensor random(Generator rng, DType dtype, int... shape) {
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return ofDoubles(v, dtype, shape);
    }

    /** Uniform values in [lo, hi) of a floating dtype. */
    public static Tensor uniform(Generator rng, double lo, double hi, DType dtype, int... shape) {
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * rng.nextDouble();
        }
        return ofDoubles(v, dtype, shape);
    }

    /** Values lo, lo + step, ... up to hi, drawn uniformly: coarse enough that ties are common. */
    public static Tensor grid(Generator rng, double lo, double hi, double step, DType dtype, int... shape) {
        int levels = (int) Math.floor((hi - lo) / step) + 1;
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + step * rng.nextInt(levels);
        }
        return ofDoubles(v, dtype, shape);
    }

    /** Uniform I32 values in [lo, hi). */
    public static Tensor randomInts(Generator rng, int lo, int hi, int... shape) {
        int[] v = new int[numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + rng.nextInt(hi - lo);
        }
        return shape.length == 0 ? Tensor.scalar(v[0], DType.I32) : Tensor.of(v, shape);
    }

    /** A tensor of these values (row-major) and shape, converted to dtype; a 0-d shape is allowed. */
    public static Tensor ofDoubles(double[] values, DType dtype, int... shape) {
        if (shape.length == 0) {
            return Tensor.scalar(values[0], dtype);
        }
        return Tensor.of(values, shape).to(dtype);
    }

    /**
     * The values of t in a layout whose last two dims are swapped in memory (strides not
     * row-major); t itself when it has fewer than two dims.
     */
    public static Tensor transposedLayout(Tensor t) {
        if (t.dim() < 2) {
            return t;
        }
        return t.detach().transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    /**
     * The values of t in a layout with a gap between neighbouring elements of the last dim and a
     * non-zero storage offset (a step-2 slice of a larger buffer); t itself when 0-d.
     */
    public static Tensor steppedLayout(Tensor t) {
        if (t.dim() == 0) {
            return t;
        }
        int[] big = t.shape();
        int last = big.length - 1;
        big[last] = 2 * big[last] + 1;
        // the gaps hold a value no test expects: NaN for floats, 7 for I32 and BOOL (which cannot hold NaN)
        double gap = t.dtype().isFloatingPoint() ? Double.NaN : 7;
        Tensor buffer = Tensor.full(gap, t.dtype(), t.device(), big);
        Tensor view = buffer.slice(last, 1, big[last], 2);
        view.copy_(t.detach());
        return view;
    }

    /**
     * A stride-0 view of t's shape: the first dim of size > 1 repeats t's first slice along it
     * (so the values differ from t's); t itself when no dim has size > 1.
     */
    public static Tensor expandedLayout(Tensor t) {
        for (int d = 0; d < t.dim(); d++) {
            if (t.size(d) > 1) {
                return t.detach().narrow(d, 0, 1).expand(t.shape());
            }
        }
        return t;
    }

    /** {@link #layouts} plus {@link #expandedLayout} (whose values differ: read them back from the view). */
    public static List<Tensor> layoutsWithBroadcast(Tensor t) {
        List<Tensor> out = layouts(t);
        Tensor e = expandedLayout(t);
        if (e != t) {
            out.add(e);
        }
        return out;
    }

    /** t in every layout this class makes (contiguous, transposed, stepped), each with t's values. */
    public static List<Tensor> layouts(Tensor t) {
        List<Tensor> out = new ArrayList<>();
        out.add(t);
        if (t.dim() >= 2) {
            out.add(transposedLayout(t));
        }
        if (t.dim() >= 1) {
            out.add(steppedLayout(t));
        }
        return out;
    }

    /** A short description of a tensor's layout for assertion messages. */
    public static String describe(Tensor t) {
        return t.dtype() + " " + Arrays.toString(t.shape()) + " strides " + Arrays.toString(t.strides()) + " offset "
                + t.offset();
    }

    /** Product of the sizes. */
    public static int numel(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }
}
