package dev.kiln.kernels.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

/**
 * The real driver: JCuda's binding of the CUDA driver API. The device's primary context (so
 * cuBLAS shares it), modules loaded on first use (the sm_90 cubin on a 9.0 device unless
 * {@code -Dkiln.cuda.ptx=true}, else the PTX for the driver to JIT), everything on the legacy
 * default stream.
 */
final class JCudaDriverApi implements Driver {
    /** The legacy default stream (a null CUstream). */
    private static final CUstream STREAM = new CUstream();
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();

    private final int index;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String name;
    private final int computeMajor;
    private final int computeMinor;
    private final int multiprocessors;
    private final Map<String, CUmodule> modules = new ConcurrentHashMap<>();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    private final Map<String, Integer> sharedOptIn = new ConcurrentHashMap<>();

    JCudaDriverApi(int index) {
        this.index = index;
        cuDeviceGet(device, index);
        cuDevicePrimaryCtxRetain(context, device);
        makeCurrent();
        this.computeMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.computeMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        byte[] nameBytes = new byte[256];
        cuDeviceGetName(nameBytes, nameBytes.length, device);
        int len = 0;
        while (len < nameBytes.length && nameBytes[len] != 0) {
            len++;
        }
        this.name = new String(nameBytes, 0, len, StandardCharsets.US_ASCII);
    }

    private int attribute(int attribute) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attribute, device);
        return v[0];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String computeCapability() {
        return computeMajor + "." + computeMinor;
    }

    @Override
    public int multiprocessors() {
        return multiprocessors;
    }

    @Override
    public void makeCurrent() {
        if (CURRENT.get() != context) {
            cuCtxSetCurrent(context);
            CURRENT.set(context);
        }
    }

    @Override
    public long malloc(long bytes) {
        makeCurrent();
        DevicePtr p = new DevicePtr();
        try {
            cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            if (String.valueOf(e.getMessage()).contains("OUT_OF_MEMORY")) {
                throw new CachingAllocator.OutOfDeviceMemory(e.getMessage());
            }
            throw e;
        }
        return p.address();
    }

    @Override
    public void free(long address) {
        makeCurrent();
        cuMemFree(DevicePtr.of(address));
    }

    @Override
    public void memsetZero(long address, long bytes) {
        makeCurrent();
        cuMemsetD8Async(DevicePtr.of(address), (byte) 0, bytes, STREAM);
    }

    private static Pointer host(Object array, long byteOffset) {
        Pointer p = switch (array) {
            case float[] a -> Pointer.to(a);
            case double[] a -> Pointer.to(a);
            case int[] a -> Pointer.to(a);
            case byte[] a -> Pointer.to(a);
            case long[] a -> Pointer.to(a);
            case short[] a -> Pointer.to(a);
            default -> throw new IllegalArgumentException("cuda: not a host array: " + array);
        };
        return byteOffset == 0 ? p : p.withByteOffset(byteOffset);
    }

    @Override
    public void copyToDevice(long dst, Object hostArray, long hostByteOffset, long bytes) {
        makeCurrent();
        cuMemcpyHtoD(DevicePtr.of(dst), host(hostArray, hostByteOffset), bytes);
    }

    @Override
    public void copyToHost(Object hostArray, long hostByteOffset, long src, long bytes) {
        makeCurrent();
        cuMemcpyDtoH(host(hostArray, hostByteOffset), DevicePtr.of(src), bytes);
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        makeCurrent();
        cuMemcpyDtoDAsync(DevicePtr.of(dst), DevicePtr.of(src), bytes, STREAM);
    }

    private CUfunction function(KernelSpec spec, String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            CUmodule module = modules.computeIfAbsent(spec.module(), this::loadModule);
            f = new CUfunction();
            cuModuleGetFunction(f, module, name);
            functions.put(name, f);
        }
        return f;
    }

    private CUmodule loadModule(String module) {
        makeCurrent();
        byte[] image = null;
        if (computeMajor == 9 && computeMinor == 0 && !Boolean.getBoolean("kiln.cuda.ptx")) {
            image = PtxIndex.resource(module + ".sm_90.cubin");
        }
        if (image == null) {
            byte[] ptx = PtxIndex.ptx(module).getBytes(StandardCharsets.US_ASCII);
            image = Arrays.copyOf(ptx, ptx.length + 1);  // the driver wants a C string
        }
        CUmodule m = new CUmodule();
        cuModuleLoadData(m, image);
        return m;
    }

    @Override
    public void launch(KernelSpec spec, String name, int gridX, int gridY, int gridZ, int blockX, int blockY,
                       int sharedBytes, Args args) {
        makeCurrent();
        CUfunction f = function(spec, name);
        if (sharedBytes > 48 * 1024) {
            allowSharedMemory(f, name, sharedBytes);
        }
        cuLaunchKernel(f, gridX, gridY, gridZ, blockX, blockY, 1, sharedBytes, STREAM, args.kernelParams(), null);
    }

    /** Dynamic shared memory beyond 48 KiB must be opted into per kernel (up to the device's limit). */
    private void allowSharedMemory(CUfunction f, String name, int bytes) {
        if (sharedOptIn.getOrDefault(name, 0) >= bytes) {
            return;
        }
        int max = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        if (bytes > max) {
            throw new IllegalArgumentException("cuda: kernel " + name + " needs " + bytes + " bytes of shared memory; "
                    + "cuda:" + index + " allows " + max);
        }
        cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
        sharedOptIn.put(name, bytes);
    }

    @Override
    public void synchronize() {
        makeCurrent();
        cuCtxSynchronize();
    }

    @Override
    public Blas openBlas() {
        makeCurrent();
        return Blas.open();
    }
}
