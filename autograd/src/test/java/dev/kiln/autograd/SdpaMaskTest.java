package dev.kiln.autograd;

import dev.kiln.tensor.AttentionOps;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * scaledDotProductAttention with masks and dropout beyond PyTorch's fixtures
 * ({@link SdpaMaskFixturesTest}): the dropout mask is the generator's, reproducible and
 * differentiable; dropoutP = 0 and no mask is the fused kernel; gradients against finite
 * differences; each bad argument.
 */
class SdpaMaskTest {
    private static final Generator RNG = new Generator(1517);

    private static Tensor x(int... shape) {
        return TestTensors.random(RNG, DType.F64, shape).requiresGrad(true);
    }

    @Test
    void dropoutScalesTheKeptWeightsWithTheGeneratorsMask() {
        Tensor q = x(2, 2, 3, 4);
        Tensor k = x(2, 2, 5, 4);
        Tensor v = x(2, 2, 5, 3);
        double p = 0.4;
        Tensor got = Tensor.scaledDotProductAttention(q, k, v, null, p, false, Double.NaN, new Generator(7));
        // the same draws, by hand: softmax(q·kᵀ/2)·keep/(1 − p)·v
        Tensor keep = Tensor.rand(new Generator(7), 2, 2, 3, 5).ge(p);
        Tensor weights = q.matmul(k.transpose(-2, -1)).mul(0.5).softmax(-1);
        Tensor expected = Tensor.where(keep, weights.div(1 - p), 0).matmul(v);
        assertThat(got.allClose(expected, 1e-12, 1e-12)).isTrue();
        Tensor again = Tensor.scaledDotProductAttention(q, k, v, null, p, false, Double.NaN, new Generator(7));
        assertThat(again.toDoubleArray()).containsExactly(got.toDoubleArray());
        assertThat(Tensor.scaledDotProductAttention(q, k, v, null, 1.0, false, Double.NaN, new Generator(7))
                .abs().max().item()).isZero();
    }

    @Test
    void dropoutWithAMaskIsTheCompositionOfBoth() {
        Tensor q = x(1, 2, 3, 4);
        Tensor k = x(1, 1, 5, 4);
        Tensor v = x(1, 1, 5, 3);
        Tensor mask = Tensor.of(new boolean[] {true, false, true, true, false, false, false, false, false, false,
            true, true, false, true, true}, 3, 5);
        double p = 0.3;
        Tensor got = Tensor.scaledDotProductAttention(q, k, v, mask, p, false, 0.6, new Generator(9));
        Tensor keep = Tensor.rand(new Generator(9), 1, 2, 3, 5).ge(p);
        Tensor s = q.matmul(k.transpose(-2, -1)).mul(0.6);
        Tensor weights = Tensor.where(mask, s, Double.NEGATIVE_INFINITY).softmax(-1);
        weights = Tensor.where(mask.any(-1, true), weights, 0); // row 1 sees no key: zeros, not NaN
        Tensor expected = Tensor.where(keep, weights.div(1 - p), 0).matmul(v);
        assertThat(got.allClose(expected, 1e-12, 1e-12)).isTrue();
        assertThat(got.select(2, 1).toDoubleArray()).containsOnly(0.0);
    }

    @Test
    void noMaskAndNoDropoutIsTheFusedKernel() {
        Tensor q = x(1, 2, 4, 3);
        Tensor k = x(1, 1, 4, 3);
        Tensor v = x(1, 1, 4, 2);
        Tensor fused = Tensor.scaledDotProductAttention(q, k, v, true);
        Tensor viaNew = Tensor.scaledDotProductAttention(q, k, v, null, 0.0, true);
        assertThat(viaNew.toDoubleArray()).containsExactly(fused.toDoubleArray());
        // an all-true mask is no mask (the composition against the kernel)
        Tensor all = Tensor.ones(4, 4).gt(0);
        assertThat(Tensor.scaledDotProductAttention(q, k, v, all).allClose(
                Tensor.scaledDotProductAttention(q, k, v, false), 1e-12, 1e-12)).isTrue();
    }

    @Test
    void aFullyMaskedRowGivesZerosAndNoNaNGradient() {
        Tensor q = x(1, 1, 2, 3);
        Tensor k = x(1, 1, 3, 3);
        Tensor v = x(1, 1, 3, 2);
        Tensor mask = Tensor.of(new boolean[] {true, false, true, false, false, false}, 2, 3);
        Tensor out = Tensor.scaledDotProductAttention(q, k, v, mask);
        assertThat(out.select(2, 1).toDoubleArray()).containsOnly(0.0);
        out.sum().backward();
        assertThat(q.grad().isnan().any().item()).isZero();
        assertThat(q.grad().select(2, 1).toDoubleArray()).containsOnly(0.0);
        assertThat(k.grad().isnan().any().item()).isZero();
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor mask = Tensor.of(new boolean[] {true, false, true, true, true, false, false, true}, 2, 4);
        GradCheck.assertGradients(t -> Tensor.scaledDotProductAttention(t[0], t[1], t[2], mask),
                x(2, 2, 2, 3), x(2, 1, 4, 3), x(2, 1, 4, 2));
        GradCheck.assertGradients(t -> Tensor.scaledDotProductAttention(t[0], t[1], t[2], t[3], 0.0, false, 0.7, null),
                x(1, 2, 3, 2), x(1, 2, 4, 2), x(1, 2, 4, 3), x(1, 2, 1, 4));
        // a float key-padding mask with −∞ entries (one batch row's keys all −∞: its rows see nothing),
        // grouped heads; the mask's gradient is dS summed over heads and queries
        Tensor pad = Tensor.of(new double[] {0.3, Double.NEGATIVE_INFINITY, -0.5, 1.1, Double.NEGATIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 2, 1, 1, 4).requiresGrad(true);
        GradCheck.assertGradients(t -> Tensor.scaledDotProductAttention(t[0], t[1], t[2], t[3]),
                x(2, 4, 3, 3), x(2, 2, 4, 3), x(2, 2, 4, 2), pad);
        // dropout with a fixed seed is a fixed function of q, k, v
        GradCheck.assertGradients(t -> Tensor.scaledDotProductAttention(t[0], t[1], t[2], null, 0.3, true,
                Double.NaN, new Generator(11)), x(1, 2, 4, 3), x(1, 2, 4, 3), x(1, 2, 4, 2));
    }

    @Test
    void badArgumentsNameTheOpAndWhatIsWrong() {
        Tensor q = Tensor.zeros(DType.F64, 1, 2, 3, 4);
        Tensor k = Tensor.zeros(DType.F64, 1, 2, 5, 4);
        Tensor boolMask = Tensor.ones(3, 5).gt(0);
        String op = "scaledDotProductAttention";
        assertRejects(() -> Tensor.scaledDotProductAttention(q, k, k, boolMask, 0.0, true), op, "attnMask",
                "isCausal");
        assertRejects(() -> Tensor.scaledDotProductAttention(q, k, k, null, 0.1, false), op, "dropoutP 0.1",
                "Generator");
        assertRejects(() -> Tensor.scaledDotProductAttention(q, k, k, null, 1.5, false, new Generator(1)), op,
                "dropoutP", "1.5");
        assertRejects(() -> Tensor.scaledDotProductAttention(q, k, k, Tensor.ones(3, 5)), op, "attnMask", "BOOL",
                "F32");
        assertRejects(() -> Tensor.scaledDotProductAttention(q, k, k, Tensor.ones(5, 3).gt(0)), op, "[5, 3]",
                "[1, 2, 3, 5]");
        assertRejects(() -> Tensor.scaledDotProductAttention(q, k, k, Tensor.ones(2, 1, 2, 3, 5).gt(0)), op,
                "[2, 1, 2, 3, 5]");
        // the backward dispatcher, called by the derivative rule, checks the mask again and its gradient's kind
        String back = "scaledDotProductAttentionBackward";
        Tensor out = Tensor.zeros(DType.F64, 1, 2, 3, 4);
        Tensor lse = Tensor.zeros(DType.F64, 1, 2, 3);
        assertRejects(() -> AttentionOps.scaledDotProductAttentionBackward(out, q, k, k, boolMask, out, lse, false, 0.5,
                true), back, "only a float attnMask has a gradient", "BOOL");
        assertRejects(() -> AttentionOps.scaledDotProductAttentionBackward(out, q, k, k, Tensor.zeros(DType.F64, 5, 3),
                out, lse, false, 0.5, false), back, "[5, 3]", "[1, 2, 3, 5]");
        Tensor q3 = Tensor.zeros(DType.F64, 2, 3, 4);
        assertRejects(() -> Tensor.scaledDotProductAttention(q3, Tensor.zeros(DType.F64, 3, 5, 4),
                Tensor.zeros(DType.F64, 3, 5, 4), null), op, "leading dims", "[2, 3, 4]", "[3, 5, 4]");
        assertRejects(() -> Tensor.scaledDotProductAttention(q3, Tensor.zeros(DType.F64, 2, 5, 4),
                Tensor.zeros(DType.F64, 2, 5, 4), Tensor.ones(4, 5).gt(0)), op, "[4, 5]", "[2, 3, 5]");
    }
}
