package dev.kiln.layers.norm;

import dev.kiln.autograd.GradCheck;
import dev.kiln.layers.Functional;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class NormTest {
    private final Generator rng = new Generator(41);

    private Tensor leaf(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64).requiresGrad(true);
    }

    @Test
    void layerNormModule() {
        LayerNorm ln = new LayerNorm(6);
        assertThat(ln.stateDict().keySet()).containsExactly("weight", "bias");
        assertThat(ln.weight().tensor().toFloatArray()).containsOnly(1f);
        assertThat(ln.bias().tensor().toFloatArray()).containsOnly(0f);
        assertThat(ln.eps()).isEqualTo(1e-5);
        assertThat(ln.parameters()).allSatisfy(p -> assertThat(p.weightDecay()).isFalse());
        Tensor x = Tensor.randn(rng, 3, 4, 6).mul(3).add(2);
        Tensor y = ln.forward(x);
        // zero mean, unit (biased) variance per row at initialisation
        assertThat(y.mean(-1, false).abs().max().item()).isLessThan(1e-6);
        assertThat(y.var(new int[] {2}, 0, false).sub(1).abs().max().item()).isLessThan(1e-4);
        assertThat(ln.toString()).startsWith("LayerNorm([6], eps=1.0E-5, elementwiseAffine=true, bias=true)  # 12 params");
        assertThat(new LayerNorm(new int[] {4, 6}, 1e-5, false, false).parameters()).isEmpty();
        assertThat(new LayerNorm(new int[] {6}, 1e-5, true, false).stateDict().keySet()).containsExactly("weight");
    }

    @Test
    void layerNormParametersGetGradients() {
        LayerNorm ln = new LayerNorm(new int[] {2, 3}, 1e-5, true, true);
        ln.to(DType.F64);
        Tensor x = leaf(4, 2, 3);
        Tensor w = leaf(2, 3);
        Tensor b = leaf(2, 3);
        ln.loadStateDict(java.util.Map.of("weight", w.detach(), "bias", b.detach()));
        ln.forward(x).square().sum().backward();
        Functional.layerNorm(x.detach(), new int[] {2, 3}, w, b, 1e-5).square().sum().backward();
        assertThat(ln.weight().grad().allClose(w.grad(), 1e-12, 1e-12)).isTrue();
        assertThat(ln.bias().grad().allClose(b.grad(), 1e-12, 1e-12)).isTrue();
        GradCheck.assertGradients(in -> Functional.layerNorm(in[0], new int[] {2, 3}, in[1], in[2], 1e-5),
                leaf(4, 2, 3), leaf(2, 3), leaf(2, 3));
    }

    @Test
    void rmsNormPutsEpsInsideTheRoot() {
        RMSNorm rms = new RMSNorm(4);
        assertThat(rms.eps()).isEqualTo(1e-6);
        assertThat(rms.stateDict().keySet()).containsExactly("weight");
        rms.to(DType.F64);
        // tiny inputs show where ε sits: x/√(mean(x²) + ε), not x/(√mean(x²) + ε)
        Tensor x = Tensor.full(1e-3, DType.F64, 2, 4);
        double expected = 1e-3 / Math.sqrt(1e-6 + 1e-6);
        assertThat(rms.forward(x).toDoubleArray()).containsOnly(expected);
        GradCheck.assertGradients(in -> Functional.rmsNorm(in[0], new int[] {5}, in[1], 1e-6), leaf(3, 5), leaf(5));
        assertThat(new RMSNorm(4, 1e-5, false).parameters()).isEmpty();
        assertThat(new RMSNorm(8).toString()).startsWith("RMSNorm(8, eps=1.0E-6)  # 8 params");
    }

    @Test
    void crmsNormEqualsRmsNormAndLayerNormOfTheRestoredZeroMeanVector() {
        Tensor stored = Tensor.randn(rng, 5, 7).to(DType.F64);
        Tensor full = Tensor.cat(-1, stored, stored.sum(-1, true).neg()); // zero mean over 8
        Tensor crms = new CRMSNorm(7).forward(stored);
        Tensor rms = Functional.rmsNorm(full, new int[] {8}, null, 1e-6).narrow(1, 0, 7);
        Tensor ln = Functional.layerNorm(full, new int[] {8}, null, null, 1e-6).narrow(1, 0, 7);
        assertThat(crms.allClose(rms, 1e-12, 1e-14)).isTrue();
        assertThat(crms.allClose(ln, 1e-9, 1e-12)).isTrue();
        // the formula itself
        double[] s = stored.toDoubleArray();
        double sum = 0;
        double sq = 0;
        for (int k = 0; k < 7; k++) {
            sum += s[k];
            sq += s[k] * s[k];
        }
        double r = Math.sqrt((sq + sum * sum) / 8 + 1e-6);
        assertThat(crms.toDoubleArray()[3]).isCloseTo(s[3] / r, within(1e-14));
        GradCheck.assertGradients(in -> Functional.crmsNorm(in[0], 1e-6), leaf(3, 4));
        assertThat(new CRMSNorm(7).parameters()).isEmpty();
        assertThat(new CRMSNorm(7).describe()).isEqualTo("CRMSNorm(7 (d=8), eps=1.0E-6)");
    }

    @Test
    void normsRejectBadInput() {
        assertThatThrownBy(() -> new LayerNorm(8).forward(Tensor.zeros(2, 7)))
                .hasMessage("LayerNorm([8], eps=1.0E-5, elementwiseAffine=true, bias=true): expected input ending in [8], got [2, 7]");
        assertThatThrownBy(() -> new RMSNorm(8).forward(Tensor.zeros(DType.F64, 2, 8)))
                .hasMessageContaining("input is F64 [2, 8] but the parameters are F32");
        assertThatThrownBy(() -> new CRMSNorm(3).forward(Tensor.zeros(DType.I32, 3)))
                .hasMessageStartingWith("CRMSNorm(3 (d=4), eps=1.0E-6): expected a floating-point input");
        assertThatThrownBy(() -> new LayerNorm(new int[] {2, 3}, 1e-5, true, true).forward(Tensor.zeros(3)))
                .hasMessageContaining("expected input ending in [2, 3], got [3]");
        assertThatThrownBy(() -> new RMSNorm(0)).hasMessage("RMSNorm: dim must be >= 1, got 0");
        assertThatThrownBy(() -> new LayerNorm(4, -1)).hasMessage("LayerNorm: eps must be >= 0, got -1.0");
    }
}
