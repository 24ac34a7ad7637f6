package dev.kiln.layers.attention;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReluAttentionTest {
    private final Generator rng = new Generator(8);

    /** factor·ReLU(q·kᵀ/√D + mask)·v per head, written out with the module's own weights. */
    private static Tensor formula(ReluAttention m, Tensor x, int heads, boolean causal, double factor) {
        Map<String, Tensor> p = m.stateDict();
        int t = x.size(1);
        int d = x.size(2) / heads;
        Tensor q = Heads.split(x.matmul(p.get("q_proj.weight").t()).add(p.get("q_proj.bias")), heads, d);
        Tensor k = Heads.split(x.matmul(p.get("k_proj.weight").t()).add(p.get("k_proj.bias")), heads, d);
        Tensor v = Heads.split(x.matmul(p.get("v_proj.weight").t()).add(p.get("v_proj.bias")), heads, d);
        double[] mask = new double[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                mask[i * t + j] = !causal || j <= i ? 1 : 0;
            }
        }
        Tensor a = q.matmul(k.transpose(-1, -2)).div(Math.sqrt(d)).relu().mul(Tensor.of(mask, t, t)).mul(factor);
        return Heads.merge(a.matmul(v)).matmul(p.get("out_proj.weight").t()).add(p.get("out_proj.bias"));
    }

    @Test
    void matchesTheFormulaWithTheDefaultFactorOneOverT() {
        for (boolean causal : new boolean[] {false, true}) {
            ReluAttention m = ModuleGradCheck.f64(ReluAttention.builder(12, 3).causal(causal).build(rng));
            Tensor x = Tensor.randn(rng, 2, 5, 12).to(DType.F64);
            assertThat(m.forward(x).allClose(formula(m, x, 3, causal, 1.0 / 5), 1e-12, 1e-12)).isTrue();
        }
        ReluAttention m = ModuleGradCheck.f64(ReluAttention.builder(8, 2).factor(0.3).build(rng));
        Tensor x = Tensor.randn(rng, 1, 4, 8).to(DType.F64);
        assertThat(m.forward(x).allClose(formula(m, x, 2, false, 0.3), 1e-12, 1e-12)).isTrue();
    }

    @Test
    void causalOutputsIgnoreLaterTokens() {
        ReluAttention m = ReluAttention.builder(8, 2).causal(true).factor(0.2).build(rng);
        Tensor x = Tensor.randn(rng, 1, 6, 8);
        Tensor changed = Tensor.cat(1, x.narrow(1, 0, 4), Tensor.randn(rng, 1, 2, 8));
        assertThat(m.forward(changed).narrow(1, 0, 4).allClose(m.forward(x).narrow(1, 0, 4), 1e-6, 1e-7)).isTrue();
    }

    @Test
    void gradientsOfInputAndParameters() {
        ModuleGradCheck.assertGradients(ModuleGradCheck.f64(ReluAttention.builder(6, 2).causal(true).build(rng)),
                Tensor.randn(rng, 2, 3, 6).to(DType.F64));
    }

    @Test
    void oddShapesAndBadInputs() {
        ReluAttention m = ReluAttention.builder(5, 5).bias(false).build(rng);
        assertThat(m.forward(Tensor.randn(rng, 7, 5)).shape()).containsExactly(7, 5);
        assertThat(m.forward(Tensor.randn(rng, 1, 1, 5)).shape()).containsExactly(1, 1, 5);
        assertThat(m.stateDict()).doesNotContainKey("q_proj.bias");
        assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 2, 3, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ReluAttention.forward: expected input [B, T, 5] or [T, 5], got [2, 3, 4]");
        assertThatThrownBy(() -> m.forward(Tensor.zeros(DType.BOOL, 2, 3, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ReluAttention.forward: expected a floating-point input (F32), got BOOL");
        assertThatThrownBy(() -> ReluAttention.builder(8, 2).factor(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("factor must be positive");
    }
}
