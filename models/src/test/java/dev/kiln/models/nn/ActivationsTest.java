package dev.kiln.models.nn;

import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry holds every activation that tensor declares ({@link UnaryOp#activationName()},
 * {@link Activation.Kind#activationName()}) under that name, so a new activation fails here until
 * commands can build it; the learnable ones (PReLU, PAU) are layers only.
 */
class ActivationsTest {

    @Test
    void everyDeclaredActivationHasItsModule() {
        List<String> declared = new ArrayList<>();
        Arrays.stream(UnaryOp.values()).map(UnaryOp::activationName).filter(Objects::nonNull).forEach(declared::add);
        Arrays.stream(Activation.Kind.values()).map(Activation.Kind::activationName).forEach(declared::add);
        assertThat(declared).hasSize(new TreeSet<>(declared).size()).contains("relu", "gelu-tanh", "leakyrelu");

        Set<String> registered = new TreeSet<>();
        Activations.names().forEach(registered::add);
        assertThat(registered).containsAll(declared);
        Set<String> extra = new TreeSet<>(registered);
        declared.forEach(extra::remove);
        assertThat(extra).containsExactlyInAnyOrder("prelu", "prelu-channel", "pau");
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
}
