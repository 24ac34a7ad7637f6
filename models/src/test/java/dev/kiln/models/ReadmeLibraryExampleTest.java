package dev.kiln.models;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.activation.GELU;
import dev.kiln.optim.AdamW;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's library snippet, as written there, on random data: a few steps lower the loss. */
class ReadmeLibraryExampleTest {
    @Test
    void readmeLibrarySnippetTrains() {
        var data = new Generator(1);
        Tensor images = Tensor.rand(data, 64, 784);
        int[] classes = new int[64];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = i % 10;
        }
        Tensor labels = Tensor.of(classes);
        var rng = new Generator(0);
        var model = new Sequential(new Linear(784, 256, rng), new GELU(), new Linear(256, 10, rng));
        var opt = AdamW.builder(model.parameters()).lr(1e-3).weightDecay(0.01).build();
        double first = 0;
        double last = 0;
        for (int step = 0; step < 30; step++) {
            Tensor loss = model.forward(images).crossEntropy(labels);   // images [B, 784] F32, labels [B] I32
            opt.zeroGrad();
            loss.backward();
            opt.step();
            if (step == 0) {
                first = loss.item();
            }
            last = loss.item();
        }
        assertThat(last).isLessThan(0.5 * first);
    }
}
