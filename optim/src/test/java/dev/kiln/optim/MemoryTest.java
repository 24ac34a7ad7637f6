package dev.kiln.optim;

import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GaLore's optimizer-state report on the parameter list of a GPT-style transformer with d = 256:
 * rank 64 on the attention and MLP weights keeps at most 35% of AdamW's state, and the report
 * agrees with docs/formulas/optimizers.md's formula (2·r·max(m, n) moments + r·min(m, n) projector per
 * low-rank matrix, 2·numel for everything else).
 */
class MemoryTest {
    static final int D = 256;
    static final int LAYERS = 4;
    static final int VOCAB = 256;   // byte-level
    static final int CONTEXT = 256;
    static final int RANK = 64;

    /** The parameters of a pre-LN GPT: token and position embeddings (tied head), per block LN, Q/K/V/O, LN, 4d MLP. */
    record Transformer(List<Parameter> lowRank, List<Parameter> other) {
        List<Parameter> all() {
            List<Parameter> a = new ArrayList<>(other);
            a.addAll(lowRank);
            return a;
        }
    }

    static Transformer transformer() {
        List<Parameter> lowRank = new ArrayList<>();
        List<Parameter> other = new ArrayList<>();
        other.add(new Parameter(Tensor.zeros(VOCAB, D)));
        other.add(new Parameter(Tensor.zeros(CONTEXT, D)));
        for (int l = 0; l < LAYERS; l++) {
            other.add(new Parameter(Tensor.ones(D)).noWeightDecay());     // ln1 weight
            other.add(new Parameter(Tensor.zeros(D)).noWeightDecay());    // ln1 bias
            for (int k = 0; k < 4; k++) {                                 // Wq, Wk, Wv, Wo and their biases
                lowRank.add(new Parameter(Tensor.zeros(D, D)));
                other.add(new Parameter(Tensor.zeros(D)));
            }
            other.add(new Parameter(Tensor.ones(D)).noWeightDecay());     // ln2
            other.add(new Parameter(Tensor.zeros(D)).noWeightDecay());
            lowRank.add(new Parameter(Tensor.zeros(4 * D, D)));           // MLP up   (out, in) as nn.Linear
            other.add(new Parameter(Tensor.zeros(4 * D)));
            lowRank.add(new Parameter(Tensor.zeros(D, 4 * D)));           // MLP down
            other.add(new Parameter(Tensor.zeros(D)));
        }
        other.add(new Parameter(Tensor.ones(D)).noWeightDecay());         // final LN
        other.add(new Parameter(Tensor.zeros(D)).noWeightDecay());
        return new Transformer(lowRank, other);
    }

    static void randomGradients(List<Parameter> params, Generator rng) {
        for (Parameter p : params) {
            p.tensor().setGrad(Tensor.randn(rng, p.shape()));
        }
    }

    @Test
    void galoreRank64KeepsAtMost35PercentOfAdamWsStateAndMatchesTheFormula() {
        Transformer model = transformer();
        var rng = new Generator(5);
        randomGradients(model.all(), rng);

        AdamW adamw = AdamW.builder(model.all()).build();
        GaLore galore = GaLore.builder(model.other()).rank(RANK).updateProjGap(200).scale(0.25)
                .group(model.lowRank(), g -> g.galore(true))
                .build();
        adamw.step();
        galore.step();

        long expectedAdamW = 0;
        long expectedGaLore = 0;
        for (Parameter p : model.other()) {
            long bytes = 2L * p.numel() * 4;
            assertThat(galore.stateBytes(p)).isEqualTo(bytes);
            expectedGaLore += bytes;
        }
        for (Parameter p : model.lowRank()) {
            int m = p.shape()[0];
            int n = p.shape()[1];
            long formula = (2L * RANK * Math.max(m, n) + (long) RANK * Math.min(m, n)) * 4;
            assertThat(galore.stateBytes(p)).as("GaLore state of %dx%d", m, n).isEqualTo(formula);
            expectedGaLore += formula;
        }
        for (Parameter p : model.all()) {
            assertThat(adamw.stateBytes(p)).isEqualTo(2L * p.numel() * 4);
            expectedAdamW += 2L * p.numel() * 4;
        }
        assertThat(galore.stateBytes()).isEqualTo(expectedGaLore);
        assertThat(adamw.stateBytes()).isEqualTo(expectedAdamW);
        double ratio = (double) galore.stateBytes() / adamw.stateBytes();
        System.out.printf("optimizer state, d=%d, %d layers: AdamW %,d bytes, GaLore rank %d %,d bytes (%.1f%%)%n",
                D, LAYERS, adamw.stateBytes(), RANK, galore.stateBytes(), 100 * ratio);
        assertThat(ratio).isLessThanOrEqualTo(0.35);
    }
}
