package dev.kiln.autograd;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's example, line for line: the MLP learns XOR. Keep the two in step. */
class ReadmeExampleTest {
    @Test
    void readmeXorExampleLearnsXor() {
        var rng = new Generator(42);
        Tensor x = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        Tensor y = Tensor.of(new int[] {0, 1, 1, 0});
        Tensor w1 = Tensor.randn(rng, 2, 16).requiresGrad(true);
        Tensor b1 = Tensor.zeros(16).requiresGrad(true);
        Tensor w2 = Tensor.randn(rng, 16, 2).mul(0.25).detach().requiresGrad(true);
        Tensor loss = null;
        for (int step = 0; step < 500; step++) {
            loss = x.matmul(w1).add(b1).relu().matmul(w2).crossEntropy(y);
            for (Tensor p : new Tensor[] {w1, b1, w2}) p.zeroGrad();
            loss.backward();
            try (var ng = NoGrad.enter()) {
                for (Tensor p : new Tensor[] {w1, b1, w2}) p.sub_(p.grad().mul(0.1));
            }
        }
        assertThat(loss.item()).isLessThan(0.05);
        Tensor predicted = x.matmul(w1).add(b1).relu().matmul(w2).argmax(1, false);
        assertThat(predicted.toIntArray()).containsExactly(0, 1, 1, 0);
    }
}
