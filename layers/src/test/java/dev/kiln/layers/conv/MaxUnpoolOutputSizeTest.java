package dev.kiln.layers.conv;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** F.max_unpool2d's output_size as PyTorch takes it: (height, width) or the full (N, C, height, width). */
class MaxUnpoolOutputSizeTest {

    @Test
    void theFullSizeGivesItsLastTwoDims() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, 1, 2, 3, 3);
        var pooled = Functional.maxPool2dWithIndices(x, new int[] {2}, null, new int[] {0}, new int[] {1}, false);
        Tensor a = Functional.maxUnpool2d(pooled.values(), pooled.indices(), new int[] {2}, null, new int[] {0},
                new int[] {3, 3});
        Tensor b = Functional.maxUnpool2d(pooled.values(), pooled.indices(), new int[] {2}, null, new int[] {0},
                new int[] {1, 2, 3, 3});
        assertThat(b.shape()).containsExactly(1, 2, 3, 3);
        assertThat(b.toFloatArray()).containsExactly(a.toFloatArray());
        assertThat(a.toFloatArray()).containsExactly(0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0, 0);
    }
}
