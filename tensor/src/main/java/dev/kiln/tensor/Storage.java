package dev.kiln.tensor;

/**
 * A flat buffer of elements that one or more tensors view. Each backend family has its own
 * subclass ({@link CpuStorage} for host arrays; device memory in other modules).
 *
 * <p>The version counter is bumped by every in-place write, so autograd can refuse to use a
 * saved tensor that was overwritten after it was saved (PyTorch's version counter).
 */
public abstract class Storage {
    private final DType dtype;
    private final int size;
    private long version;

    protected Storage(DType dtype, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("Storage: negative size " + size);
        }
        this.dtype = dtype;
        this.size = size;
    }

    public final DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public final int size() {
        return size;
    }

    public abstract Device device();

    /** How many in-place writes this buffer has seen. */
    public final long version() {
        return version;
    }

    /** Called by every in-place op after it wrote into this buffer. */
    public final void bumpVersion() {
        version++;
    }
}
