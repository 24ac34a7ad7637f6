package dev.kiln.autograd;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * End to end: a 2-layer MLP, built from tensor ops and trained by plain full-batch SGD written
 * here, separates two interleaved spirals of 1.5 turns. Everything is seeded, so the run is the
 * same on every machine.
 */
class SpiralsTest {
    static final int PER_CLASS = 100;
    static final double TURNS = 1.5;
    static final int HIDDEN = 32;
    static final int STEPS = 400;
    static final double LR = 1.0;

    /** Points [2·PER_CLASS, 2] (F32) and labels [2·PER_CLASS] (I32) of two spirals, with a little noise. */
    static Tensor[] spirals(Generator rng) {
        int n = 2 * PER_CLASS;
        float[] xy = new float[2 * n];
        int[] label = new int[n];
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < PER_CLASS; i++) {
                double t = 0.1 + 0.9 * i / (PER_CLASS - 1);
                double angle = 2 * Math.PI * TURNS * t + Math.PI * k;
                int row = k * PER_CLASS + i;
                xy[2 * row] = (float) (2 * t * Math.cos(angle) + 0.04 * rng.nextGaussian());
                xy[2 * row + 1] = (float) (2 * t * Math.sin(angle) + 0.04 * rng.nextGaussian());
                label[row] = k;
            }
        }
        return new Tensor[] {Tensor.of(xy, n, 2), Tensor.of(label)};
    }

    /** The loss after each step and the final training accuracy. */
    record Run(double[] losses, double accuracy) {
    }

    static Run train(long seed, int steps) {
        Generator rng = new Generator(seed);
        Tensor[] data = spirals(rng);
        Tensor x = data[0];
        Tensor y = data[1];
        Tensor w1 = Tensor.randn(rng, 2, HIDDEN).mul(Math.sqrt(2.0)).requiresGrad(true);
        Tensor b1 = Tensor.randn(rng, HIDDEN).mul(0.5).requiresGrad(true);
        Tensor w2 = Tensor.randn(rng, HIDDEN, 2).mul(1 / Math.sqrt(HIDDEN)).requiresGrad(true);
        Tensor b2 = Tensor.zeros(2).requiresGrad(true);
        List<Tensor> params = List.of(w1, b1, w2, b2);

        double[] losses = new double[steps];
        for (int step = 0; step < steps; step++) {
            Tensor loss = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).crossEntropy(y);
            for (Tensor p : params) {
                p.zeroGrad();
            }
            loss.backward();
            try (NoGrad ignored = NoGrad.enter()) {
                for (Tensor p : params) {
                    p.add_(p.grad(), -LR);
                }
            }
            losses[step] = loss.item();
        }
        Tensor predicted = NoGrad.run(() -> x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).argmax(1, false));
        return new Run(losses, predicted.eq(y).sum().item() / y.numel());
    }

    @Test
    void mlpLearnsTwoSpirals() {
        Run run = train(7, STEPS);
        double first = run.losses()[0];
        double last = run.losses()[STEPS - 1];
        assertThat(first).isCloseTo(Math.log(2), within(0.5));
        assertThat(last).isLessThan(first / 5);
        assertThat(run.accuracy()).isGreaterThanOrEqualTo(0.95);
        // the same seed retraces the same path, bit for bit
        Run again = train(7, 10);
        assertThat(again.losses()).containsExactly(Arrays.copyOf(run.losses(), 10));
    }
}
