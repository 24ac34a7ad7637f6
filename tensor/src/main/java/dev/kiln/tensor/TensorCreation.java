package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.CpuStorage;

/**
 * Tensor's static factories ({@code of}, {@code wrap}, {@code zeros}, {@code arange}, {@code rand}, ...),
 * callable as {@code Tensor.zeros(...)}. Part of the chain that makes up {@link Tensor}.
 */
public abstract sealed class TensorCreation extends TensorBase permits TensorViews {

    TensorCreation(Storage storage, int[] shape, int[] strides, int offset) {
        super(storage, shape, strides, offset);
    }

    // ------------------------------------------------------------------ creation

    /** A tensor over a copy of {@code data}; with no shape given it is 1-D. */
    public static Tensor of(float[] data, int... shape) {
        return fromHost(CpuStorage.wrap(data.clone()), data.length, shape, "of");
    }

    public static Tensor of(double[] data, int... shape) {
        return fromHost(CpuStorage.wrap(data.clone()), data.length, shape, "of");
    }

    public static Tensor of(int[] data, int... shape) {
        return fromHost(CpuStorage.wrap(data.clone()), data.length, shape, "of");
    }

    /** An I64 tensor over a copy of {@code data}. */
    public static Tensor of(long[] data, int... shape) {
        return fromHost(CpuStorage.wrap(data.clone()), data.length, shape, "of");
    }

    /** An I8 tensor over a copy of {@code data} (Java's byte is signed; {@code to(DType.U8)} reads it unsigned). */
    public static Tensor of(byte[] data, int... shape) {
        return fromHost(CpuStorage.wrap(DType.I8, data.clone()), data.length, shape, "of");
    }

    public static Tensor of(boolean[] data, int... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            b[i] = (byte) (data[i] ? 1 : 0);
        }
        return fromHost(CpuStorage.wrap(b), data.length, shape, "of");
    }

    /**
     * A CPU tensor over {@code data} itself, without copying: writes to the array show in the
     * tensor and in-place ops on the tensor write to the array. With no shape given it is 1-D;
     * otherwise the shape's product must equal {@code data.length} (no {@code -1} inference, so
     * a wrong shape fails here rather than reinterpreting the caller's buffer).
     */
    public static Tensor wrap(float[] data, int... shape) {
        return wrapped(CpuStorage.wrap(nonNull(data)), data.length, shape);
    }

    /** As {@link #wrap(float[], int...)}, an F64 tensor sharing {@code data}. */
    public static Tensor wrap(double[] data, int... shape) {
        return wrapped(CpuStorage.wrap(nonNull(data)), data.length, shape);
    }

    /** As {@link #wrap(float[], int...)}, an I32 tensor sharing {@code data}. */
    public static Tensor wrap(int[] data, int... shape) {
        return wrapped(CpuStorage.wrap(nonNull(data)), data.length, shape);
    }

    /** As {@link #wrap(float[], int...)}, an I64 tensor sharing {@code data}. */
    public static Tensor wrap(long[] data, int... shape) {
        return wrapped(CpuStorage.wrap(nonNull(data)), data.length, shape);
    }

    // No wrap(boolean[]): BOOL storage is a byte per element, so a boolean[] cannot be shared.

    private static <T> T nonNull(T data) {
        if (data == null) {
            throw new IllegalArgumentException("wrap: data is null");
        }
        return data;
    }

    private static Tensor wrapped(CpuStorage storage, int length, int[] shape) {
        int[] s = shape.length == 0 ? new int[] {length} : shape.clone();
        int n = Shapes.numel("wrap", s);
        if (n != length) {
            throw new IllegalArgumentException("wrap: shape " + Shapes.str(s) + " holds " + n
                    + " elements but the array has " + length);
        }
        return new Tensor(storage, s, Shapes.contiguousStrides(s), 0);
    }

    private static Tensor fromHost(CpuStorage storage, int length, int[] shape, String op) {
        int[] s = shape.length == 0 ? new int[] {length} : ViewOps.inferShape(op, new int[] {length}, shape);
        return new Tensor(storage, s, Shapes.contiguousStrides(s), 0);
    }

    /**
     * A view of existing storage, for backends and advanced users; the layout is checked to stay
     * inside the storage.
     */
    public static Tensor fromStorage(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("fromStorage: shape " + Shapes.str(shape) + " and strides "
                    + Shapes.str(strides) + " differ in rank");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("fromStorage: negative offset " + offset + " for shape " + Shapes.str(shape));
        }
        Shapes.checkShape("fromStorage", shape);
        long lo = offset;
        long hi = offset;
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            empty |= shape[i] == 0;
            long span = (long) (shape[i] - 1) * strides[i];
            if (span > 0) {
                hi += span;
            } else {
                lo += span;
            }
        }
        if (!empty && (lo < 0 || hi >= storage.size())) {
            throw new IllegalArgumentException("fromStorage: shape " + Shapes.str(shape) + ", strides "
                    + Shapes.str(strides) + " and offset " + offset + " reach outside a storage of "
                    + storage.size() + " elements");
        }
        return new Tensor(storage, shape.clone(), strides.clone(), offset);
    }

    /** A 0-d F32 tensor. */
    public static Tensor scalar(double value) {
        return full(value, DType.F32, Device.CPU);
    }

    /** A 0-d tensor of the given dtype. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype, Device.CPU);
    }

    public static Tensor zeros(int... shape) {
        return full(0, DType.F32, shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        return full(0, dtype, shape);
    }

    public static Tensor ones(int... shape) {
        return full(1, DType.F32, shape);
    }

    public static Tensor ones(DType dtype, int... shape) {
        return full(1, dtype, shape);
    }

    public static Tensor full(double value, int... shape) {
        return full(value, DType.F32, shape);
    }

    public static Tensor full(double value, DType dtype, int... shape) {
        return full(value, dtype, Device.CPU, shape);
    }

    public static Tensor full(double value, DType dtype, Device device, int... shape) {
        Shapes.checkShape("full", shape);
        checkFillValue("full", value, dtype);
        Backend b = Backends.forDevice(device);
        Tensor out = Dispatch.empty(b, dtype, shape, device);
        if (value != 0) {
            b.fill(out, value);
        }
        return out;
    }

    public static Tensor zerosLike(Tensor t) {
        return full(0, t.dtype(), t.device(), t.shape);
    }

    public static Tensor onesLike(Tensor t) {
        return full(1, t.dtype(), t.device(), t.shape);
    }

    public static Tensor fullLike(Tensor t, double value) {
        return full(value, t.dtype(), t.device(), t.shape);
    }

    /**
     * A value that {@code full} or {@code fill_} writes into an integer tensor must be a number within
     * the dtype's range, as PyTorch requires (a fraction is truncated toward zero, as in PyTorch); BOOL
     * and the float dtypes take any value.
     */
    static void checkFillValue(String op, double value, DType dtype) {
        boolean fits = switch (dtype) {
            case I32 -> value > Integer.MIN_VALUE - 1.0 && value < Integer.MAX_VALUE + 1.0;
            case I64 -> value >= -0x1p63 && value < 0x1p63;
            case I8 -> value > Byte.MIN_VALUE - 1.0 && value < Byte.MAX_VALUE + 1.0;
            case U8 -> value > -1.0 && value < 256.0;
            case F32, F64, F16, BF16, BOOL -> true;
        };
        if (!fits) {
            throw new IllegalArgumentException(op + ": the value " + value + " cannot be converted to " + dtype
                    + " without overflow");
        }
    }

    /** 0, 1, ..., end−1 as I32 (PyTorch gives int64 for integer arguments); end must be >= 0. */
    public static Tensor arange(int end) {
        return arange(0, end);
    }

    /** start, ..., end−1 as I32; end must be >= start (PyTorch refuses a range that runs backwards). */
    public static Tensor arange(int start, int end) {
        long count = (long) end - start;
        if (count < 0) {
            throw new IllegalArgumentException("arange: end " + end + " is below start " + start
                    + " with the step of 1 (the bounds are inconsistent with the step's sign)");
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: " + count + " elements is too many");
        }
        int n = (int) count;
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i;
        }
        return of(v);
    }

    /**
     * start, start+step, ... below end as F32 (the count is ceil((end−start)/step), as PyTorch). The
     * bounds must be finite F32 values and the step finite, non-zero and pointing from start to end.
     */
    public static Tensor arange(double start, double end, double step) {
        if (!Float.isFinite((float) start) || !Float.isFinite((float) end) || !Double.isFinite(step) || step == 0) {
            throw new IllegalArgumentException("arange: step must be finite and non-zero and the bounds finite F32 "
                    + "values, got start " + start + ", end " + end + ", step " + step);
        }
        if (end != start && (end > start) != (step > 0)) {
            throw new IllegalArgumentException("arange: end " + end + " cannot be reached from start " + start
                    + " with step " + step + " (the bounds are inconsistent with the step's sign)");
        }
        double count = Math.ceil((end - start) / step);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: " + count + " elements is too many");
        }
        int n = (int) count;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (start + i * step);
        }
        return of(v);
    }

    /**
     * As {@link #arange(double, double, double)}, in {@code dtype} (PyTorch's {@code arange(start, end,
     * step, dtype=...)}): the values start + i·step are computed in double and converted, so an
     * integer dtype truncates them toward zero.
     */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("arange: dtype is null");
        }
        if (!Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step) || step == 0) {
            throw new IllegalArgumentException("arange: step must be finite and non-zero and the bounds finite, got "
                    + "start " + start + ", end " + end + ", step " + step);
        }
        if (end != start && (end > start) != (step > 0)) {
            throw new IllegalArgumentException("arange: end " + end + " cannot be reached from start " + start
                    + " with step " + step + " (the bounds are inconsistent with the step's sign)");
        }
        double count = Math.ceil((end - start) / step);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: " + count + " elements is too many");
        }
        double[] v = new double[(int) count];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i * step;
        }
        if (v.length > 0) {
            checkFillValue("arange", v[0], dtype);
            checkFillValue("arange", v[v.length - 1], dtype);
        }
        return of(v).to(dtype);
    }

    /** {@code steps} evenly spaced F32 values from start to end inclusive; the ends must be finite F32 values. */
    public static Tensor linspace(double start, double end, int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("linspace: steps must be >= 0, got " + steps);
        }
        if (!Float.isFinite((float) start) || !Float.isFinite((float) end)) {
            // PyTorch answers NaNs here; no evenly spaced values run between infinite ends
            throw new IllegalArgumentException("linspace: start and end must be finite F32 values, got start " + start
                    + ", end " + end);
        }
        float[] v = new float[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        for (int i = 0; i < steps; i++) {
            v[i] = (float) (i == steps - 1 && steps > 1 ? end : start + i * step);
        }
        return of(v);
    }

    /** The n×n identity, F32. */
    public static Tensor eye(int n) {
        if (n < 0 || (long) n * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("eye: n must be in [0, 46340], got " + n);
        }
        float[] v = new float[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        return of(v, n, n);
    }

    /** The n×m matrix with ones on the main diagonal, F32. */
    public static Tensor eye(int n, int m) {
        return eye(n, m, DType.F32);
    }

    public static Tensor eye(int n, int m, DType dtype) {
        if (n < 0 || m < 0) {
            throw new IllegalArgumentException("eye: n and m must be >= 0, got " + n + " and " + m);
        }
        Shapes.checkShape("eye", new int[] {n, m});
        Tensor out = zeros(dtype, n, m);
        if (Math.min(n, m) > 0) {
            out.diagonal().fill_(1);
        }
        return out;
    }

    /** A new F32 tensor; Kiln's storage is always initialised, so it holds zeros (PyTorch leaves it undefined). */
    public static Tensor empty(int... shape) {
        return full(0, DType.F32, shape);
    }

    public static Tensor empty(DType dtype, int... shape) {
        return full(0, dtype, shape);
    }

    /** start, start+step, ... below end as I32: integer arguments give an integer tensor, as PyTorch. */
    public static Tensor arange(int start, int end, int step) {
        if (step == 0) {
            throw new IllegalArgumentException("arange: step must be non-zero");
        }
        if (end != start && (end > start) != (step > 0)) {
            throw new IllegalArgumentException("arange: end " + end + " cannot be reached from start " + start
                    + " with step " + step + " (the bounds are inconsistent with the step's sign)");
        }
        long span = (long) end - start;
        long count = span == 0 ? 0 : (Math.abs(span) + Math.abs((long) step) - 1) / Math.abs((long) step);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: " + count + " elements is too many");
        }
        int[] v = new int[(int) count];
        for (int i = 0; i < v.length; i++) {
            v[i] = (int) (start + (long) i * step);
        }
        return of(v);
    }

    /** base^linspace(start, end, steps) with base 10, F32. */
    public static Tensor logspace(double start, double end, int steps) {
        return logspace(start, end, steps, 10);
    }

    /** {@code steps} values base^e for e evenly spaced from start to end inclusive, F32. */
    public static Tensor logspace(double start, double end, int steps, double base) {
        if (steps < 0) {
            throw new IllegalArgumentException("logspace: steps must be >= 0, got " + steps);
        }
        if (!Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(base)) {
            throw new IllegalArgumentException("logspace: start, end and base must be finite, got start " + start
                    + ", end " + end + ", base " + base);
        }
        float[] v = new float[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        for (int i = 0; i < steps; i++) {
            v[i] = (float) Math.pow(base, i == steps - 1 && steps > 1 ? end : start + i * step);
        }
        return of(v);
    }

    /** Uniform in [0, 1) with input's shape, dtype (floating) and device. */
    public static Tensor randLike(Tensor input, Generator rng) {
        Dispatch.requireFloat("randLike", input);
        return rand(rng, input.shape).to(input.dtype()).to(input.device());
    }

    /** Standard normal with input's shape, dtype (floating) and device. */
    public static Tensor randnLike(Tensor input, Generator rng) {
        Dispatch.requireFloat("randnLike", input);
        return randn(rng, input.shape).to(input.dtype()).to(input.device());
    }

    /** Uniform integers in [0, high) with input's shape, dtype and device. */
    public static Tensor randintLike(Tensor input, int high, Generator rng) {
        return randintLike(input, 0, high, rng);
    }

    /** Uniform integers in [low, high) with input's shape, dtype and device. */
    public static Tensor randintLike(Tensor input, int low, int high, Generator rng) {
        Dispatch.requireNumeric("randintLike", input);
        return randint(rng, low, high, input.shape).to(input.dtype()).to(input.device());
    }

    /**
     * A tensor from a Java value: a boxed or primitive scalar (0-d), or nested arrays of float,
     * double, int, long, byte or boolean (F32, F64, I32, I64, I8, BOOL). Nested arrays must be
     * rectangular.
     */
    public static Tensor tensor(Object data) {
        return NestedArrays.toTensor(data);
    }

    /** Uniform in [0, 1), F32. */
    public static Tensor rand(Generator rng, int... shape) {
        float[] v = new float[Shapes.checkShape("rand", shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextFloat();
        }
        return wrap(CpuStorage.wrap(v), shape);
    }

    /** Standard normal, F32. */
    public static Tensor randn(Generator rng, int... shape) {
        float[] v = new float[Shapes.checkShape("randn", shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return wrap(CpuStorage.wrap(v), shape);
    }

    /** Uniform integers in [low, high), I32. */
    public static Tensor randint(Generator rng, int low, int high, int... shape) {
        if (high <= low) {
            throw new IllegalArgumentException("randint: high " + high + " must be greater than low " + low);
        }
        int[] v = new int[Shapes.checkShape("randint", shape)];
        long range = (long) high - low;
        for (int i = 0; i < v.length; i++) {
            v[i] = (int) (low + (range <= Integer.MAX_VALUE ? rng.nextInt((int) range) : wideBelow(rng, range)));
        }
        return wrap(CpuStorage.wrap(v), shape);
    }

    /** Uniform in [0, range) for a range of 2^31 to 2^32−1, by rejection from 32 random bits. */
    private static long wideBelow(Generator rng, long range) {
        while (true) {
            long r = rng.nextLong() >>> 32;
            if (r < range) {
                return r;
            }
        }
    }

    /** A random permutation of 0..n−1, I32 (Fisher–Yates). */
    public static Tensor randperm(Generator rng, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("randperm: n must be >= 0, got " + n);
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return of(v);
    }

    private static Tensor wrap(CpuStorage storage, int[] shape) {
        return new Tensor(storage, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

}
