/**
 * The CUDA backend (JCuda, plus an FFM-loaded emulator for tests), found through
 * {@link java.util.ServiceLoader}. Run it with {@code --enable-native-access=kiln.kernels.cuda}
 * (FFM) on the module path, or {@code ALL-UNNAMED} on the class path.
 */
module kiln.kernels.cuda {
    requires kiln.tensor;
    // JCuda's jars carry no module name: these are the automatic names from the jar files.
    requires jcuda;
    requires jcublas;

    provides dev.kiln.tensor.spi.Backend with dev.kiln.kernels.cuda.CudaBackend;
}
