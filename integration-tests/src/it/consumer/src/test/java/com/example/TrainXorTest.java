package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.activation.GELU;
import dev.kiln.optim.AdamW;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** What a user does first with Kiln as a dependency: train a small MLP and read its predictions. */
class TrainXorTest {

    @Test
    void anMlpLearnsXorOnTheVectorApiBackend() {
        // kiln-kernels-cpu is only on the runtime class path; ServiceLoader must still find it
        assertEquals("cpu", Backends.forDevice(Device.cpu()).name());

        var rng = new Generator(0);
        var model = new Sequential(new Linear(2, 16, rng), new GELU(), new Linear(16, 2, rng));
        var opt = AdamW.builder(model.parameters()).lr(0.05).weightDecay(0.0).build();
        Tensor x = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        Tensor y = Tensor.of(new int[] {0, 1, 1, 0});
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 300; step++) {
            Tensor loss = model.forward(x).crossEntropy(y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            last = loss.item();
            if (step == 0) {
                first = last;
            }
        }
        assertTrue(last < 0.05 * first, "loss " + first + " -> " + last);

        float[] logits = model.forward(x).toFloatArray();
        int[] expected = {0, 1, 1, 0};
        for (int i = 0; i < 4; i++) {
            int predicted = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
            assertEquals(expected[i], predicted, "XOR of sample " + i);
        }
    }
}
