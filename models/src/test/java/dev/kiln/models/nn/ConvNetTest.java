package dev.kiln.models.nn;

import dev.kiln.layers.Parameter;
import dev.kiln.models.Models;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConvNetTest {
    private static ConvNet.Config resnet(int... widths) {
        return new ConvNet.Config("resnet", widths, 1, 1, 28, 10);
    }

    @Test
    void forwardAndBackwardShapesForBothArchitecturesAndBothInputLayouts() {
        for (ConvNet.Config c : List.of(resnet(4, 8, 16), new ConvNet.Config("vgg", new int[] {4, 8}, 2, 1, 28, 10))) {
            ConvNet m = new ConvNet(c, new Generator(1));
            Generator rng = new Generator(2);
            Tensor flat = Tensor.rand(rng, 5, 784);
            Tensor out = m.forward(flat);
            assertThat(out.shape()).as(c.describe()).containsExactly(5, 10);
            // the flat rows are the [N, 1, 28, 28] images, row-major
            m.eval();
            assertThat(m.forward(flat.reshape(5, 1, 28, 28)).toFloatArray()).containsExactly(m.forward(flat).toFloatArray());
            m.train();
            Tensor loss = m.forward(flat).crossEntropy(Tensor.randint(rng, 0, 10, 5));
            loss.backward();
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                Parameter p = e.getValue();
                assertThat(p.grad()).as(e.getKey()).isNotNull();
                assertThat(p.grad().shape()).as(e.getKey()).containsExactly(p.tensor().shape());
                double norm = 0;
                for (float g : p.grad().toFloatArray()) {
                    norm += g * g;
                }
                assertThat(norm).as(e.getKey() + " gradient").isGreaterThan(0);
            }
        }
    }

    @Test
    void stateDictHasPyTorchsKeysOfTheSameNetwork() {
        // the keys of tools/torch_cnn_step.py's build(torch, "resnet", [16, 32, 64], 1)
        ConvNet m = new ConvNet(resnet(16, 32, 64), new Generator(0));
        assertThat(m.parameterCount()).isEqualTo(77_754); // PyTorch's count of the same network
        assertThat(m.stateDict().keySet()).contains("features.0.weight", "features.1.running_mean",
                "features.3.0.conv1.weight", "features.3.0.bn2.bias", "features.4.0.shortcut.0.weight",
                "features.4.0.shortcut.1.running_var", "features.5.0.conv2.weight", "fc.weight", "fc.bias")
                .doesNotContain("features.3.0.shortcut.0.weight", "features.0.bias");
        assertThat(m.stateDict().get("features.4.0.conv1.weight").shape()).containsExactly(32, 16, 3, 3);
        assertThat(m.stateDict().get("features.5.0.shortcut.0.weight").shape()).containsExactly(64, 32, 1, 1);
        ConvNet v = new ConvNet(new ConvNet.Config("vgg", new int[] {16, 32, 64}, 2, 1, 28, 10), new Generator(0));
        assertThat(v.parameterCount()).isEqualTo(72_666);
        assertThat(v.stateDict().keySet()).contains("features.3.weight", "features.7.weight", "features.18.running_mean");
    }

    @Test
    void aCheckpointedModelRebuildsFromItsConfigurationWithTheSameOutputs() {
        ConvNet.Config c = resnet(4, 8);
        ConvNet m = new ConvNet(c, new Generator(3));
        Tensor x = Tensor.rand(new Generator(4), 6, 784);
        m.train();
        m.forward(x); // moves the running statistics away from their initial values
        m.eval();
        float[] want = m.forward(x).toFloatArray();
        var rebuilt = Models.build(Models.toJson(c), new Generator(99));
        assertThat(Models.cnnConfig(Models.toJson(c))).usingRecursiveComparison().isEqualTo(c);
        rebuilt.loadStateDict(m.stateDict());
        rebuilt.eval();
        assertThat(rebuilt.forward(x).toFloatArray()).containsExactly(want);
        assertThat(Models.minParameterCount(Models.toJson(c))).isLessThanOrEqualTo(m.parameterCount());
    }

    @Test
    void badConfigurationsAndInputsAreClearErrors() {
        assertThatThrownBy(() -> new ConvNet.Config("lenet", new int[] {4}, 1, 1, 28, 10))
                .hasMessageContaining("arch").hasMessageContaining("lenet");
        assertThatThrownBy(() -> resnet()).hasMessageContaining("widths");
        assertThatThrownBy(() -> new ConvNet.Config("vgg", new int[] {4, 0}, 1, 1, 28, 10)).hasMessageContaining("[4, 0]");
        ConvNet m = new ConvNet(resnet(4), new Generator(0));
        assertThatThrownBy(() -> m.forward(Tensor.rand(new Generator(0), 2, 100)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ConvNet").hasMessageContaining("[2, 100]");
        assertThatThrownBy(() -> m.forward(Tensor.rand(new Generator(0), 2, 3, 28, 28)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3, 28, 28]");
    }
}
