package dev.kiln.layers.attention;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultiHeadAttentionTest {
    private final Generator rng = new Generator(3);

    private MultiHeadAttention.Builder gqa() {
        return MultiHeadAttention.builder(16, 4).causal(true).kvHeads(2).rotary(true).bias(false);
    }

    @Test
    void parametersFollowTheHeadsAndTheNames() {
        MultiHeadAttention m = gqa().build(rng);
        assertThat(m.stateDict().keySet()).containsExactly("q_proj.weight", "k_proj.weight", "v_proj.weight",
                "out_proj.weight");
        assertThat(m.stateDict().get("q_proj.weight").shape()).containsExactly(16, 16);
        assertThat(m.stateDict().get("k_proj.weight").shape()).containsExactly(8, 16);
        assertThat(m.stateDict().get("v_proj.weight").shape()).containsExactly(8, 16);
        assertThat(m.headDim()).isEqualTo(4);
        assertThat(MultiHeadAttention.builder(6, 3).build(rng).stateDict()).containsKeys("q_proj.bias", "out_proj.bias");
        // initialised as torch.nn.Linear: U(±1/√dModel)
        double[] w = m.stateDict().get("q_proj.weight").toDoubleArray();
        assertThat(Tensor.of(w).abs().max().item()).isLessThanOrEqualTo(0.25);
        assertThat(Tensor.of(w).std().item()).isGreaterThan(0.1);
    }

    @Test
    void decodingTokenByTokenEqualsTheFullCausalForward() {
        for (MultiHeadAttention m : new MultiHeadAttention[] {gqa().build(rng),
            MultiHeadAttention.builder(12, 3).causal(true).build(rng)}) {
            Tensor x = Tensor.randn(rng, 2, 9, m.dModel());
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor full = m.forward(x);
                KvCache cache = new KvCache();
                for (int t = 0; t < 9; t++) {
                    Tensor step = m.forward(x.narrow(1, t, 1), cache);
                    assertThat(cache.length()).isEqualTo(t + 1);
                    assertThat(step.allClose(full.narrow(1, t, 1), 1e-4, 1e-5)).as("token %d", t).isTrue();
                }
                // a prompt of 4 tokens at once, then 2 at a time: the mask lines up with the cache's end
                cache.clear();
                Tensor prompt = m.forward(x.narrow(1, 0, 4), cache);
                assertThat(prompt.allClose(full.narrow(1, 0, 4), 1e-4, 1e-5)).isTrue();
                Tensor next = m.forward(x.narrow(1, 4, 2), cache);
                assertThat(next.allClose(full.narrow(1, 4, 2), 1e-4, 1e-5)).isTrue();
                assertThat(cache.keys().shape()).containsExactly(2, m.kvHeads(), 6, m.headDim());
            }
        }
    }

    @Test
    void causalOutputsIgnoreLaterTokensAndNonCausalOnesDoNot() {
        MultiHeadAttention causal = gqa().build(rng);
        MultiHeadAttention full = MultiHeadAttention.builder(16, 4).build(rng);
        Tensor x = Tensor.randn(rng, 1, 6, 16);
        Tensor changed = Tensor.cat(1, x.narrow(1, 0, 5), Tensor.randn(rng, 1, 1, 16));
        assertThat(causal.forward(changed).narrow(1, 0, 5).allClose(causal.forward(x).narrow(1, 0, 5), 1e-6, 1e-7))
                .isTrue();
        assertThat(full.forward(changed).narrow(1, 0, 5).allClose(full.forward(x).narrow(1, 0, 5), 1e-3, 1e-3))
                .isFalse();
    }

    @Test
    void gradientsOfInputAndParameters() {
        ModuleGradCheck.assertGradients(ModuleGradCheck.f64(gqa().build(rng)), Tensor.randn(rng, 2, 3, 16).to(DType.F64));
        ModuleGradCheck.assertGradients(ModuleGradCheck.f64(MultiHeadAttention.builder(6, 3).build(rng)),
                Tensor.randn(rng, 1, 4, 6).to(DType.F64));
    }

    @Test
    void oddShapes() {
        MultiHeadAttention m = MultiHeadAttention.builder(15, 5).causal(true).kvHeads(1).build(rng); // head size 3
        assertThat(m.forward(Tensor.randn(rng, 3, 7, 15)).shape()).containsExactly(3, 7, 15);
        assertThat(m.forward(Tensor.randn(rng, 1, 1, 15)).shape()).containsExactly(1, 1, 15);
        // unbatched [T, dModel], as torch.nn.MultiheadAttention accepts
        Tensor x = Tensor.randn(rng, 5, 15);
        assertThat(m.forward(x).allClose(m.forward(x.unsqueeze(0)).squeeze(0), 1e-6, 1e-7)).isTrue();
        MultiHeadAttention one = MultiHeadAttention.builder(2, 1).rotary(true).build(rng);
        assertThat(one.forward(Tensor.randn(rng, 2, 3, 2)).shape()).containsExactly(2, 3, 2);
    }

    @Test
    void badInputsAndOptionsAreRejected() {
        MultiHeadAttention m = gqa().build(rng);
        assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 2, 5, 15)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("MultiHeadAttention.forward: expected input [B, T, 16] or [T, 16], got [2, 5, 15]");
        assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 2, 5, 16).to(DType.F64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("MultiHeadAttention.forward: input is F64 [2, 5, 16] but the parameters are F32");
        assertThatThrownBy(() -> m.forward(Tensor.zeros(DType.I32, 2, 5, 16)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("MultiHeadAttention.forward: expected a floating-point input (F32), got I32");
        assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 16)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got [16]");
        assertThatThrownBy(() -> MultiHeadAttention.builder(16, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dModel 16 must be a positive multiple of nHeads 5");
        assertThatThrownBy(() -> MultiHeadAttention.builder(16, 4).kvHeads(3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kvHeads 3 must be positive and divide nHeads 4");
        assertThatThrownBy(() -> MultiHeadAttention.builder(15, 5).rotary(true).build(rng))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rotary embedding needs an even head size");
        assertThatThrownBy(() -> gqa().build(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a Generator is required");
        KvCache cache = new KvCache();
        try (NoGrad ignored = NoGrad.enter()) {
            m.forward(Tensor.randn(rng, 2, 3, 16), cache);
            assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 3, 1, 16), cache))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("KvCache.append: the cache holds");
        }
    }
}
