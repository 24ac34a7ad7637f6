package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DirectConvSlidePairs}: against the reference loop on odd sizes, paddings 0-2 (kernel rows on padding
 * skipped at the top and bottom), batch 1, groups, bias, one and two blocks of two vectors of out channels and
 * partial ones, rows cut into overlapping 7-wide tiles, one output row, into poisoned outputs, also from padded
 * copies of x; the same bits on 2 threads as on 1; the argument check; where {@link ConvDispatch} routes it, and its input gradient there.
 */
class DirectConvSlidePairsTest {

    /** {n, cIn, h, w, cOut, groups, padH, padW}: stride 1, 3×3. */
    private static final int[][] SHAPES = {
        {2, 32, 14, 14, 32, 1, 1, 1},  // kiln train cnn's 32-channel layer (2 samples): 2 tiles a row
        {2, 64, 7, 7, 64, 1, 1, 1},    // its 64-channel layer: 4 vectors, two blocks; one tile a row, both edges
        {1, 5, 9, 11, 40, 1, 1, 1},    // batch 1, odd sizes: 11-wide rows, the second tile overlapping; partial block
        {2, 7, 9, 9, 33, 1, 0, 0},     // no padding (rows 7 wide): every kernel row and column real; one lane of a
                                       // second block
        {2, 6, 6, 8, 9, 1, 2, 1},      // padding 2 rows: outputs 8 × 8, two kernel rows skipped on the first and last
        {2, 6, 9, 9, 32, 1, 0, 1},     // padding 1 column only: outputs 7 × 9
        {2, 64, 10, 15, 64, 2, 1, 1},  // two groups of 32
        {1, 3, 1, 7, 32, 1, 1, 1},     // one input row: one output row, one kernel row of three
        {3, 16, 17, 20, 32, 1, 1, 1},  // 20-wide rows: tiles at 0 (left edge), 7 (none) and 13 (right edge)
        {2, 32, 5, 28, 64, 1, 1, 1},   // 28-wide rows, two blocks
        {2, 32, 6, 14, 48, 1, 1, 1},   // a whole block, then a partial one
    };

    private static ConvShape shape(int[] g) {
        int padH = g[6];
        int padW = g[7];
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, 1, 1, padH, padW, 1, 1, g[5], g[2] + 2 * padH - 2,
                g[3] + 2 * padW - 2);
    }

    private static List<ConvShape> shapes() {
        return Arrays.stream(SHAPES).map(DirectConvSlidePairsTest::shape).toList();
    }

    @Test
    void matchesTheReferenceLoop() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        DirectForwardChecks.assertMatchesReference("slide pairs", DirectConvSlidePairs::forward,
                DirectConvSlidePairs::applies, shapes(), 43);
    }

    @Test
    void matchesTheReferenceLoopFromPaddedCopies() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        boolean was = DirectConvSlidePairs.inPlace;
        DirectConvSlidePairs.inPlace = false;
        try {
            DirectForwardChecks.assertMatchesReference("slide pairs, padded copies", DirectConvSlidePairs::forward,
                    DirectConvSlidePairs::applies, shapes(), 59);
        } finally {
            DirectConvSlidePairs.inPlace = was;
        }
    }

    @Test
    void sameBitsOnAnyThreadCount() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        var rng = new Generator(47);
        int threads = CpuBackend.threads();
        try {
            for (ConvShape s : shapes()) {
                float[] x = AbTiming.randn(rng, s.n() * s.cIn() * s.h() * s.w());
                float[] w = AbTiming.randn(rng, s.cOut() * s.cInPerGroup() * 9);
                float[] b = AbTiming.randn(rng, s.cOut());
                int outs = s.n() * s.cOut() * s.outH() * s.outW();
                CpuBackend.setThreads(1);
                float[] one = new float[outs];
                DirectConvSlidePairs.forward(one, 0, x, 0, w, 0, b, 0, s);
                CpuBackend.setThreads(2);
                float[] two = new float[outs];
                DirectConvSlidePairs.forward(two, 0, x, 0, w, 0, b, 0, s);
                assertThat(two).as("2 threads against 1, %s", s).isEqualTo(one);
            }
        } finally {
            CpuBackend.setThreads(threads);
        }
    }

    @Test
    void rejectsShapesItCannotCompute() {
        ConvShape strided = new ConvShape(1, 32, 14, 14, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 7, 7);
        ConvShape fiveByFive = new ConvShape(1, 32, 14, 14, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1, 14, 14);
        ConvShape dilated = new ConvShape(1, 32, 14, 14, 32, 3, 3, 1, 1, 2, 2, 2, 2, 1, 14, 14);
        ConvShape narrow = new ConvShape(1, 32, 6, 6, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 6, 6);
        ConvShape wideColumns = new ConvShape(1, 32, 14, 14, 32, 3, 3, 1, 1, 1, 2, 1, 1, 1, 14, 16);
        for (ConvShape s : new ConvShape[] {strided, fiveByFive, dilated, narrow, wideColumns}) {
            assertThat(DirectConvSlidePairs.applies(s)).as("applies to %s", s).isFalse();
            assertThatThrownBy(() -> DirectConvSlidePairs.forward(new float[1], 0, new float[1], 0, new float[1], 0,
                    null, 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DirectConvSlidePairs.forward").hasMessageContaining(s.toString());
        }
    }

    @Test
    void routesStrideOneLayersOfWholeBlocksWithSixteenLanes() {
        ConvShape c32 = new ConvShape(128, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14);
        ConvShape c64 = new ConvShape(128, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7);
        ConvShape r64 = new ConvShape(32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 56, 56);
        ConvShape r512 = new ConvShape(32, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7);
        ConvShape c16 = new ConvShape(128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape outs48 = new ConvShape(128, 32, 14, 14, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14);
        ConvShape in1024 = new ConvShape(8, 1024, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7);
        ConvShape large = new ConvShape(8, 64, 112, 112, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 112, 112);
        ConvShape strided = new ConvShape(32, 64, 56, 56, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1, 28, 28);
        ConvShape oneSample = new ConvShape(1, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7);
        boolean routed = Simd.ENABLED && Simd.F32.length() == 16 && DirectConvKernels.WIDE
                && DirectConvSlidePairs.enabled;
        for (ConvShape s : new ConvShape[] {c32, c64, r64, r512}) {
            assertThat(ConvDispatch.slidePairs(s)).as("forward %s", s).isEqualTo(routed);
            assertThat(ConvDispatch.slidePairs(ConvDispatch.transposed(s))).as("input gradient %s", s)
                    .isEqualTo(routed);
        }
        assertThat(ConvDispatch.slidePairs(c16)).as("16 channels (DirectConvSlide's)").isFalse();
        assertThat(ConvDispatch.slidePairs(outs48)).as("48 out channels, a partial block").isFalse();
        assertThat(ConvDispatch.slidePairs(in1024)).as("1024 input channels").isFalse();
        assertThat(ConvDispatch.slidePairs(large)).as("112 × 112 outputs").isFalse();
        assertThat(ConvDispatch.slidePairs(strided)).as("stride 2").isFalse();
        assertThat(ConvDispatch.slidePairs(oneSample)).as("one sample of 7 × 7").isFalse();
    }

    @Test
    void inputGradientThroughTheDispatchMatchesTheReference() {
        var rng = new Generator(53);
        for (ConvShape s : new ConvShape[] {
            // enough samples for the route (ConvDispatch.SLIDE_PAIRS_MIN_POSITIONS)
            new ConvShape(9, 32, 13, 15, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 13, 15),
            new ConvShape(33, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7),
        }) {
            assertThat(ConvDispatch.slidePairs(ConvDispatch.transposed(s))).as("routed: %s", s)
                    .isEqualTo(Simd.ENABLED && Simd.F32.length() == 16 && DirectConvKernels.WIDE
                            && DirectConvSlidePairs.enabled);
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
}
