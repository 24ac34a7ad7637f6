package dev.kiln.layers.transformer;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.attention.KvCache;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransformerLMTest {
    private final Generator rng = new Generator(11);

    private static Tensor tokens(Generator rng, int b, int t, int vocab) {
        return Tensor.randint(rng, 0, vocab, b, t);
    }

    @Test
    void gpt2LayoutKeysShapesAndInitialisation() {
        TransformerLM m = TransformerLM.builder(13, 16, 2, 3, 10).build(rng);
        var sd = m.stateDict();
        assertThat(sd.keySet()).startsWith("wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias",
                "h.0.attn.q_proj.weight").contains("h.2.mlp.fc2.bias", "ln_f.weight", "ln_f.bias", "lm_head.weight")
                .doesNotContain("lm_head.bias");
        assertThat(sd.get("wpe.weight").shape()).containsExactly(10, 16);
        assertThat(sd.get("lm_head.weight").shape()).containsExactly(13, 16);
        // GPT-2's init: N(0, 0.02), residual writers N(0, 0.02/√(2L)), biases 0
        double std = sd.get("h.0.mlp.fc1.weight").std().item();
        assertThat(std).isBetween(0.017, 0.023);
        double resid = sd.get("h.1.mlp.fc2.weight").std().item();
        assertThat(resid).isBetween(0.02 / Math.sqrt(6) * 0.85, 0.02 / Math.sqrt(6) * 1.15);
        assertThat(sd.get("h.0.attn.q_proj.bias").abs().max().item()).isZero();
        Tensor logits = m.forward(tokens(rng, 2, 7, 13));
        assertThat(logits.shape()).containsExactly(2, 7, 13);
    }

    @Test
    void mixLnPutsPostLnFirst() {
        assertThat(TransformerLM.builder(5, 8, 2, 12, 4).mixLn(0.25).config().placements())
                .containsExactly(Placement.POST, Placement.POST, Placement.POST, Placement.PRE, Placement.PRE, Placement.PRE,
                        Placement.PRE, Placement.PRE, Placement.PRE, Placement.PRE, Placement.PRE, Placement.PRE);
        assertThat(TransformerLM.mixLnPostBlocks(0.25, 24)).isEqualTo(6);
        assertThat(TransformerLM.mixLnPostBlocks(0.25, 6)).isEqualTo(1);
        TransformerLM m = TransformerLM.builder(5, 8, 2, 4, 4).mixLn(0.5).build(rng);
        assertThat(m.blocks().get(1).placement()).isEqualTo(Placement.POST);
        assertThat(m.blocks().get(2).placement()).isEqualTo(Placement.PRE);
        assertThat(m.stateDict()).containsKey("ln_f.weight");
    }

    @Test
    void laterTokensDoNotChangeEarlierLogits() {
        for (AttentionKind kind : AttentionKind.values()) {
            TransformerLM m = TransformerLM.builder(9, 8, 2, 2, 8).attention(kind).build(rng);
            Tensor a = tokens(rng, 1, 6, 9);
            int[] changed = a.toIntArray();
            changed[5] = (changed[5] + 1) % 9;
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor la = m.forward(a);
                Tensor lb = m.forward(Tensor.of(changed, 1, 6));
                assertThat(la.narrow(1, 0, 5).allClose(lb.narrow(1, 0, 5), 1e-5, 1e-6)).as("%s", kind).isTrue();
                assertThat(la.narrow(1, 5, 1).allClose(lb.narrow(1, 5, 1), 1e-5, 1e-6)).as("%s", kind).isFalse();
            }
        }
    }

    @Test
    void kvCacheDecodingEqualsTheFullForward() {
        for (TransformerLM.Positions pos : TransformerLM.Positions.values()) {
            TransformerLM m = TransformerLM.builder(9, 8, 4, 2, 8).kvHeads(2).positions(pos).build(rng);
            Tensor t = tokens(rng, 2, 7, 9);
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor full = m.forward(t);
                List<KvCache> caches = m.newCaches();
                Tensor prompt = m.forward(t.narrow(1, 0, 3).contiguous(), caches);
                assertThat(prompt.allClose(full.narrow(1, 0, 3), 1e-4, 1e-5)).as("%s", pos).isTrue();
                for (int i = 3; i < 7; i++) {
                    Tensor step = m.forward(t.narrow(1, i, 1).contiguous(), caches);
                    assertThat(step.allClose(full.narrow(1, i, 1), 1e-4, 1e-5)).as("%s token %d", pos, i).isTrue();
                }
            }
        }
    }

    @Test
    void crmsModelsStoreOneFeatureLess() {
        TransformerLM m = TransformerLM.builder(7, 8, 2, 2, 5).norm(NormType.CRMS_NORM).build(rng);
        assertThat(m.stateDict().get("wte.weight").shape()).containsExactly(7, 7);
        assertThat(m.stateDict().get("lm_head.weight").shape()).containsExactly(7, 7);
        assertThat(m.forward(tokens(rng, 1, 5, 7)).shape()).containsExactly(1, 5, 7);
    }

    @Test
    void trainingLowersTheLossOnARepeatingSequence() {
        TransformerLM m = TransformerLM.builder(5, 16, 2, 2, 8).norm(NormType.RMS_NORM)
                .feedForward(FeedForwardKind.SWIGLU).positions(TransformerLM.Positions.ROTARY).build(rng);
        int[] seq = new int[16];
        for (int i = 0; i < 16; i++) {
            seq[i] = i % 5;
        }
        Tensor x = Tensor.of(java.util.Arrays.copyOfRange(seq, 0, 8), 1, 8);
        Tensor y = Tensor.of(java.util.Arrays.copyOfRange(seq, 1, 9), 8);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 40; step++) {
            Tensor loss = m.forward(x).reshape(8, 5).crossEntropy(y);
            if (step == 0) {
                first = loss.item();
            }
            last = loss.item();
            m.zeroGrad();
            loss.backward();
            try (NoGrad ignored = NoGrad.enter()) {
                for (var p : m.parameters()) {
                    if (p.grad() != null) {
                        p.tensor().sub_(p.grad().mul(0.1));
                    }
                }
            }
        }
        assertThat(first).isBetween(Math.log(5) - 0.3, Math.log(5) + 0.3);
        assertThat(last).isLessThan(first * 0.5);
    }

    @Test
    void badInputFailsClearly() {
        TransformerLM m = TransformerLM.builder(9, 8, 2, 2, 4).build(rng);
        assertThatThrownBy(() -> m.forward(Tensor.zeros(1, 3))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected I32 tokens [B, T], got F32 [1, 3]");
        assertThatThrownBy(() -> m.forward(Tensor.of(new int[] {1, 2, 3}, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3]");
        assertThatThrownBy(() -> m.forward(tokens(rng, 1, 5, 9))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceed the context of 4");
        assertThatThrownBy(() -> m.forward(tokens(rng, 1, 2, 9), List.of(new KvCache())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 2 KV caches");
        assertThatThrownBy(() -> TransformerLM.builder(9, 8, 2, 2, 4).attention(AttentionKind.RELU).build(rng).newCaches())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("softmax");
        assertThatThrownBy(() -> TransformerLM.builder(9, 8, 2, 2, 4).attention(AttentionKind.LINEAR)
                .positions(TransformerLM.Positions.ROTARY).build(rng))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rotary positions need softmax attention");
        assertThatThrownBy(() -> TransformerLM.builder(9, 8, 2, 2, 4).mixLn(1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha must be in [0, 1]");
        assertThatThrownBy(() -> TransformerLM.builder(9, 8, 2, 0, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TransformerLM");
        assertThatThrownBy(() -> m.to(DType.F64).forward(Tensor.of(new int[] {9}, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
