package dev.kiln.kernels.cuda;

import java.lang.ref.Cleaner;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Storage;

/**
 * Device memory behind CUDA tensors: a block of the device's {@link CachingAllocator}. The
 * block goes back to the allocator when the storage becomes unreachable (a {@link Cleaner}) or
 * when {@link #close()} is called, whichever comes first; using a closed storage is an error.
 */
public final class CudaStorage extends Storage implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaDevice device;
    private final CachingAllocator.Block block;
    private final Cleaner.Cleanable cleanable;
    // the owner of the memory when this storage is a bitcast of it (view(dtype)); it stays reachable
    private final CudaStorage owner;
    private volatile boolean closed;

    CudaStorage(CudaDevice device, DType dtype, int size, CachingAllocator.Block block) {
        super(dtype, size);
        this.device = device;
        this.block = block;
        this.cleanable = CLEANER.register(this, new Release(device.allocator(), block));
        this.owner = null;
    }

    /** The same device memory under another dtype: device memory is untyped, so the view shares the pointer. */
    private CudaStorage(CudaStorage of, DType dtype, int size) {
        super(dtype, size);
        this.device = of.device;
        this.block = of.block;
        this.cleanable = null;
        this.owner = of.owner != null ? of.owner : of;
        shareVersion(of);
    }

    @Override
    protected Storage bitcast(DType dtype, int size) {
        if ((long) size * dtype.byteSize() > byteSize()) {
            throw new IllegalArgumentException("view(" + dtype + "): " + size + " elements need "
                    + (long) size * dtype.byteSize() + " bytes, the buffer has " + byteSize());
        }
        return new CudaStorage(this, dtype, size);
    }

    /** The cleaning action; holds no reference to the storage, or it would never become unreachable. */
    private record Release(CachingAllocator allocator, CachingAllocator.Block block) implements Runnable {
        @Override
        public void run() {
            allocator.free(block);
        }
    }

    @Override
    public Device device() {
        return device.device();
    }

    CudaDevice cudaDevice() {
        return device;
    }

    /** The device address of element 0. */
    public long address() {
        if (closed || (owner != null && owner.closed)) {
            throw new IllegalStateException("cuda: this tensor's device memory was released with close()");
        }
        return block.address();
    }

    /** Bytes this storage's elements occupy (the block may be larger). */
    public long byteSize() {
        return (long) size() * dtype().byteSize();
    }

    /**
     * Returns the memory to the allocator now; later use of any tensor over it fails. Closing a
     * bitcast view only closes the view: the memory belongs to the storage it views.
     */
    @Override
    public void close() {
        closed = true;
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    public boolean isClosed() {
        return closed || (owner != null && owner.closed);
    }
}
