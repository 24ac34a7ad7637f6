package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Pool3dOps;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Convolution (forward, input gradient, weight gradient) and pooling on the CPU against the
 * reference loops, on inputs at an offset and outputs in poisoned buffers: every stride, padding,
 * dilation and group layout of the geometry list, 1×1 kernels, kernels as large as the padded
 * input, and (outside the width passes) batches that span several blocks of {@link ConvDispatch};
 * forward through the direct loop, im2col + SGEMM and the grid kernel on every geometry, and through
 * {@link DirectConvChannels} (both register files' tiles) on every stride-1 one, its input gradient too,
 * and {@link DirectConvRows} (7 × 1 and 7 × 2) on every one whose rows are 7 outputs wide or more.
 * Bounds: rtol 1e-5 + atol 1e-5·√(terms summed).
 */
class ConvKernelsTest {

    /** {n, c, h, w, o, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups}. */
    private static final int[][] GEOMETRIES = {
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1},
        {2, 3, 7, 6, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {2, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {3, 2, 8, 7, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {1, 2, 9, 8, 2, 3, 2, 2, 3, 1, 0, 1, 1, 1},
        {2, 2, 9, 9, 3, 3, 3, 1, 1, 2, 2, 2, 2, 1},
        {2, 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2},
        {2, 3, 6, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3},
        {1, 3, 5, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 3},
        {3, 5, 4, 4, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1},
        {2, 5, 4, 6, 3, 1, 1, 2, 2, 0, 0, 1, 1, 1},
        {1, 2, 11, 13, 2, 5, 5, 3, 3, 2, 2, 1, 1, 1},
        {2, 2, 3, 3, 2, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {2, 2, 2, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 17, 5, 5, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 3, 10, 8, 2, 2, 3, 1, 1, 1, 2, 3, 2, 1},
        {4, 8, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 4},
        {2, 2, 1, 17, 3, 1, 5, 1, 2, 0, 2, 1, 1, 1},
        // input gradient by col2im with contiguous rows (strideW 1, strideH 2), wider than a vector
        {2, 3, 9, 37, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1},
        // a 1×1 kernel with padding: no transposed convolution (its padding would be negative)
        {2, 3, 4, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        // 1×1, stride 1, no padding, grouped: small images copied side by side, larger ones read in place
        {2, 6, 5, 7, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2},
        {2, 6, 16, 17, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2},
        // the grid kernel: several tiles of positions per plane and channel counts off the tile (6 → 10,
        // 5 → 7 with a 5×5 kernel, padding 2 and dilation 2 across rows), more channels than it takes
        {2, 6, 19, 23, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 5, 13, 11, 7, 5, 5, 1, 1, 2, 3, 2, 1, 1},
        // the channel-vectorized kernel's 8 x 8 transposing copies (8 lanes): 16 -> 16 on rows of 11, and
        // channel counts off the vector (12 -> 20, 9 -> 9 on rows of 8 with padding 2)
        {2, 16, 10, 11, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 12, 9, 13, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 9, 8, 8, 9, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        // strided: phase planes (stride 2; stride 3 × 2 with dilation 2 × 1)
        {2, 6, 15, 17, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {1, 3, 16, 13, 5, 5, 3, 3, 2, 2, 1, 2, 1, 1},
        {1, 70, 6, 9, 66, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        // the channel-vectorized tiles: out channels one past a vector and a tile (17, 33, 65), in channels
        // off any vector, planes that leave 1 to 11 positions for the last tile, dilation, groups of 20
        {2, 5, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 7, 5, 4, 65, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 3, 6, 3, 17, 3, 2, 1, 1, 2, 0, 2, 1, 1},
        {1, 40, 4, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1, 2},
        // the 16-register weight-gradient tiles of 3 out channels, the last with 2 (26 → 27), stride 2 too
        {2, 16, 6, 6, 26, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 16, 7, 6, 26, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        // the channel-blocked weight gradient over several chunks of samples, the last one shorter
        // (sample-minor chunks space its positions closer): 2, 2, 1 or 4, 1 samples of 28 × 28; 25, 2
        // of 7 × 7 at 16 lanes
        {5, 16, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {27, 16, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        // the 16-register 4 × 2 tile on pairs of channel blocks at one tap (an even number of blocks)
        {2, 32, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        // patch matrices above a band: bands of 20, 20 and 8 output rows; grouped, stride 2 (13, 13, 9)
        {2, 32, 48, 44, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 64, 70, 70, 4, 3, 3, 2, 1, 1, 1, 1, 1, 2},
    };

    /** Large enough that ConvDispatch splits the batch into several blocks and SGEMM goes multi-threaded. */
    private static final int[][] LARGE = {
        {40, 3, 64, 64, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {3, 32, 20, 20, 48, 3, 3, 1, 1, 1, 1, 1, 1, 2},
    };

    static ConvShape shape(int[] g) {
        int outH = (g[2] + 2 * g[9] - g[11] * (g[5] - 1) - 1) / g[7] + 1;
        int outW = (g[3] + 2 * g[10] - g[12] * (g[6] - 1) - 1) / g[8] + 1;
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13],
                outH, outW);
    }

    private static List<int[]> geometries() {
        List<int[]> all = new ArrayList<>(List.of(GEOMETRIES));
        if (!KernelCheck.WIDTH_PASS) {
            all.addAll(List.of(LARGE));
        }
        return all;
    }

    @Test
    void pathsAreChosenByShape() {
        // ResNet's 3×3 layers: the input gradient as a convolution; the stride-2 ones by col2im
        ConvShape s1 = shape(new int[] {32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1});
        ConvShape s2 = shape(new int[] {32, 64, 56, 56, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1});
        assertThat(ConvDispatch.transposable(s1)).isTrue();
        assertThat(ConvDispatch.transposable(s2)).isFalse();
        assertThat(ConvDispatch.transposed(s1)).isEqualTo(s1);
        // 576 × 56 floats an output row: 8 rows fill a band of 2^18, 5 reach 256 columns
        assertThat(ConvDispatch.rowsPerBand(s1)).isEqualTo(8);
        assertThat(ConvDispatch.rowsPerBand(shape(new int[] {2, 32, 48, 44, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1}))).isEqualTo(20);
        assertThat(ConvDispatch.rowsPerBand(shape(new int[] {32, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .as("7x7x512: samples side by side").isZero();
        // the weight gradient: 8 lanes of 64 × 576 partials; 256 × 2304 would need 19 MB of them
        assertThat(ConvDispatch.weightLanes(s1, 8)).isEqualTo(8);
        ConvShape s3 = shape(new int[] {32, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1});
        assertThat(ConvDispatch.weightLanes(s3, ConvDispatch.rowsPerBand(s3))).isZero();
        // kiln train cnn's 3×3 layers (16 to 64 channels, stride 1 and 2) take the grid kernel; wider
        // ones, larger images and 1×1 kernels im2col + SGEMM
        for (int c : new int[] {16, 32, 64}) {
            assertThat(ConvDispatch.grid(shape(new int[] {128, c, 28, 28, c, 3, 3, 1, 1, 1, 1, 1, 1, 1}))).isTrue();
        }
        assertThat(ConvDispatch.grid(shape(new int[] {128, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1}))).isTrue();
        assertThat(ConvDispatch.grid(shape(new int[] {32, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1}))).isFalse();
        assertThat(ConvDispatch.grid(shape(new int[] {128, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1}))).isTrue();
        assertThat(ConvDispatch.grid(s1)).as("64 planes of 58 x 58 floats: not in cache").isFalse();
        // the channel-vectorized forward: more than two vectors of out channels, stride 1 or 2, in place of the
        // positional tiles, and of im2col from 14 x 14 outputs up, reductions up to 256 x 9
        boolean vectors = Simd.ENABLED;
        assertThat(ConvDispatch.channels(shape(new int[] {128, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .isEqualTo(vectors && Simd.F32.length() <= 16);
        assertThat(ConvDispatch.channels(shape(new int[] {128, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .isEqualTo(vectors && Simd.F32.length() <= 8);
        // two vectors of out channels: with 16 registers and the 8 x 8 transposing copies, from as many inputs
        boolean two = ChannelsLast.VECTOR && !DirectConvKernels.WIDE;
        assertThat(ConvDispatch.channels(shape(new int[] {128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .isEqualTo(vectors && (Simd.F32.length() <= 4 || two));
        assertThat(ConvDispatch.channels(shape(new int[] {128, 8, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .isEqualTo(vectors && Simd.F32.length() <= 4);
        assertThat(ConvDispatch.channels(s1)).isEqualTo(vectors);
        assertThat(ConvDispatch.channels(s3)).isEqualTo(vectors);
        assertThat(ConvDispatch.channels(s2)).as("stride 2 onto 28 x 28").isEqualTo(vectors);
        assertThat(ConvDispatch.channels(shape(new int[] {128, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1})))
                .as("kiln train cnn's stride-2 32 -> 64: the positional tiles' shape").isEqualTo(vectors);
        assertThat(ConvDispatch.channels(shape(new int[] {32, 256, 14, 14, 512, 3, 3, 2, 2, 1, 1, 1, 1, 1})))
                .as("stride 2 onto 7 x 7, in place of im2col: on tap columns").isEqualTo(vectors && TapColumns.enabled);
        assertThat(ConvDispatch.channels(shape(new int[] {32, 64, 56, 56, 128, 3, 3, 3, 3, 1, 1, 1, 1, 1})))
                .as("stride 3").isFalse();
        assertThat(ConvDispatch.channels(shape(new int[] {32, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .as("a reduction of 512 x 9").isFalse();
        // the weight gradient: all tiles' vector partials in cache
        assertThat(ConvDispatch.gridWeight(shape(new int[] {128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1}))).isTrue();
        ConvShape s64 = shape(new int[] {128, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1});
        assertThat(DirectConvWeight.blocked(s64)).isEqualTo(Simd.ENABLED);
        assertThat(ConvDispatch.gridWeight(s64)).isTrue();
        assertThat(ConvDispatch.gridWeight(shape(new int[] {128, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1}))).isTrue();
        // ResNet-18's 512 channels on 7 × 7: the 16-register tiles (sample-minor rows), and the 32-register
        // ones where they skip the taps on padding; not on 4 × 4
        assertThat(ConvDispatch.gridWeight(shape(new int[] {32, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .isEqualTo(Simd.ENABLED && (!DirectConvKernels.WIDE || DirectConvWeight.ROWS));
        assertThat(ConvDispatch.gridWeight(shape(new int[] {32, 512, 4, 4, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1})))
                .isEqualTo(Simd.ENABLED && !DirectConvKernels.WIDE);
        // depthwise: each group's one channel fills a whole tile, 1024 groups of them 9 MB at 16 lanes
        assertThat(ConvDispatch.gridWeight(shape(new int[] {2, 1024, 14, 14, 1024, 3, 3, 1, 1, 1, 1, 1, 1, 1024})))
                .isEqualTo(Simd.F32.length() * 1024L * DirectConvKernels.OC * DirectConvWeightTiles.C * 9
                        <= ConvDispatch.GRID_MAX_PARTIALS);
        assertThat(ConvDispatch.grid(s2)).as("64 x 4 phase planes of 29 x 29").isFalse();
        // strided input gradients: one convolution of dy per phase of dx, for kiln train cnn's layers
        assertThat(ConvDispatch.phases(shape(new int[] {128, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1}))).isTrue();
        assertThat(ConvDispatch.phases(shape(new int[] {128, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1}))).isTrue();
        assertThat(ConvDispatch.phases(shape(new int[] {1, 3, 16, 13, 5, 5, 3, 3, 2, 2, 1, 2, 1, 1})))
                .as("dilated").isFalse();
        assertThat(ConvDispatch.phases(s2)).as("128 planes of dy, 28 x 28").isFalse();
        assertThat(ConvDispatch.grid(shape(new int[] {2, 16, 14, 14, 32, 1, 1, 1, 1, 0, 0, 1, 1, 1}))).isFalse();
        assertThat(ConvDispatch.pointwise(shape(new int[] {2, 6, 16, 17, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2}))).isTrue();
        assertThat(ConvDispatch.pointwise(shape(new int[] {2, 6, 5, 7, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2})))
                .as("35 positions").isFalse();
        assertThat(ConvDispatch.pointwise(shape(new int[] {2, 6, 32, 32, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1})))
                .as("stride 2").isFalse();
    }

    @Test
    void im2colWritesEveryEntryOfEveryBand() {
        // the stride-1 same-width rows take one flat copy per tap: compare with the definition, every
        // entry, on a NaN-filled buffer, for whole images and bands, paddings and dilations that put
        // taps wholly outside x
        int[][] geometries = {{1, 2, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1}, {1, 2, 6, 4, 1, 3, 3, 1, 1, 2, 1, 2, 1, 1},
            {1, 1, 3, 7, 1, 5, 5, 1, 1, 2, 2, 1, 1, 1}, {1, 3, 4, 6, 1, 1, 3, 1, 1, 0, 1, 1, 1, 1},
            {1, 2, 7, 5, 1, 3, 3, 1, 1, 3, 1, 3, 1, 1}, {1, 2, 6, 6, 1, 3, 3, 2, 1, 1, 1, 1, 1, 1}};
        var rng = new Generator(22);
        for (int[] g : geometries) {
            ConvShape s = shape(g);
            float[] x = new float[s.cIn() * s.h() * s.w()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            int k = s.patch();
            for (int[] band : new int[][] {{0, s.outH()}, {1, Math.min(3, s.outH())}, {s.outH() - 1, s.outH()}}) {
                int cols = (band[1] - band[0]) * s.outW();
                float[] col = new float[k * cols + 3];
                Arrays.fill(col, Float.NaN);
                ConvKernels.im2col(col, 1, cols, x, 0, s, 0, 0, s.cIn(), band[0], band[1]);
                int r = 0;
                for (int c = 0; c < s.cIn(); c++) {
                    for (int i = 0; i < s.kH(); i++) {
                        for (int j = 0; j < s.kW(); j++, r++) {
                            for (int oh = band[0]; oh < band[1]; oh++) {
                                for (int ow = 0; ow < s.outW(); ow++) {
                                    int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                                    int iw = ow * s.strideW() - s.padW() + j * s.dilationW();
                                    float want = ih < 0 || ih >= s.h() || iw < 0 || iw >= s.w() ? 0f
                                            : x[(c * s.h() + ih) * s.w() + iw];
                                    assertThat(col[1 + r * cols + (oh - band[0]) * s.outW() + ow])
                                            .as("%s band %s tap (%d, %d, %d) at (%d, %d)", s, Arrays.toString(band), c,
                                                    i, j, oh, ow).isEqualTo(want);
                                }
                            }
                        }
                    }
                }
                assertThat(col[0]).isNaN();
                assertThat(col[1 + k * cols]).as("nothing written past the band").isNaN();
            }
        }
    }

    @Test
    void warmCallsAllocateNoPatchMatrix() {
        // one block of 4 samples: the patch matrix is 576 × 1024 floats (2.4 MB), the weights (and the
        // input gradient's flipped copy) 147 kB
        ConvShape s = shape(new int[] {4, 64, 16, 16, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1});
        var rng = new Generator(20);
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
        Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 1, 0), wShape, Layout.CONTIGUOUS);
        Tensor y = poisoned(yShape);
        Tensor dx = poisoned(xShape);
        Tensor dw = poisoned(wShape);
        int threads = CpuBackend.threads();
        try {
            CpuBackend.setThreads(1); // everything runs, and allocates, on this thread
            long bound = 100_000;
            long least = Allocations.leastAllocatedBy(() -> {
                CPU.conv2d(y, x, w, null, s);
                CPU.conv2dBackwardInput(dx, y, w, s);
                CPU.conv2dBackwardWeight(dw, y, x, s);
            }, bound);
            assertThat(least).as("bytes allocated by a warm forward and backward").isLessThan(bound);
        } finally {
            CpuBackend.setThreads(threads);
        }
    }

    @Test
    void largeCasesSpanSeveralBlocks() {
        ConvShape s = shape(LARGE[0]);
        assertThat(ConvDispatch.samplesPerBlock(s)).isLessThan(s.n());
    }

    @Test
    void convolutionForwardAndBothGradientsMatchReference() {
        var rng = new Generator(16);
        for (int[] g : geometries()) {
            checkAgainstReference(shape(g), rng);
        }
    }

    /**
     * {n, c, h, w, o, kH, kW, sH, sW, padH, padW, dH, dW, groups} for the channel-vectorized forward's chunks
     * of input channels and its stride phases: chunks that do and do not divide the channels, stride 2
     * on odd and even sizes with padding 1 and 0, groups, out channels off the block.
     */
    private static final int[][] CHUNKED = {
        {2, 10, 6, 5, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 12, 7, 7, 70, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {2, 9, 9, 8, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {2, 9, 10, 11, 36, 3, 3, 2, 2, 0, 0, 1, 1, 1},
        {1, 8, 14, 14, 66, 3, 3, 2, 2, 1, 1, 1, 1, 2},
        {1, 6, 9, 10, 24, 3, 2, 2, 1, 1, 0, 1, 2, 1},
        {1, 5, 11, 12, 17, 5, 5, 3, 2, 2, 2, 1, 1, 1},
    };

    @Test
    void channelVectorizedForwardOverChunksAndStridePhasesMatchesReference() {
        var rng = new Generator(23);
        for (int[] g : CHUNKED) {
            ConvShape s = shape(g);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, s.cOut(), 1, 0), new int[] {s.cOut()}, Layout.OFFSET);
            Tensor ref = poisoned(yShape);
            REF.conv2d(ref, x, w, b, s);
            assertThat(DirectConvChannels.applies(s)).as("applies to %s", s).isEqualTo(Simd.ENABLED);
            if (!Simd.ENABLED) {
                continue;
            }
            int cpg = s.cInPerGroup();
            // one channel a chunk, 4 (not dividing 10, 9, 6, 5), the L1 budget's, all at once; both tiles one
            // after the other on the same chunks, whose cells (laid out by the tile's positions) differ
            for (int chunk : new int[] {1, 4, DirectConvChannels.budgetChunk(s, true), cpg}) {
                for (boolean wide : new boolean[] {true, false}) {
                    String what = "conv2d " + s + (wide ? " 6 x 4" : " 5 x 2") + ", chunks of " + chunk;
                    Tensor y = poisoned(yShape);
                    DirectConvChannels.forward(HostArrays.f(y), y.offset(), HostArrays.f(x), x.offset(), HostArrays.f(w),
                            w.offset(), HostArrays.f(b), b.offset(), s, wide, Math.min(chunk, cpg));
                    assertWrittenExactly(what, y);
                    assertClose(what, y, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
                }
            }
        }
    }

    @Test
    void channelChunksKeepEachChunksWeightsWithinTheirBudgetAndAreEven() {
        for (int c : new int[] {256, 100, 7}) {
            ConvShape s = shape(new int[] {32, c, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1});
            for (boolean wide : new boolean[] {true, false}) {
                assertThat(DirectConvChannels.chunk(s, wide)).isEqualTo(DirectConvChannels.CHUNKS
                        ? DirectConvChannels.budgetChunk(s, wide) : c);
                int chunk = DirectConvChannels.budgetChunk(s, wide);
                long per = 9L * DirectConvChannels.vectors(wide) * Simd.F32.length() * Float.BYTES;
                int most = (int) Math.min(c, DirectConvChannels.CHUNK_BYTES / per);
                int chunks = (c + most - 1) / most;
                assertThat(chunk * per).as("%d channels: a chunk's weights", c)
                        .isLessThanOrEqualTo(Math.max(per, DirectConvChannels.CHUNK_BYTES));
                // as few chunks as the budget allows, the last one short by less than a channel a chunk
                assertThat((c + chunk - 1) / chunk).as("%d channels: chunks", c).isEqualTo(chunks);
                assertThat(c - (chunks - 1) * chunk).as("%d channels: the last chunk", c).isGreaterThan(chunk - chunks);
            }
        }
    }

    @Test
    void geometriesOfTransposedConvolutionsMatchReference() {
        // convTranspose2d's output padding can leave a row or column the conv's output size formula
        // would count: the kernels take outH/outW as given
        var rng = new Generator(19);
        checkAgainstReference(new ConvShape(2, 2, 8, 8, 3, 3, 2, 1, 1, 1, 1, 2, 2, 1, 4, 6), rng);
        checkAgainstReference(new ConvShape(1, 4, 9, 10, 6, 3, 3, 2, 3, 1, 0, 1, 1, 2, 4, 3), rng);
    }

    private static void checkAgainstReference(ConvShape s, Generator rng) {
        {
            String what = "conv2d " + s;
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, s.cOut(), 1, 0), new int[] {s.cOut()}, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            double atol = 1e-5 * Math.sqrt(s.patch());
            for (Tensor bias : new Tensor[] {null, b}) {
                Tensor ref = poisoned(yShape);
                REF.conv2d(ref, x, w, bias, s);
                // the backend's choice, then each forward path on every geometry
                Tensor out = poisoned(yShape);
                CPU.conv2d(out, x, w, bias, s);
                Tensor direct = poisoned(yShape);
                ConvDispatch.direct(direct, x, w, bias, s);
                Tensor gemm = poisoned(yShape);
                ConvDispatch.im2col(gemm, x, w, bias, s);
                Tensor grid = poisoned(yShape);
                DirectConv.forward(HostArrays.f(grid), grid.offset(), HostArrays.f(x), x.offset(), HostArrays.f(w),
                        w.offset(), bias == null ? null : HostArrays.f(bias), bias == null ? 0 : bias.offset(), s);
                // the channel-vectorized kernel on every stride-1 geometry, whatever its channel counts, with
                // the tiles of 32 and of 16 vector registers (a machine runs one)
                Tensor wide = DirectConvChannels.applies(s) ? poisoned(yShape) : null;
                Tensor narrow = DirectConvChannels.applies(s) ? poisoned(yShape) : null;
                for (Tensor c : wide == null ? new Tensor[0] : new Tensor[] {wide, narrow}) {
                    DirectConvChannels.forward(HostArrays.f(c), c.offset(), HostArrays.f(x), x.offset(),
                            HostArrays.f(w), w.offset(), bias == null ? null : HostArrays.f(bias),
                            bias == null ? 0 : bias.offset(), s, c == wide);
                }
                String b1 = bias == null ? "" : " bias";
                for (Tensor[] r : new Tensor[][] {{out}, {direct}, {gemm}, {grid}, {wide}, {narrow}}) {
                    if (r[0] == null) {
                        continue;
                    }
                    String path = r[0] == out ? "" : r[0] == direct ? " direct" : r[0] == gemm ? " im2col"
                            : r[0] == grid ? " grid" : r[0] == wide ? " channels (6 x 4)" : " channels (5 x 2)";
                    assertWrittenExactly(what + path + b1 + " out", r[0]);
                    assertClose(what + path + b1 + " out", r[0], ref, 1e-5, atol);
                }
            }
            Tensor rdx = poisoned(xShape);
            REF.conv2dBackwardInput(rdx, dy, w, s);
            Tensor rdw = poisoned(wShape);
            REF.conv2dBackwardWeight(rdw, dy, x, s);
            // the backend's choice, then without the grid kernel, then the grid kernel on every shape
            // (for the input gradient: where that is a convolution, transposable, the forward of dy, else
            // without dilation one convolution per phase of dx)
            for (int path = 0; path < 3; path++) {
                String p = what + new String[] {"", " (no grid)", " (grid)"}[path];
                Tensor dx = poisoned(xShape);
                Tensor dw = poisoned(wShape);
                if (path == 2) {
                    ConvShape t = ConvDispatch.transposed(s);
                    if (ConvDispatch.transposable(s)) {
                        float[] wt = new float[s.cIn() * s.cOutPerGroup() * s.kH() * s.kW()];
                        ConvDispatch.flipTransposed(wt, HostArrays.f(w), w.offset(), s);
                        DirectConv.forward(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(), wt, 0, null, 0, t);
                    } else if (s.dilationH() == 1 && s.dilationW() == 1) {
                        DirectConvPhases.backwardInput(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(),
                                HostArrays.f(w), w.offset(), s);
                    } else {
                        REF.conv2dBackwardInput(dx, dy, w, s);
                    }
                    DirectConvWeight.weight(HostArrays.f(dw), dw.offset(), HostArrays.f(dy), dy.offset(), HostArrays.f(x),
                            x.offset(), s);
                } else {
                    ConvDispatch.conv2dBackwardInput(dx, dy, w, s, path == 0);
                    ConvDispatch.conv2dBackwardWeight(dw, dy, x, s, path == 0);
                }
                assertWrittenExactly(p + " dx", dx);
                assertClose(p + " dx", dx, rdx, 1e-5, 1e-5 * Math.sqrt((double) s.cOutPerGroup() * s.kH() * s.kW()));
                assertWrittenExactly(p + " dweight", dw);
                assertClose(p + " dweight", dw, rdw, 1e-5, 1e-5 * Math.sqrt((double) s.n() * s.outH() * s.outW()));
            }
            // the stride-1 input gradient by the channel-vectorized kernel (the forward of dy)
            ConvShape t = ConvDispatch.transposed(s);
            for (boolean wide : ConvDispatch.transposable(s) && DirectConvChannels.applies(t)
                    ? new boolean[] {true, false} : new boolean[0]) {
                String p = what + " (channels, " + (wide ? "6 x 4" : "5 x 2") + ") dx";
                Tensor dx = poisoned(xShape);
                float[] wt = new float[s.cIn() * s.cOutPerGroup() * s.kH() * s.kW()];
                ConvDispatch.flipTransposed(wt, HostArrays.f(w), w.offset(), s);
                DirectConvChannels.forward(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(), wt, 0, null, 0, t,
                        wide);
                assertWrittenExactly(p, dx);
                assertClose(p, dx, rdx, 1e-5, 1e-5 * Math.sqrt((double) s.cOutPerGroup() * s.kH() * s.kW()));
            }
            // the row tiles on every geometry they take, forward (with the bias) and stride-1 input gradient, both
            // tile widths (a machine routes one)
            for (int v = 1; v <= 2 && DirectConvRows.applies(s); v++) {
                Tensor y = poisoned(yShape);
                Tensor ref = poisoned(yShape);
                REF.conv2d(ref, x, w, b, s);
                DirectConvRows.forward(HostArrays.f(y), y.offset(), HostArrays.f(x), x.offset(), HostArrays.f(w),
                        w.offset(), HostArrays.f(b), b.offset(), s, v);
                assertWrittenExactly(what + " (rows, 7 x " + v + ") bias out", y);
                assertClose(what + " (rows, 7 x " + v + ") bias out", y, ref, 1e-5, atol);
            }
            for (int v = 1; v <= 2 && ConvDispatch.transposable(s) && DirectConvRows.applies(t); v++) {
                String p = what + " (rows, 7 x " + v + ") dx";
                Tensor dx = poisoned(xShape);
                float[] wt = new float[s.cIn() * s.cOutPerGroup() * s.kH() * s.kW()];
                ConvDispatch.flipTransposed(wt, HostArrays.f(w), w.offset(), s);
                DirectConvRows.forward(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(), wt, 0, null, 0, t, v);
                assertWrittenExactly(p, dx);
                assertClose(p, dx, rdx, 1e-5, 1e-5 * Math.sqrt((double) s.cOutPerGroup() * s.kH() * s.kW()));
            }
            // the channel-blocked weight gradient with the other register file's tiles (a machine runs one)
            if (DirectConvWeight.blocked(s)) {
                String p = what + " (blocked, " + (DirectConvKernels.WIDE ? "16" : "32") + " registers' tiles)";
                Tensor dw = poisoned(wShape);
                DirectConvWeight.blocked(HostArrays.f(dw), dw.offset(), HostArrays.f(dy), dy.offset(), HostArrays.f(x),
                        x.offset(), s, !DirectConvKernels.WIDE, DirectConvWeight.ROWS,
                        DirectConvWeightCopy.VECTOR);
                assertWrittenExactly(p + " dweight", dw);
                assertClose(p + " dweight", dw, rdw, 1e-5, 1e-5 * Math.sqrt((double) s.n() * s.outH() * s.outW()));
            }
        }
    }

    @Test
    void convolutionIsTheSameOnOneThread() {
        ConvShape s = shape(LARGE[1]);
        var rng = new Generator(17);
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.CONTIGUOUS);
        Tensor many = poisoned(wShape);
        CPU.conv2dBackwardWeight(many, dy, x, s);
        int threads = CpuBackend.threads();
        Tensor one = poisoned(wShape);
        try {
            CpuBackend.setThreads(1);
            CPU.conv2dBackwardWeight(one, dy, x, s);
        } finally {
            CpuBackend.setThreads(threads);
        }
        assertClose("conv2dBackwardWeight on 1 and " + threads + " threads", one, many, 0, 0);
    }

    @Test
    void poolingMatchesReference() {
        var rng = new Generator(18);
        int[][] inputs = {{1, 1, 1, 1}, {2, 3, 6, 6}, {2, 2, 7, 8}, {1, 2, 5, 5}, {3, 4, 9, 11}};
        if (!KernelCheck.WIDTH_PASS) {
            inputs = java.util.Arrays.copyOf(inputs, inputs.length + 1);
            inputs[inputs.length - 1] = new int[] {8, 16, 32, 32};
        }
        for (int[] shape : inputs) {
            List<PoolWindows> windows = new ArrayList<>();
            int k = Math.min(3, Math.min(shape[2], shape[3]));
            windows.add(PoolOps.maxPool2dWindows("test", shape, new int[] {k}, null, new int[] {k / 2}, new int[] {1},
                    true));
            windows.add(PoolOps.maxPool2dWindows("test", shape, new int[] {1, k}, new int[] {1, 2}, new int[] {0, 0},
                    new int[] {1}, false));
            windows.add(PoolOps.avgPool2dWindows("test", shape, new int[] {k}, new int[] {2}, new int[] {k / 2}, true,
                    false, null));
            windows.add(PoolOps.avgPool2dWindows("test", shape, new int[] {k}, new int[] {1}, new int[] {k / 2}, false,
                    true, 7));
            windows.add(PoolOps.adaptivePool2dWindows("test", shape, new int[] {3, 2}));
            windows.add(PoolOps.adaptivePool2dWindows("test", shape, new int[] {1, 1})); // global: the whole plane
            if (shape[2] >= 5 && shape[3] >= 5) {
                windows.add(PoolOps.maxPool2dWindows("test", shape, new int[] {3}, new int[] {1}, new int[] {1},
                        new int[] {2}, false));
            }
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(shape), 1, 0), shape, Layout.OFFSET);
            for (PoolWindows p : windows) {
                String what = "pool " + java.util.Arrays.toString(shape) + " -> " + p.outH() + "x" + p.outW();
                int[] yShape = {p.n(), p.c(), p.outH(), p.outW()};
                Tensor out = poisoned(yShape);
                Tensor idx = poisoned(DType.I32, yShape);
                Tensor rOut = poisoned(yShape);
                Tensor rIdx = poisoned(DType.I32, yShape);
                CPU.maxPool2d(out, idx, x, p);
                REF.maxPool2d(rOut, rIdx, x, p);
                assertWrittenExactly(what + " max", out);
                assertClose(what + " max", out, rOut, 0, 0);
                assertClose(what + " max indices", idx, rIdx, 0, 0);
                // the max's gradient: overlapping windows send several outputs to one input, summed in output order
                int[] planes = {p.n() * p.c(), p.outH() * p.outW()};
                Tensor gy = input(KernelCheck.randn(rng, KernelCheck.numel(planes), 1, 0), planes, Layout.OFFSET);
                Tensor gx = Tensor.zeros(p.n() * p.c(), p.h() * p.w());
                Tensor rgx = Tensor.zeros(p.n() * p.c(), p.h() * p.w());
                CPU.maxPoolBackward(gx, gy, rIdx.reshape(planes));
                REF.maxPoolBackward(rgx, gy, rIdx.reshape(planes));
                assertClose(what + " maxPoolBackward", gx, rgx, 0, 0);
                if (p.divisorAt(0, 0) == 0) {
                    continue; // max-pool windows carry no divisor
                }
                CPU.avgPool2d(out, x, p);
                REF.avgPool2d(rOut, x, p);
                assertClose(what + " avg", out, rOut, 1e-6, 1e-6);
                Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
                Tensor dx = poisoned(shape);
                Tensor rdx = poisoned(shape);
                CPU.avgPool2dBackward(dx, dy, p);
                REF.avgPool2dBackward(rdx, dy, p);
                assertWrittenExactly(what + " avg dx", dx);
                assertClose(what + " avg dx", dx, rdx, 1e-6, 1e-6);
            }
        }
    }

    @Test
    void pooling3dMatchesReference() {
        var rng = new Generator(21);
        int[][] inputs = {{1, 1, 1, 1, 1}, {2, 3, 4, 6, 5}, {1, 2, 5, 5, 7}};
        if (!KernelCheck.WIDTH_PASS) {
            inputs = java.util.Arrays.copyOf(inputs, inputs.length + 1);
            inputs[inputs.length - 1] = new int[] {4, 16, 8, 16, 16};
        }
        for (int[] shape : inputs) {
            int k = Math.min(3, Math.min(shape[2], Math.min(shape[3], shape[4])));
            List<PoolWindows3d> windows = new ArrayList<>();
            windows.add(Pool3dOps.maxPool3dWindows("test", shape, new int[] {k}, null, new int[] {k / 2}, new int[] {1},
                    true));
            windows.add(Pool3dOps.maxPool3dWindows("test", shape, new int[] {1, k, 1}, new int[] {1, 2, 1},
                    new int[] {0}, new int[] {1}, false));
            if (shape[2] >= 5 && shape[3] >= 5 && shape[4] >= 5) {
                windows.add(Pool3dOps.maxPool3dWindows("test", shape, new int[] {3}, new int[] {1}, new int[] {1},
                        new int[] {2, 1, 2}, false));
            }
            List<PoolWindows3d> averages = new ArrayList<>();
            averages.add(Pool3dOps.avgPool3dWindows("test", shape, new int[] {k}, new int[] {2}, new int[] {k / 2}, true,
                    false, null));
            averages.add(Pool3dOps.avgPool3dWindows("test", shape, new int[] {k, 1, k}, new int[] {1}, new int[] {k / 2, 0,
                k / 2}, false, true, 7));
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(shape), 1, 0), shape, Layout.OFFSET);
            for (PoolWindows3d p : windows) {
                String what = "maxPool3d " + java.util.Arrays.toString(shape) + " -> " + p.outD() + "x" + p.outH() + "x"
                        + p.outW();
                int[] yShape = {p.n(), p.c(), p.outD(), p.outH(), p.outW()};
                Tensor out = poisoned(yShape);
                Tensor idx = poisoned(DType.I32, yShape);
                Tensor rOut = poisoned(yShape);
                Tensor rIdx = poisoned(DType.I32, yShape);
                CPU.maxPool3d(out, idx, x, p);
                REF.maxPool3d(rOut, rIdx, x, p);
                assertWrittenExactly(what, out);
                assertClose(what, out, rOut, 0, 0);
                assertClose(what + " indices", idx, rIdx, 0, 0);
            }
            for (PoolWindows3d p : averages) {
                String what = "avgPool3d " + java.util.Arrays.toString(shape) + " -> " + p.outD() + "x" + p.outH() + "x"
                        + p.outW();
                int[] yShape = {p.n(), p.c(), p.outD(), p.outH(), p.outW()};
                Tensor out = poisoned(yShape);
                Tensor rOut = poisoned(yShape);
                CPU.avgPool3d(out, x, p);
                REF.avgPool3d(rOut, x, p);
                assertWrittenExactly(what, out);
                assertClose(what, out, rOut, 1e-6, 1e-6);
                Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
                Tensor dx = poisoned(shape);
                Tensor rdx = poisoned(shape);
                CPU.avgPool3dBackward(dx, dy, p);
                REF.avgPool3dBackward(rdx, dy, p);
                assertWrittenExactly(what + " dx", dx);
                assertClose(what + " dx", dx, rdx, 1e-6, 1e-6);
            }
        }
    }

    @Test
    void maxPooling3dFollowsPyTorchOnNaNAndInfinity() {
        int[] shape = {1, 1, 2, 1, 4};
        Tensor x = input(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, 1, Double.NaN,
            Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 2}, shape, Layout.OFFSET);
        PoolWindows3d p = Pool3dOps.maxPool3dWindows("test", shape, new int[] {2, 1, 2}, null, new int[] {0},
                new int[] {1}, false);
        Tensor out = poisoned(1, 1, 1, 1, 2);
        Tensor idx = poisoned(DType.I32, 1, 1, 1, 1, 2);
        CPU.maxPool3d(out, idx, x, p);
        assertThat(out.toDoubleArray()[0]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(out.toDoubleArray()[1]).isNaN();
        // an all −∞ window reports its first element; a NaN wins, the last NaN's index (depth 1, column 2)
        assertThat(idx.toDoubleArray()).containsExactly(0, 6);
    }

    @Test
    void maxPoolingFollowsPyTorchOnNaNAndInfinity() {
        int[] shape = {1, 1, 2, 4};
        Tensor x = input(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, 1, Double.NaN,
            Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 2}, shape, Layout.OFFSET);
        PoolWindows p = PoolOps.maxPool2dWindows("test", shape, new int[] {2}, null, new int[] {0}, new int[] {1}, false);
        Tensor out = poisoned(1, 1, 1, 2);
        Tensor idx = poisoned(DType.I32, 1, 1, 1, 2);
        CPU.maxPool2d(out, idx, x, p);
        assertThat(out.toDoubleArray()[0]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(out.toDoubleArray()[1]).isNaN();
        // an all −∞ window reports its first element; a NaN wins, the last NaN's index
        assertThat(idx.toDoubleArray()).containsExactly(0, 6);
    }
}
