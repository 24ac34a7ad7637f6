package dev.kiln.kernels.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

/**
 * One CUDA device as Kiln uses it: its primary context (shared with cuBLAS), the caching
 * allocator, the kernel modules (loaded on first use: the sm_90 cubin on Hopper, else the PTX,
 * which the driver compiles for the GPU it finds), cuBLAS, and kernel launches.
 *
 * <p>Everything runs in order on the legacy default stream: kernels, cuBLAS, device-to-device
 * copies and memsets are asynchronous, copies to the host wait for all of them. A context is
 * current per thread, so every entry point calls {@link #makeCurrent()} first (a thread-local
 * check, cheap when it already is).
 */
public final class CudaDevice {
    /** The legacy default stream (a null CUstream). */
    static final CUstream STREAM = new CUstream();
    private static final ThreadLocal<CudaDevice> CURRENT = new ThreadLocal<>();

    private final int index;
    private final Device device;
    private final CUcontext context = new CUcontext();
    private final String name;
    private final int computeMajor;
    private final int computeMinor;
    private final int multiprocessors;
    private final CachingAllocator allocator;
    private final Map<String, CUmodule> modules = new ConcurrentHashMap<>();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    private volatile Blas blas;
    private volatile boolean blasProbed;
    private volatile String blasFailure;

    CudaDevice(int index) {
        this.index = index;
        this.device = Device.cuda(index);
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, index);
        cuDevicePrimaryCtxRetain(context, dev);
        makeCurrent();
        this.computeMajor = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.computeMinor = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.multiprocessors = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        byte[] nameBytes = new byte[256];
        cuDeviceGetName(nameBytes, nameBytes.length, dev);
        int len = 0;
        while (len < nameBytes.length && nameBytes[len] != 0) {
            len++;
        }
        this.name = new String(nameBytes, 0, len, StandardCharsets.US_ASCII);
        this.allocator = new CachingAllocator(new DriverMemory(this));
    }

    private static int attribute(CUdevice dev, int attribute) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attribute, dev);
        return v[0];
    }

    /** cuMemAlloc / cuMemFree behind the caching allocator. */
    private record DriverMemory(CudaDevice device) implements CachingAllocator.DeviceMemory {
        @Override
        public long malloc(long bytes) {
            device.makeCurrent();
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
            device.makeCurrent();
            cuMemFree(DevicePtr.of(address));
        }
    }

    public int index() {
        return index;
    }

    public Device device() {
        return device;
    }

    public String name() {
        return name;
    }

    /** e.g. "9.0" for an H100. */
    public String computeCapability() {
        return computeMajor + "." + computeMinor;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    public CachingAllocator allocator() {
        return allocator;
    }

    /** Makes this device's context current on the calling thread. */
    void makeCurrent() {
        if (CURRENT.get() != this) {
            cuCtxSetCurrent(context);
            CURRENT.set(this);
        }
    }

    /** Waits for everything queued on this device. */
    public void synchronize() {
        makeCurrent();
        cuCtxSynchronize();
    }

    // ---------------------------------------------------------------- memory

    /** Zero-filled storage of numel elements (the Backend contract asks for zeros). */
    CudaStorage allocate(DType dtype, int numel) {
        makeCurrent();
        long bytes = (long) numel * dtype.byteSize();
        CachingAllocator.Block b = allocator.allocate(bytes);
        if (bytes > 0) {
            cuMemsetD8Async(DevicePtr.of(b.address()), (byte) 0, bytes, STREAM);
        }
        return new CudaStorage(this, dtype, numel, b);
    }

    /** A scratch buffer; free it with {@link #release} once the kernels that use it are queued. */
    CachingAllocator.Block scratch(long bytes) {
        makeCurrent();
        return allocator.allocate(bytes);
    }

    void release(CachingAllocator.Block b) {
        allocator.free(b);
    }

    void copyHostToDevice(long dst, Pointer src, long bytes) {
        if (bytes > 0) {
            makeCurrent();
            cuMemcpyHtoD(DevicePtr.of(dst), src, bytes);
        }
    }

    void copyDeviceToHost(Pointer dst, long src, long bytes) {
        if (bytes > 0) {
            makeCurrent();
            cuMemcpyDtoH(dst, DevicePtr.of(src), bytes);
        }
    }

    void copyDeviceToDevice(long dst, long src, long bytes) {
        if (bytes > 0) {
            makeCurrent();
            cuMemcpyDtoDAsync(DevicePtr.of(dst), DevicePtr.of(src), bytes, STREAM);
        }
    }

    // ---------------------------------------------------------------- kernels

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

    /** The sm_90 cubin on a 9.0 device (unless -Dkiln.cuda.ptx=true), else the PTX for the driver to JIT. */
    private CUmodule loadModule(String module) {
        makeCurrent();
        byte[] image = null;
        if (computeMajor == 9 && computeMinor == 0 && !Boolean.getBoolean("kiln.cuda.ptx")) {
            image = PtxIndex.resource(module + ".sm_90.cubin");
        }
        if (image == null) {
            byte[] ptx = PtxIndex.ptx(module).getBytes(StandardCharsets.US_ASCII);
            image = java.util.Arrays.copyOf(ptx, ptx.length + 1);  // the driver wants a C string
        }
        CUmodule m = new CUmodule();
        cuModuleLoadData(m, image);
        return m;
    }

    /** Launches spec's kernel {@code suffix} on grid × block threads with these arguments. */
    void launch(KernelSpec spec, String suffix, int gridX, int gridY, int gridZ, int block, int sharedBytes, Args args) {
        String name = spec.name(suffix);
        args.check(spec, name);
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0) {
            return;  // nothing to do
        }
        makeCurrent();
        CUfunction f = function(spec, name);
        if (sharedBytes > 48 * 1024) {
            allowSharedMemory(f, name, sharedBytes);
        }
        cuLaunchKernel(f, gridX, gridY, gridZ, block, 1, 1, sharedBytes, STREAM, args.kernelParams(), null);
    }

    private final Map<String, Integer> sharedOptIn = new ConcurrentHashMap<>();

    /** Dynamic shared memory beyond 48 KiB must be opted into per kernel (up to the device's limit). */
    private void allowSharedMemory(CUfunction f, String name, int bytes) {
        if (sharedOptIn.getOrDefault(name, 0) >= bytes) {
            return;
        }
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, index);
        int max = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        if (bytes > max) {
            throw new IllegalArgumentException("cuda: kernel " + name + " needs " + bytes + " bytes of shared memory; "
                    + this + " allows " + max);
        }
        jcuda.driver.JCudaDriver.cuFuncSetAttribute(f,
                jcuda.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
        sharedOptIn.put(name, bytes);
    }

    /** A launch with a 2-D block (bx × by threads). */
    void launch2d(KernelSpec spec, String suffix, int gridX, int gridY, int gridZ, int bx, int by, Args args) {
        String name = spec.name(suffix);
        args.check(spec, name);
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0) {
            return;
        }
        makeCurrent();
        cuLaunchKernel(function(spec, name), gridX, gridY, gridZ, bx, by, 1, 0, STREAM, args.kernelParams(), null);
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
                    makeCurrent();
                    try {
                        blas = Blas.open();
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
        return "cuda:" + index + " (" + name + ", compute " + computeCapability() + ", " + multiprocessors + " SMs)";
    }
}
