package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NormGradcheckTest {
    private final Generator rng = new Generator(7);

    private Tensor leaf(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64).requiresGrad(true);
    }

    @Test
    void layerNormMatchesComposition() {
        Tensor x = Tensor.randn(rng, 3, 4, 5).to(DType.F64);
        Tensor w = Tensor.randn(rng, 4, 5).to(DType.F64);
        Tensor b = Tensor.randn(rng, 4, 5).to(DType.F64);
        Tensor fused = x.layerNorm(new int[] {4, 5}, w, b, 1e-5);
        Tensor mean = x.mean(new int[] {1, 2}, true);
        Tensor var = x.var(new int[] {1, 2}, 0, true);
        Tensor composed = x.sub(mean).div(var.add(1e-5).sqrt()).mul(w).add(b);
        assertThat(fused.allClose(composed, 1e-12, 1e-12)).isTrue();
    }

    @Test
    void rmsNormMatchesComposition() {
        Tensor x = Tensor.randn(rng, 6, 7).to(DType.F64);
        Tensor w = Tensor.randn(rng, 7).to(DType.F64);
        Tensor fused = x.rmsNorm(new int[] {7}, w, 1e-6);
        Tensor composed = x.div(x.square().mean(-1, true).add(1e-6).sqrt()).mul(w);
        assertThat(fused.allClose(composed, 1e-12, 1e-12)).isTrue();
    }

    @Test
    void layerNormGradients() {
        GradCheck.assertGradients(in -> in[0].layerNorm(new int[] {5}, in[1], in[2], 1e-5), leaf(3, 5), leaf(5), leaf(5));
        GradCheck.assertGradients(in -> in[0].layerNorm(new int[] {2, 3}, in[1], null, 1e-5), leaf(4, 2, 3), leaf(2, 3));
        GradCheck.assertGradients(in -> in[0].layerNorm(new int[] {3}, null, in[1], 1e-5), leaf(2, 3), leaf(3));
        GradCheck.assertGradients(in -> in[0].transpose(0, 1).layerNorm(new int[] {4}, null, null, 1e-5), leaf(4, 3));
    }

    @Test
    void rmsNormGradients() {
        GradCheck.assertGradients(in -> in[0].rmsNorm(new int[] {6}, in[1], 1e-6), leaf(2, 3, 6), leaf(6));
        GradCheck.assertGradients(in -> in[0].rmsNorm(new int[] {4}, null, 1e-6), leaf(5, 4));
    }
}
