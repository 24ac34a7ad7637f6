package dev.kiln.layers.attention;

import dev.kiln.autograd.GradCheck;
import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RotaryAndCacheTest {
    private final Generator rng = new Generator(4);

    @Test
    void rotaryScoresDependOnlyOnTheDistanceAndNormsArePreserved() {
        RotaryEmbedding rope = new RotaryEmbedding(8);
        Tensor q = Tensor.randn(rng, 1, 8).to(DType.F64);
        Tensor k = Tensor.randn(rng, 1, 8).to(DType.F64);
        double near = rope.apply(q, 7).mul(rope.apply(k, 3)).sum().item();
        double far = rope.apply(q, 107).mul(rope.apply(k, 103)).sum().item();
        assertThat(far).isCloseTo(near, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(rope.apply(q, 50).square().sum().item()).isCloseTo(q.square().sum().item(),
                org.assertj.core.data.Offset.offset(1e-9));
        // position 0 is the identity; position 1 turns pair i by base^(-2i/D) radians
        assertThat(rope.apply(q, 0).allClose(q, 0, 1e-15)).isTrue();
        Tensor e0 = Tensor.of(new double[] {1, 0, 1, 0, 1, 0, 1, 0}, 1, 8);
        double[] r = rope.apply(e0, 1).toDoubleArray();
        for (int i = 0; i < 4; i++) {
            double theta = Math.pow(10000, -2.0 * i / 8);
            assertThat(r[2 * i]).isCloseTo(Math.cos(theta), org.assertj.core.data.Offset.offset(1e-12));
            assertThat(r[2 * i + 1]).isCloseTo(Math.sin(theta), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void rotaryOffsetsContinueTheSequenceAndHaveGradients() {
        RotaryEmbedding rope = new RotaryEmbedding(6, 500);
        Tensor x = Tensor.randn(rng, 2, 9, 6).to(DType.F64);
        Tensor whole = rope.forward(x);
        assertThat(rope.apply(x.narrow(1, 5, 4), 5).allClose(whole.narrow(1, 5, 4), 1e-12, 1e-12)).isTrue();
        // a long offset grows the tables
        assertThat(rope.apply(x, 300).shape()).containsExactly(2, 9, 6);
        GradCheck.assertGradients(in -> rope.apply(in[0], 3), Tensor.randn(rng, 2, 3, 6).to(DType.F64).requiresGrad(true));
        assertThatThrownBy(() -> new RotaryEmbedding(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("headDim must be positive and even");
        assertThatThrownBy(() -> rope.apply(Tensor.randn(rng, 3, 4), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("RotaryEmbedding.apply: expected a floating-point [..., T, 6] input, got F32 [3, 4]");
    }

    @Test
    void cacheGrowsWithoutLosingTokens() {
        KvCache cache = new KvCache();
        Tensor k = Tensor.randn(rng, 2, 3, 40, 4);
        Tensor v = Tensor.randn(rng, 2, 3, 40, 5);
        try (NoGrad ignored = NoGrad.enter()) {
            for (int t = 0; t < 40; t += 3) {
                int n = Math.min(3, 40 - t);
                Tensor[] all = cache.append(k.narrow(2, t, n), v.narrow(2, t, n));
                assertThat(all[0].allClose(k.narrow(2, 0, t + n), 0, 0)).isTrue();
                assertThat(all[1].allClose(v.narrow(2, 0, t + n), 0, 0)).isTrue();
            }
        }
        assertThat(cache.length()).isEqualTo(40);
        cache.clear();
        assertThat(cache.length()).isZero();
        // after clear() a new sequence may have another batch size
        Tensor[] again = cache.append(Tensor.ones(1, 3, 2, 4), Tensor.ones(1, 3, 2, 5));
        assertThat(again[0].shape()).containsExactly(1, 3, 2, 4);
        assertThatThrownBy(() -> cache.append(Tensor.ones(1, 3, 2, 4), Tensor.ones(1, 2, 2, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("KvCache.append: expected keys [B, Hkv, T, D] and values [B, Hkv, T, Dv]");
    }
}
