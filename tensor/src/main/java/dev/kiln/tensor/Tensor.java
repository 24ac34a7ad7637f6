package dev.kiln.tensor;

import dev.kiln.tensor.spi.Autograd;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.spi.ReduceOp;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array: a shape, strides and an offset over a {@link Storage}, with PyTorch's
 * names in camelCase. Views share storage; every op checks its arguments once, here, then hands
 * the work to the {@link Backend} of the tensor's device, then tells {@link Autograd} what it did.
 *
 * <p>Tensors are not thread-safe; gradients flow through F32 and F64 tensors only.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private boolean requiresGrad;
    private boolean retainsGrad;
    private Tensor grad;
    private GradNode gradFn;

    Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
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
     * A value that {@code full} or {@code fill_} writes into an I32 tensor must be a number within the
     * int range, as PyTorch requires (a fraction is truncated toward zero, as in PyTorch); BOOL and the
     * float dtypes take any value.
     */
    static void checkFillValue(String op, double value, DType dtype) {
        if (dtype == DType.I32 && !(value > Integer.MIN_VALUE - 1.0 && value < Integer.MAX_VALUE + 1.0)) {
            throw new IllegalArgumentException(op + ": the value " + value + " cannot be converted to I32 without "
                    + "overflow");
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
     * double, int, long or boolean (F32, F64, I32, I32 with a range check, BOOL). Nested arrays must
     * be rectangular.
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

    // ------------------------------------------------------------------ metadata

    /** The sizes (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of one dim; negative dims count from the end. */
    public int size(int dim) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("size: a 0-d tensor has no dims, got dim " + dim);
        }
        return shape[Shapes.normalizeDim("size", dim, shape.length)];
    }

    /** The number of dims (PyTorch's {@code dim()}). */
    public int dim() {
        return shape.length;
    }

    public int numel() {
        return Shapes.numel(shape);
    }

    public int[] strides() {
        return strides.clone();
    }

    public int offset() {
        return offset;
    }

    public Storage storage() {
        return storage;
    }

    public DType dtype() {
        return storage.dtype();
    }

    public Device device() {
        return storage.device();
    }

    public boolean isContiguous() {
        return Shapes.isContiguous(shape, strides);
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: only one-element tensors have an item, got shape " + Shapes.str(shape));
        }
        Tensor h = to(Device.CPU);
        return ((CpuStorage) h.storage).get(h.offset);
    }

    /** The elements in row-major order, converted to float. */
    public float[] toFloatArray() {
        return ((CpuStorage) hostCopy(DType.F32).storage).floats();
    }

    public double[] toDoubleArray() {
        return ((CpuStorage) hostCopy(DType.F64).storage).doubles();
    }

    public int[] toIntArray() {
        return ((CpuStorage) hostCopy(DType.I32).storage).ints();
    }

    public boolean[] toBooleanArray() {
        byte[] b = ((CpuStorage) hostCopy(DType.BOOL).storage).bools();
        boolean[] out = new boolean[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] != 0;
        }
        return out;
    }

    /** A fresh contiguous host copy in the given dtype, never recorded. */
    private Tensor hostCopy(DType dtype) {
        Tensor h = detach().to(Device.CPU);
        Backend b = Backends.forDevice(Device.CPU);
        Tensor out = Dispatch.empty(b, dtype, shape, Device.CPU);
        b.copy(out, h);
        return out;
    }

    // ------------------------------------------------------------------ autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as one whose gradient is wanted; returns this tensor. */
    public Tensor requiresGrad(boolean requires) {
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad: only leaf tensors can change requiresGrad; this one was made by "
                    + gradFn.name() + " (use detach() for a new leaf)");
        }
        if (requires && !dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("requiresGrad: only F32 and F64 tensors can require gradients, got " + dtype());
        }
        this.requiresGrad = requires;
        return this;
    }

    /** The accumulated gradient, or null. */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the gradient (null clears it); it must match this tensor's shape, dtype and device. */
    public void setGrad(Tensor g) {
        if (g != null && (!Arrays.equals(g.shape, shape) || g.dtype() != dtype() || !g.device().equals(device()))) {
            throw new IllegalArgumentException("setGrad: gradient " + g.dtype() + " " + Shapes.str(g.shape) + " on "
                    + g.device() + " does not match tensor " + dtype() + " " + Shapes.str(shape) + " on " + device());
        }
        this.grad = g;
    }

    /** Clears the gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        this.grad = null;
    }

    /** The node that made this tensor, or null for a leaf. */
    public GradNode gradFn() {
        return gradFn;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /**
     * For the autograd engine only: marks this op output as requiring grad through {@code node}.
     */
    public void attachGradFn(GradNode node) {
        this.gradFn = node;
        this.requiresGrad = node != null;
    }

    /** Keeps the gradient of this non-leaf tensor after backward (PyTorch's {@code retain_grad}). */
    public Tensor retainGrad() {
        if (!requiresGrad) {
            throw new IllegalStateException("retainGrad: the tensor does not require grad");
        }
        retainsGrad = true;
        return this;
    }

    public boolean retainsGrad() {
        return retainsGrad;
    }

    /** Backpropagates from this scalar; gradients accumulate into the leaves' {@link #grad()}. */
    public void backward() {
        backward(null, false);
    }

    /** Backpropagates with an explicit seed of this tensor's shape. */
    public void backward(Tensor seed) {
        backward(seed, false);
    }

    /** As {@link #backward(Tensor)}; {@code retainGraph} keeps the graph for another backward. */
    public void backward(Tensor seed, boolean retainGraph) {
        Autograd.get().backward(this, seed, retainGraph);
    }

    /** The same data, cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    // ------------------------------------------------------------------ views

    /** An unrecorded view: for the engine's own fresh outputs only. */
    Tensor asView(int[] newShape, int[] newStrides, int newOffset) {
        return new Tensor(storage, newShape, newStrides, newOffset);
    }

    /** An unrecorded reshape of a contiguous fresh output. */
    Tensor rawView(int[] newShape) {
        return new Tensor(storage, newShape.clone(), Shapes.contiguousStrides(newShape), offset);
    }

    /** An unrecorded broadcast view to {@code target}, for handing inputs to kernels. */
    Tensor broadcastView(int[] target) {
        if (Arrays.equals(shape, target)) {
            return this;
        }
        int lead = target.length - shape.length;
        int[] st = new int[target.length];
        for (int i = 0; i < shape.length; i++) {
            st[lead + i] = shape[i] == 1 && target[lead + i] != 1 ? 0 : strides[i];
        }
        return new Tensor(storage, target.clone(), st, offset);
    }

    public Tensor reshape(int... shape) {
        return ViewOps.reshape(this, shape);
    }

    /** As reshape, but fails instead of copying when the layout does not allow a view. */
    public Tensor view(int... shape) {
        return ViewOps.view(this, shape);
    }

    public Tensor flatten() {
        return reshape(-1);
    }

    /** Flattens dims startDim..endDim into one. */
    public Tensor flatten(int startDim, int endDim) {
        // a 0-d tensor takes dims 0 and -1 only, as PyTorch
        int s = Shapes.normalizeDim("flatten", startDim, dim());
        int e = Shapes.normalizeDim("flatten", endDim, dim());
        if (dim() == 0) {
            return reshape(1);
        }
        if (s > e) {
            throw new IllegalArgumentException("flatten: startDim " + startDim + " comes after endDim " + endDim);
        }
        int[] out = new int[dim() - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) {
            out[k++] = shape[i];
        }
        int prod = 1;
        for (int i = s; i <= e; i++) {
            prod = Shapes.multiplyExact("flatten", shape, prod, shape[i]);
        }
        out[k++] = prod;
        for (int i = e + 1; i < dim(); i++) {
            out[k++] = shape[i];
        }
        return reshape(out);
    }

    public Tensor transpose(int dim0, int dim1) {
        return ViewOps.transpose(this, dim0, dim1);
    }

    /** Transpose of a matrix (a 0-d or 1-D tensor is returned as is). */
    public Tensor t() {
        if (dim() > 2) {
            throw new IllegalArgumentException("t: expected a tensor with at most 2 dims, got " + Shapes.str(shape)
                    + "; use transpose(dim0, dim1)");
        }
        return dim() < 2 ? this : transpose(0, 1);
    }

    public Tensor permute(int... dims) {
        return ViewOps.permute(this, dims);
    }

    /** Moves one dim to a new position, keeping the order of the others. */
    public Tensor movedim(int source, int destination) {
        int s = Shapes.normalizeDim("movedim", source, dim());
        int d = Shapes.normalizeDim("movedim", destination, dim());
        int[] perm = new int[dim()];
        int k = 0;
        for (int i = 0; i < dim(); i++) {
            if (i != s) {
                perm[k++] = i;
            }
        }
        int[] out = new int[dim()];
        for (int i = 0, j = 0; i < dim(); i++) {
            out[i] = i == d ? s : perm[j++];
        }
        return permute(out);
    }

    /** Drops every size-1 dim. */
    public Tensor squeeze() {
        return ViewOps.squeeze(this, null);
    }

    /** Drops dim if its size is 1 (otherwise returns this tensor, as PyTorch). */
    public Tensor squeeze(int dim) {
        return ViewOps.squeeze(this, dim);
    }

    public Tensor unsqueeze(int dim) {
        return ViewOps.unsqueeze(this, dim);
    }

    /** A broadcast view; -1 keeps a size. */
    public Tensor expand(int... sizes) {
        return ViewOps.expand(this, sizes);
    }

    public Tensor expandAs(Tensor other) {
        return expand(other.shape);
    }

    /** The view of {@code length} positions of dim from start. */
    public Tensor narrow(int dim, int start, int length) {
        return ViewOps.narrow(this, dim, start, length);
    }

    /** Python's x[start:end] along dim (negative bounds count from the end; bounds are clamped). */
    public Tensor slice(int dim, int start, int end) {
        return ViewOps.slice(this, dim, start, end, 1);
    }

    /** Python's x[start:end:step] along dim. */
    public Tensor slice(int dim, int start, int end, int step) {
        return ViewOps.slice(this, dim, start, end, step);
    }

    /** The slice at one index of dim, with that dim removed. */
    public Tensor select(int dim, int index) {
        return ViewOps.select(this, dim, index);
    }

    /** This tensor if already contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return ViewOps.contiguous(this);
    }

    // ------------------------------------------------------------------ shape and indexing (PyTorch names)

    /** Swaps two dims (PyTorch's alias of transpose). */
    public Tensor swapaxes(int axis0, int axis1) {
        return ViewOps.transpose(this, axis0, axis1);
    }

    /** Swaps two dims (PyTorch's alias of transpose). */
    public Tensor swapdims(int dim0, int dim1) {
        return ViewOps.transpose(this, dim0, dim1);
    }

    /** Moves each source dim to its destination, keeping the order of the others. */
    public Tensor movedim(int[] source, int[] destination) {
        return ViewOps.movedim(this, source, destination);
    }

    /** Alias of {@link #movedim(int, int)}. */
    public Tensor moveaxis(int source, int destination) {
        return movedim(source, destination);
    }

    /** Drops those of the listed dims that have size 1. */
    public Tensor squeeze(int[] dims) {
        return ViewOps.squeezeDims(this, dims);
    }

    /** Splits dim into the given sizes (one may be -1): a view where the layout allows, else a copy. */
    public Tensor unflatten(int dim, int... sizes) {
        return ViewOps.unflatten(this, dim, sizes);
    }

    /** A view of the main diagonal of the first two dims. */
    public Tensor diagonal() {
        return ViewOps.diagonal(this, 0, 0, 1);
    }

    public Tensor diagonal(int offset) {
        return ViewOps.diagonal(this, offset, 0, 1);
    }

    /** A view of the diagonal of dim1 and dim2 (offset > 0 above the main one), as a new last dim. */
    public Tensor diagonal(int offset, int dim1, int dim2) {
        return ViewOps.diagonal(this, offset, dim1, dim2);
    }

    /**
     * Sliding windows along dimension as a view: that dim becomes the window count, a new last dim
     * of {@code size} holds each window. Not the im2col unfold of nn.functional.
     */
    public Tensor unfold(int dimension, int size, int step) {
        return ViewOps.unfold(this, dimension, size, step);
    }

    /** Reverses the order of elements along the listed dims (a copy, as PyTorch). */
    public Tensor flip(int... dims) {
        return ShapeOps.flip(this, dims);
    }

    /** Rolls the flattened tensor by shifts, keeping the shape. */
    public Tensor roll(int shifts) {
        return ShapeOps.roll(this, new int[] {shifts}, new int[0]);
    }

    /** Rolls dim by shifts: element i moves to (i + shifts) mod size. */
    public Tensor roll(int shifts, int dim) {
        return ShapeOps.roll(this, new int[] {shifts}, new int[] {dim});
    }

    public Tensor roll(int[] shifts, int[] dims) {
        return ShapeOps.roll(this, shifts, dims);
    }

    /** Repeats the whole tensor along each dim (PyTorch's Tensor.repeat; extra leading counts add dims). */
    public Tensor repeat(int... repeats) {
        return ShapeOps.repeat(this, repeats);
    }

    /** As repeat, but fewer counts than dims repeat the trailing dims. */
    public Tensor tile(int... dims) {
        return ShapeOps.tile(this, dims);
    }

    /** Each element of the flattened tensor repeated {@code repeats} times. */
    public Tensor repeatInterleave(int repeats) {
        return ShapeOps.repeatInterleave(this, repeats, null);
    }

    public Tensor repeatInterleave(int repeats, int dim) {
        return ShapeOps.repeatInterleave(this, repeats, dim);
    }

    /** Element i of the flattened tensor repeated repeats[i] times (I32 counts). */
    public Tensor repeatInterleave(Tensor repeats) {
        return ShapeOps.repeatInterleave(this, repeats, null);
    }

    public Tensor repeatInterleave(Tensor repeats, int dim) {
        return ShapeOps.repeatInterleave(this, repeats, dim);
    }

    /** Views of splitSize along dim 0 (the last may be smaller). */
    public List<Tensor> split(int splitSize) {
        return ShapeOps.split(this, splitSize, 0);
    }

    public List<Tensor> split(int splitSize, int dim) {
        return ShapeOps.split(this, splitSize, dim);
    }

    /** Views of the given sizes along dim 0. */
    public List<Tensor> split(int[] sections) {
        return ShapeOps.split(this, sections, 0);
    }

    public List<Tensor> split(int[] sections, int dim) {
        return ShapeOps.split(this, sections, dim);
    }

    /** At most {@code chunks} views along dim 0, of ceil(size / chunks) each. */
    public List<Tensor> chunk(int chunks) {
        return ShapeOps.chunk(this, chunks, 0);
    }

    public List<Tensor> chunk(int chunks, int dim) {
        return ShapeOps.chunk(this, chunks, dim);
    }

    /** The slices of dim 0 as views. */
    public List<Tensor> unbind() {
        return ShapeOps.unbind(this, 0);
    }

    public List<Tensor> unbind(int dim) {
        return ShapeOps.unbind(this, dim);
    }

    /** The lower triangle of the last two dims, zeros above. */
    public Tensor tril() {
        return ShapeOps.triangle("tril", this, 0, true);
    }

    /** Keeps elements with column − row ≤ diagonal. */
    public Tensor tril(int diagonal) {
        return ShapeOps.triangle("tril", this, diagonal, true);
    }

    public Tensor triu() {
        return ShapeOps.triangle("triu", this, 0, false);
    }

    /** Keeps elements with column − row ≥ diagonal. */
    public Tensor triu(int diagonal) {
        return ShapeOps.triangle("triu", this, diagonal, false);
    }

    /** 1-D: a square matrix with this on the main diagonal; 2-D: a copy of the main diagonal. */
    public Tensor diag() {
        return ShapeOps.diag(this, 0);
    }

    public Tensor diag(int diagonal) {
        return ShapeOps.diag(this, diagonal);
    }

    /** The sum of a matrix's main diagonal. */
    public Tensor trace() {
        return ShapeOps.trace(this);
    }

    /** Constant padding with zeros; pad holds (before, after) pairs from the last dim backwards (F.pad). */
    public Tensor pad(int[] pad) {
        return ShapeOps.pad(this, pad, PadMode.CONSTANT, 0);
    }

    /** F.pad with PyTorch's mode string: "constant", "reflect", "replicate" or "circular". */
    public Tensor pad(int[] pad, String mode) {
        return ShapeOps.pad(this, pad, PadMode.of(mode), 0);
    }

    public Tensor pad(int[] pad, String mode, double value) {
        return ShapeOps.pad(this, pad, PadMode.of(mode), value);
    }

    public Tensor pad(int[] pad, PadMode mode, double value) {
        return ShapeOps.pad(this, pad, mode, value);
    }

    /** Coordinate grids with "ij" indexing (PyTorch's default). */
    public static List<Tensor> meshgrid(Tensor... tensors) {
        return ShapeOps.meshgrid(List.of(tensors), "ij");
    }

    /** Coordinate grids; indexing "ij" (matrix) or "xy" (Cartesian: the first two dims swapped). */
    public static List<Tensor> meshgrid(List<Tensor> tensors, String indexing) {
        return ShapeOps.meshgrid(tensors, indexing);
    }

    /** Every combination of the 1-D inputs' elements, one per row. */
    public static Tensor cartesianProd(Tensor... tensors) {
        return ShapeOps.cartesianProd(List.of(tensors));
    }

    /** value where the BOOL mask (broadcast to this shape) is true, else this tensor's element. */
    public Tensor maskedFill(Tensor mask, double value) {
        return MaskOps.maskedFill(this, mask, value);
    }

    /** As {@link #maskedFill(Tensor, double)} with a 0-d tensor value, which gets the gradient of the filled elements. */
    public Tensor maskedFill(Tensor mask, Tensor value) {
        return MaskOps.maskedFill(this, mask, value);
    }

    /** The elements where mask (broadcast with this) is true, in row-major order, 1-D. */
    public Tensor maskedSelect(Tensor mask) {
        return MaskOps.maskedSelect(this, mask);
    }

    /** This tensor with the masked positions taken, in row-major order, from source's first elements. */
    public Tensor maskedScatter(Tensor mask, Tensor source) {
        return MaskOps.maskedScatter(this, mask, source);
    }

    /** A copy with src's elements written where index points along dim (out[index[i][j]][j] = src[i][j] for dim 0). */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        return MaskOps.scatter(this, dim, index, src);
    }

    /** A copy with value written where index points along dim. */
    public Tensor scatter(int dim, Tensor index, double value) {
        return MaskOps.scatter(this, dim, index, value);
    }

    /** scatterReduce with includeSelf = true. */
    public Tensor scatterReduce(int dim, Tensor index, Tensor src, String reduce) {
        return MaskOps.scatterReduce(this, dim, index, src, ScatterReduction.of(reduce), true);
    }

    /** Reduces src into this at index along dim: reduce "sum", "prod", "mean", "amax" or "amin" (PyTorch's scatter_reduce). */
    public Tensor scatterReduce(int dim, Tensor index, Tensor src, String reduce, boolean includeSelf) {
        return MaskOps.scatterReduce(this, dim, index, src, ScatterReduction.of(reduce), includeSelf);
    }

    public Tensor scatterReduce(int dim, Tensor index, Tensor src, ScatterReduction reduce, boolean includeSelf) {
        return MaskOps.scatterReduce(this, dim, index, src, reduce, includeSelf);
    }

    /** Elements of the flattened tensor at the I32 indices (negative count from the end), shaped as index. */
    public Tensor take(Tensor index) {
        return MaskOps.take(this, index);
    }

    /** gather from the flattened tensor (PyTorch's take_along_dim without dim). */
    public Tensor takeAlongDim(Tensor indices) {
        return MaskOps.takeAlongDim(this, indices, null);
    }

    /** gather along dim after broadcasting this and indices in the other dims. */
    public Tensor takeAlongDim(Tensor indices, int dim) {
        return MaskOps.takeAlongDim(this, indices, dim);
    }

    /** The indices of the non-zero elements, I32 [count, dim]. */
    public Tensor nonzero() {
        return MaskOps.nonzero(this);
    }

    /** I32 one-hot rows of this non-negative I32 tensor, max + 1 classes. */
    public Tensor oneHot() {
        return MaskOps.oneHot(this, -1);
    }

    /** I32 one-hot rows with numClasses classes (−1: max + 1), as F.one_hot. */
    public Tensor oneHot(int numClasses) {
        return MaskOps.oneHot(this, numClasses);
    }

    /**
     * PyTorch's x[i0, i1, ...] with index tensors: null is a full slice ({@code :}), I32 tensors
     * broadcast together and may be negative, a BOOL mask selects its true positions. The gradient
     * accumulates where indices repeat (index_put with accumulate).
     */
    public Tensor index(Tensor... indices) {
        return MaskOps.index(this, indices);
    }

    /** x[indices] = values as a new tensor (PyTorch's index_put with accumulate=False). */
    public Tensor indexPut(Tensor[] indices, Tensor values) {
        return MaskOps.indexPut(this, indices, values, false);
    }

    /**
     * A copy with values (broadcast to the shape of this.index(indices)) written at the indexed
     * positions; accumulate adds them instead, so repeated positions add up (PyTorch's index_put).
     */
    public Tensor indexPut(Tensor[] indices, Tensor values, boolean accumulate) {
        return MaskOps.indexPut(this, indices, values, accumulate);
    }

    /** Insertion indices of values into the last dim of the sorted sequence (left side), I32. */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values) {
        return SearchOps.searchsorted(sortedSequence, values, false, false, null, null);
    }

    public static Tensor searchsorted(Tensor sortedSequence, double value) {
        return searchsorted(sortedSequence, Tensor.full(value, sortedSequence.dtype(), sortedSequence.device()));
    }

    /** PyTorch's searchsorted with its keyword arguments in order; side is null, "left" or "right", sorter may be null. */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values, boolean outInt32, boolean right,
                                      String side, Tensor sorter) {
        return SearchOps.searchsorted(sortedSequence, values, outInt32, right, side, sorter);
    }

    /** The bucket index of each element among the sorted 1-D boundaries, I32. */
    public static Tensor bucketize(Tensor input, Tensor boundaries) {
        return SearchOps.bucketize(input, boundaries, false, false);
    }

    public static Tensor bucketize(Tensor input, Tensor boundaries, boolean outInt32, boolean right) {
        return SearchOps.bucketize(input, boundaries, outInt32, right);
    }

    /** A 100-bin histogram over the data's range. */
    public Tensor histc() {
        return SearchOps.histc(this, 100, 0, 0);
    }

    public Tensor histc(int bins) {
        return SearchOps.histc(this, bins, 0, 0);
    }

    /** A histogram of bins equal bins over [min, max] (min == max: the data's range); outside elements are ignored. */
    public Tensor histc(int bins, double min, double max) {
        return SearchOps.histc(this, bins, min, max);
    }

    /**
     * Einstein summation, e.g. {@code einsum("bij,bjk->bik", a, b)}: a composition of diagonal, sum,
     * permute, reshape and matmul (see {@link Einsum}), so it runs wherever those do.
     */
    public static Tensor einsum(String equation, Tensor... operands) {
        return Einsum.einsum(equation, List.of(operands));
    }

    public static Tensor einsum(String equation, List<Tensor> operands) {
        return Einsum.einsum(equation, operands);
    }

    // ------------------------------------------------------------------ copies

    public Tensor clone() {
        return ViewOps.clone(this);
    }

    /** Converts to another dtype (float to int truncates toward zero); the same dtype returns this. */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) {
            return this;
        }
        Tensor out = ViewOps.copyAs(this, dtype);
        if (dtype.isFloatingPoint() && dtype().isFloatingPoint()) {
            return Dispatch.record(new Op.Convert(dtype()), out, this);
        }
        return out;
    }

    /** Moves to another device; the same device returns this. */
    public Tensor to(Device target) {
        if (target.equals(device())) {
            return this;
        }
        Tensor src = contiguous();
        Tensor out;
        if (target.isCpu()) {
            Backend from = Backends.forDevice(device());
            out = Dispatch.empty(Backends.forDevice(Device.CPU), dtype(), shape, Device.CPU);
            from.copyToHost(out, src);
        } else {
            Backend to = Backends.forDevice(target);
            Tensor host = src.to(Device.CPU).contiguous();
            out = Dispatch.empty(to, dtype(), shape, target);
            to.copyFromHost(out, host);
        }
        return Dispatch.record(new Op.Transfer(device()), out, this);
    }

    public static Tensor cat(List<Tensor> tensors, int dim) {
        return IndexOps.cat(tensors, dim);
    }

    public static Tensor cat(int dim, Tensor... tensors) {
        return IndexOps.cat(List.of(tensors), dim);
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        return IndexOps.stack(tensors, dim);
    }

    public static Tensor stack(int dim, Tensor... tensors) {
        return IndexOps.stack(List.of(tensors), dim);
    }

    /** The entries of dim at the I32 indices (PyTorch's {@code index_select}). */
    public Tensor indexSelect(int dim, Tensor index) {
        return IndexOps.indexSelect(this, dim, index);
    }

    /** A copy of this tensor with src's slices added at the indices of dim (PyTorch's {@code index_add}). */
    public Tensor indexAdd(int dim, Tensor index, Tensor src) {
        return IndexOps.indexAdd(this, dim, index, src);
    }

    /** out[i][j] = this[index[i][j]][j] for dim 0, and likewise for other dims. */
    public Tensor gather(int dim, Tensor index) {
        return IndexOps.gather(this, dim, index);
    }

    /** A copy of this tensor with src added at the positions index names along dim. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return IndexOps.scatterAdd(this, dim, index, src);
    }

    /** Rows of {@code weight} [num, dim] at the I32 {@code indices} (PyTorch's {@code F.embedding}). */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return IndexOps.embedding(indices, weight);
    }

    /** Elementwise cond ? a : b with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return ElementwiseOps.where(cond, a, b);
    }

    public static Tensor where(Tensor cond, Tensor a, double b) {
        return ElementwiseOps.where(cond, a, ElementwiseOps.scalarLike("where", a, b));
    }

    public static Tensor where(Tensor cond, double a, Tensor b) {
        return ElementwiseOps.where(cond, ElementwiseOps.scalarLike("where", b, a), b);
    }

    /** cond ? a : b with two scalars: F32 of cond's shape (PyTorch's default dtype). */
    public static Tensor where(Tensor cond, double a, double b) {
        return ElementwiseOps.where(cond, Tensor.full(a, DType.F32, cond.device()), Tensor.full(b, DType.F32, cond.device()));
    }

    // ------------------------------------------------------------------ in place

    /** Copies src (broadcast to this shape, converted to this dtype) into this tensor or view. */
    public Tensor copy_(Tensor src) {
        return copyFrom("copy_", src);
    }

    private Tensor copyFrom(String op, Tensor src) {
        checkInPlace(op, src);
        Dispatch.device(op, this, src);
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] == 0 && shape[d] > 1) {
                // several elements share one location: which value would win depends on the kernel
                throw new IllegalArgumentException(op + ": the destination " + Shapes.str(shape)
                        + " is a broadcast view (stride 0 in dim " + d + "); write into a contiguous tensor instead");
            }
        }
        if (!Shapes.broadcastsTo(src.shape, shape)) {
            throw new IllegalArgumentException(op + ": source " + Shapes.str(src.shape) + " does not broadcast to "
                    + Shapes.str(shape));
        }
        Backends.forDevice(device()).copy(this, src.broadcastView(shape));
        storage.bumpVersion();
        return this;
    }

    public Tensor fill_(double value) {
        checkInPlace("fill_", null);
        checkFillValue("fill_", value, dtype());
        Backends.forDevice(device()).fill(this, value);
        storage.bumpVersion();
        return this;
    }

    public Tensor zero_() {
        return fill_(0);
    }

    /** this += other (broadcast), in place. */
    public Tensor add_(Tensor other) {
        return assignFrom("add_", add(other));
    }

    /** this += alpha · other, in place. */
    public Tensor add_(Tensor other, double alpha) {
        return assignFrom("add_", add(other, alpha));
    }

    public Tensor sub_(Tensor other) {
        return assignFrom("sub_", sub(other));
    }

    public Tensor mul_(Tensor other) {
        return assignFrom("mul_", mul(other));
    }

    public Tensor mul_(double s) {
        return assignFrom("mul_", mul(s));
    }

    public Tensor div_(Tensor other) {
        return assignFrom("div_", div(other));
    }

    public Tensor clamp_(double min, double max) {
        return assignFrom("clamp_", clamp(min, max));
    }

    private Tensor assignFrom(String op, Tensor result) {
        if (!Arrays.equals(result.shape, shape)) {
            throw new IllegalArgumentException(op + ": the result has shape " + Shapes.str(result.shape)
                    + ", which cannot be written into " + Shapes.str(shape));
        }
        return copyFrom(op, result);
    }

    private void checkInPlace(String op, Tensor src) {
        if (!Autograd.get().isGradEnabled()) {
            return;
        }
        if (requiresGrad) {
            throw new IllegalStateException(op + ": a tensor that requires grad cannot be modified in place "
                    + "while grad is enabled; use a NoGrad scope or an out-of-place op");
        }
        if (src != null && src.requiresGrad) {
            // in-place writes are not recorded, so the source's gradient would be lost without a word
            throw new IllegalStateException(op + ": the source requires grad, but in-place writes are not recorded "
                    + "and its gradient would be lost; use an out-of-place op, a NoGrad scope or detach()");
        }
    }

    // ------------------------------------------------------------------ elementwise math

    public Tensor add(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.ADD, this, other);
    }

    public Tensor add(double s) {
        return add(ElementwiseOps.scalarLike("add", this, s));
    }

    /** this + alpha · other. */
    public Tensor add(Tensor other, double alpha) {
        return alpha == 1 ? add(other) : add(other.mul(alpha));
    }

    public Tensor sub(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.SUB, this, other);
    }

    public Tensor sub(double s) {
        return sub(ElementwiseOps.scalarLike("sub", this, s));
    }

    public Tensor mul(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.MUL, this, other);
    }

    public Tensor mul(double s) {
        return mul(ElementwiseOps.scalarLike("mul", this, s));
    }

    public Tensor div(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.DIV, this, other);
    }

    public Tensor div(double s) {
        return div(ElementwiseOps.scalarLike("div", this, s));
    }

    public Tensor pow(Tensor exponent) {
        return ElementwiseOps.binary(BinaryOp.POW, this, exponent);
    }

    public Tensor pow(double exponent) {
        return pow(ElementwiseOps.scalarLike("pow", this, exponent));
    }

    /** Elementwise max of two tensors (NaN propagates). */
    public Tensor maximum(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.MAXIMUM, this, other);
    }

    public Tensor minimum(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.MINIMUM, this, other);
    }

    public Tensor neg() {
        return ElementwiseOps.unary(UnaryOp.NEG, this);
    }

    public Tensor exp() {
        return ElementwiseOps.unary(UnaryOp.EXP, this);
    }

    public Tensor log() {
        return ElementwiseOps.unary(UnaryOp.LOG, this);
    }

    public Tensor sqrt() {
        return ElementwiseOps.unary(UnaryOp.SQRT, this);
    }

    public Tensor rsqrt() {
        return ElementwiseOps.unary(UnaryOp.RSQRT, this);
    }

    public Tensor abs() {
        return ElementwiseOps.unary(UnaryOp.ABS, this);
    }

    public Tensor sign() {
        return ElementwiseOps.unary(UnaryOp.SIGN, this);
    }

    public Tensor tanh() {
        return ElementwiseOps.unary(UnaryOp.TANH, this);
    }

    public Tensor sigmoid() {
        return ElementwiseOps.unary(UnaryOp.SIGMOID, this);
    }

    public Tensor relu() {
        return ElementwiseOps.unary(UnaryOp.RELU, this);
    }

    /** GELU, exact form x·Φ(x) (PyTorch's {@code gelu(approximate='none')}). */
    public Tensor gelu() {
        return ElementwiseOps.unary(UnaryOp.GELU, this);
    }

    /** GELU with PyTorch's {@code approximate} argument: "none" (erf form) or "tanh". */
    public Tensor gelu(String approximate) {
        if (approximate == null) {
            throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got null");
        }
        return switch (approximate) {
            case "none" -> gelu();
            case "tanh" -> ElementwiseOps.unary(UnaryOp.GELU_TANH, this);
            default -> throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got \""
                    + approximate + "\"");
        };
    }

    /** x·σ(x). */
    public Tensor silu() {
        return ElementwiseOps.unary(UnaryOp.SILU, this);
    }

    /** x·tanh(softplus(x)). */
    public Tensor mish() {
        return ElementwiseOps.unary(UnaryOp.MISH, this);
    }

    /** log(1 + eˣ), computed stably. */
    public Tensor softplus() {
        return ElementwiseOps.unary(UnaryOp.SOFTPLUS, this);
    }

    /** max(0, x)². */
    public Tensor reluSquared() {
        return ElementwiseOps.unary(UnaryOp.RELU_SQUARED, this);
    }

    /** x if x > 0 else negativeSlope·x. */
    public Tensor leakyRelu(double negativeSlope) {
        return ActivationOps.activation(this, Activation.leakyRelu(negativeSlope));
    }

    /** An activation with scalar parameters (SmeLU, HeLU, Elephant, FATReLU, SAU, VeLU, ...), see {@link Activation}. */
    public Tensor activation(Activation f) {
        return ActivationOps.activation(this, f);
    }

    /** PyTorch's prelu: weight has one element (shared) or one per channel at dim 1. */
    public Tensor prelu(Tensor weight) {
        return ActivationOps.prelu(this, weight);
    }

    /**
     * Safe Padé activation P(x)/Q(x) with P = Σ_j numerator[j]·x^j and Q = 1 + Σ_k |denominator[k−1]|·|x|^k
     * (Molina et al., "Padé Activation Units").
     */
    public Tensor pau(Tensor numerator, Tensor denominator) {
        return ActivationOps.pau(this, numerator, denominator);
    }

    /** this · this. */
    public Tensor square() {
        return mul(this);
    }

    /** Limits every element to [min, max]; the gradient passes where min ≤ x ≤ max. */
    public Tensor clamp(double min, double max) {
        return ElementwiseOps.clamp(this, min, max);
    }

    public Tensor clampMin(double min) {
        return ElementwiseOps.clamp(this, min, Double.POSITIVE_INFINITY);
    }

    public Tensor clampMax(double max) {
        return ElementwiseOps.clamp(this, Double.NEGATIVE_INFINITY, max);
    }

    // ------------------------------------------------------------------ comparisons (BOOL results)

    public Tensor eq(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.EQ, this, other);
    }

    public Tensor eq(double s) {
        return eq(ElementwiseOps.scalarLike("eq", this, s));
    }

    public Tensor ne(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.NE, this, other);
    }

    public Tensor ne(double s) {
        return ne(ElementwiseOps.scalarLike("ne", this, s));
    }

    public Tensor lt(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.LT, this, other);
    }

    public Tensor lt(double s) {
        return lt(ElementwiseOps.scalarLike("lt", this, s));
    }

    public Tensor le(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.LE, this, other);
    }

    public Tensor le(double s) {
        return le(ElementwiseOps.scalarLike("le", this, s));
    }

    public Tensor gt(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.GT, this, other);
    }

    public Tensor gt(double s) {
        return gt(ElementwiseOps.scalarLike("gt", this, s));
    }

    public Tensor ge(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.GE, this, other);
    }

    public Tensor ge(double s) {
        return ge(ElementwiseOps.scalarLike("ge", this, s));
    }

    /** BOOL mask of NaN elements. */
    public Tensor isnan() {
        return dtype().isFloatingPoint() ? ne(this.detach()) : Tensor.full(0, DType.BOOL, device(), shape);
    }

    /** A 0-d BOOL: whether any element is non-zero. */
    public Tensor any() {
        return (dtype() == DType.BOOL ? this : ne(0)).sum().gt(0);
    }

    /** A 0-d BOOL: whether every element is non-zero. */
    public Tensor all() {
        Tensor mask = dtype() == DType.BOOL ? this : ne(0);
        return mask.sum().eq(numel());
    }

    /** Whether |this − other| ≤ atol + rtol·|other| everywhere (shapes must broadcast; NaN never matches). */
    public boolean allClose(Tensor other, double rtol, double atol) {
        Shapes.broadcast("allClose", shape, other.shape);
        Tensor a = detach().to(DType.F64);
        Tensor b = other.detach().to(DType.F64);
        Tensor bad = a.sub(b).abs().gt(b.abs().mul(rtol).add(atol)).any();
        return bad.item() == 0 && a.isnan().any().item() == 0 && b.isnan().any().item() == 0;
    }

    // ------------------------------------------------------------------ reductions

    public Tensor sum() {
        return ReduceOps.sum(this, new int[0], false);
    }

    public Tensor sum(int dim) {
        return sum(new int[] {dim}, false);
    }

    public Tensor sum(int dim, boolean keepDim) {
        return sum(new int[] {dim}, keepDim);
    }

    public Tensor sum(int[] dims, boolean keepDim) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("sum: dims is empty; call sum() to reduce over all dims");
        }
        return ReduceOps.sum(this, dims, keepDim);
    }

    public Tensor mean() {
        return ReduceOps.mean(this, new int[0], false);
    }

    public Tensor mean(int dim) {
        return mean(new int[] {dim}, false);
    }

    public Tensor mean(int dim, boolean keepDim) {
        return mean(new int[] {dim}, keepDim);
    }

    public Tensor mean(int[] dims, boolean keepDim) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("mean: dims is empty; call mean() to reduce over all dims");
        }
        return ReduceOps.mean(this, dims, keepDim);
    }

    /** The largest element (NaN if any is NaN). */
    public Tensor max() {
        return ReduceOps.extremum(ReduceOp.MAX, this, new int[0], false);
    }

    /** Largest values along dim (the values of PyTorch's {@code max(dim)}; see {@link #argmax(int, boolean)}). */
    public Tensor max(int dim, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MAX, this, new int[] {dim}, keepDim);
    }

    /** Largest values over several dims (PyTorch's {@code amax}). */
    public Tensor amax(int[] dims, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MAX, this, dims, keepDim);
    }

    public Tensor min() {
        return ReduceOps.extremum(ReduceOp.MIN, this, new int[0], false);
    }

    public Tensor min(int dim, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MIN, this, new int[] {dim}, keepDim);
    }

    public Tensor amin(int[] dims, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MIN, this, dims, keepDim);
    }

    /** Index of the first largest element of the flattened tensor, I32 0-d. */
    public Tensor argmax() {
        return ReduceOps.argReduce(ReduceOp.MAX, this, null, false);
    }

    public Tensor argmax(int dim, boolean keepDim) {
        return ReduceOps.argReduce(ReduceOp.MAX, this, dim, keepDim);
    }

    public Tensor argmin() {
        return ReduceOps.argReduce(ReduceOp.MIN, this, null, false);
    }

    public Tensor argmin(int dim, boolean keepDim) {
        return ReduceOps.argReduce(ReduceOp.MIN, this, dim, keepDim);
    }

    /** Unbiased variance of all elements (correction 1, as PyTorch). */
    public Tensor var() {
        return ReduceOps.var(this, new int[0], 1, false);
    }

    public Tensor var(int dim, boolean keepDim) {
        return ReduceOps.var(this, new int[] {dim}, 1, keepDim);
    }

    /** Variance over dims with the given correction (0 for the biased estimate). */
    public Tensor var(int[] dims, int correction, boolean keepDim) {
        return ReduceOps.var(this, dims, correction, keepDim);
    }

    public Tensor std() {
        return var().sqrt();
    }

    public Tensor std(int dim, boolean keepDim) {
        return var(dim, keepDim).sqrt();
    }

    // ------------------------------------------------------------------ linear algebra, softmax, losses

    /** Matrix product with PyTorch's rules for 1-D operands and broadcast batch dims. */
    public Tensor matmul(Tensor other) {
        return MatmulOps.matmul(this, other);
    }

    public Tensor softmax(int dim) {
        return LossOps.softmax(this, dim, false);
    }

    public Tensor logSoftmax(int dim) {
        return LossOps.softmax(this, dim, true);
    }

    /** Mean cross-entropy of these logits against I32 labels (or class probabilities). */
    public Tensor crossEntropy(Tensor labels) {
        return LossOps.crossEntropy(this, labels, Reduction.MEAN, -100);
    }

    /** Cross-entropy with a reduction and an ignore index (PyTorch's default is -100). */
    public Tensor crossEntropy(Tensor labels, Reduction reduction, int ignoreIndex) {
        return LossOps.crossEntropy(this, labels, reduction, ignoreIndex);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return logits.crossEntropy(labels);
    }

    public Tensor mseLoss(Tensor target) {
        return LossOps.mseLoss(this, target, Reduction.MEAN);
    }

    public Tensor mseLoss(Tensor target, Reduction reduction) {
        return LossOps.mseLoss(this, target, reduction);
    }

    public static Tensor mseLoss(Tensor input, Tensor target) {
        return input.mseLoss(target);
    }

    /**
     * PyTorch's layer_norm over the trailing {@code normalizedShape} dims: (x − mean)/√(var + eps)
     * ⊙ weight + bias, biased variance. weight and bias may be null.
     */
    public Tensor layerNorm(int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return NormOps.layerNorm(this, normalizedShape, weight, bias, eps);
    }

    /** PyTorch's rms_norm: x/√(mean(x²) + eps) ⊙ weight over the trailing dims (ε inside the root). weight may be null. */
    public Tensor rmsNorm(int[] normalizedShape, Tensor weight, double eps) {
        return NormOps.rmsNorm(this, normalizedShape, weight, eps);
    }

    // ------------------------------------------------------------------ attention

    /**
     * PyTorch's {@code F.scaled_dot_product_attention} with scale 1/√D: softmax(q·kᵀ/√D + mask)·v
     * per head. See {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, boolean, double)}.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, boolean isCausal) {
        return AttentionOps.scaledDotProductAttention(query, key, value, isCausal, Double.NaN);
    }

    /**
     * softmax(q·kᵀ·scale + mask)·v per head, on a fused kernel that never builds the Tq×Tk matrix
     * (online softmax over key tiles; backward recomputes P from the saved log-sum-exp).
     * query [B, H, Tq, D], key [B, Hkv, Tk, D], value [B, Hkv, Tk, Dv] → [B, H, Tq, Dv]; H must be a
     * multiple of Hkv (grouped-query attention: query head h uses key/value head h / (H / Hkv)).
     * scale NaN means 1/√D (PyTorch's scale=None).
     *
     * <p>Causal masks with Tq ≠ Tk are aligned to the end, as FlashAttention 2 (PyTorch's SDPA aligns
     * them to the start): query i sees keys j ≤ i + Tk − Tq, which is what decoding with a KV cache
     * needs. A query that sees no key (only when Tq > Tk) gets zeros.
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, boolean isCausal,
                                                   double scale) {
        return AttentionOps.scaledDotProductAttention(query, key, value, isCausal, scale);
    }

    /**
     * Normalised linear attention on already feature-mapped (non-negative) q and k:
     * out_i = q_i·Σ_j k_jᵀ·v_j / (q_i·Σ_j k_j + eps), over all j, or j ≤ i + Tk − Tq when causal
     * (computed with prefix sums, linear in T). query and key [B, H, Tq|Tk, D], value [B, H, Tk, Dv].
     */
    public static Tensor linearAttention(Tensor query, Tensor key, Tensor value, boolean isCausal, double eps) {
        return AttentionOps.linearAttention(query, key, value, isCausal, eps);
    }

    // ------------------------------------------------------------------ printing

    @Override
    public String toString() {
        return TensorFormatter.format(this);
    }
}
