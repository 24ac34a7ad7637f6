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
