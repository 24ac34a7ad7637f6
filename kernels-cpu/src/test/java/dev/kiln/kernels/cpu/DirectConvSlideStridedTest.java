package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DirectConvSlideStrided}: against the reference loop with and without bias into poisoned outputs (its stores
 * run 2 floats past a tile, rewritten later) on kiln train cnn's two stride-2 layers, odd sizes, batch 1, groups,
 * rows cut into overlapping 14-wide tiles, 7-wide planes in pairs of rows (an odd count: the last pair overlapping),
 * one output row; bit for bit against {@link DirectConv}'s positional tiles (the same sums in the same order) and on
 * 2 threads against 1; the shapes it refuses; the routing.
 */
class DirectConvSlideStridedTest {
    /** {n, cIn, h, w, cOut, groups}: stride 2, 3×3, padding 1. */
    private static final int[][] SHAPES = {
        {2, 16, 28, 28, 32, 1},  // kiln train cnn's 16 -> 32 (2 samples): one 14-wide tile a row
        {2, 32, 14, 14, 64, 1},  // its 32 -> 64: 7 × 7 in pairs of rows, the last pair overlapping
        {1, 5, 27, 29, 16, 1},   // batch 1, odd sizes: outputs 14 × 15, a tile and an overlapping one a row
        {2, 3, 13, 13, 16, 1},   // odd input, 7 × 7 outputs
        {1, 4, 4, 14, 16, 1},    // two output rows of 7: one pair, stored as a plane's last
        {2, 8, 10, 28, 32, 2},   // two groups (4 inputs, 16 outputs each), 5 × 14 outputs
        {1, 16, 1, 28, 16, 1},   // one output row
        {2, 6, 6, 57, 32, 1},    // 3 × 29 outputs: 14, 14 and an overlapping 14
    };

    private static ConvShape shape(int[] g) {
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, 2, 2, 1, 1, 1, 1, g[5], (g[2] - 1) / 2 + 1,
                (g[3] - 1) / 2 + 1);
    }

    @Test
    void matchesTheReferenceLoop() {
        assumeTrue(DirectConvSlideStrided.applies(shape(SHAPES[0])), "16-lane vectors only");
        DirectForwardChecks.assertMatchesReference("slide strided", DirectConvSlideStrided::forward,
                DirectConvSlideStrided::applies, Arrays.stream(SHAPES).map(DirectConvSlideStridedTest::shape).toList(), 53);
    }

    @Test
    void sameBitsAsThePositionalTilesAndOnAnyThreadCount() {
        assumeTrue(DirectConvSlideStrided.applies(shape(SHAPES[0])), "16-lane vectors only");
        DirectForwardChecks.assertSameBitsAsPositionalTiles(DirectConvSlideStrided::forward,
                Arrays.stream(SHAPES).map(DirectConvSlideStridedTest::shape).toList(), 59);
    }

    @Test
    void rejectsShapesItCannotCompute() {
        ConvShape stride1 = new ConvShape(1, 16, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape pad0 = new ConvShape(1, 16, 28, 28, 32, 3, 3, 2, 2, 0, 0, 1, 1, 1, 13, 13);
        ConvShape tenWide = new ConvShape(1, 16, 20, 20, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 10, 10);
        ConvShape partial = new ConvShape(1, 16, 28, 28, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        ConvShape oneRowOfSeven = new ConvShape(1, 16, 2, 14, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 7);
        ConvShape extraRow = new ConvShape(1, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 15, 14);
        for (ConvShape s : new ConvShape[] {stride1, pad0, tenWide, partial, oneRowOfSeven, extraRow}) {
            assertThat(DirectConvSlideStrided.applies(s)).as("applies to %s", s).isFalse();
            assertThatThrownBy(() -> DirectConvSlideStrided.forward(new float[1], 0, new float[1], 0, new float[1], 0,
                    null, 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DirectConvSlideStrided.forward").hasMessageContaining(s.toString());
        }
    }

    @Test
    void routesKilnTrainCnnsStrideTwoLayersWithThirtyTwoRegisters() {
        boolean on = Simd.ENABLED && Simd.F32.length() == 16 && DirectConvKernels.WIDE && DirectConvSlideStrided.enabled
                && ConvDispatch.GRID;
        assertThat(ConvDispatch.slideStrided(shape(new int[] {128, 16, 28, 28, 32, 1}))).as("16 -> 32").isEqualTo(on);
        assertThat(ConvDispatch.slideStrided(shape(new int[] {128, 32, 14, 14, 64, 1}))).as("32 -> 64").isEqualTo(on);
        assertThat(ConvDispatch.slideStrided(new ConvShape(128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28)))
                .as("stride 1").isFalse();
    }
}
