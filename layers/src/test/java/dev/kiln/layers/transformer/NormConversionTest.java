package dev.kiln.layers.transformer;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NormConversionTest {
    private final Generator rng = new Generator(5);

    /** A Pre-LN model in F64 whose every parameter (LayerNorm gains and biases too) is random, as after training. */
    private TransformerLM trained(TransformerLM.Builder b) {
        TransformerLM m = b.build(rng);
        m.to(DType.F64);
        try (NoGrad ignored = NoGrad.enter()) {
            for (var p : m.parameters()) {
                Tensor t = p.tensor();
                t.add_(Tensor.randn(rng, t.shape()).to(DType.F64).mul(0.2));
            }
        }
        return m;
    }

    private static double maxRelative(Tensor a, Tensor b) {
        double scale = b.abs().max().item();
        return a.sub(b).abs().max().item() / scale;
    }

    @Test
    void preRmsNormAndPreCrmsNormGiveThePreLnOutputs() {
        List<TransformerLM.Builder> configs = List.of(
                TransformerLM.builder(11, 8, 2, 2, 6),
                TransformerLM.builder(11, 8, 4, 3, 6).kvHeads(2).positions(TransformerLM.Positions.ROTARY)
                        .feedForward(FeedForwardKind.SWIGLU).bias(false),
                TransformerLM.builder(11, 8, 2, 2, 6).attention(AttentionKind.RELU).feedForward(FeedForwardKind.GEGLU)
                        .headBias(true),
                TransformerLM.builder(11, 6, 2, 2, 6).attention(AttentionKind.LINEAR)
                        .feedForward(FeedForwardKind.BILINEAR).normEps(1e-3));
        for (TransformerLM.Builder b : configs) {
            TransformerLM ln = trained(b);
            Tensor x = Tensor.randint(rng, 0, 11, 3, 6);
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor expected = ln.forward(x);
                TransformerLM rms = NormConversion.toPreRmsNorm(ln);
                TransformerLM crms = NormConversion.toPreCrmsNorm(ln);
                assertThat(rms.config().norm()).isEqualTo(NormType.RMS_NORM);
                assertThat(crms.config().norm()).isEqualTo(NormType.CRMS_NORM);
                assertThat(maxRelative(rms.forward(x), expected)).as("rms %s", ln.config()).isLessThan(1e-9);
                assertThat(maxRelative(crms.forward(x), expected)).as("crms %s", ln.config()).isLessThan(1e-9);
                int d = ln.config().dModel();
                // d − 1 stored features in the stream
                assertThat(crms.stateDict().get("wte.weight").shape()).containsExactly(11, d - 1);
                assertThat(crms.stateDict().get("h.0.mlp.fc2.weight").shape()).containsExactly(d - 1, ln.config().hidden());
                assertThat(crms.stateDict().get("lm_head.weight").shape()).containsExactly(11, d - 1);
                // the stream is zero-mean after the conversion: embedding rows sum to 0
                assertThat(rms.stateDict().get("wte.weight").sum(1, false).abs().max().item()).isLessThan(1e-12);
                // the source is untouched
                assertThat(ln.forward(x).allClose(expected, 0, 0)).isTrue();
            }
        }
    }

    @Test
    void f32ModelsConvertToF32WithinRounding() {
        TransformerLM ln = TransformerLM.builder(11, 16, 2, 2, 6).build(rng);
        Tensor x = Tensor.randint(rng, 0, 11, 2, 6);
        try (NoGrad ignored = NoGrad.enter()) {
            TransformerLM crms = NormConversion.toPreCrmsNorm(ln);
            assertThat(crms.wte().weight().dtype()).isEqualTo(DType.F32);
            assertThat(maxRelative(crms.forward(x), ln.forward(x))).isLessThan(1e-4);
        }
    }

    @Test
    void theConversionIsNotTheIdentityOnOtherModels() {
        // sanity of the test above: a Pre-RMSNorm model with the same weights but no centring differs
        TransformerLM ln = trained(TransformerLM.builder(11, 8, 2, 2, 6));
        TransformerLM naive = new TransformerLM(ln.config().converted(NormType.RMS_NORM, 1e-5), new Generator(0));
        naive.to(DType.F64);
        var state = new java.util.LinkedHashMap<>(naive.stateDict());
        ln.stateDict().forEach((k, v) -> {
            if (state.containsKey(k) && java.util.Arrays.equals(state.get(k).shape(), v.shape())) {
                state.put(k, v);
            }
        });
        naive.loadStateDict(state);
        Tensor x = Tensor.randint(rng, 0, 11, 2, 6);
        try (NoGrad ignored = NoGrad.enter()) {
            assertThat(maxRelative(naive.forward(x), ln.forward(x))).isGreaterThan(1e-3);
        }
    }

    @Test
    void onlyPreLnModelsConvert() {
        assertThatThrownBy(() -> NormConversion.toPreRmsNorm(TransformerLM.builder(5, 8, 2, 2, 4).mixLn(0.5).build(rng)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("toPreRmsNorm")
                .hasMessageContaining("Pre-LN").hasMessageContaining("POST");
        assertThatThrownBy(() -> NormConversion.toPreCrmsNorm(TransformerLM.builder(5, 8, 2, 2, 4)
                .norm(NormType.RMS_NORM).build(rng))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rmsnorm");
    }

    /**
     * A PRepBN model trained a few steps (so the running statistics, α and BatchNorm's gain and bias are
     * no longer their initial values) folds into a model without norms whose outputs equal its eval outputs.
     */
    @Test
    void foldedPRepBNModelGivesTheEvalOutputsWithoutNorms() {
        List<TransformerLM.Builder> configs = List.of(
                TransformerLM.builder(11, 8, 2, 2, 6).norm(NormType.PREPBN),
                TransformerLM.builder(11, 8, 4, 2, 6).norm(NormType.PREPBN).kvHeads(2).bias(false)
                        .positions(TransformerLM.Positions.ROTARY).feedForward(FeedForwardKind.SWIGLU),
                TransformerLM.builder(11, 6, 2, 2, 6).norm(NormType.PREPBN).attention(AttentionKind.LINEAR));
        for (TransformerLM.Builder b : configs) {
            for (DType dtype : new DType[] {DType.F64, DType.F32}) {
                TransformerLM m = b.build(new Generator(3));
                m.to(dtype);
                assertThat(dev.kiln.layers.norm.PRepBN.schedule(m, 1, 3)).isEqualTo(2 * 2 + 1);
                var opt = new java.util.ArrayList<>(m.parameters());
                for (int step = 0; step < 6; step++) {
                    Tensor tokens = Tensor.randint(rng, 0, 11, 4, 6);
                    Tensor loss = m.forward(tokens).reshape(-1, 11).crossEntropy(tokens.reshape(-1));
                    m.zeroGrad();
                    loss.backward();
                    try (NoGrad ignored = NoGrad.enter()) {
                        for (var p : opt) {
                            if (p.grad() != null) {
                                p.tensor().sub_(p.grad().mul(0.2));
                            }
                        }
                    }
                }
                m.eval();
                TransformerLM folded = NormConversion.foldPRepBN(m);
                assertThat(folded.config().norm()).isEqualTo(NormType.IDENTITY);
                assertThat(folded.wte().weight().dtype()).isEqualTo(dtype);
                assertThat(folded.stateDict().keySet()).noneMatch(k -> k.contains("ln_"));
                Tensor x = Tensor.randint(rng, 0, 11, 3, 6);
                try (NoGrad ignored = NoGrad.enter()) {
                    Tensor expected = m.forward(x);
                    assertThat(maxRelative(folded.forward(x), expected)).as("%s %s", dtype, m.config())
                            .isLessThan(dtype == DType.F64 ? 1e-10 : 1e-5);
                    // the fold did something: the same linear maps without the norms' affine maps differ
                    TransformerLM bare = new TransformerLM(folded.config(), new Generator(0));
                    bare.to(dtype);
                    var state = new java.util.LinkedHashMap<>(bare.stateDict());
                    m.stateDict().forEach((k, v) -> {
                        if (state.containsKey(k)) {
                            state.put(k, v);
                        }
                    });
                    bare.loadStateDict(state);
                    assertThat(maxRelative(bare.forward(x), expected)).isGreaterThan(1e-3);
                }
            }
        }
        assertThat(NormType.parse("PRepBN")).isEqualTo(NormType.PREPBN);
        assertThat(NormType.parse("none")).isEqualTo(NormType.IDENTITY);
        assertThat(NormType.IDENTITY.create(8, Double.NaN)).isInstanceOf(dev.kiln.layers.Identity.class);
        assertThat(NormType.PREPBN.create(8, Double.NaN)).isInstanceOf(dev.kiln.layers.norm.PRepBN.class);
        assertThatThrownBy(() -> NormConversion.foldPRepBN(TransformerLM.builder(5, 8, 2, 2, 4).build(rng)))
                .hasMessageContaining("foldPRepBN").hasMessageContaining("norm layernorm");
        assertThatThrownBy(() -> NormConversion.foldPRepBN(TransformerLM.builder(5, 8, 2, 2, 4).norm(NormType.PREPBN)
                .placement(Placement.POST).build(rng))).hasMessageContaining("POST");
    }
}
