package dev.kiln.kernels.cuda;

/**
 * What {@link CudaDevice} needs from a CUDA driver: memory, copies, launches by kernel name.
 * {@link JCudaDriverApi} is the real one (JCuda over libcuda.so.1); a test-only CPU emulator of
 * the same kernel sources implements it too (src/test/emulator), so the whole backend can be
 * exercised on a machine without a GPU.
 */
interface Driver {
    String name();

    /** e.g. "9.0". */
    String computeCapability();

    int multiprocessors();

    /** Makes this device's context current on the calling thread. */
    void makeCurrent();

    /** Allocates; throws {@link CachingAllocator.OutOfDeviceMemory} when the device is full. */
    long malloc(long bytes);

    void free(long address);

    /** Zero-fills, in stream order. */
    void memsetZero(long address, long bytes);

    /** Copies from a Java array (float[], double[], int[] or byte[]), waiting for queued work first. */
    void copyToDevice(long dst, Object hostArray, long hostByteOffset, long bytes);

    /** Copies into a Java array once queued work is done. */
    void copyToHost(Object hostArray, long hostByteOffset, long src, long bytes);

    /** In stream order. */
    void copyDeviceToDevice(long dst, long src, long bytes);

    /** Queues kernel {@code name} of spec's module. */
    void launch(KernelSpec spec, String name, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes,
                Args args);

    void synchronize();

    /** cuBLAS on this device; throws when none can be loaded. */
    Blas openBlas();
}
