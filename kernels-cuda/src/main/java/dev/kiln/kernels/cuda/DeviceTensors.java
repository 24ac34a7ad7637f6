package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;

/**
 * What CudaBackend's per-family dispatch classes share: device addresses of tensors, dtype
 * suffixes of kernel names, contiguous scratch copies, and the chunked elementwise launch over a
 * Layout.
 */
final class DeviceTensors {
    private DeviceTensors() {
    }

    static CudaStorage cs(Tensor t) {
        Storage s = t.storage();
        if (!(s instanceof CudaStorage c)) {
            throw new IllegalArgumentException("cuda: expected a tensor on a CUDA device, got one on " + t.device());
        }
        return c;
    }

    static CudaDevice dev(Tensor t) {
        return cs(t).cudaDevice();
    }

    /** The device address of the tensor's first element (its offset applied). */
    static long ptr(Tensor t) {
        return cs(t).address() + (long) t.offset() * t.dtype().byteSize();
    }

    /** The address of an optional tensor, 0 (a null pointer for the kernel) when absent. */
    static long ptrOrNull(Tensor t) {
        return t == null ? 0 : ptr(t);
    }

    static String sfx(Tensor t) {
        return Kernels.suffix(t.dtype());
    }

    static int[] zeroAt(int[] strides, int dim) {
        int[] s = strides.clone();
        if (dim < s.length) {
            s[dim] = 0;
        }
        return s;
    }

    /** Threads per block for a row of n elements: enough warps to cover it, at most 512. */
    static int rowBlock(int n) {
        if (n <= 32) {
            return 32;
        }
        if (n <= 64) {
            return 64;
        }
        if (n <= 128) {
            return 128;
        }
        return n < 4096 ? 256 : 512;
    }

    /** A contiguous copy on the same device (for kernels that need row-major input). */
    static Tensor contiguousCopy(Tensor t) {
        CudaDevice d = dev(t);
        Tensor out = Tensor.fromStorage(d.allocate(t.dtype(), t.numel()), t.shape(), contiguousStrides(t.shape()), 0);
        MemoryDispatch.copy(out, t);
        return out;
    }

    static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= Math.max(shape[d], 1);
        }
        return s;
    }

    /** What an elementwise launch needs for one chunk: the packed layout and each operand's address. */
    @FunctionalInterface
    interface LayoutArgs {
        Args build(int[] layout, long[] addresses);
    }

    /**
     * Launches one thread per element of {@code shape} over these operands (a Layout of their
     * strides), in as many launches as the layout needs chunks.
     */
    static void forEachChunk(CudaDevice d, KernelSpec spec, String suffix, int[] shape, Tensor[] ops,
                                     LayoutArgs args) {
        int[][] strides = new int[ops.length][];
        for (int k = 0; k < ops.length; k++) {
            strides[k] = ops[k].strides();
        }
        forEachChunk(d, spec, suffix, Layout.of(shape, strides), ops, args);
    }

    static void forEachChunk(CudaDevice d, KernelSpec spec, String suffix, Layout layout, Tensor[] ops,
                                     LayoutArgs args) {
        if (layout.numel() == 0) {
            return;
        }
        long[] base = new long[ops.length];
        for (int k = 0; k < ops.length; k++) {
            base[k] = ptr(ops[k]);
        }
        for (Layout.Chunk c : layout.chunks()) {
            long[] addr = new long[ops.length];
            for (int k = 0; k < ops.length; k++) {
                addr[k] = base[k] + (long) c.offsets()[k] * ops[k].dtype().byteSize();
            }
            d.launch1d(spec, suffix, c.layout().numel(), args.build(c.layout().pack(), addr));
        }
    }

    static boolean aligned16(long... addresses) {
        for (long a : addresses) {
            if ((a & 15) != 0) {
                return false;
            }
        }
        return true;
    }

    static Tensor scratchTensor(CudaDevice d, DType dtype, int... shape) {
        return Tensor.fromStorage(d.allocate(dtype, Math.max(1, numel(shape))), shape, contiguousStrides(shape), 0);
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static int outer(int[] shape, int dim) {
        int n = 1;
        for (int i = 0; i < dim; i++) {
            n *= shape[i];
        }
        return n;
    }

    static int inner(int[] shape, int dim) {
        int n = 1;
        for (int i = dim + 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }
}
