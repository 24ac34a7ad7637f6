package dev.kiln.layers;

import dev.kiln.autograd.GradCheck;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Linear, Embedding and Dropout. */
class CoreLayersTest {
    private final Generator rng = new Generator(31);

    private Tensor leaf(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64).requiresGrad(true);
    }

    // ------------------------------------------------------------------ Linear

    @Test
    void functionalPadAndOneHotSpellPyTorchsCalls() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        assertThat(Functional.pad(x, new int[] {1, 0}).toFloatArray()).containsExactly(0, 1, 2, 3);
        assertThat(Functional.pad(x, new int[] {2, 1}, "reflect", 0).toFloatArray()).containsExactly(3, 2, 1, 2, 3, 2);
        assertThat(Functional.oneHot(Tensor.of(new int[] {2, 0}), 3).toIntArray()).containsExactly(0, 0, 1, 1, 0, 0);
        GradCheck.assertGradients(in -> Functional.pad(in[0], new int[] {1, 2}, "circular", 0), leaf(2, 3));
    }

    @Test
    void linearHasPyTorchKeysShapesAndInit() {
        Linear lin = new Linear(50, 7, rng);
        assertThat(lin.stateDict().keySet()).containsExactly("weight", "bias");
        assertThat(lin.weight().shape()).containsExactly(7, 50);
        assertThat(lin.bias().shape()).containsExactly(7);
        double bound = 1 / Math.sqrt(50);
        assertThat(lin.weight().tensor().abs().max().item()).isLessThanOrEqualTo(bound);
        assertThat(lin.bias().tensor().abs().max().item()).isLessThanOrEqualTo(bound);
        assertThat(lin.weight().weightDecay()).isTrue();
        Linear noBias = new Linear(3, 2, false, rng);
        assertThat(noBias.bias()).isNull();
        assertThat(noBias.stateDict().keySet()).containsExactly("weight");
        // seeded: the same generator state gives the same layer
        assertThat(new Linear(4, 3, new Generator(8)).weight().tensor().toFloatArray())
                .containsExactly(new Linear(4, 3, new Generator(8)).weight().tensor().toFloatArray());
    }

    @Test
    void linearComputesXWTransposePlusB() {
        Linear lin = new Linear(3, 2, rng);
        Tensor w = lin.weight().tensor();
        Tensor b = lin.bias().tensor();
        Tensor x = Tensor.randn(rng, 4, 3);
        float[] y = lin.forward(x).toFloatArray();
        float[] xv = x.toFloatArray();
        float[] wv = w.toFloatArray();
        float[] bv = b.toFloatArray();
        for (int i = 0; i < 4; i++) {
            for (int o = 0; o < 2; o++) {
                double s = bv[o];
                for (int k = 0; k < 3; k++) {
                    s += xv[i * 3 + k] * wv[o * 3 + k];
                }
                assertThat(y[i * 2 + o]).isCloseTo((float) s, within(1e-5f));
            }
        }
        // leading dims of any rank, a single vector, and an empty batch
        Tensor x3 = Tensor.randn(rng, 2, 5, 3);
        assertThat(lin.forward(x3).shape()).containsExactly(2, 5, 2);
        assertThat(lin.forward(x3).reshape(10, 2).allClose(lin.forward(x3.reshape(10, 3)), 0, 0)).isTrue();
        assertThat(lin.forward(Tensor.randn(rng, 3)).shape()).containsExactly(2);
        assertThat(lin.forward(Tensor.zeros(0, 3)).shape()).containsExactly(0, 2);
        // a non-contiguous input
        Tensor xt = Tensor.randn(rng, 3, 4).t();
        assertThat(lin.forward(xt).allClose(lin.forward(xt.contiguous()), 1e-6, 1e-7)).isTrue();
    }

    @Test
    void linearGradcheckOfInputWeightAndBias() {
        GradCheck.assertGradients(in -> Functional.linear(in[0], in[1], in[2]), leaf(4, 3), leaf(5, 3), leaf(5));
        GradCheck.assertGradients(in -> Functional.linear(in[0], in[1], null), leaf(2, 3, 4), leaf(2, 4));
        GradCheck.assertGradients(in -> Functional.linear(in[0], in[1], in[2]), leaf(3), leaf(2, 3), leaf(2));
    }

    @Test
    void linearModuleGradientsReachItsParameters() {
        Linear lin = new Linear(3, 2, rng);
        lin.to(DType.F64);
        Tensor x = leaf(5, 3);
        lin.forward(x).square().sum().backward();
        Tensor w = lin.weight().tensor().detach().requiresGrad(true);
        Tensor b = lin.bias().tensor().detach().requiresGrad(true);
        Tensor x2 = x.detach().requiresGrad(true);
        Functional.linear(x2, w, b).square().sum().backward();
        assertThat(lin.weight().grad().allClose(w.grad(), 0, 0)).isTrue();
        assertThat(lin.bias().grad().allClose(b.grad(), 0, 0)).isTrue();
        assertThat(x.grad().allClose(x2.grad(), 0, 0)).isTrue();
    }

    @Test
    void linearRejectsBadInputsNamingItself() {
        Linear lin = new Linear(5, 3, rng);
        assertThatThrownBy(() -> lin.forward(Tensor.zeros(2, 4))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Linear(inFeatures=5, outFeatures=3, bias=true): expected input [..., 5] (last dim 5), got [2, 4]");
        assertThatThrownBy(() -> lin.forward(Tensor.zeros(DType.F64, 2, 5)))
                .hasMessage("Linear(inFeatures=5, outFeatures=3, bias=true): input is F64 [2, 5] but the parameters are F32; "
                        + "convert the input with to(DType.F32) or the module with to(DType.F64)");
        assertThatThrownBy(() -> lin.forward(Tensor.of(new int[] {1, 2, 3, 4, 5})))
                .hasMessage("Linear(inFeatures=5, outFeatures=3, bias=true): expected a floating-point input [..., 5], got I32 [5]");
        assertThatThrownBy(() -> lin.forward(Tensor.scalar(1)))
                .hasMessageContaining("expected input [..., 5] (last dim 5), got []");
        assertThatThrownBy(() -> Functional.linear(Tensor.zeros(2, 5), Tensor.zeros(3, 5), Tensor.zeros(4)))
                .hasMessage("linear: bias must be F32 [3] for weight [3, 5], got F32 [4]");
        assertThatThrownBy(() -> Functional.linear(Tensor.zeros(2, 5), Tensor.zeros(5), null))
                .hasMessage("linear: weight must be 2-D [out, in], got [5]");
        assertThatThrownBy(() -> new Linear(-1, 3, rng)).hasMessageContaining("Linear: sizes must be >= 0");
    }

    // ------------------------------------------------------------------ Embedding

    @Test
    void embeddingLooksUpRows() {
        Embedding emb = new Embedding(10, 4, rng);
        assertThat(emb.stateDict().keySet()).containsExactly("weight");
        Tensor idx = Tensor.of(new int[] {3, 0, 9, 3, 7, 1}, 2, 3);
        Tensor out = emb.forward(idx);
        assertThat(out.shape()).containsExactly(2, 3, 4);
        assertThat(out.select(0, 1).select(0, 0).allClose(emb.weight().tensor().select(0, 3), 0, 0)).isTrue();
        out.sum().backward();
        // row 3 is used twice, row 2 never
        assertThat(emb.weight().grad().select(0, 3).toFloatArray()).containsExactly(2, 2, 2, 2);
        assertThat(emb.weight().grad().select(0, 2).toFloatArray()).containsExactly(0, 0, 0, 0);
        assertThat(emb.toString()).startsWith("Embedding(10, 4)  # 40 params");
    }

    @Test
    void embeddingInitIsStandardNormal() {
        Tensor w = new Embedding(2000, 100, rng).weight().tensor();
        assertThat(w.mean().item()).isCloseTo(0, within(0.01));
        assertThat(w.std().item()).isCloseTo(1, within(0.01));
    }

    @Test
    void paddingRowStartsAtZeroAndGetsNoGradient() {
        Embedding emb = new Embedding(6, 3, 2, rng);
        assertThat(emb.weight().tensor().select(0, 2).toFloatArray()).containsExactly(0, 0, 0);
        // the padding row's value is still returned (here made non-zero), but it learns nothing
        emb.loadStateDict(java.util.Map.of("weight", emb.weight().tensor().detach().add(1)));
        Tensor idx = Tensor.of(new int[] {2, 4, 2, 5});
        Tensor out = emb.forward(idx);
        assertThat(out.select(0, 0).toFloatArray()).containsExactly(1, 1, 1);
        out.mul(Tensor.randn(rng, 4, 3)).sum().backward();
        assertThat(emb.weight().grad().select(0, 2).toFloatArray()).containsExactly(0, 0, 0);
        assertThat(emb.weight().grad().select(0, 4).abs().sum().item()).isGreaterThan(0);
        // a negative paddingIdx counts from the end
        assertThat(new Embedding(6, 3, -1, rng).paddingIdx()).isEqualTo(5);
        // away from the padding row the gradient is the true one; at it, deliberately none
        GradCheck.assertGradients(in -> Functional.embedding(Tensor.of(new int[] {0, 4, 4, 5}), in[0], 2), leaf(6, 3));
        assertThat(GradCheck.check(in -> Functional.embedding(idx, in[0], 2), leaf(6, 3)).passed()).isFalse();
    }

    @Test
    void embeddingRejectsBadInput() {
        Embedding emb = new Embedding(5, 2, rng);
        assertThatThrownBy(() -> emb.forward(Tensor.of(new float[] {1, 2})))
                .hasMessage("Embedding(5, 2): expected I32 indices, got F32 [2]");
        assertThatThrownBy(() -> emb.forward(Tensor.of(new int[] {1, 5})))
                .hasMessageStartingWith("embedding: index 5 at position 1 is out of range [0, 5)");
        assertThatThrownBy(() -> new Embedding(5, 2, 5, rng))
                .hasMessage("Embedding: paddingIdx 5 is out of range for 5 embeddings [-5, 5)");
    }

    // ------------------------------------------------------------------ Dropout

    @Test
    void dropoutZeroesAboutPAndScalesTheRest() {
        Dropout drop = new Dropout(0.3, new Generator(1));
        Tensor x = Tensor.ones(200, 500);
        float[] y = drop.forward(x).toFloatArray();
        int zeros = 0;
        for (float v : y) {
            if (v == 0) {
                zeros++;
            } else {
                assertThat(v).isCloseTo((float) (1 / 0.7), within(1e-6f));
            }
        }
        // 100,000 Bernoulli(0.3) draws: the count is within 5 standard deviations (≈ 145) of 30,000
        assertThat(zeros).isBetween(30000 - 725, 30000 + 725);
    }

    @Test
    void dropoutResumesFromASavedGeneratorState() {
        // a run interrupted after its first step and resumed from the generator's saved state draws
        // the same masks as the uninterrupted run
        Tensor x = Tensor.randn(rng, 6, 7);
        Generator g = new Generator(21);
        Dropout drop = new Dropout(0.5, g);
        drop.forward(x);
        long[] saved = g.getState();
        float[] second = drop.forward(x).toFloatArray();
        float[] third = drop.forward(x).toFloatArray();
        Generator resumed = new Generator(0);
        resumed.setState(saved);
        Dropout again = new Dropout(0.5, resumed);
        assertThat(again.forward(x).toFloatArray()).containsExactly(second);
        assertThat(again.forward(x).toFloatArray()).containsExactly(third);
    }

    @Test
    void dropoutIsSeededIdentityInEvalAndDifferentiable() {
        Tensor x = Tensor.randn(rng, 8, 9);
        float[] a = new Dropout(0.5, new Generator(3)).forward(x).toFloatArray();
        float[] b = new Dropout(0.5, new Generator(3)).forward(x).toFloatArray();
        assertThat(a).containsExactly(b);
        Dropout drop = new Dropout(0.5, new Generator(4));
        assertThat(drop.forward(x).toFloatArray()).isNotEqualTo(drop.forward(x).toFloatArray()); // fresh mask each call
        drop.eval();
        assertThat(drop.forward(x)).isSameAs(x);
        assertThat(new Dropout(0, rng).forward(x)).isSameAs(x);
        assertThat(new Dropout(1, rng).forward(x).abs().sum().item()).isZero();

        Tensor leaf = Tensor.randn(rng, 4, 5).requiresGrad(true);
        Dropout d = new Dropout(0.4, new Generator(7));
        Tensor y = d.forward(leaf);
        y.sum().backward();
        float[] yv = y.toFloatArray();
        float[] g = leaf.grad().toFloatArray();
        float[] xv = leaf.toFloatArray();
        for (int i = 0; i < g.length; i++) {
            // the gradient is the mask: 0 where dropped, 1/(1−p) where kept
            assertThat(g[i]).isCloseTo(yv[i] == 0 && xv[i] != 0 ? 0 : (float) (1 / 0.6), within(1e-6f));
        }
        assertThatThrownBy(() -> new Dropout(1.5, rng)).hasMessage("Dropout: probability p must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> new Dropout(0.5, null)).hasMessageContaining("a Generator is required");
        assertThatThrownBy(() -> new Dropout(0.5, rng).forward(Tensor.of(new int[] {1})))
                .hasMessageStartingWith("Dropout(p=0.5): expected a floating-point input");
    }

    @Test
    void identityAndParameterBasics() {
        Tensor x = Tensor.randn(rng, 2);
        assertThat(new Identity().forward(x)).isSameAs(x);
        Parameter p = new Parameter(Tensor.zeros(2, 3).t());
        assertThat(p.tensor().isContiguous()).isTrue();
        assertThat(p.tensor().requiresGrad()).isTrue();
        assertThat(p.toString()).isEqualTo("Parameter([3, 2], F32)");
        assertThat(p.noWeightDecay().toString()).isEqualTo("Parameter([3, 2], F32, noWeightDecay)");
    }
}
