package dev.kiln.kernels.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A JCuda device pointer made from, or read as, a raw address. Kiln keeps device addresses as
 * longs (the allocator, offsets into storage, the FFM cuBLAS binding) and wraps them only at
 * JCuda calls. JCuda passes {@code nativePointer + byteOffset} to the driver, so a pointer
 * with native pointer 0 and byte offset {@code address} is that address.
 */
final class DevicePtr extends CUdeviceptr {
    private static final CUdeviceptr NULL = new CUdeviceptr();

    /** An empty pointer for cuMemAlloc to fill in. */
    DevicePtr() {
        super();
    }

    private DevicePtr(long address) {
        super(NULL, address);
    }

    static DevicePtr of(long address) {
        return new DevicePtr(address);
    }

    /** The address this pointer denotes. */
    long address() {
        return getNativePointer() + getByteOffset();
    }
}
