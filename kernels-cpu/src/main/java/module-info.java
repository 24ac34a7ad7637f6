/**
 * The CPU backend: Vector API kernels found through {@link java.util.ServiceLoader}. It exports
 * nothing to users, who reach it through {@code Tensor} on {@code Device.CPU}; the GEMM package is
 * open to the command line's tuner only.
 */
module kiln.kernels.cpu {
    requires kiln.tensor;
    requires jdk.incubator.vector;
    // the platform MBean server, through which JitDirectives adds its compiler directive
    requires java.management;

    provides dev.kiln.tensor.spi.Backend with dev.kiln.kernels.cpu.CpuBackend;

    // `kiln tune` (models) calls gemm.SgemmTuner by name, so that models needs this module at run
    // time only; a qualified export lets it do so on the module path too
    exports dev.kiln.kernels.cpu.gemm to kiln.models;
}
