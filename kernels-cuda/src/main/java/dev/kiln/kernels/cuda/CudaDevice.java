package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;

/**
 * One CUDA device as Kiln uses it: its {@link Driver} (context, modules, launches), the caching
 * allocator and cuBLAS.
 *
 * <p>Everything runs in order on one stream (the legacy default stream): kernels, cuBLAS,
 * device-to-device copies and memsets are asynchronous, copies to the host wait for all of them.
 */
public final class CudaDevice {
    private final int index;
    private final Device device;
    private final Driver driver;
    private final CachingAllocator allocator;
    private volatile Blas blas;
    private volatile boolean blasProbed;
    private volatile String blasFailure;

    CudaDevice(int index, Driver driver) {
        this.index = index;
        this.device = Device.cuda(index);
        this.driver = driver;
        this.allocator = new CachingAllocator(new CachingAllocator.DeviceMemory() {
            @Override
            public long malloc(long bytes) {
                return driver.malloc(bytes);
            }

            @Override
            public void free(long address) {
                driver.free(address);
            }
        });
    }

    public int index() {
        return index;
    }

    public Device device() {
        return device;
    }

    public String name() {
        return driver.name();
    }

    /** e.g. "9.0" for an H100. */
    public String computeCapability() {
        return driver.computeCapability();
    }

    public int multiprocessors() {
        return driver.multiprocessors();
    }

    public CachingAllocator allocator() {
        return allocator;
    }

    /** Waits for everything queued on this device. */
    public void synchronize() {
        driver.synchronize();
    }

    // ---------------------------------------------------------------- memory

    /** Zero-filled storage of numel elements (the Backend contract asks for zeros). */
    CudaStorage allocate(DType dtype, int numel) {
        driver.makeCurrent();
        long bytes = (long) numel * dtype.byteSize();
        CachingAllocator.Block b = allocator.allocate(bytes);
        if (bytes > 0) {
            driver.memsetZero(b.address(), bytes);
        }
        return new CudaStorage(this, dtype, numel, b);
    }

    /** A scratch buffer; free it with {@link #release} once the kernels that use it are queued. */
    CachingAllocator.Block scratch(long bytes) {
        driver.makeCurrent();
        return allocator.allocate(bytes);
    }

    void release(CachingAllocator.Block b) {
        allocator.free(b);
    }

    void copyHostToDevice(long dst, Object hostArray, long hostByteOffset, long bytes) {
        if (bytes > 0) {
            driver.copyToDevice(dst, hostArray, hostByteOffset, bytes);
        }
    }

    void copyDeviceToHost(Object hostArray, long hostByteOffset, long src, long bytes) {
        if (bytes > 0) {
            driver.copyToHost(hostArray, hostByteOffset, src, bytes);
        }
    }

    void copyDeviceToDevice(long dst, long src, long bytes) {
        if (bytes > 0) {
            driver.copyDeviceToDevice(dst, src, bytes);
        }
    }

    // ---------------------------------------------------------------- kernels

    /** Launches spec's kernel {@code suffix} on grid × block threads with these arguments. */
    void launch(KernelSpec spec, String suffix, int gridX, int gridY, int gridZ, int block, int sharedBytes, Args args) {
        String name = spec.name(suffix);
        args.check(spec, name);
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0) {
            return;  // nothing to do
        }
        driver.launch(spec, name, gridX, gridY, gridZ, block, 1, sharedBytes, args);
    }

    /** A launch with a 2-D block (bx × by threads). */
    void launch2d(KernelSpec spec, String suffix, int gridX, int gridY, int gridZ, int bx, int by, Args args) {
        String name = spec.name(suffix);
        args.check(spec, name);
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0) {
            return;
        }
        driver.launch(spec, name, gridX, gridY, gridZ, bx, by, 0, args);
    }

    /** A 1-D launch of one thread per element for n elements, 256 per block. */
    void launch1d(KernelSpec spec, String suffix, long n, Args args) {
        launch(spec, suffix, blocks(n, 256), 1, 1, 256, 0, args);
    }

    static int blocks(long n, int perBlock) {
        long b = (n + perBlock - 1) / perBlock;
        if (b > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cuda: " + n + " elements is too many for one launch");
        }
        return (int) b;
    }

    // ---------------------------------------------------------------- cuBLAS

    /** cuBLAS for this device (JCublas, else FFM), or null when no cuBLAS library can be loaded. */
    Blas blas() {
        if (!blasProbed) {
            synchronized (this) {
                if (!blasProbed) {
                    try {
                        blas = driver.openBlas();
                    } catch (RuntimeException | LinkageError e) {
                        blasFailure = e.toString();
                    }
                    blasProbed = true;
                }
            }
        }
        return blas;
    }

    /** Why cuBLAS is not in use (null when it is). */
    String blasFailure() {
        blas();
        return blas == null ? blasFailure : null;
    }

    @Override
    public String toString() {
        return "cuda:" + index + " (" + name() + ", compute " + computeCapability() + ", " + multiprocessors() + " SMs)";
    }
}
