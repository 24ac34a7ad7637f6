package dev.kiln.bench.cuda;

import dev.kiln.kernels.cuda.Cuda;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/** Shared by the GPU benchmarks: a clear stop where there is no GPU, and random device tensors. */
final class CudaBench {
    static final Device GPU = Device.cuda(0);

    private CudaBench() {
    }

    /** Fails the benchmark's setup with the reason when no CUDA device is usable (JMH then moves on). */
    static void requireGpu() {
        if (!Cuda.isAvailable()) {
            String msg = "skipped: no CUDA device (" + Cuda.unavailableReason() + ")";
            System.err.println(msg);
            throw new IllegalStateException(msg);
        }
    }

    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape).to(GPU);
    }

    static Tensor zeros(int... shape) {
        return Tensor.full(0, DType.F32, GPU, shape);
    }
}
