package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DirectConvStem}: against the reference loop on odd sizes, padding 0 to 3, batch 1, bias, groups, 3×3 to
 * 7×7 kernels (and a dilated one), rows wider and narrower than a vector (overlapping last vectors, masked
 * vectors), out channels that fill part of a tile, plane vector counts that leave 2- and 1-vector tiles; outputs
 * poisoned first, so a position left unwritten shows; bit for bit against {@link DirectConv}'s positional tiles
 * (the same sums in the same order) and across thread counts; and where {@link ConvDispatch} routes it.
 */
class DirectConvStemTest {

    /** {n, cIn, h, w, cOut, groups, k, pad, dilation}: stride 1. */
    private static final int[][] SHAPES = {
        {2, 1, 28, 28, 16, 1, 3, 1, 1},  // kiln train cnn's stem (2 samples)
        {1, 3, 32, 32, 32, 1, 3, 1, 1},  // an RGB stem, batch 1
        {2, 1, 9, 11, 6, 1, 3, 0, 1},    // no padding, odd sizes, 6 out channels: a tile of 4 and one of 2
        {1, 2, 13, 17, 5, 1, 5, 2, 1},   // 5×5, padding 2; 17-wide rows: a vector and an overlapping one
        {2, 3, 19, 23, 8, 1, 7, 3, 1},   // 7×7, padding 3
        {2, 4, 6, 7, 4, 1, 3, 1, 1},     // rows narrower than a vector (masked), 4 input channels
        {1, 1, 5, 5, 3, 1, 3, 2, 1},     // padding 2, 3 out channels
        {2, 4, 10, 21, 12, 2, 3, 1, 1},  // two groups of 2 → 6
        {1, 1, 12, 18, 7, 1, 3, 2, 2},   // dilation 2
        {1, 2, 4, 40, 9, 1, 5, 3, 1},    // padding 3 with a 5×5: outputs 6 × 42
        {1, 1, 1, 16, 4, 1, 3, 1, 1},    // one input row
    };

    private static ConvShape shape(int[] g) {
        int k = g[6];
        int pad = g[7];
        int d = g[8];
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], k, k, 1, 1, pad, pad, d, d, g[5],
                g[2] + 2 * pad - d * (k - 1), g[3] + 2 * pad - d * (k - 1));
    }

    @Test
    void matchesTheReferenceLoop() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        DirectForwardChecks.assertMatchesReference("stem", DirectConvStem::forward, DirectConvStem::applies,
                java.util.Arrays.stream(SHAPES).map(DirectConvStemTest::shape).toList(), 41);
    }

    @Test
    void sameBitsAsThePositionalTilesAndOnAnyThreadCount() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        DirectForwardChecks.assertSameBitsAsPositionalTiles(DirectConvStem::forward,
                java.util.Arrays.stream(SHAPES).map(DirectConvStemTest::shape).toList(), 43);
    }

    @Test
    void rejectsShapesItCannotCompute() {
        ConvShape strided = new ConvShape(1, 1, 28, 28, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        ConvShape wide = new ConvShape(1, 5, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape cropped = new ConvShape(1, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 27, 28);
        for (ConvShape s : new ConvShape[] {strided, wide, cropped}) {
            assertThat(DirectConvStem.applies(s)).as("applies to %s", s).isFalse();
            assertThatThrownBy(() -> DirectConvStem.forward(new float[1], 0, new float[1], 0, new float[1], 0, null, 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DirectConvStem.forward").hasMessageContaining(s.toString());
        }
    }

    @Test
    void routesTheStemForwardOnly() {
        ConvShape stem = new ConvShape(128, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape rgb = new ConvShape(32, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 32, 32);
        ConvShape cnn = new ConvShape(128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape pointwise = new ConvShape(2, 1, 28, 28, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1, 28, 28);
        ConvShape fiveByFive = new ConvShape(2, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1, 28, 28);
        ConvShape oneOut = new ConvShape(2, 1, 28, 28, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        boolean on = Simd.ENABLED && ConvDispatch.GRID && DirectConvStem.enabled;
        assertThat(ConvDispatch.stem(stem)).as("the stem, 1 → 16").isEqualTo(on);
        assertThat(ConvDispatch.stem(rgb)).as("3 → 32, 16 registers only").isEqualTo(on && !DirectConvKernels.WIDE);
        assertThat(ConvDispatch.stem(cnn)).as("16 → 16").isFalse();
        assertThat(ConvDispatch.stem(ConvDispatch.transposed(stem))).as("the stem's input gradient, 16 → 1").isFalse();
        assertThat(ConvDispatch.stem(pointwise)).as("1×1").isFalse();
        assertThat(ConvDispatch.stem(fiveByFive)).as("5×5, 16 registers only")
                .isEqualTo(on && !DirectConvKernels.WIDE);
        assertThat(ConvDispatch.stem(oneOut)).as("one out channel").isFalse();
        if (on) {
            // through the dispatcher, against the reference loop
            var rng = new Generator(47);
            ConvShape s = new ConvShape(3, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
            Tensor x = Tensor.of(AbTiming.randn(rng, 3 * 28 * 28), 3, 1, 28, 28);
            Tensor w = Tensor.of(AbTiming.randn(rng, 16 * 9), 16, 1, 3, 3);
            Tensor b = Tensor.of(AbTiming.randn(rng, 16), 16);
            Tensor ref = poisoned(new int[] {3, 16, 28, 28});
            REF.conv2d(ref, x, w, b, s);
            Tensor y = poisoned(new int[] {3, 16, 28, 28});
            ConvDispatch.conv2d(y, x, w, b, s);
            assertClose("dispatched stem " + s, y, ref, 1e-5, 1e-5 * 3);
        }
    }
}
