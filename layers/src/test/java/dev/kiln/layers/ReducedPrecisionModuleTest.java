package dev.kiln.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.layers.activation.GELU;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A model converted to F16 or BF16 (PyTorch's {@code model.half()}) runs forward and backward in that dtype. */
class ReducedPrecisionModuleTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void modelRunsInTheReducedDType(DType t) {
        Generator rng = new Generator(5);
        Sequential model = new Sequential(new Linear(4, 8, rng), new GELU(), new Linear(8, 3, rng));
        Tensor x = Tensor.randn(rng, 6, 4);
        Tensor labels = Tensor.of(new long[] {0, 1, 2, 0, 1, 2});
        float want = model.forward(x).crossEntropy(labels).toFloatArray()[0];

        model.to(t);
        for (Parameter p : model.parameters()) {
            assertThat(p.tensor().dtype()).isEqualTo(t);
        }
        Tensor loss = model.forward(x.to(t)).crossEntropy(labels);
        assertThat(loss.dtype()).isEqualTo(t);
        // the same model in 16 bits: the loss within the type's rounding of the F32 one
        assertThat((double) loss.toFloatArray()[0]).isCloseTo(want, org.assertj.core.data.Offset.offset(0.05));
        loss.backward();
        for (Parameter p : model.parameters()) {
            assertThat(p.tensor().grad().dtype()).isEqualTo(t);
        }
    }
}
