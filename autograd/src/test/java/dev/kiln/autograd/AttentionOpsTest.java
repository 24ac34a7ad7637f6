package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The attention ops on whichever CPU backend is present (the reference loops here), against
 * compositions of plain ops (matmul, softmax, masks), and their gradients by finite differences.
 */
class AttentionOpsTest {
    private final Generator rng = new Generator(11);

    private Tensor randn(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64);
    }

    private Tensor leaf(int... shape) {
        return randn(shape).requiresGrad(true);
    }

    /** k [B, Hkv, T, D] repeated to [B, H, T, D]: query head h reads key head h / (H / Hkv). */
    static Tensor repeatHeads(Tensor k, int h) {
        int[] s = k.shape();
        int g = h / s[1];
        return k.unsqueeze(2).expand(s[0], s[1], g, s[2], s[3]).reshape(s[0], h, s[2], s[3]);
    }

    /** Boolean [Tq, Tk]: true where query i may see key j (end-aligned causal mask). */
    static Tensor causalMask(int tq, int tk) {
        boolean[] m = new boolean[tq * tk];
        for (int i = 0; i < tq; i++) {
            for (int j = 0; j < tk; j++) {
                m[i * tk + j] = j <= i + tk - tq;
            }
        }
        return Tensor.of(m, tq, tk);
    }

    /** softmax(q·kᵀ·scale + mask)·v with plain ops: the unfused composition. */
    static Tensor sdpaComposed(Tensor q, Tensor k, Tensor v, boolean causal, double scale) {
        int h = q.size(1);
        Tensor s = q.matmul(repeatHeads(k, h).transpose(-1, -2)).mul(scale);
        if (causal) {
            s = Tensor.where(causalMask(q.size(2), k.size(2)), s, Double.NEGATIVE_INFINITY);
        }
        return s.softmax(-1).matmul(repeatHeads(v, h));
    }

    /** The quadratic masked form of normalised linear attention. */
    static Tensor linearComposed(Tensor q, Tensor k, Tensor v, boolean causal, double eps) {
        Tensor a = q.matmul(k.transpose(-1, -2));
        if (causal) {
            a = a.mul(causalMask(q.size(2), k.size(2)).to(a.dtype()));
        }
        return a.matmul(v).div(a.sum(-1, true).add(eps));
    }

    @Test
    void sdpaMatchesComposition() {
        // {B, H, Hkv, Tq, Tk, D, Dv}
        int[][] shapes = {{2, 3, 3, 5, 5, 4, 4}, {1, 4, 2, 7, 7, 3, 5}, {2, 6, 1, 3, 8, 5, 2}, {1, 1, 1, 1, 1, 1, 1},
            {1, 2, 2, 1, 9, 4, 4}};
        for (int[] c : shapes) {
            Tensor q = randn(c[0], c[1], c[3], c[5]);
            Tensor k = randn(c[0], c[2], c[4], c[5]);
            Tensor v = randn(c[0], c[2], c[4], c[6]);
            for (boolean causal : new boolean[] {false, true}) {
                Tensor fused = Tensor.scaledDotProductAttention(q, k, v, causal);
                Tensor composed = sdpaComposed(q, k, v, causal, 1 / Math.sqrt(c[5]));
                assertThat(fused.shape()).containsExactly(c[0], c[1], c[3], c[6]);
                assertThat(fused.allClose(composed, 1e-12, 1e-12))
                        .as("shape %s causal %s", java.util.Arrays.toString(c), causal).isTrue();
            }
        }
    }

    @Test
    void sdpaExplicitScaleAndStridedViews() {
        // [B, T, H, D] data viewed as [B, H, T, D], as a projection's output is: no copy needed
        Tensor q = randn(2, 6, 3, 4).transpose(1, 2);
        Tensor k = randn(2, 6, 3, 4).transpose(1, 2);
        Tensor v = randn(2, 3, 4, 6).transpose(-1, -2); // last dim not unit-stride: copied by the op
        Tensor fused = Tensor.scaledDotProductAttention(q, k, v, true, 0.3);
        assertThat(fused.allClose(sdpaComposed(q, k, v, true, 0.3), 1e-12, 1e-12)).isTrue();
    }

    @Test
    void causalRowsThatSeeNoKeyAreZero() {
        // Tq > Tk: the end-aligned mask leaves the first Tq - Tk queries without keys
        Tensor q = leaf(1, 2, 5, 3);
        Tensor k = leaf(1, 2, 2, 3);
        Tensor v = leaf(1, 2, 2, 3);
        Tensor out = Tensor.scaledDotProductAttention(q, k, v, true);
        double[] o = out.toDoubleArray();
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 3; i++) {
                for (int e = 0; e < 3; e++) {
                    assertThat(o[(h * 5 + i) * 3 + e]).isZero();
                }
            }
        }
        Tensor tail = sdpaComposed(q.narrow(2, 3, 2), k, v, true, 1 / Math.sqrt(3));
        assertThat(out.narrow(2, 3, 2).allClose(tail, 1e-12, 1e-12)).isTrue();
        GradCheck.assertGradients(in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2], true), q, k, v);
    }

    @Test
    void sdpaGradients() {
        GradCheck.assertGradients(in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2], false),
                leaf(2, 2, 3, 4), leaf(2, 2, 5, 4), leaf(2, 2, 5, 3));
        GradCheck.assertGradients(in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2], true),
                leaf(1, 3, 4, 2), leaf(1, 3, 4, 2), leaf(1, 3, 4, 5));
        // grouped heads: dk and dv sum over the query heads that share them
        GradCheck.assertGradients(in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2], true, 0.7),
                leaf(1, 4, 3, 3), leaf(1, 2, 6, 3), leaf(1, 2, 6, 2));
        // strided input views
        GradCheck.assertGradients(in -> Tensor.scaledDotProductAttention(in[0].transpose(1, 2), in[1].transpose(1, 2),
                in[2].transpose(1, 2), false), leaf(1, 4, 2, 3), leaf(1, 5, 2, 3), leaf(1, 5, 2, 3));
    }

    @Test
    void sdpaGradientsMatchComposition() {
        Tensor q = leaf(2, 4, 6, 5);
        Tensor k = leaf(2, 2, 6, 5);
        Tensor v = leaf(2, 2, 6, 3);
        Tensor w = randn(2, 4, 6, 3);
        Tensor.scaledDotProductAttention(q, k, v, true).mul(w).sum().backward();
        Tensor[] fused = {q.grad(), k.grad(), v.grad()};
        q.zeroGrad();
        k.zeroGrad();
        v.zeroGrad();
        sdpaComposed(q, k, v, true, 1 / Math.sqrt(5)).mul(w).sum().backward();
        assertThat(fused[0].allClose(q.grad(), 1e-10, 1e-12)).isTrue();
        assertThat(fused[1].allClose(k.grad(), 1e-10, 1e-12)).isTrue();
        assertThat(fused[2].allClose(v.grad(), 1e-10, 1e-12)).isTrue();
        assertThat(Tensor.scaledDotProductAttention(q, k, v, true).gradFn().name())
                .isEqualTo("ScaledDotProductAttentionBackward");
    }

    @Test
    void emptyShapes() {
        Tensor none = Tensor.scaledDotProductAttention(randn(1, 2, 3, 4), randn(1, 2, 0, 4), randn(1, 2, 0, 5), false);
        assertThat(none.shape()).containsExactly(1, 2, 3, 5);
        assertThat(none.abs().sum().item()).isZero();
        assertThat(Tensor.scaledDotProductAttention(randn(0, 2, 3, 4), randn(0, 1, 3, 4), randn(0, 1, 3, 4), true)
                .shape()).containsExactly(0, 2, 3, 4);
        assertThat(Tensor.linearAttention(randn(1, 2, 0, 4), randn(1, 2, 3, 4), randn(1, 2, 3, 2), true, 1e-6)
                .shape()).containsExactly(1, 2, 0, 2);
    }

    @Test
    void linearAttentionMatchesQuadraticForm() {
        for (boolean causal : new boolean[] {false, true}) {
            Tensor q = randn(2, 3, 7, 4).relu();
            Tensor k = randn(2, 3, 7, 4).relu();
            Tensor v = randn(2, 3, 7, 5);
            Tensor fused = Tensor.linearAttention(q, k, v, causal, 1e-6);
            assertThat(fused.allClose(linearComposed(q, k, v, causal, 1e-6), 1e-10, 1e-12)).as("causal %s", causal)
                    .isTrue();
        }
        // Tq < Tk, causal: end-aligned like sdpa
        Tensor q = randn(1, 2, 3, 4).relu();
        Tensor k = randn(1, 2, 6, 4).relu();
        Tensor v = randn(1, 2, 6, 2);
        assertThat(Tensor.linearAttention(q, k, v, true, 1e-3).allClose(linearComposed(q, k, v, true, 1e-3), 1e-10,
                1e-12)).isTrue();
    }

    @Test
    void linearAttentionGradients() {
        // positive inputs keep the normaliser away from eps, where finite differences are well conditioned
        for (boolean causal : new boolean[] {false, true}) {
            Tensor q = randn(1, 2, 5, 3).abs().add(0.1).detach().requiresGrad(true);
            Tensor k = randn(1, 2, 5, 3).abs().add(0.1).detach().requiresGrad(true);
            GradCheck.assertGradients(in -> Tensor.linearAttention(in[0], in[1], in[2], causal, 1e-6), q, k,
                    leaf(1, 2, 5, 4));
        }
        Tensor q = randn(2, 1, 3, 2).abs().detach().requiresGrad(true);
        Tensor k = randn(2, 1, 4, 2).abs().detach().requiresGrad(true);
        GradCheck.assertGradients(in -> Tensor.linearAttention(in[0], in[1], in[2], true, 0.5), q, k, leaf(2, 1, 4, 3));
    }

    @Test
    void badInputsAreRejectedWithTheirShapes() {
        Tensor q = randn(1, 4, 3, 8);
        Tensor k = randn(1, 2, 5, 8);
        Tensor v = randn(1, 2, 5, 8);
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(randn(4, 3, 8), k, v, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("scaledDotProductAttention: expected q [B, H, Tq, D]")
                .hasMessageContaining("[4, 3, 8]");
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(q, randn(1, 3, 5, 8), randn(1, 3, 5, 8), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the 4 query heads must be a multiple of the 3 key/value heads");
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(q, randn(1, 2, 5, 7), v, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("q and k feature sizes differ (8 and 7)");
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(q, k, randn(1, 2, 4, 8), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k and v must have the same heads and tokens");
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(q, randn(2, 2, 5, 8), randn(2, 2, 5, 8), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch sizes differ");
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(q.to(DType.F32), k, v, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("scaledDotProductAttention: dtypes differ: F32 [1, 4, 3, 8] and F64");
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(q.to(DType.I32), k.to(DType.I32), v.to(DType.I32),
                false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("scaledDotProductAttention: expected a floating-point tensor");
        assertThatThrownBy(() -> Tensor.scaledDotProductAttention(q, k, v, false, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale must be finite");
        assertThatThrownBy(() -> Tensor.linearAttention(q, k, v, true, 1e-6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("linearAttention: q has 4 heads but k and v have 2");
        assertThatThrownBy(() -> Tensor.linearAttention(k, k, v, true, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("linearAttention: eps must be positive");
    }
}
