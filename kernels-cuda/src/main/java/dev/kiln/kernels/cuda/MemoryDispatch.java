package dev.kiln.kernels.cuda;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's allocation, device copies and fills, and the copies between host and device.
 */
final class MemoryDispatch {
    private MemoryDispatch() {
    }

    static Storage allocate(DType dtype, int numel, Device device) {
        if (device.type() != Device.Type.CUDA) {
            throw new IllegalArgumentException("cuda: cannot allocate on " + device);
        }
        return Cuda.device(device.index()).allocate(dtype, numel);
    }

    static void copy(Tensor out, Tensor src) {
        CudaDevice d = dev(out);
        if (out.numel() == 0) {
            return;
        }
        if (out.dtype() == src.dtype() && out.isContiguous() && src.isContiguous() && cs(out) != cs(src)) {
            d.copyDeviceToDevice(ptr(out), ptr(src), (long) out.numel() * out.dtype().byteSize());
            return;
        }
        if (cs(out) == cs(src)) {
            // views of one buffer may overlap: read everything before writing, as the reference does
            Tensor tmp = contiguousCopy(src);
            try {
                copy(out, tmp);
            } finally {
                ((CudaStorage) tmp.storage()).close();
            }
            return;
        }
        forEachChunk(d, Kernels.COPY, sfx(src) + "_" + sfx(out), out.shape(), new Tensor[] {out, src},
                (l, a) -> new Args().layout(l).ptr(a[0]).ptr(a[1]));
    }

    static void fill(Tensor out, double value) {
        forEachChunk(dev(out), Kernels.FILL, sfx(out), out.shape(), new Tensor[] {out},
                (l, a) -> new Args().layout(l).ptr(a[0]).d(value));
    }

    static void copyFromHost(Tensor out, Tensor hostSrc) {
        long bytes = (long) out.numel() * out.dtype().byteSize();
        dev(out).copyHostToDevice(ptr(out), hostArray(hostSrc), (long) hostSrc.offset() * hostSrc.dtype().byteSize(),
                bytes);
    }

    static void copyToHost(Tensor hostOut, Tensor src) {
        long bytes = (long) src.numel() * src.dtype().byteSize();
        dev(src).copyDeviceToHost(hostArray(hostOut), (long) hostOut.offset() * hostOut.dtype().byteSize(), ptr(src),
                bytes);
    }

    /** The Java array behind a host tensor. */
    private static Object hostArray(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s)) {
            throw new IllegalArgumentException("cuda: expected a host tensor, got one on " + t.device());
        }
        return s.array();
    }
}
