package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** CpuBackend as the class path's default, its vector width, and the op layer running on it. */
class CpuBackendTest {

    @Test
    void isTheDefaultCpuBackendWhenOnTheClassPath() {
        assertThat(Backends.forDevice(Device.CPU).name()).isEqualTo("cpu");
        assertThat(Backends.forDevice(Device.CPU)).isInstanceOf(CpuBackend.class);
        assertThat(Backends.available()).extracting(b -> b.name()).contains("cpu", "reference");
        assertThat(Backends.named("cpu").priority()).isGreaterThan(ReferenceBackend.INSTANCE.priority());
    }

    @Test
    void forcedWidthIsHonoured() {
        String forced = System.getProperty("kiln.simd");
        if (forced == null) {
            assertThat(Simd.ENABLED).isTrue();
            assertThat(Simd.F32).isEqualTo(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED);
        } else if (forced.equals("scalar")) {
            assertThat(Simd.ENABLED).isFalse();
            assertThat(Simd.describe()).contains("scalar");
        } else {
            assertThat(Simd.ENABLED).isTrue();
            assertThat(Simd.F32.vectorBitSize()).isEqualTo(Integer.parseInt(forced));
            assertThat(Simd.describe()).contains(forced + "-bit");
        }
    }

    @Test
    void opsThroughTheTensorApiAgreeWithTheReference() {
        var rng = new Generator(71);
        Tensor x = Tensor.randn(rng, 33, 65);
        Tensor w = Tensor.randn(rng, 65);
        Tensor labels = Tensor.randint(rng, 0, 65, 33);
        Tensor onCpu = chain(x, w, labels);
        Tensor onRef;
        try (var scope = Backends.use(ReferenceBackend.INSTANCE)) {
            onRef = chain(x, w, labels);
        }
        assertThat(onCpu.toFloatArray()).containsExactly(onRef.toFloatArray(),
                org.assertj.core.data.Offset.offset(1e-4f));
    }

    private static Tensor chain(Tensor x, Tensor w, Tensor labels) {
        Tensor h = x.mul(w).add(1).relu().layerNorm(new int[] {65}, w, null, 1e-5);
        Tensor loss = h.crossEntropy(labels);
        return Tensor.stack(0, loss, h.softmax(1).sum(), h.logSoftmax(0).mean(), h.max(), h.sum(0).sum());
    }
}
