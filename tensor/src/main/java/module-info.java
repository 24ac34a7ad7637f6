/**
 * Tensors, dtypes, devices and the ops on them ({@code dev.kiln.tensor}), and the contract that
 * backends and the autograd engine plug into ({@code dev.kiln.tensor.spi}).
 */
module kiln.tensor {
    requires jdk.jfr;        // OpEvent, the per-op profiling event
    requires jdk.management; // ProfiledBackend reads the bytes each thread allocated

    exports dev.kiln.tensor;
    // The SPI goes to Kiln's backends, autograd and the CLI (which lists backends by name) only, so
    // kernels, op codes and the reference loops stay out of the user API. A backend outside Kiln
    // runs on the class path, or on the module path with
    // --add-exports kiln.tensor/dev.kiln.tensor.spi=<its module>.
    exports dev.kiln.tensor.spi to kiln.autograd, kiln.kernels.cpu, kiln.kernels.cuda, kiln.models;

    uses dev.kiln.tensor.spi.Backend;
    uses dev.kiln.tensor.spi.Autograd;
    provides dev.kiln.tensor.spi.Backend with dev.kiln.tensor.spi.ReferenceBackend;
}
