package dev.kiln.tensor;

import dev.kiln.tensor.spi.CpuStorage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A flat buffer of elements that one or more tensors view. Each backend family has its own
 * subclass ({@link CpuStorage} for host arrays; device memory in other modules).
 *
 * <p>The version counter is bumped by every in-place write, so autograd can refuse to use a
 * saved tensor that was overwritten after it was saved (PyTorch's version counter).
 */
public abstract class Storage {
    private static final AtomicLong SERIALS = new AtomicLong();

    private final DType dtype;
    private final int size;
    private final long serial = SERIALS.getAndIncrement();
    // one cell shared by the storages of a bitcast group, as PyTorch's view(dtype) shares the base's counter
    private long[] version = new long[1];

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

    /**
     * This buffer's place in the order of creation: a storage made later has a larger serial. The
     * backward engine compares it with {@link #nextSerial()} taken before a derivative rule runs,
     * to tell buffers the rule allocated (which no older tensor can view) from older ones.
     */
    public final long serial() {
        return serial;
    }

    /** The serial the next storage created will get (or a later one). */
    public static long nextSerial() {
        return SERIALS.get();
    }

    /** How many in-place writes this buffer has seen. */
    public final long version() {
        return version[0];
    }

    /** Called by every in-place op after it wrote into this buffer. */
    public final void bumpVersion() {
        version[0]++;
        written();
    }

    /**
     * Says that no tensor will read or write this buffer again, so the backend may hand its memory
     * to a later allocation at once rather than after the garbage collector finds it. Only the
     * holder of the sole reference may call it: the autograd engine does, for gradients it made
     * and has consumed. Any later access through this storage fails. A backend that keeps no
     * pool ignores it.
     */
    public void recycle() {
    }

    /** Hook for {@link #bumpVersion()}: a storage that keeps copies of its bits elsewhere learns of the write. */
    protected void written() {
    }

    /** Makes this storage count its versions with {@code other}'s counter (the members of one bitcast group). */
    protected final void shareVersion(Storage other) {
        this.version = other.version;
    }

    /**
     * A storage of {@code dtype} over the same bytes (PyTorch's {@code view(dtype)}): a write
     * through either is seen by the other. {@code size} elements of the new dtype, at most this
     * storage's byte length.
     */
    protected Storage bitcast(DType dtype, int size) {
        throw new UnsupportedOperationException("view(" + dtype + "): storage on " + device()
                + " cannot be reinterpreted");
    }
}
