package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Tensor;

/**
 * The backend is found through ServiceLoader and offered exactly when CUDA works: here without
 * a GPU it is absent and asking for a CUDA device fails with a message that says why; with one
 * it is the CUDA default.
 */
class CudaAvailabilityTest {

    @Test
    void serviceLoaderFindsTheBackendClass() {
        boolean listed = java.util.ServiceLoader.load(Backend.class).stream()
                .anyMatch(p -> p.type() == CudaBackend.class);
        assertThat(listed).isTrue();
    }

    @Test
    void withoutCudaTheBackendIsNotOfferedAndTheReasonIsClear() {
        assumeFalse(Cuda.isAvailable(), "CUDA is available here");
        assertThat(Cuda.unavailableReason()).isNotBlank();
        assertThat(new CudaBackend().isAvailable()).isFalse();
        assertThat(Backends.available()).noneMatch(b -> b instanceof CudaBackend);
        assertThatThrownBy(() -> Tensor.zeros(2, 3).to(Device.cuda(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kiln-kernels-cuda");
        assertThatThrownBy(() -> Cuda.device(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(Cuda.unavailableReason());
    }

    @Test
    void withCudaItIsTheDefaultForCudaDevices() {
        assumeTrue(Cuda.isAvailable(), "no CUDA: " + Cuda.unavailableReason());
        assertThat(Backends.forDevice(Device.cuda(0))).isInstanceOf(CudaBackend.class);
        assertThat(Cuda.deviceCount()).isPositive();
        assertThatThrownBy(() -> Cuda.device(Cuda.deviceCount())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
    }
}
