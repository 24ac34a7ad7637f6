package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** max/min of BOOL tensors, and max pooling and nearest interpolation of integer tensors, which PyTorch allows. */
class IntegerAndBoolExtremaTest {

    @Test
    void maxAndMinOfBoolAreAnyAndAll() {
        Tensor b = Tensor.of(new boolean[] {false, true, true, true}, 2, 2);
        assertThat(b.max().dtype()).isEqualTo(DType.BOOL);
        assertThat(b.max().item()).isEqualTo(1.0);
        assertThat(b.min().item()).isEqualTo(0.0);
        assertThat(b.amin(new int[] {1}, false).toBooleanArray()).containsExactly(false, true);
        assertThat(b.amax(new int[] {0}, false).toBooleanArray()).containsExactly(true, true);
    }

    @Test
    void maxPool2dOfIntegersIsExactAndKeepsTheDtype() {
        int big = (1 << 30) + 1; // not a float: pooling through F32 would round it
        Tensor x = Tensor.of(new int[] {1, big, -3, 4, 5, -6, 7, 8, 9}, 1, 1, 3, 3);
        PoolOps.MaxPoolResult r = PoolOps.maxPool2dWithIndices(x, new int[] {2, 2}, new int[] {1, 1},
                new int[] {0, 0}, new int[] {1, 1}, false);
        assertThat(r.values().dtype()).isEqualTo(DType.I32);
        assertThat(r.values().toIntArray()).containsExactly(big, big, 8, 9);
        assertThat(r.indices().toIntArray()).containsExactly(1, 1, 7, 8);
        Tensor l = Tensor.of(new long[] {3L, -1L << 40, 7L, 2L}, 1, 1, 2, 2);
        assertThat(PoolOps.maxPool2d(l, new int[] {2, 2}, null, new int[] {0, 0}, new int[] {1, 1}, false)
                .toLongArray()).containsExactly(7L);
    }

    @Test
    void nearestInterpolationOfIntegersKeepsTheDtype() {
        Tensor x = Tensor.of(new long[] {0, 1, 2, 3}, 1, 1, 2, 2).to(DType.U8);
        Tensor y = InterpolateOps.interpolate(x, new int[] {4, 4}, null, "nearest", null);
        assertThat(y.dtype()).isEqualTo(DType.U8);
        assertThat(y.toLongArray()).containsExactly(0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> InterpolateOps.interpolate(x, new int[] {4, 4}, null, "bilinear", false))
                .hasMessageStartingWith("interpolate: expected a floating-point tensor");
    }
}
