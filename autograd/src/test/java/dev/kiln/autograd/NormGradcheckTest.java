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

    /** The fused batch norm against the composition it replaced, and its running statistics update. */
    @Test
    void batchNormMatchesComposition() {
        Tensor x = Tensor.randn(rng, 4, 3, 5, 2).to(DType.F64).mul(2).add(5);
        Tensor w = Tensor.randn(rng, 3).to(DType.F64);
        Tensor b = Tensor.randn(rng, 3).to(DType.F64);
        Tensor runningMean = Tensor.randn(rng, 3).to(DType.F64);
        Tensor runningVar = Tensor.randn(rng, 3).to(DType.F64).square();
        Tensor rm0 = runningMean.clone();
        Tensor rv0 = runningVar.clone();
        Tensor fused = x.batchNorm(runningMean, runningVar, w, b, true, 0.1, 1e-5);
        int[] dims = {0, 2, 3};
        Tensor mean = x.mean(dims, true);
        Tensor var = x.var(dims, 0, true);
        Tensor composed = x.sub(mean).div(var.add(1e-5).sqrt()).mul(w.reshape(1, 3, 1, 1)).add(b.reshape(1, 3, 1, 1));
        assertThat(fused.allClose(composed, 1e-12, 1e-12)).isTrue();
        Tensor wantMean = rm0.mul(0.9).add(mean.reshape(3).mul(0.1));
        Tensor wantVar = rv0.mul(0.9).add(x.var(dims, 1, false).mul(0.1));
        assertThat(runningMean.allClose(wantMean, 1e-12, 1e-12)).isTrue();
        assertThat(runningVar.allClose(wantVar, 1e-10, 1e-10)).isTrue();
        // eval: the running statistics, not the batch's
        Tensor eval = x.batchNorm(runningMean, runningVar, w, b, false, 0.1, 1e-5);
        Tensor evalComposed = x.sub(runningMean.reshape(1, 3, 1, 1)).div(runningVar.add(1e-5).sqrt().reshape(1, 3, 1, 1))
                .mul(w.reshape(1, 3, 1, 1)).add(b.reshape(1, 3, 1, 1));
        assertThat(eval.allClose(evalComposed, 1e-12, 1e-12)).isTrue();
    }

    @Test
    void batchNormGradients() {
        GradCheck.assertGradients(in -> in[0].batchNorm(null, null, in[1], in[2], true, 0.1, 1e-5), leaf(3, 2, 4, 3),
                leaf(2), leaf(2));
        GradCheck.assertGradients(in -> in[0].batchNorm(null, null, in[1], null, true, 0.1, 1e-5), leaf(4, 3, 5),
                leaf(3));
        GradCheck.assertGradients(in -> in[0].batchNorm(null, null, null, in[1], true, 0.1, 1e-5), leaf(5, 3),
                leaf(3));
        GradCheck.assertGradients(in -> in[0].batchNorm(null, null, null, null, true, 0.1, 1e-5), leaf(2, 3, 2, 2));
        // one sample; one value per plane
        GradCheck.assertGradients(in -> in[0].batchNorm(null, null, in[1], in[2], true, 0.1, 1e-5), leaf(1, 3, 2, 3),
                leaf(3), leaf(3));
        GradCheck.assertGradients(in -> in[0].batchNorm(null, null, in[1], in[2], true, 0.1, 1e-5), leaf(6, 2, 1, 1),
                leaf(2), leaf(2));
        // channels-last storage: [N, H, W, C] seen as [N, C, H, W]
        GradCheck.assertGradients(in -> in[0].permute(0, 3, 1, 2).batchNorm(null, null, in[1], in[2], true, 0.1, 1e-5),
                leaf(2, 3, 2, 4), leaf(4), leaf(4));
        // with running statistics: training updates them (not differentiated), eval uses them
        Tensor rm = Tensor.randn(rng, 3).to(DType.F64);
        Tensor rv = Tensor.randn(rng, 3).to(DType.F64).square().add(0.5);
        GradCheck.assertGradients(in -> in[0].batchNorm(rm.clone(), rv.clone(), in[1], in[2], true, 0.1, 1e-5),
                leaf(3, 3, 2), leaf(3), leaf(3));
        GradCheck.assertGradients(in -> in[0].batchNorm(rm, rv, in[1], in[2], false, 0.1, 1e-5), leaf(3, 3, 2),
                leaf(3), leaf(3));
    }

    /** relu(batchNorm) as one op: its values are those of the pair, and its gradients check out (F64 runs the default composition). */
    @Test
    void batchNormReluGradients() {
        Tensor x = Tensor.randn(rng, 4, 3, 5, 2).to(DType.F64);
        Tensor w = Tensor.randn(rng, 3).to(DType.F64);
        Tensor b = Tensor.randn(rng, 3).to(DType.F64);
        assertThat(x.batchNormRelu(null, null, w, b, true, 0.1, 1e-5)
                .allClose(x.batchNorm(null, null, w, b, true, 0.1, 1e-5).relu(), 0, 0)).isTrue();
        GradCheck.assertGradients(in -> in[0].batchNormRelu(null, null, in[1], in[2], true, 0.1, 1e-5),
                leaf(3, 2, 4, 3), leaf(2), leaf(2));
        GradCheck.assertGradients(in -> in[0].batchNormRelu(null, null, null, null, true, 0.1, 1e-5), leaf(4, 3, 5));
        Tensor rm = Tensor.randn(rng, 3).to(DType.F64);
        Tensor rv = Tensor.randn(rng, 3).to(DType.F64).square().add(0.5);
        GradCheck.assertGradients(in -> in[0].batchNormRelu(rm, rv, in[1], in[2], false, 0.1, 1e-5), leaf(3, 3, 2),
                leaf(3), leaf(3));
    }

    /** relu(a + b) as one op: the pair's values, gradients that check out, and add's broadcasting where shapes differ. */
    @Test
    void addReluGradients() {
        Tensor a = Tensor.randn(rng, 4, 3, 5).to(DType.F64);
        Tensor b = Tensor.randn(rng, 4, 3, 5).to(DType.F64);
        assertThat(a.addRelu(b).allClose(a.add(b).relu(), 0, 0)).isTrue();
        GradCheck.assertGradients(in -> in[0].addRelu(in[1]), leaf(3, 4), leaf(3, 4));
        GradCheck.assertGradients(in -> in[0].addRelu(in[1]), leaf(3, 4), leaf(4));
        Tensor f = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        Tensor g = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        Tensor dy = Tensor.randn(rng, 2, 3, 4);
        f.addRelu(g).backward(dy);
        Tensor df = f.grad();
        Tensor dg = g.grad();
        Tensor f2 = f.detach().requiresGrad(true);
        Tensor g2 = g.detach().requiresGrad(true);
        f2.add(g2).relu().backward(dy);
        assertThat(df.toFloatArray()).containsExactly(f2.grad().toFloatArray());
        assertThat(dg.toFloatArray()).containsExactly(g2.grad().toFloatArray());
    }
}
