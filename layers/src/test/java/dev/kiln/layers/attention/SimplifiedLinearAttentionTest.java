package dev.kiln.layers.attention;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimplifiedLinearAttentionTest {
    private final Generator rng = new Generator(21);

    /**
     * The formula of docs/formulas/attention.md in its quadratic masked form, with the module's weights:
     * O = (φ(Q)φ(K)ᵀ ⊙ M)·V / (rowsum(φ(Q)φ(K)ᵀ ⊙ M) + 1e-6) + DWC(V), the convolution written as a
     * sum over the kernel's taps of zero-padded, shifted copies of V.
     */
    private static Tensor formula(SimplifiedLinearAttention m, Tensor x, int heads, boolean causal) {
        Map<String, Tensor> p = m.stateDict();
        int b = x.size(0);
        int t = x.size(1);
        int dm = x.size(2);
        int hd = dm / heads;
        Tensor h = x.matmul(p.get("qkv.weight").t());
        if (p.containsKey("qkv.bias")) {
            h = h.add(p.get("qkv.bias"));
        }
        Tensor q = Heads.split(h.narrow(2, 0, dm).relu(), heads, hd);
        Tensor k = Heads.split(h.narrow(2, dm, dm).add(p.get("positional_encoding").narrow(1, 0, t)).relu(), heads, hd);
        Tensor v = Heads.split(h.narrow(2, 2 * dm, dm), heads, hd);
        Tensor a = q.matmul(k.transpose(-1, -2));
        if (causal) {
            a = a.mul(Heads.causalMask(t, t).to(a.dtype()));
        }
        Tensor o = a.matmul(v).div(a.sum(-1, true).add(1e-6));
        Tensor w = p.get("dwc.weight");
        double[] conv = new double[b * heads * t * hd];
        double[] vv = v.contiguous().toDoubleArray();
        double[] wv = w.toDoubleArray();
        double[] bias = p.get("dwc.bias").toDoubleArray();
        int left = causal ? 4 : 2;
        for (int bh = 0; bh < b * heads; bh++) {
            for (int i = 0; i < t; i++) {
                for (int c = 0; c < hd; c++) {
                    double s = bias[c];
                    for (int mm = 0; mm < 5; mm++) {
                        int src = i + mm - left;
                        if (src >= 0 && src < t) {
                            s += wv[c * 5 + mm] * vv[(bh * t + src) * hd + c];
                        }
                    }
                    conv[(bh * t + i) * hd + c] = s;
                }
            }
        }
        o = o.add(Tensor.of(conv, b, heads, t, hd).to(x.dtype()));
        return Heads.merge(o).matmul(p.get("proj.weight").t()).add(p.get("proj.bias"));
    }

    /** Non-zero position encodings, so that their path is exercised (they start at zero). */
    private SimplifiedLinearAttention withPositions(SimplifiedLinearAttention m) {
        Map<String, Tensor> state = new HashMap<>(m.stateDict());
        Tensor pe = state.get("positional_encoding");
        state.put("positional_encoding", Tensor.randn(rng, pe.shape()).mul(0.3).to(pe.dtype()));
        m.loadStateDict(state);
        return m;
    }

    @Test
    void prefixSumFormMatchesTheQuadraticMaskedForm() {
        for (boolean causal : new boolean[] {false, true}) {
            SimplifiedLinearAttention m = withPositions(ModuleGradCheck.f64(SimplifiedLinearAttention.builder(12, 3, 16).causal(causal)
                    .qkvBias(causal).build(rng)));
            Tensor x = Tensor.randn(rng, 2, 9, 12).to(DType.F64);
            assertThat(m.forward(x).allClose(formula(m, x, 3, causal), 1e-10, 1e-12)).as("causal %s", causal).isTrue();
        }
    }

    @Test
    void positionEncodingStartsAtZeroAndTheShapesFollowTheOfficialCode() {
        SimplifiedLinearAttention m = SimplifiedLinearAttention.builder(8, 2, 10).build(rng);
        Map<String, Tensor> s = m.stateDict();
        assertThat(s.keySet()).containsExactlyInAnyOrder("qkv.weight", "proj.weight", "proj.bias", "dwc.weight",
                "dwc.bias", "positional_encoding");
        assertThat(s.get("dwc.weight").shape()).containsExactly(4, 1, 5);
        assertThat(s.get("positional_encoding").shape()).containsExactly(1, 10, 8);
        assertThat(s.get("positional_encoding").abs().sum().item()).isZero();
    }

    @Test
    void causalOutputsIgnoreLaterTokens() {
        SimplifiedLinearAttention m = withPositions(SimplifiedLinearAttention.builder(8, 2, 12).causal(true).build(rng));
        Tensor x = Tensor.randn(rng, 1, 10, 8);
        Tensor changed = Tensor.cat(1, x.narrow(1, 0, 6), Tensor.randn(rng, 1, 4, 8));
        try (NoGrad ignored = NoGrad.enter()) {
            assertThat(m.forward(changed).narrow(1, 0, 6).allClose(m.forward(x).narrow(1, 0, 6), 1e-6, 1e-7)).isTrue();
        }
    }

    @Test
    void gradientsOfInputAndParameters() {
        for (boolean causal : new boolean[] {false, true}) {
            SimplifiedLinearAttention m = withPositions(ModuleGradCheck.f64(SimplifiedLinearAttention.builder(4, 2, 5).causal(causal)
                    .build(rng)));
            ModuleGradCheck.assertGradients(m, Tensor.randn(rng, 1, 4, 4).to(DType.F64));
        }
    }

    @Test
    void oddShapesAndBadInputs() {
        SimplifiedLinearAttention m = SimplifiedLinearAttention.builder(6, 3, 7).causal(true).build(rng);
        assertThat(m.forward(Tensor.randn(rng, 1, 1, 6)).shape()).containsExactly(1, 1, 6);
        assertThat(m.forward(Tensor.randn(rng, 7, 6)).shape()).containsExactly(7, 6);
        assertThat(m.forward(Tensor.randn(rng, 3, 2, 6)).shape()).containsExactly(3, 2, 6);
        assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 1, 8, 6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("SimplifiedLinearAttention.forward: 8 tokens exceed maxLength 7");
        assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 1, 3, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SimplifiedLinearAttention.forward: expected input [B, T, 6] or [T, 6], got [1, 3, 5]");
        assertThatThrownBy(() -> m.forward(Tensor.randn(rng, 1, 3, 6).to(DType.F64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input is F64 [1, 3, 6] but the parameters are F32");
        assertThatThrownBy(() -> SimplifiedLinearAttention.builder(6, 4, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of nHeads 4");
    }
}
