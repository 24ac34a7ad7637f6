package dev.kiln.models.train;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.layers.Module;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.ClipGrad;
import dev.kiln.optim.Optimizer;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The promise of identical runs, end to end on the CPU backend: a few training steps of an MLP
 * and of a small GPT, at sizes where the kernels split their work, give bit-identical losses and
 * parameters on 1, 2 and 3 threads, and twice in a row.
 */
class DeterminismTest {

    /** One training run: its losses' bits, then a hash of every parameter's bits. */
    private static List<Long> train(Module model, Supplier<Tensor[]> batch, int steps) {
        Optimizer opt = AdamW.builder(model.parameters()).lr(1e-3).weightDecay(0.01).build();
        List<Long> out = new ArrayList<>();
        model.train();
        for (int s = 0; s < steps; s++) {
            Tensor[] b = batch.get();
            Tensor loss = model.forward(b[0]).crossEntropy(b[1]);
            opt.zeroGrad();
            loss.backward();
            ClipGrad.clipGradNorm(opt.params(), 1.0);
            opt.step();
            out.add(Double.doubleToRawLongBits(loss.item()));
        }
        long h = 1;
        for (Tensor p : opt.params()) {
            for (float v : p.contiguous().toFloatArray()) {
                h = h * 31 + Float.floatToIntBits(v);
            }
        }
        out.add(h);
        return out;
    }

    private static void assertSameOnAnyThreadCount(Supplier<List<Long>> run) {
        int before = CpuBackend.threads();
        try {
            List<Long> reference = null;
            for (int threads : new int[] {1, 2, 3, 1}) {
                CpuBackend.setThreads(threads);
                List<Long> got = run.get();
                if (reference == null) {
                    reference = got;
                } else {
                    assertThat(got).as("losses and parameter hash on %d threads vs the first run on 1", threads)
                            .isEqualTo(reference);
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    @Test
    void mlpTrainingIsBitIdenticalOnAnyThreadCount() {
        var config = new MlpClassifier.Config(256, new int[] {512, 512}, 10, "gelu", "layernorm");
        assertSameOnAnyThreadCount(() -> {
            Module model = MlpClassifier.build(config, new Generator(5));
            Generator data = new Generator(6);
            return train(model, () -> {
                Tensor x = Tensor.randn(data, 256, 256);
                int[] y = new int[256];
                for (int i = 0; i < y.length; i++) {
                    y[i] = data.nextInt(10);
                }
                return new Tensor[] {x, Tensor.of(y)};
            }, 4);
        });
    }

    @Test
    void gptTrainingIsBitIdenticalOnAnyThreadCount() {
        var config = Gpt.Config.gpt2(2, 64, 2, 128);
        assertSameOnAnyThreadCount(() -> {
            Module model = new Gpt(config, new Generator(7));
            Generator data = new Generator(8);
            return train(model, () -> {
                int[] tokens = new int[4 * 129];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = data.nextInt(Gpt.VOCAB);
                }
                int[] in = new int[4 * 128];
                int[] target = new int[4 * 128];
                for (int b = 0; b < 4; b++) {
                    System.arraycopy(tokens, b * 129, in, b * 128, 128);
                    System.arraycopy(tokens, b * 129 + 1, target, b * 128, 128);
                }
                return new Tensor[] {Tensor.of(in, 4, 128), Tensor.of(target)};
            }, 3);
        });
    }
}
