package dev.kiln.tensor;

import dev.kiln.tensor.spi.Autograd;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.CpuStorage;
import java.util.Arrays;

/**
 * The state every {@link Tensor} carries: layout over a {@link Storage}, metadata, and the
 * autograd state (requiresGrad, grad, gradFn). The base of the chain that makes up Tensor; see
 * {@link Tensor} for where each family of ops lives.
 */
public abstract sealed class TensorBase permits TensorCreation {
    final Storage storage;
    final int[] shape;
    final int[] strides;
    final int offset;

    boolean requiresGrad;
    boolean retainsGrad;
    Tensor grad;
    GradNode gradFn;

    TensorBase(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /** This object as the {@link Tensor} it always is: the chain's only concrete class is Tensor. */
    final Tensor self() {
        return (Tensor) this;
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
        Tensor h = self().to(Device.CPU);
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

    /** The elements as longs: exact for every integer type (floats truncate toward zero). */
    public long[] toLongArray() {
        return ((CpuStorage) hostCopy(DType.I64).storage).longs();
    }

    /**
     * The raw bytes of an I8, U8 or BOOL tensor in row-major order (U8 reads back as {@code b & 0xFF});
     * for the bytes of another dtype, {@code view(DType.U8)} first.
     */
    public byte[] toByteArray() {
        DType d = dtype();
        if (d != DType.I8 && d != DType.U8 && d != DType.BOOL) {
            throw new IllegalArgumentException("toByteArray: expected an I8, U8 or BOOL tensor, got " + d + " "
                    + Shapes.str(shape) + "; convert it with to(dtype) or read its bytes with view(DType.U8)");
        }
        return (byte[]) ((CpuStorage) hostCopy(d).storage).array();
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
        return self();
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
        return self();
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
        Autograd.get().backward(self(), seed, retainGraph);
    }

    /** The same data, cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

}
