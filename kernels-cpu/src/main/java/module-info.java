/**
 * The CPU backend: Vector API kernels found through {@link java.util.ServiceLoader}. It exports
 * nothing; users reach it through {@code Tensor} on {@code Device.CPU}.
 */
module kiln.kernels.cpu {
    requires kiln.tensor;
    requires jdk.incubator.vector;

    provides dev.kiln.tensor.spi.Backend with dev.kiln.kernels.cpu.CpuBackend;
}
