package dev.kiln.models.data;

import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RandomShiftTest {
    /** A source whose every batch is n copies of a 6×6 image with one lit pixel at (2, 3). */
    private static BatchSource dots(int n) {
        float[] x = new float[n * 36];
        for (int i = 0; i < n; i++) {
            x[i * 36 + 2 * 6 + 3] = 1;
        }
        Batch b = new Batch(Tensor.wrap(x, n, 36), Tensor.zeros(n));
        return new BatchSource() {
            @Override
            public Batch batch(long step) {
                return b;
            }

            @Override
            public long stepsPerEpoch() {
                return 1;
            }
        };
    }

    @Test
    void eachImageMovesByAtMostShiftPixelsAndSomeMirror() {
        RandomShift s = new RandomShift(dots(200), 1, 6, 6, 1, true, 7);
        float[] y = s.batch(3).input().toFloatArray();
        boolean moved = false;
        boolean mirrored = false;
        for (int i = 0; i < 200; i++) {
            int lit = -1;
            for (int p = 0; p < 36; p++) {
                if (y[i * 36 + p] != 0) {
                    assertThat(lit).as("image %d has one lit pixel", i).isEqualTo(-1);
                    lit = p;
                }
            }
            // a shift of at most 1 keeps the pixel inside the 6×6 image
            assertThat(lit).as("image %d", i).isNotNegative();
            int r = lit / 6;
            int c = lit % 6;
            assertThat(Math.abs(r - 2)).isLessThanOrEqualTo(1);
            // column 3 mirrored is column 2; then shifted by −1..1
            assertThat(Math.min(Math.abs(c - 3), Math.abs(c - 2))).isLessThanOrEqualTo(1);
            moved |= r != 2;
            mirrored |= c == 1; // only reachable from the mirrored column 2
        }
        assertThat(moved).isTrue();
        assertThat(mirrored).isTrue();
        // a pure function of the step
        assertThat(s.batch(3).input().toFloatArray()).containsExactly(y);
        assertThat(s.batch(4).input().toFloatArray()).isNotEqualTo(y);
    }

    @Test
    void pixelsShiftedOutAreDroppedAndTheBorderIsZero() {
        RandomShift s = new RandomShift(dots(300), 1, 6, 6, 4, false, 1);
        float[] y = s.batch(0).input().toFloatArray();
        int empty = 0;
        for (int i = 0; i < 300; i++) {
            float sum = 0;
            for (int p = 0; p < 36; p++) {
                sum += y[i * 36 + p];
            }
            assertThat(sum).isIn(0f, 1f);
            empty += sum == 0 ? 1 : 0;
        }
        assertThat(empty).isPositive(); // row 2 + 4 = 6 is outside
    }

    @Test
    void wrongImageSizeIsAClearError() {
        assertThatThrownBy(() -> new RandomShift(dots(2), 1, 5, 5, 1, false, 0).batch(0))
                .hasMessageContaining("1x5x5").hasMessageContaining("[2, 36]");
        assertThatThrownBy(() -> new RandomShift(dots(2), 1, 6, 6, -1, false, 0)).hasMessageContaining("shift");
    }
}
