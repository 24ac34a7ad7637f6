package dev.kiln.models.nn;

import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry is derived from tensor's declarations ({@link UnaryOp#activationName()},
 * {@link Activation.Kind#activationName()}): every declared activation under its name, in
 * declaration order, then the learnable ones (PReLU, PAU), which are layers only; each name builds
 * the module that computes its op, a parameterised one with its kind's defaults.
 */
class ActivationsTest {

    @Test
    void theRegistryIsEveryDeclaredActivationThenTheLearnableOnes() {
        List<String> declared = new ArrayList<>();
        Arrays.stream(UnaryOp.values()).map(UnaryOp::activationName).filter(Objects::nonNull).forEach(declared::add);
        Arrays.stream(Activation.Kind.values()).map(Activation.Kind::activationName).forEach(declared::add);
        assertThat(declared).hasSize(new TreeSet<>(declared).size()).contains("relu", "gelu-tanh", "leakyrelu");
        declared.addAll(List.of("prelu", "prelu-channel", "pau"));

        List<String> registered = new ArrayList<>();
        Activations.names().forEach(registered::add);
        assertThat(registered).containsExactlyElementsOf(declared);
    }

    @Test
    void eachNamedUnaryActivationComputesItsOp() {
        Tensor x = Tensor.of(new float[] {-2.5f, -0.5f, 0f, 0.75f, 3f});
        for (UnaryOp op : UnaryOp.values()) {
            if (op.activationName() == null) {
                continue;
            }
            Module m = Activations.create(op.activationName(), 5);
            assertThat(m.forward(x).toFloatArray()).as(op.activationName()).containsExactly(op.applyTo(x).toFloatArray());
        }
        assertThatThrownBy(() -> Activations.create("swish", 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown activation 'swish'");
    }

    @Test
    void eachNamedKindComputesItsKindWithTheDeclaredDefaults() {
        Tensor x = Tensor.of(new float[] {-2.5f, -0.5f, -0.01f, 0f, 0.05f, 0.75f, 3f});
        for (Activation.Kind kind : Activation.Kind.values()) {
            Module m = Activations.create(kind.activationName().toUpperCase(Locale.ROOT), 7);
            if (kind == Activation.Kind.VELU) {
                // the module multiplies in VeLU's variance factor, which the elementwise kind leaves out
                assertThat(m.toString()).contains("lambda=1.0, alpha=1.0, beta1=1.0, beta2=0.5");
                continue;
            }
            assertThat(m.forward(x).toFloatArray()).as(kind.activationName())
                    .containsExactly(x.activation(Activation.defaults(kind)).toFloatArray());
        }
        assertThat(Activation.Kind.FATRELU.defaults()).containsExactly(0.1);
        assertThat(Activation.Kind.LEAKY_RELU.defaults()).containsExactly(0.01);
    }
}
