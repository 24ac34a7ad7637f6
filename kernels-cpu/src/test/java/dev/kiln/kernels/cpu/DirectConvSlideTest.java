package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DirectConvSlide}: against the reference loop on odd sizes, every padding the grid allows, batch 1,
 * groups, bias, rows cut into overlapping 14-wide tiles or taken by the 7-wide one, out channels that fill
 * part of a vector or more than one, outputs stored straight from the tiles (whose stores run 2 floats past
 * a tile, rewritten later: a poisoned output shows any left behind); bit for bit against {@link DirectConv}'s positional tiles (the same sums
 * in the same order) and across thread counts; and where {@link ConvDispatch} routes it.
 */
class DirectConvSlideTest {

    /** {n, cIn, h, w, cOut, groups, pad}: stride 1, 3×3. */
    private static final int[][] SHAPES = {
        {2, 16, 28, 28, 16, 1, 1},  // kiln train cnn's layer (2 samples)
        {1, 16, 9, 11, 16, 1, 1},   // batch 1, odd sizes: 11-wide rows take the 7-wide tile, overlapping
        {3, 5, 17, 17, 3, 1, 1},    // 17-wide rows: 14 + an overlapping 14; 3 of the lanes used
        {2, 7, 9, 9, 20, 1, 0},     // no padding (rows 7 wide); 20 out channels: a second, partial block
        {2, 6, 6, 8, 9, 1, 2},      // padding 2: outputs 8 × 10
        {2, 32, 10, 15, 32, 2, 1},  // two groups of 16
        {1, 1, 7, 7, 16, 1, 1},     // one input channel, the 7-wide tile exactly
        {2, 16, 14, 14, 16, 1, 1},
        {2, 8, 5, 16, 20, 1, 1},    // a whole block stored straight (16 lanes), then a partial one through cells
        {1, 16, 1, 14, 16, 1, 1},   // one output row: only the last row's stores
    };

    private static ConvShape shape(int[] g) {
        int pad = g[6];
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, 1, 1, pad, pad, 1, 1, g[5], g[2] + 2 * pad - 2,
                g[3] + 2 * pad - 2);
    }

    @Test
    void matchesTheReferenceLoop() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        DirectForwardChecks.assertMatchesReference("slide", DirectConvSlide::forward, DirectConvSlide::applies,
                java.util.Arrays.stream(SHAPES).map(DirectConvSlideTest::shape).toList(), 31);
    }

    @Test
    void sameBitsAsThePositionalTilesAndOnAnyThreadCount() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        DirectForwardChecks.assertSameBitsAsPositionalTiles(DirectConvSlide::forward,
                java.util.Arrays.stream(SHAPES).map(DirectConvSlideTest::shape).toList(), 37);
    }

    @Test
    void rejectsShapesItCannotCompute() {
        ConvShape strided = new ConvShape(1, 16, 28, 28, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        ConvShape fiveByFive = new ConvShape(1, 16, 28, 28, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1, 28, 28);
        ConvShape narrow = new ConvShape(1, 16, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 6, 6);
        for (ConvShape s : new ConvShape[] {strided, fiveByFive, narrow}) {
            assertThat(DirectConvSlide.applies(s)).as("applies to %s", s).isFalse();
            assertThatThrownBy(() -> DirectConvSlide.forward(new float[1], 0, new float[1], 0, new float[1], 0, null, 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DirectConvSlide.forward").hasMessageContaining(s.toString());
        }
    }

    @Test
    void routesTheSixteenChannelLayersWithThirtyTwoRegisters() {
        ConvShape cnn = new ConvShape(128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape stem = new ConvShape(128, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        boolean sixteenLanes = Simd.ENABLED && Simd.F32.length() == 16;
        assertThat(ConvDispatch.slide(cnn)).as("cnn's 16 → 16").isEqualTo(sixteenLanes && DirectConvKernels.WIDE
                && DirectConvSlide.enabled);
        assertThat(ConvDispatch.slide(stem)).as("the stem, 1 → 16").isFalse();
        assertThat(ConvDispatch.slide(ConvDispatch.transposed(stem))).as("the stem's input gradient, 16 → 1").isFalse();
    }

    @Test
    void inputGradientThroughTheDispatchMatchesTheReference() {
        var rng = new Generator(41);
        ConvShape s = new ConvShape(3, 16, 13, 15, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 13, 15);
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cIn(), 3, 3};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
        Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
        Tensor ref = poisoned(xShape);
        REF.conv2dBackwardInput(ref, dy, w, s);
        Tensor dx = poisoned(xShape);
        ConvDispatch.conv2dBackwardInput(dx, dy, w, s);
        assertClose("input gradient " + s, dx, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
    }
}
