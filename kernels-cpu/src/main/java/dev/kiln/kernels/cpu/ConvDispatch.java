package dev.kiln.kernels.cpu;

import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.kernels.cpu.gemm.SgemmPlan;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.HostArrays.REF;
import static dev.kiln.kernels.cpu.HostArrays.f;
import static dev.kiln.kernels.cpu.HostArrays.f32;

/**
 * CpuBackend's F32 convolution: im2col ({@link ConvKernels}) and Kiln's packed SGEMM, or the direct
 * kernels where the shape suits them ({@link #grid}: {@link DirectConv}, {@link #channels}:
 * {@link DirectConvChannels}, {@link #rows}: {@link DirectConvRows}, {@link #rowsNarrow}: {@link DirectConvRowsNarrow};
 * {@link #gridWeight}, {@link #phases}),
 * or forward for small patches
 * ({@link #DIRECT_MAX_PATCH}) the direct loop of {@link ConvKernels}. Samples are
 * taken in blocks whose patch matrices sit side by side, so a batch of small images makes one
 * large GEMM per group rather than many small ones; a sample whose patch matrix is larger than a
 * core's cache is cut into bands of output rows instead ({@link #rowsPerBand}), one thread per band; a block of one sample multiplies straight into
 * the output, and a 1×1 convolution with stride 1 and no padding on images of at least
 * {@link #POINTWISE_MIN_SPATIAL} positions reads its input as the patch matrix (no im2col at all); a strided
 * 1×1 convolution with few channels runs sample by sample in {@link DirectConvPointwise}, all three passes
 * ({@link #pointwiseStrided}). The input gradient of a stride-1 convolution is itself a convolution (of dy
 * with the flipped, transposed weight), so it takes the forward paths, whose GEMM sums over
 * out channels × taps; other strides take one stride-1 convolution of dy per phase of dx ({@link
 * #phaseChannels}, {@link #phases}) or fold a W_gᵀ · dy patch matrix back with col2im. The weight
 * gradient is dy · colᵀ per block, summing over the block's samples and positions, or over bands
 * into a few partial gradients ({@link #weightLanes}).
 *
 * <p>The block size depends only on the shape, the weight gradient adds the blocks' partial sums in
 * block order, and the threads split work whose pieces write disjoint outputs (samples × channels
 * for im2col and col2im, rows or columns for SGEMM), so results do not depend on the thread count.
 * Patch matrices live in per-thread buffers that grow on demand and are kept, as SGEMM's packing
 * buffers: a warm call allocates no large arrays. Other dtypes run the reference loops.
 */
final class ConvDispatch {
    private ConvDispatch() {
    }

    /** Patch-matrix elements per block of samples (16 MiB of F32), unless one sample needs more. */
    static final int BLOCK_ELEMENTS = 1 << 22;

    /** Samples per block: as many as fit in {@link #BLOCK_ELEMENTS}, at least one. */
    static int samplesPerBlock(ConvShape s) {
        long perSample = Math.max(1L, (long) s.patch() * s.outH() * s.outW());
        return (int) Math.max(1, Math.min(s.n(), BLOCK_ELEMENTS / perSample));
    }

    /** Patches up to this size (input channels per group × kH × kW) take the direct kernel forward. */
    static final int DIRECT_MAX_PATCH = 32;

    /**
     * Patch-matrix floats per band (1 MiB): a sample whose patch matrix is larger is cut into bands
     * of output rows, each unrolled and multiplied on one thread while its patch matrix is in that
     * core's cache (a patch matrix of many MiB would be read back from memory by the GEMM).
     */
    static final int BAND_ELEMENTS = 1 << 18;

    /** Output positions per band at least, so that a band's GEMM is wide enough to run at speed. */
    static final int BAND_MIN_COLUMNS = 256;

    /** Output rows per band, or 0 when one sample's patch matrix fits in {@link #BAND_ELEMENTS}. */
    static int rowsPerBand(ConvShape s) {
        long perRow = Math.max(1L, (long) s.patch() * s.outW());
        if (perRow * s.outH() <= BAND_ELEMENTS) {
            return 0;
        }
        long rows = Math.max(BAND_ELEMENTS / perRow, (BAND_MIN_COLUMNS + s.outW() - 1) / s.outW());
        return (int) Math.max(1, Math.min(s.outH(), rows));
    }

    /** Copy elements per task before im2col / col2im are split over threads. */
    private static final int GRAIN = 1 << 14;

    /** Per-thread scratch matrices, grown on demand and kept. */
    private static final class Scratch {
        float[] col = new float[0];
        float[] tmp = new float[0];
        float[] dy = new float[0];
        float[] part = new float[0];
        /** One band's patch matrix (each thread that runs bands has its own). */
        float[] band = new float[0];
        /** One band's weight gradient, before it is added to its lane's. */
        float[] bandPart = new float[0];
        /** The lanes' partial weight gradients. */
        float[] lanes = new float[0];
        /** The input gradient's flipped, transposed weight. */
        float[] wt = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Output positions per sample from which a 1×1 convolution multiplies sample by sample, reading x in place. */
    static final int POINTWISE_MIN_SPATIAL = 256;

    /**
     * A 1×1 kernel, stride 1, no padding, output the input's size, and enough positions per sample
     * for a GEMM of its own: the input is its own patch matrix. (Smaller images are copied side by
     * side as any other patch matrix, so that the GEMM is wide.)
     */
    static boolean pointwise(ConvShape s) {
        return s.kH() == 1 && s.kW() == 1 && s.strideH() == 1 && s.strideW() == 1 && s.padH() == 0 && s.padW() == 0
                && s.outH() == s.h() && s.outW() == s.w() && (long) s.outH() * s.outW() >= POINTWISE_MIN_SPATIAL;
    }

    /** False with {@code -Dkiln.conv.grid=false}: no shape takes {@link DirectConv} (A/B runs of a whole model). */
    static final boolean GRID = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.grid", "true").trim());

    /** Input (and output) channels per group up to which a convolution takes {@link DirectConv}. */
    static final int GRID_MAX_CHANNELS = 64;

    /**
     * Whether {@link DirectConv} computes this shape (forward, and the input gradient where it is a
     * stride-1 convolution itself; the weight gradient has a rule of its own, {@link #gridWeight}):
     * a kernel larger than 1×1 with at most
     * {@link #GRID_MAX_CHANNELS} channels per group in and out. There the patch matrix of
     * im2col is 9× the input (3×3) and the GEMM's inner dimension (channels × taps) is short, so
     * unrolling and packing cost as much as the multiply; the direct tiles read each padded input
     * plane from cache for every tap instead. Wider layers (ResNet-18's 128 to 512 channels) keep
     * im2col + SGEMM, whose packed blocking pays off there, and so do 1×1 kernels (a GEMM as they
     * stand, with no unrolling to save).
     */
    static boolean grid(ConvShape s) {
        return GRID && s.kH() * s.kW() > 1 && s.cInPerGroup() <= GRID_MAX_CHANNELS
                && s.cOutPerGroup() <= GRID_MAX_CHANNELS
                && (long) s.cInPerGroup() * DirectConv.Grid.of(s).plane() <= GRID_MAX_PLANES;
    }

    /**
     * Floats of a sample's padded input planes (one group) up to which {@link #grid} holds (512 KiB,
     * half a Zen 4 core's L2): every output tile reads all of them, so they must stay in cache.
     * ResNet-18's 64 channels of 56×56 (870 KiB) ran 0.86× of im2col + SGEMM forward (A/B, loaded machine).
     */
    static final int GRID_MAX_PLANES = 1 << 17;

    /**
     * Whether the weight gradient takes {@link DirectConvWeight}: a kernel larger than 1×1 where its
     * channel-blocked tiles can run ({@link DirectConvWeight#blocked}: they stream one block of
     * input channels at a time, so unlike the forward they need neither few channels nor small
     * planes), with at most {@link #GRID_MAX_CHANNELS} channels per group in and out, or outputs of
     * at least {@link #BLOCKED_MIN_SPATIAL} positions ({@link #BLOCKED_ROWS_MIN_SPATIAL} where the
     * tiles skip the taps on padding), or where the sample-minor tiles of 16
     * registers run ({@link DirectConvWeight#sampleMinor}: on AVX2, ConvWeightAB, one thread,
     * loaded machine, ResNet-18's 512 channels on 7 × 7 at batch 32 ran 1.12-1.15× and 256 → 512
     * at stride 2 1.08-1.09× im2col + SGEMM); otherwise where
     * {@link #grid} holds and the vector partial sums of all the positional tiles (groups × out × in
     * channels per group, each rounded up to the tile, × taps × a vector) fit in
     * {@link #GRID_MAX_PARTIALS} floats, since each chunk of samples loads and stores every one of
     * them. In A/B runs (AVX-512, 16 lanes) 32 × 32 channels (590 KB of partials) ran 1.4-3× faster
     * than im2col + SGEMM, 64 × 32 (1.2 MB) 0.76× and 64 × 64 (2.4 MB) 0.74-1.0×.
     */
    static boolean gridWeight(ConvShape s) {
        if (!GRID || s.kH() * s.kW() == 1) {
            return false;
        }
        if (DirectConvWeight.blocked(s)) {
            return s.cInPerGroup() <= GRID_MAX_CHANNELS && s.cOutPerGroup() <= GRID_MAX_CHANNELS
                    || (long) s.outH() * s.outW()
                            >= (DirectConvWeight.ROWS ? BLOCKED_ROWS_MIN_SPATIAL : BLOCKED_MIN_SPATIAL)
                    || DirectConvWeight.sampleMinor(s, DirectConvKernels.WIDE);
        }
        long out = (s.cOutPerGroup() + DirectConvKernels.OC - 1) / DirectConvKernels.OC * DirectConvKernels.OC;
        long in = (s.cInPerGroup() + DirectConvWeightTiles.C - 1) / DirectConvWeightTiles.C * DirectConvWeightTiles.C;
        return grid(s) && s.groups() * out * in * s.kH() * s.kW() * Simd.F32.length() <= GRID_MAX_PARTIALS;
    }

    /**
     * Output positions from which a weight gradient with more than {@link #GRID_MAX_CHANNELS}
     * channels takes the channel-blocked tiles (14 × 14). ConvWeightAB, one thread, AVX-512, loaded
     * machine, against im2col + SGEMM: kiln train cnn's 3×3 layers 1.5-2×; ResNet-18's at batch 32
     * 1.1-1.3× from 64 channels on 56 × 56 to 256 on 14 × 14, but 0.85× with 256 and 512 channels on
     * 7 × 7 outputs, where a tile's rows of 7 positions leave more loop than arithmetic (the
     * sample-minor tiles of 16 registers run rows of a whole chunk of samples instead).
     */
    static final int BLOCKED_MIN_SPATIAL = 196;

    /**
     * {@link #BLOCKED_MIN_SPATIAL} where the tiles skip the taps that read padding ({@link
     * DirectConvWeight#ROWS}): 7 × 7, as on 7 × 7 outputs with padding 1 a fifth of the taps were
     * padding. ConvWeightAB, one thread, AVX-512, against im2col + SGEMM: ResNet-18's 512 channels
     * on 7 × 7 at batch 32 1.08-1.12×, 256 → 512 at stride 2 1.01-1.03× (four runs).
     */
    static final int BLOCKED_ROWS_MIN_SPATIAL = 49;

    /** Floats of the direct weight gradient's vector partials at most (1 MiB, a Zen 4 core's L2). */
    static final int GRID_MAX_PARTIALS = 1 << 18;

    static void conv2d(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        if (!f32(out, x, weight, bias)) {
            REF.conv2d(out, x, weight, bias, s);
        } else if (winograd(s) && ConvWinograd.forward(f(out), out.offset(), f(x), x.offset(), f(weight),
                weight.offset(), bias == null ? null : f(bias), bias == null ? 0 : bias.offset(), s)) {
            // done; a non-finite output falls through to a direct path, which keeps an infinite input's ±∞
        } else if (stem(s)) {
            DirectConvStem.forward(f(out), out.offset(), f(x), x.offset(), f(weight), weight.offset(),
                    bias == null ? null : f(bias), bias == null ? 0 : bias.offset(), s);
        } else if (slideStrided(s) || slidePairs(s) || grid(s) || channels(s) || rows(s) || rowsNarrow(s)) {
            grid(out, x, weight, bias, s);
        } else if (s.patch() <= DIRECT_MAX_PATCH && s.kH() * s.kW() > 1) {
            // few channels (a depthwise layer) on images whose planes are too large for the grid: a GEMM
            // of a few dozen inner terms wastes its blocking
            direct(out, x, weight, bias, s);
        } else if (pointwiseStrided(s)) {
            DirectConvPointwise.forward(f(out), out.offset(), f(x), x.offset(), f(weight), weight.offset(),
                    bias == null ? null : f(bias), bias == null ? 0 : bias.offset(), s);
        } else {
            im2col(out, x, weight, bias, s);
        }
    }

    /**
     * Whether the forward (and the stride-1 input gradient, a forward of dy) takes {@link ConvWinograd}, F(2×2, 3×3),
     * before every other path: a shape it applies to (3×3, stride 1, no dilation, padding 0 to 2) where it won
     * ({@link #winogradWins}). {@code -Dkiln.conv.winograd=false} turns it off (A/B runs flip {@link #winogradRoute}).
     * Not bit-equal to the direct paths: its error is a few float ulps of the sum of |terms|, as theirs.
     */
    static boolean winograd(ConvShape s) {
        return winogradRoute && ConvWinograd.applies(s) && (winogradAll || winogradWins(s));
    }

    /** False with {@code -Dkiln.conv.winograd=false}; A/B harnesses flip it. */
    static boolean winogradRoute = ConvWinograd.ENABLED;

    /** Every shape {@link ConvWinograd} applies to, whether it won or not (A/B harnesses). */
    static boolean winogradAll = false;

    /**
     * The shapes on which {@link ConvWinograd} beat the path before, by register count: at least {@link
     * #WINOGRAD_MIN_CHANNELS} channels per group in and out (a GEMM over fewer input channels is mostly transforms) and
     * at most {@link #WINOGRAD_MAX_PAIRS} (channel pairs) × 16 transformed weights; with 32 registers also at least
     * {@link #WINOGRAD_WIDE_MIN_CHANNELS} input channels and outputs of at least {@link #WINOGRAD_WIDE_MIN_SPATIAL}.
     * ConvWinogradAB (one JVM, interleaved, a loaded host), against the path before, forward / input gradient. AVX2,
     * 1 thread (CPU time) then 2 (wall): kiln train cnn's (batch 128) 16 on 28 × 28 1.02-1.14 / 1.06-1.07, then 1.24
     * / 1.16; 32 on 14 × 14 1.13-1.19 / 1.23-1.27, 1.33 / 1.16; 64 on 7 × 7 1.03-1.06 / 1.03-1.06, 1.37 / 1.04;
     * ResNet-18's (batch 32) 64 on 56 × 56 1.66 / 1.68, 1.46 / 1.72; 128 on 28 × 28 1.48 / 1.47, 1.25 / 1.46; 256 on
     * 14 × 14 1.40 / 1.39, 1.15 / 1.46; but 512 on 7 × 7 0.75 / 0.76, 0.68 / 0.73 (every block of 16 tiles streams
     * all 16 MB of transformed weights). AVX-512, 1 thread then 2: ResNet-18's 64 on 56 × 56 1.06 / 1.17, 1.06 / 1.01;
     * 128 on 28 × 28 1.05 / 1.09, 1.11 / 1.08; 256 on 14 × 14 0.98 / 1.00, 0.88 / 0.91; 512 on 7 × 7 0.44-0.46; kiln train cnn's 0.44-0.69 (rows of 14, 7 and 4
     * tiles leave most of 16 lanes idle in the transforms, and the direct kernels run at 80-110 GFLOP/s there).
     */
    static boolean winogradWins(ConvShape s) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        if (cpg < WINOGRAD_MIN_CHANNELS || opg < WINOGRAD_MIN_CHANNELS || (long) cpg * opg > WINOGRAD_MAX_PAIRS) {
            return false;
        }
        return !DirectConvKernels.WIDE
                || cpg >= WINOGRAD_WIDE_MIN_CHANNELS && (long) s.outH() * s.outW() >= WINOGRAD_WIDE_MIN_SPATIAL;
    }

    /** Channels per group in and out from which {@link #winogradWins} holds (kiln train cnn's 16). */
    static final int WINOGRAD_MIN_CHANNELS = 16;

    /** Input × output channels per group up to which {@link #winogradWins} holds (256 × 256, not 512 × 512). */
    static final long WINOGRAD_MAX_PAIRS = 256L * 256;

    /** Input channels per group from which {@link #winogradWins} holds with 32 registers (ResNet-18's 64). */
    static final int WINOGRAD_WIDE_MIN_CHANNELS = 64;

    /** Output positions from which {@link #winogradWins} holds with 32 registers (28 × 28). */
    static final int WINOGRAD_WIDE_MIN_SPATIAL = 28 * 28;

    /**
     * Whether the forward takes {@link DirectConvStem} (vectors along the output plane, stored straight into NCHW)
     * rather than the direct tiles: a shape {@link #grid} takes and {@link DirectConvStem#applies} to, stride 1, no
     * dilation, at least {@link DirectConvStem#OC} out channels per group; with 32 registers a 3×3 kernel and one
     * input channel per group, with 16 a kernel of at most 7×7 and up to three input channels. ConvStemAB (one JVM,
     * interleaved, CPU time, the Xeon loaded by other JVMs, 1 and 2 threads), against the path before: kiln train
     * cnn's stem 1 → 16 on 28 × 28 (batch 128) 1.26-1.38× at AVX-512 (positional tiles) and 1.15-1.26× at AVX2;
     * 3 → 16 and 3 → 32 on 32 × 32 (batch 32) 1.06-1.94× at AVX2 (channel tiles for 32) but 0.96-1.14× at AVX-512;
     * with 5×5 and 7×7 kernels ({@code -Dab.k}) at AVX2 0.99-1.84× (all but one run 1.07× or more), at AVX-512
     * 1.01-1.09× and 0.89-1.02×, so not those there. Forward only: the input gradient of such a layer has many
     * input channels. {@code -Dkiln.conv.stem=false} turns it off (A/B runs).
     */
    static boolean stem(ConvShape s) {
        boolean shape = DirectConvKernels.WIDE
                ? s.kH() == 3 && s.kW() == 3 && s.cInPerGroup() == 1
                : s.kH() <= 7 && s.kW() <= 7 && s.cInPerGroup() <= 3;
        return GRID && DirectConvStem.enabled && DirectConvStem.applies(s) && shape && s.kH() * s.kW() > 1
                && s.dilationH() == 1 && s.dilationW() == 1 && s.cOutPerGroup() >= DirectConvStem.OC && grid(s);
    }

    /**
     * Whether a 1×1 convolution with a stride above 1 takes {@link DirectConvPointwise} (forward and both
     * gradients) rather than im2col + SGEMM and col2im: at most {@link DirectConvPointwise#MAX_CHANNELS}
     * channels per group, no padding (kiln train cnn's 16 → 32 and 32 → 64 shortcuts; ResNet-18's wider ones
     * keep SGEMM). ConvPointwiseAB (one JVM, interleaved, CPU time, batch 128, the Xeon loaded by other JVMs,
     * 1 and 2 threads), against those paths: 16 → 32 forward 1.52-1.61×, input gradient 1.42-2.12×, weight
     * gradient 1.50-1.81×; 32 → 64 1.11-1.48×, 1.17-1.43× and 1.16-1.34×, at AVX-512 and AVX2 alike. The tiles
     * are sized by the register file (16 vector registers' worth), not by vendor.
     * {@code -Dkiln.conv.pointwiseStrided=false} turns it off (A/B runs; ConvPointwiseAB).
     */
    static boolean pointwiseStrided(ConvShape s) {
        return DirectConvPointwise.ENABLED && DirectConvPointwise.applies(s);
    }

    /**
     * The direct kernels: {@link DirectConvSlide} where {@link #slide} holds, {@link DirectConvRows} where
     * {@link #rows} does, {@link DirectConvRowsNarrow} where {@link #rowsNarrow} does, else {@link DirectConvChannels}
     * where {@link #channels} holds, else {@link DirectConv}.
     */
    static void grid(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        gridForward(f(out), out.offset(), f(x), x.offset(), f(weight), weight.offset(),
                bias == null ? null : f(bias), bias == null ? 0 : bias.offset(), s);
    }

    /**
     * y = conv2d(x, w) + bias by the direct kernels, for a shape {@link #grid}, {@link #channels}, {@link #rows} or
     * {@link #rowsNarrow} takes.
     */
    static void gridForward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                            ConvShape s) {
        if (slide(s)) {
            DirectConvSlide.forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s);
        } else if (slideStrided(s)) {
            DirectConvSlideStrided.forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s);
        } else if (slidePairs(s)) {
            DirectConvSlidePairs.forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s);
        } else if (rows(s)) {
            DirectConvRows.forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s);
        } else if (rowsNarrow(s)) {
            DirectConvRowsNarrow.forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s);
        } else if (channels(s)) {
            DirectConvChannels.forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s);
        } else {
            DirectConv.forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s);
        }
    }

    /**
     * Whether the forward (and the stride-1 input gradient, a forward of dy) takes {@link DirectConvSlide}
     * rather than {@link DirectConv}'s positional tiles: 32 vector registers, a shape {@link #grid} takes and
     * {@link DirectConvSlide#applies} to (stride 1, 3×3, rows at least 7 wide), one vector of out channels per
     * group exactly and at least as many input channels (kiln train cnn's 16 → 16 at AVX-512). ConvSlideAB (one
     * JVM, interleaved, CPU time, the Xeon at AVX-512, a loaded host), against the positional tiles, forward /
     * input gradient, 1 thread then 2: 16 on 28 × 28 (batch 128) 1.23 / 1.37, 1.20 / 1.29; 56 × 56 (batch 32)
     * 1.22 / 1.29, 1.28 / 1.29; 14 × 14 1.42-1.43, 1.39-1.42; 7 × 7 1.12 / 1.45, 1.38-1.39. The stem (1 → 16) ran
     * 0.75-0.80 and its input gradient (16 → 1) 0.38-0.47, so not those; at AVX2 (two blocks of 8, 6 or 8
     * positions) 0.87-1.04 of the channel tiles, so 32 registers only.
     * {@code -Dkiln.conv.slide=false} turns it off (A/B runs).
     */
    static boolean slide(ConvShape s) {
        return GRID && DirectConvSlide.enabled && DirectConvKernels.WIDE && DirectConvSlide.applies(s) && grid(s)
                && s.cOutPerGroup() == Simd.F32.length() && s.cInPerGroup() >= Simd.F32.length();
    }

    /**
     * Whether a stride-2 forward takes {@link DirectConvSlideStrided} (out channels in the lanes, each input broadcast
     * into every kernel column it meets, stored straight into NCHW) rather than {@link #rows}, {@link #channels} or
     * the positional tiles: 32 vector registers and a shape it applies to (3×3, padding 1, whole vectors of out
     * channels, outputs 7 or at least 14 wide). ConvSlideStridedAB (one JVM, interleaved, AVX-512, a loaded host),
     * against those paths, 1 thread / 2 threads by CPU time: kiln train cnn's 16 → 32 1.32 / 1.27 and 32 → 64 1.06 /
     * 1.08 (row tiles); ResNet-18's (batch 32) 64 → 128 1.24 / 1.11 (channel tiles), 128 → 256 1.21 / 1.08 and 256 →
     * 512 1.03 / 1.04 (row tiles). {@code -Dkiln.conv.slideStrided=false} turns it off (A/B runs).
     */
    static boolean slideStrided(ConvShape s) {
        return GRID && DirectConvSlideStrided.enabled && DirectConvKernels.WIDE && DirectConvSlideStrided.applies(s);
    }

    /**
     * Whether the forward (and the stride-1 input gradient, a forward of dy) takes {@link DirectConvSlidePairs}
     * rather than {@link #rows}, {@link #channels} or {@link #grid}'s positional tiles: 16 lanes and 32 vector
     * registers, a shape {@link DirectConvSlidePairs#applies} to (stride 1, undilated 3×3, at most one column of
     * padding, rows at least 7 wide), whole blocks of two vectors of out channels per group (32, 64, ... 512),
     * from two vectors up to {@link #SLIDE_PAIRS_MAX_CHANNELS} input channels per group, at most {@link
     * #CHANNELS_MAX_SPATIAL} outputs a plane and at least {@link #SLIDE_PAIRS_MIN_POSITIONS} a call. ConvSlidePairsAB (one JVM, interleaved, CPU time, the Xeon at AVX-512, a loaded host),
     * against the path before, forward / input gradient, 1 thread: kiln train cnn's 32 on 14 × 14 1.37-1.69 /
     * 1.33-1.66, 64 on 7 × 7 1.28-1.64 / 1.20-1.54 (batch 128); 32 on 28 × 28 1.39; ResNet-18's (batch 32) 64 on
     * 56 × 56 1.24, 128 on 28 × 28 1.38 / 1.43, 256 on 14 × 14 1.28 / 1.37, 512 on 7 × 7 1.27 / 1.20; on 2 threads
     * 1.47-1.58 (cnn) and 1.20-1.45 (ResNet-18). {@code -Dkiln.conv.slidePairs=false} turns it off (A/B runs).
     */
    static boolean slidePairs(ConvShape s) {
        return GRID && DirectConvSlidePairs.enabled && DirectConvKernels.WIDE && Simd.F32.length() == 16
                && DirectConvSlidePairs.applies(s) && s.cOutPerGroup() % DirectConvSlidePairs.WIDTH == 0
                && s.cInPerGroup() >= 2 * Simd.F32.length() && s.cInPerGroup() <= SLIDE_PAIRS_MAX_CHANNELS
                && (long) s.outH() * s.outW() <= CHANNELS_MAX_SPATIAL
                && (long) s.n() * s.outH() * s.outW() >= SLIDE_PAIRS_MIN_POSITIONS;
    }

    /**
     * Output positions of a call (samples × plane) from which {@link #slidePairs} holds, ResNet-18's 512 on 7 × 7 at
     * batch 32: every call packs its weights (2.4 M floats there) and every 7-position tile streams a block's, so
     * few positions pay for them with little work; one sample, 2 threads, wall: 512 on 7 × 7 0.47-0.60× of the row
     * tiles, 256 on 14 × 14 1.55 forward but 0.78 input gradient (ConvSlidePairsAB, loaded).
     */
    static final int SLIDE_PAIRS_MIN_POSITIONS = 32 * 7 * 7;

    /**
     * Input channels per group up to which {@link #slidePairs} holds (ResNet-18's 512, as measured): a block's
     * weights, 590 KB there, stream from L2 for every tile.
     */
    static final int SLIDE_PAIRS_MAX_CHANNELS = 512;

    /**
     * Whether the forward takes {@link DirectConvChannels} (vectors of out channels) rather than
     * {@link DirectConv}'s vectors of positions or im2col + SGEMM: stride 1 or 2 (the same both ways), a
     * kernel larger than 1×1, more than two vectors of out channels per group (64 at AVX-512, 32 and 64
     * at AVX2; with two, kiln train cnn's 32 at AVX-512, it ran 0.5-0.96× of the positional tiles), or
     * two with 16 registers and {@link ChannelsLast}'s vector copies when there are as many input
     * channels (16 → 16 at AVX2: 1.11-1.21× on 7 × 7 to 56 × 56, one thread and two; with 1, 3 or 8
     * inputs 0.5-1.0×), a reduction (input channels per group × taps) of at most
     * {@link #CHANNELS_MAX_REDUCTION}, at most {@link #CHANNELS_MAX_SPATIAL} output positions, and either
     * a shape the positional tiles would take ({@link #grid}) or at least {@link #CHANNELS_MIN_SPATIAL}. In
     * ConvChannelsAB (one JVM, interleaved, CPU time), against the positional tiles: kiln train cnn's 64
     * channels on 7 × 7 1.06-1.07× at AVX-512 and 1.31-1.33× at AVX2, its stride-2 32 → 64 1.22-1.24× and
     * 1.41×; against im2col + SGEMM, ResNet-18's 3×3 layers from 64 channels on 56 × 56 to 256 on 14 × 14
     * and its stride-2 64 → 128 and 128 → 256, 1.00-1.09× at AVX-512 (1 and 2 threads) and 1.08-1.11× at
     * AVX2 (1 thread). Smaller strided outputs where {@link TapColumns} pays (ResNet-18's stride-2 256 → 512
     * onto 7 × 7: 1.11-1.18× of im2col at AVX2, ConvStridedAB, 1 and 2 threads). {@link #slidePairs}, {@link #rows}
     * and {@link #rowsNarrow} go first where they hold.
     */
    static boolean channels(ConvShape s) {
        return GRID && DirectConvChannels.applies(s) && s.strideH() == s.strideW() && s.strideH() <= 2
                && (s.cOutPerGroup() > 2 * Simd.F32.length()
                    || ChannelsLast.VECTOR && !DirectConvKernels.WIDE && s.cOutPerGroup() == 2 * Simd.F32.length()
                        && s.cInPerGroup() >= 2 * Simd.F32.length())
                && (long) s.cInPerGroup() * s.kH() * s.kW() <= CHANNELS_MAX_REDUCTION
                && (long) s.outH() * s.outW() <= CHANNELS_MAX_SPATIAL
                && (grid(s) || (long) s.outH() * s.outW() >= CHANNELS_MIN_SPATIAL
                    || TapColumns.applies(s, chunks(s), DirectConvChannels.positions(DirectConvKernels.WIDE)));
    }

    /** The chunks of input channels {@link DirectConvChannels} sums a group's channels in (one by default). */
    private static int chunks(ConvShape s) {
        int chunk = DirectConvChannels.chunk(s, DirectConvKernels.WIDE);
        return (s.cInPerGroup() + chunk - 1) / chunk;
    }

    /**
     * Whether the forward (and the stride-1 input gradient, a forward of dy) takes {@link DirectConvRows},
     * whose row tiles run only the taps that read real input, rather than {@link #channels}, {@link #grid}
     * or im2col + SGEMM: 32 vector registers (its 7 × 2 tile; with 16, 7 × 1 ran 0.64-0.77× of the old
     * paths on ResNet-18's layers and 7 × 2 spills), stride 1 or 2, a 3×3 kernel with padding of at most 1
     * and no dilation (as measured: there a tap loses at most one position of a tile, and the 6-position
     * body runs it; the one-position runs of wider padding are correct but unmeasured), at least two
     * vectors of channels per group in and out, a reduction of at most {@link #ROWS_MAX_REDUCTION} and
     * input planes of at most {@link #ROWS_MAX_SPATIAL}. ConvRowsAB (one JVM, interleaved, CPU time,
     * AVX-512, batch 32 for ResNet-18, 128 for kiln train cnn; 1 and 2 threads), against the path before:
     * 512 channels on 7 × 7 1.25-1.35× (im2col), stride-2 256 → 512 1.15-1.20× (im2col), 256 on 14 × 14
     * 1.10-1.14×, 128 on 28 × 28 1.06×, stride-2 128 → 256 1.07-1.08×, cnn's 64 on 7 × 7 1.23-1.31×
     * and stride-2 32 → 64 1.07-1.11× (channel tiles), cnn's 32 on 14 × 14 1.03-1.13× (positional tiles).
     * Batches of samples through each block where the packed weights overflow half a core's L2 were tried and
     * removed: 1.41-1.68× on 512 × 7 × 7 by CPU time with other JVMs thrashing the L3, 0.95-1.11× by wall time.
     * At stride 2 one vector of input channels is enough ({@link #rowsOneVectorIn}). {@link #slidePairs} goes
     * first where it holds (the stride-1 layers above).
     */
    static boolean rows(ConvShape s) {
        return GRID && DirectConvKernels.WIDE && DirectConvRows.applies(s) && s.strideH() == s.strideW()
                && s.strideH() <= 2 && s.kH() == 3 && s.kW() == 3 && s.padH() <= 1 && s.padW() <= 1
                && s.dilationH() == 1 && s.dilationW() == 1
                && s.cInPerGroup() >= (rowsOneVectorIn && s.strideH() == 2 ? 1 : 2) * Simd.F32.length()
                && s.cOutPerGroup() >= 2 * Simd.F32.length()
                && (long) s.cInPerGroup() * s.kH() * s.kW() <= ROWS_MAX_REDUCTION
                && ((long) s.h() * s.w() <= ROWS_MAX_SPATIAL
                    || rowBandsRoute && DirectConvRows.bands(s) && (long) s.h() * s.w() <= ROWS_BANDS_MAX_SPATIAL);
    }

    /**
     * Whether {@link #rows} takes planes up to {@link #ROWS_BANDS_MAX_SPATIAL} in bands of rows: off by default, as
     * on ResNet-18's 64 × 56 × 56 it did not beat {@link #channels} (see {@link #ROWS_MAX_SPATIAL});
     * {@code -Dkiln.conv.rowBandsRoute=true} turns it on.
     */
    static boolean rowBandsRoute = Boolean.getBoolean("kiln.conv.rowBandsRoute");

    /** Input positions per plane up to which {@link #rows} holds in bands of rows (56 × 56). */
    static final int ROWS_BANDS_MAX_SPATIAL = 56 * 56;

    /**
     * Whether the forward (and the stride-1 input gradient, through {@link DirectConvRowsNarrow#backwardInput},
     * which packs the flipped, transposed weights straight from w in parallel rather than after the serial
     * {@link #flipTransposed}) takes {@link DirectConvRowsNarrow}, the row tiles
     * for 16 vector registers (5 positions × 2 vectors over padded planes), rather than {@link #channels}:
     * 16 registers and 8 lanes (AVX2), stride 1, a 3×3 kernel with padding of at most 1 and no dilation,
     * at least {@link #ROWS_NARROW_MIN_CHANNELS} channels per group in and out, a reduction of at most
     * {@link #ROWS_NARROW_MAX_REDUCTION} and at most {@link #ROWS_NARROW_MAX_SPATIAL} output positions: kiln
     * train cnn's 32 channels on 14 × 14 and 64 on 7 × 7. ConvRowsNarrowAB (one JVM, interleaved, CPU time,
     * {@code -XX:UseAVX=2}, batch 128, four runs each at 1 and 2 threads), against the channel tiles:
     * 32 × 14 × 14 forward and input gradient 1.03-1.15×; 64 × 7 × 7 forward 1.00-1.10× (one run of eight
     * 0.93×), input gradient 1.07-1.10×.
     * Not taken, as measured there: ResNet-18's 256 on 14 × 14 (0.96-1.06×; taken since, {@link #rowsNarrowWide}) and, tap by tap, 512 on 7 × 7
     * (0.94-0.97× of im2col on one thread, 1.06-1.09× on two; {@link #rowsReuse} takes it), 16 channels on 28 × 28 (0.85-1.00×), 64 to 128 on 28 × 28
     * and 56 × 56 (0.81-0.90×: a tap's loop jumps a whole padded plane per input channel) and every stride-2
     * layer (0.74-0.95×).
     */
    static boolean rowsNarrow(ConvShape s) {
        return narrow3x3(s) && (rowsReuse(s) || rowsNarrowWide(s)
                || s.cInPerGroup() >= ROWS_NARROW_MIN_CHANNELS && s.cOutPerGroup() >= ROWS_NARROW_MIN_CHANNELS
                && (long) s.cInPerGroup() * s.kH() * s.kW() <= ROWS_NARROW_MAX_REDUCTION
                && (long) s.outH() * s.outW() <= ROWS_NARROW_MAX_SPATIAL);
    }

    /**
     * Whether {@link #rowsNarrow} takes a wide layer, tap by tap (5 × 2 tiles), in place of the channel tiles:
     * {@link #ROWS_NARROW_WIDE_CHANNELS} channels per group in and out, a reduction of at most that many × 3×3,
     * outputs larger than 7 × 7 and at most {@link #ROWS_NARROW_MAX_SPATIAL}: ResNet-18's 256 × 14 × 14. Once
     * {@link DirectConvChannels#pack} gathered the weights in parallel and the input gradient packed them
     * straight from w (the channel tiles' input gradient runs {@link #flipTransposed} first, and their packing
     * goes float by float at AVX2), ConvRowsNarrowAB ({@code -Dab.old=dispatch -Dab.reuse=false}, AVX2, batch
     * 32, three runs at 1 and 2 threads, CPU time, host at load 5-6) ran it 1.01-1.05× forward and 1.01-1.14×
     * for the input gradient (wall, 2 threads, one run: 1.12× and 1.10×); the session before, with the old
     * packing, 0.96-1.06×. On the Emerald Rapids Xeon (2 MiB L2, where the channel tiles' weight blocks sit as
     * well), one thread, loaded: forward 1.11×, input gradient 1.05×; 64 × 56 × 56 and 128 × 28 × 28 still
     * 0.87-0.96×. {@code -Dkiln.conv.rowsNarrowWide=false} leaves it to the channel tiles (A/B runs).
     */
    static boolean rowsNarrowWide(ConvShape s) {
        return ROWS_NARROW_WIDE && narrow3x3(s) && s.cInPerGroup() >= ROWS_NARROW_WIDE_CHANNELS
                && s.cOutPerGroup() >= ROWS_NARROW_WIDE_CHANNELS
                && (long) s.cInPerGroup() * s.kH() * s.kW() <= (long) ROWS_NARROW_WIDE_CHANNELS * 9
                && (long) s.outH() * s.outW() > 7 * 7 && (long) s.outH() * s.outW() <= ROWS_NARROW_MAX_SPATIAL;
    }

    /** Channels per group, in and out, of the wide layer {@link #rowsNarrowWide} takes (ResNet-18's 256). */
    static final int ROWS_NARROW_WIDE_CHANNELS = 256;

    /** False with {@code -Dkiln.conv.rowsNarrowWide=false}: {@link #rowsNarrowWide} holds for no shape. */
    static final boolean ROWS_NARROW_WIDE =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowsNarrowWide", "true").trim());

    /**
     * Whether {@link #rowsNarrow}'s shape runs as reuse tiles (a kernel row at a time, each input broadcast
     * once into every accumulator it feeds; {@link DirectConvRowsNarrow#REUSE}) rather than tap by tap: at
     * least {@link #ROWS_REUSE_MIN_CHANNELS} channels per group in and out on at most 7 × 7 outputs,
     * ResNet-18's 512 on 7 × 7, where nothing else beats im2col. ConvRowsNarrowAB ({@code -XX:UseAVX=2},
     * batch 32, two runs each at 1 and 2 threads), against im2col: forward 1.03-1.14×, input gradient
     * 1.06-1.14×. Not taken: against the tap-by-tap tiles on kiln train cnn's layers 0.93-1.03×, against the
     * channel tiles on ResNet-18's 64 to 256 channels 0.84-0.98× (7 accumulators of 3 chained FMAs a channel
     * issue at most 7/8 of the FMA units' rate; benchmarks-jmh/BENCHMARKS-notes.md, issue 16, reuse tiles).
     * On the Emerald Rapids Xeon (48 KiB L1d, 2 MiB L2; the same 2 FMA units of 4 cycles at AVX2), against
     * im2col: forward 1.32× on 1 thread and 1.13× on 2, input gradient 1.26× and 1.14× (loaded host); against
     * tap by tap on 256 × 14 × 14 0.97-1.02×, so the bound holds there too.
     */
    static boolean rowsReuse(ConvShape s) {
        return narrow3x3(s) && DirectConvRowsNarrow.REUSE && DirectConvRowsNarrow.reuses(s)
                && s.cInPerGroup() >= ROWS_REUSE_MIN_CHANNELS && s.cOutPerGroup() >= ROWS_REUSE_MIN_CHANNELS
                && s.outW() <= DirectConvRowsNarrow.REUSE_P && (long) s.outH() * s.outW() <= 7 * 7;
    }

    /** 16 registers and 8 lanes (AVX2), stride 1, a 3×3 kernel with padding of at most 1 and no dilation. */
    private static boolean narrow3x3(ConvShape s) {
        return GRID && !DirectConvKernels.WIDE && DirectConvKernels.L == 8 && DirectConvRowsNarrow.applies(s)
                && s.strideH() == 1 && s.strideW() == 1 && s.kH() == 3 && s.kW() == 3 && s.padH() <= 1
                && s.padW() <= 1 && s.dilationH() == 1 && s.dilationW() == 1;
    }

    /** Channels per group in and out from which {@link #rowsReuse} holds (ResNet-18's 512; fewer not measured). */
    static final int ROWS_REUSE_MIN_CHANNELS = 512;

    /** Channels per group in and out from which {@link #rowsNarrow} holds (kiln train cnn's 32; 16 ran 0.85-1.00×). */
    static final int ROWS_NARROW_MIN_CHANNELS = 32;

    /** The longest reduction {@link #rowsNarrow} takes, 64 channels × 3×3 (256 and 512 channels: no clear gain). */
    static final int ROWS_NARROW_MAX_REDUCTION = 64 * 9;

    /** Output positions per plane up to which {@link #rowsNarrow} holds (14 × 14). */
    static final int ROWS_NARROW_MAX_SPATIAL = 14 * 14;

    /**
     * The longest reduction {@link #rows} takes, 512 channels × 3×3: a block's packed weights (590 KB at
     * AVX-512) then stay in a Zen 4 core's 1 MiB L2, which every tile streams them from.
     */
    static final int ROWS_MAX_REDUCTION = 512 * 9;

    /**
     * Input positions per plane up to which {@link #rows} holds (28 × 28): on ResNet-18's 56 × 56 planes
     * (64 channels, and the stride-2 64 → 128) it ran 0.99-1.00× of {@link #channels}, which wastes only 2%
     * of its work on padding there; in bands of rows ({@link DirectConvRows#bands}, {@link #rowBandsRoute})
     * 0.94-0.98× on one thread and 0.99-1.02× on two (ConvBandsAB, AVX-512, CPU time, two runs).
     */
    static final int ROWS_MAX_SPATIAL = 28 * 28;

    /**
     * The longest reduction {@link #channels} takes: 256 channels × 3×3 (ResNet-18's 512 channels on
     * 7 × 7 ran 0.75-0.89× of im2col + SGEMM, chunked or not).
     */
    static final int CHANNELS_MAX_REDUCTION = 256 * 9;

    /**
     * Output positions per plane from which {@link #channels} replaces im2col + SGEMM (14 × 14): on 7 × 7
     * a plane of 49 outputs is computed as 60 (rows of pitch 8, whole tiles of 6), and ResNet-18's
     * stride-2 256 → 512 and 512 channels there ran 0.82-0.89× of im2col + SGEMM at both widths.
     */
    static final int CHANNELS_MIN_SPATIAL = 14 * 14;

    /** Output positions per plane up to which {@link #channels} holds (56 × 56, ResNet-18's first stage). */
    static final int CHANNELS_MAX_SPATIAL = 56 * 56;

    /** The direct kernel, output rows (sample, out channel) split over threads. */
    static void direct(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        direct(f(out), out.offset(), f(x), x.offset(), f(weight), weight.offset(), bias == null ? null : f(bias),
                bias == null ? 0 : bias.offset(), s);
    }

    private static void direct(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                               ConvShape s) {
        int rows = s.n() * s.cOut();
        long work = Math.max(1L, (long) s.outH() * s.outW() * s.patch());
        int grain = (int) Math.max(1, Math.min(rows, (1L << 16) / work));
        Parallel.forRange(rows, grain, (r0, r1) -> ConvKernels.directForward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s,
                r0, r1));
    }

    /** im2col + SGEMM (no im2col for {@link #pointwise} shapes). */
    static void im2col(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        im2col(f(out), out.offset(), f(x), x.offset(), f(weight), weight.offset(), bias == null ? null : f(bias),
                bias == null ? 0 : bias.offset(), s);
    }

    static void im2col(float[] y, int yOffset, float[] xa, int xOffset, float[] wa, int wOffset, float[] ba,
                       int bOff, ConvShape s) {
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int sampleSize = s.cIn() * s.h() * s.w();
        boolean pointwise = pointwise(s);
        int rows = pointwise ? 0 : rowsPerBand(s);
        if (rows > 0) {
            banded(y, yOffset, xa, xOffset, wa, wOffset, ba, bOff, s, rows);
            return;
        }
        int per = pointwise ? 1 : samplesPerBlock(s);
        Scratch sc = SCRATCH.get();
        if (!pointwise) {
            sc.col = HostArrays.atLeast(sc.col, (long) k * per * spatial);
        }
        if (per > 1) {
            sc.tmp = HostArrays.atLeast(sc.tmp, (long) opg * per * spatial);
        }
        float[] col = sc.col;
        float[] tmp = sc.tmp;
        for (int b0 = 0; b0 < s.n(); b0 += per) {
            int nb = Math.min(per, s.n() - b0);
            int ld = nb * spatial;
            for (int g = 0; g < s.groups(); g++) {
                int c0 = g * s.cInPerGroup();
                int wOff = wOffset + g * opg * k;
                int yOff = yOffset + (b0 * s.cOut() + g * opg) * spatial;
                if (pointwise) {
                    // B = the sample's channels of group g, [cIn/groups, spatial] as they lie in x
                    Sgemm.sgemm(y, yOff, spatial, wa, wOff, k, 1, xa, xOffset + b0 * sampleSize + c0 * spatial,
                            spatial, 1, opg, spatial, k);
                    continue;
                }
                unroll(col, ld, xa, xOffset, s, b0, nb, c0);
                if (nb == 1) {
                    Sgemm.sgemm(y, yOff, spatial, wa, wOff, k, 1, col, 0, ld, 1, opg, ld, k);
                    continue;
                }
                Sgemm.sgemm(tmp, 0, ld, wa, wOff, k, 1, col, 0, ld, 1, opg, ld, k);
                for (int bi = 0; bi < nb; bi++) {
                    for (int o = 0; o < opg; o++) {
                        System.arraycopy(tmp, o * ld + bi * spatial, y, yOff + (bi * s.cOut() + o) * spatial, spatial);
                    }
                }
            }
        }
        if (ba != null) {
            addBias(y, yOffset, ba, bOff, s.n() * s.cOut(), s.cOut(), spatial);
        }
    }

    /**
     * im2col + SGEMM band by band (rows output rows of one sample, every group), bands split over
     * threads: each band is unrolled into its thread's buffer and multiplied on that thread straight
     * into y, bias added while the band is in cache. Band boundaries depend on the shape only and a
     * band's GEMM runs on one thread, so results do not depend on the thread count.
     */
    private static void banded(float[] y, int yOffset, float[] xa, int xOffset, float[] wa, int wOffset, float[] ba,
                               int bOff, ConvShape s, int rows) {
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int cpg = s.cInPerGroup();
        int sampleSize = s.cIn() * s.h() * s.w();
        int perSample = (s.outH() + rows - 1) / rows;
        SgemmPlan plan = SgemmPlan.active();
        Parallel.forRange(s.n() * perSample, 1, (lo, hi) -> {
            Scratch sc = SCRATCH.get();
            sc.band = HostArrays.atLeast(sc.band, (long) k * rows * s.outW());
            float[] col = sc.band;
            for (int u = lo; u < hi; u++) {
                int n = u / perSample;
                int oh0 = (u % perSample) * rows;
                int oh1 = Math.min(s.outH(), oh0 + rows);
                int cols = (oh1 - oh0) * s.outW();
                for (int g = 0; g < s.groups(); g++) {
                    ConvKernels.im2col(col, 0, cols, xa, xOffset + n * sampleSize, s, g * cpg, 0, cpg, oh0, oh1);
                    int yOff = yOffset + (n * s.cOut() + g * opg) * spatial + oh0 * s.outW();
                    Sgemm.sgemm(y, yOff, spatial, wa, wOffset + g * opg * k, k, 1, col, 0, cols, 1, opg, cols, k, plan,
                            1);
                    if (ba != null) {
                        for (int o = 0; o < opg; o++) {
                            float bv = ba[bOff + g * opg + o];
                            int base = yOff + o * spatial;
                            for (int p = 0; p < cols; p++) {
                                y[base + p] += bv;
                            }
                        }
                    }
                }
            }
        });
    }

    /** y[r·spatial + p] += bias[r mod cOut] for rows r in [0, rows), rows split over threads. */
    private static void addBias(float[] y, int yOff, float[] b, int bOff, int rows, int cOut, int spatial) {
        Parallel.forRange(rows, HostArrays.rowGrain(spatial, GRAIN), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                float bv = b[bOff + r % cOut];
                int base = yOff + r * spatial;
                for (int p = 0; p < spatial; p++) {
                    y[base + p] += bv;
                }
            }
        });
    }

    static void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape s) {
        conv2dBackwardInput(dx, dy, weight, s, true);
    }

    /** The input gradient, through {@link DirectConv} where {@link #grid} allows it unless {@code direct} is false (tests). */
    static void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape s, boolean direct) {
        if (!f32(dx, dy, weight)) {
            REF.conv2dBackwardInput(dx, dy, weight, s);
        } else if (pointwise(s)) {
            pointwiseBackwardInput(dx, dy, weight, s);
        } else if (direct && pointwiseStrided(s)) {
            DirectConvPointwise.backwardInput(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s);
        } else if (transposable(s) && direct && winograd(transposed(s))
                && ConvWinograd.backwardInput(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s)) {
            // done (it transforms the flipped, transposed weights straight from w); a non-finite dx falls through
        } else if (transposable(s) && direct && rows(transposed(s)) && !slidePairs(transposed(s))
                && !DirectConvChannels.oldCopies) {
            // packs the flipped, transposed weights itself, in one parallel pass
            DirectConvRows.backwardInput(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s);
        } else if (transposable(s) && direct && DirectConvRowsNarrow.PACK && rowsNarrow(transposed(s))) {
            // gathers the flipped, transposed weights into its packing itself, in one parallel pass
            DirectConvRowsNarrow.backwardInput(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s);
        } else if (transposable(s)) {
            ConvShape t = transposed(s);
            Scratch sc = SCRATCH.get();
            sc.wt = HostArrays.atLeast(sc.wt, (long) s.cIn() * s.cOutPerGroup() * s.kH() * s.kW());
            flipTransposed(sc.wt, f(weight), weight.offset(), s);
            if (direct && (slidePairs(t) || grid(t) || channels(t) || rows(t) || rowsNarrow(t))) {
                gridForward(f(dx), dx.offset(), f(dy), dy.offset(), sc.wt, 0, null, 0, t);
            } else if (t.patch() <= DIRECT_MAX_PATCH) {
                direct(f(dx), dx.offset(), f(dy), dy.offset(), sc.wt, 0, null, 0, t);
            } else {
                im2col(f(dx), dx.offset(), f(dy), dy.offset(), sc.wt, 0, null, 0, t);
            }
        } else if (direct && phasesSlide(s)) {
            DirectConvPhasesSlide.backwardInput(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s);
        } else if (direct && rowPhases(s)) {
            DirectConvRows.backwardInputStrided(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s);
        } else if (direct && phaseChannels(s)) {
            DirectConvPhaseChannels.backwardInput(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s);
        } else if (direct && phases(s)) {
            DirectConvPhases.backwardInput(f(dx), dx.offset(), f(dy), dy.offset(), f(weight), weight.offset(), s);
        } else {
            col2imBackwardInput(dx, dy, weight, s);
        }
    }

    /**
     * Whether a stride-2 input gradient takes {@link DirectConvPhasesSlide} (dx channels in the lanes, each dy
     * value broadcast into the three dx columns it reaches) rather than {@link #rowPhases}, {@link #phaseChannels}
     * or {@link #phases}: 32 vector registers and a shape it applies to (3×3, padding 1, whole vectors of dx
     * channels, dx rows even and at least 14 wide). ConvSlideStridedAB (one JVM, interleaved, AVX-512, a loaded
     * host), against those paths, 1 thread / 2 threads by CPU time: kiln train cnn's 16 → 32 1.93 / 1.73 (from
     * {@link DirectConvPhases}), 32 → 64 1.34 / 1.19 (row phases); ResNet-18's (batch 32) 64 → 128 1.18 / 1.21
     * (phase channels), 128 → 256 1.19 / 1.06, 256 → 512 1.09 / 1.10 (row phases). {@code
     * -Dkiln.conv.phasesSlide=false} turns it off (A/B runs).
     */
    static boolean phasesSlide(ConvShape s) {
        return GRID && DirectConvPhasesSlide.enabled && DirectConvKernels.WIDE && DirectConvPhasesSlide.applies(s);
    }

    /**
     * Whether a strided convolution's input gradient takes the row tiles, one stride-1 convolution of dy
     * per phase of dx ({@link DirectConvRows#backwardInputStrided}), rather than {@link DirectConvPhases}
     * or col2im: 32 vector registers, stride 2, a 3×3 kernel with padding of at most 1, no dilation, at
     * least two vectors of channels per group in and out, every phase at least 7 wide, a phase's reduction
     * (dy channels × at most 4 taps) within {@link #ROWS_MAX_REDUCTION} and dy planes of at most
     * {@link #ROW_PHASES_MAX_SPATIAL}. ConvRowsAB (one JVM, interleaved, AVX-512, 1 and 2 threads, two runs),
     * against col2im: ResNet-18's stride-2 128 → 256 1.21-1.28× and 256 → 512 1.12-1.18× in CPU time, 1.22-1.34×
     * in wall time on 2 threads; against {@link DirectConvPhases}: kiln train cnn's 32 → 64 1.06-1.18×.
     * {@code -Dkiln.conv.rowPhases=false} turns it off (A/B runs).
     */
    static boolean rowPhases(ConvShape s) {
        return GRID && DirectConvRows.rowPhases && DirectConvKernels.WIDE && s.strideH() == 2 && s.strideW() == 2
                && s.kH() == 3 && s.kW() == 3 && s.padH() <= 1 && s.padW() <= 1
                && s.cInPerGroup() >= 2 * Simd.F32.length() && s.cOutPerGroup() >= 2 * Simd.F32.length()
                && (long) s.cOutPerGroup() * 4 <= ROWS_MAX_REDUCTION
                && (long) s.outH() * s.outW() <= ROW_PHASES_MAX_SPATIAL && DirectConvRows.phasesFit(s);
    }

    /**
     * Whether {@link #rows} takes stride-2 forwards with one vector of input channels per group (kiln train cnn's
     * 16 → 32 at AVX-512, before on {@link DirectConv}'s positional tiles): the 7 × 2 tiles on channels-last cells,
     * 1.37× in a first probe (one thread, CPU time). {@link #slideStrided} now goes first and takes that layer where it
     * applies (padding 1, whole vectors of out channels); this keeps the rest. {@code -Dkiln.conv.rowsOneVectorIn=false}:
     * two vectors, as before (A/B runs flip it).
     */
    static boolean rowsOneVectorIn =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowsOneVectorIn", "true").trim());

    /**
     * The largest dy plane {@link #rowPhases} takes, 14 × 14: on ResNet-18's stride-2 64 → 128 (dy 28 × 28)
     * it ran 1.04-1.10× of col2im in CPU time but 0.91-1.01× in wall time on 2 threads.
     */
    static final int ROW_PHASES_MAX_SPATIAL = 14 * 14;

    /**
     * Whether a strided convolution's input gradient takes {@link DirectConvPhases} (one stride-1
     * convolution of dy per phase of dx): no dilation, and as {@link #grid}, a kernel larger than
     * 1×1, at most {@link #GRID_MAX_CHANNELS} channels per group and a sample's padded dy planes in
     * cache.
     */
    static boolean phases(ConvShape s) {
        return GRID && s.dilationH() == 1 && s.dilationW() == 1 && s.kH() * s.kW() > 1
                && s.cInPerGroup() <= GRID_MAX_CHANNELS && s.cOutPerGroup() <= GRID_MAX_CHANNELS
                && DirectConvPhases.planes(s) <= GRID_MAX_PLANES;
    }

    /**
     * Whether a strided convolution's input gradient takes {@link DirectConvPhaseChannels} (the phases
     * of {@link #phases} with dx channels in the lanes) where it applies: in place of {@link #phases}'
     * positional tiles, and of col2im from {@link #CHANNELS_MIN_SPATIAL} dy positions up (ResNet-18's
     * stride-2 64 → 128 and 128 → 256; on its 256 → 512, dy 7 × 7, col2im was as fast or faster: 0.91-1.0×).
     * {@code -Dkiln.conv.phaseChannels=false} keeps the old paths (A/B runs; ConvPhasesAB).
     */
    static boolean phaseChannels(ConvShape s) {
        return PHASE_CHANNELS && DirectConvPhaseChannels.applies(s)
                && (phases(s) || (GRID && s.outH() * s.outW() >= CHANNELS_MIN_SPATIAL));
    }

    /** False with {@code -Dkiln.conv.phaseChannels=false}. */
    static final boolean PHASE_CHANNELS =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.phaseChannels", "true").trim());

    /**
     * Whether the input gradient is a plain convolution of dy: stride 1 and padding at most the
     * dilated kernel's reach, so that the transposed convolution's padding is not negative.
     */
    static boolean transposable(ConvShape s) {
        return s.strideH() == 1 && s.strideW() == 1 && s.padH() <= s.dilationH() * (s.kH() - 1)
                && s.padW() <= s.dilationW() * (s.kW() - 1);
    }

    /**
     * The geometry of dx = conv2d(dy, W'): dx[c, ih] = Σ W[o, c, i]·dy[o, ih + pad − i·dilation]
     * = Σ W'[c, o, i']·dy[o, ih − pad' + i'·dilation] with i' = k − 1 − i and
     * pad' = dilation·(k − 1) − pad (per spatial dim); rows of dy outside it read zero, as the
     * forward's padding.
     */
    static ConvShape transposed(ConvShape s) {
        return new ConvShape(s.n(), s.cOut(), s.outH(), s.outW(), s.cIn(), s.kH(), s.kW(), 1, 1,
                s.dilationH() * (s.kH() - 1) - s.padH(), s.dilationW() * (s.kW() - 1) - s.padW(), s.dilationH(),
                s.dilationW(), s.groups(), s.h(), s.w());
    }

    /** t = W' with W'[g·cpg + c, o, i, j] = W[g·opg + o, c, kH − 1 − i, kW − 1 − j]: [cIn, cOut/groups, kH, kW]. */
    static void flipTransposed(float[] t, float[] w, int wOff, ConvShape s) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        // rows (g, o) of w write disjoint floats of t: split over threads (on the calling thread alone it took
        // 0.6 ms of ResNet-18's 256 × 14 × 14 input gradient at batch 32, 2.3 ms of its 512 × 7 × 7)
        Parallel.forRange(s.groups() * opg, Math.max(1, GRAIN / Math.max(1, cpg * kk)), (lo, hi) -> {
            for (int go = lo; go < hi; go++) {
                int g = go / opg;
                int o = go % opg;
                for (int c = 0; c < cpg; c++) {
                    int src = wOff + ((g * opg + o) * cpg + c) * kk;
                    int dst = ((g * cpg + c) * opg + o) * kk;
                    for (int tap = 0; tap < kk; tap++) {
                        t[dst + kk - 1 - tap] = w[src + tap];
                    }
                }
            }
        });
    }

    /** dx_g = W_gᵀ · dy_g per sample, straight from dy into dx. */
    private static void pointwiseBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape s) {
        float[] g0 = f(dx);
        float[] dya = f(dy);
        float[] wa = f(weight);
        int spatial = s.h() * s.w();
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        for (int n = 0; n < s.n(); n++) {
            for (int g = 0; g < s.groups(); g++) {
                // A(i, p) = weight[g·opg + p, i]
                Sgemm.sgemm(g0, dx.offset() + (n * s.cIn() + g * cpg) * spatial, spatial,
                        wa, weight.offset() + g * opg * cpg, 1, cpg,
                        dya, dy.offset() + (n * s.cOut() + g * opg) * spatial, spatial, 1, cpg, spatial, opg);
            }
        }
    }

    /** col = W_gᵀ · dy_g per block of samples, folded back into dx by col2im. */
    private static void col2imBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape s) {
        float[] g0 = f(dx);
        float[] dya = f(dy);
        float[] wa = f(weight);
        int rows = rowsPerBand(s);
        if (rows > 0) {
            bandedCol2im(g0, dx.offset(), dya, dy.offset(), wa, weight.offset(), s, rows);
            return;
        }
        Arrays.fill(g0, dx.offset(), dx.offset() + dx.numel(), 0f);
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int cpg = s.cInPerGroup();
        int per = samplesPerBlock(s);
        Scratch sc = SCRATCH.get();
        sc.col = HostArrays.atLeast(sc.col, (long) k * per * spatial);
        if (per > 1) {
            sc.dy = HostArrays.atLeast(sc.dy, (long) opg * per * spatial);
        }
        float[] col = sc.col;
        float[] dyBlock = sc.dy;
        int sampleSize = s.cIn() * s.h() * s.w();
        int grain = HostArrays.rowGrain(s.kH() * s.kW() * spatial, GRAIN);
        for (int b0 = 0; b0 < s.n(); b0 += per) {
            int nb = Math.min(per, s.n() - b0);
            int ld = nb * spatial;
            int first = b0;
            for (int g = 0; g < s.groups(); g++) {
                int c0 = g * cpg;
                // col = W_gᵀ · dy_g: A(i, p) = weight[g·opg + p, i]
                if (nb == 1) {
                    Sgemm.sgemm(col, 0, ld, wa, weight.offset() + g * opg * k, 1, k,
                            dya, dy.offset() + (first * s.cOut() + g * opg) * spatial, spatial, 1, k, ld, opg);
                } else {
                    gatherDy(dyBlock, ld, dya, dy.offset(), s, first, nb, g);
                    Sgemm.sgemm(col, 0, ld, wa, weight.offset() + g * opg * k, 1, k, dyBlock, 0, ld, 1, k, ld, opg);
                }
                // (sample, channel) pieces write disjoint planes of dx
                Parallel.forRange(nb * cpg, grain, (lo, hi) -> {
                    for (int u = lo; u < hi; u++) {
                        int bi = u / cpg;
                        int c = u % cpg;
                        ConvKernels.col2im(g0, dx.offset() + (first + bi) * sampleSize, col, bi * spatial, ld, s, c0,
                                c, c + 1);
                    }
                });
            }
        }
    }

    /**
     * col2im band by band: samples split over threads (a sample's bands overlap in dx, so one
     * thread takes them all, in order); each band's W_gᵀ · dy_band is multiplied on that thread into
     * its buffer and folded into dx while it is in cache.
     */
    private static void bandedCol2im(float[] g0, int dxOff, float[] dya, int dyOff, float[] wa, int wOff, ConvShape s,
                                     int rows) {
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int cpg = s.cInPerGroup();
        int sampleSize = s.cIn() * s.h() * s.w();
        SgemmPlan plan = SgemmPlan.active();
        Parallel.forRange(s.n(), 1, (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.band = HostArrays.atLeast(mine.band, (long) k * rows * s.outW());
            float[] col = mine.band;
            for (int n = lo; n < hi; n++) {
                int dxSample = dxOff + n * sampleSize;
                Arrays.fill(g0, dxSample, dxSample + sampleSize, 0f);
                for (int oh0 = 0; oh0 < s.outH(); oh0 += rows) {
                    int oh1 = Math.min(s.outH(), oh0 + rows);
                    int cols = (oh1 - oh0) * s.outW();
                    for (int g = 0; g < s.groups(); g++) {
                        // col = W_gᵀ · dy_band: A(i, p) = weight[g·opg + p, i], B(p, j) = dy[g·opg + p, band column j]
                        Sgemm.sgemm(col, 0, cols, wa, wOff + g * opg * k, 1, k,
                                dya, dyOff + (n * s.cOut() + g * opg) * spatial + oh0 * s.outW(), spatial, 1,
                                k, cols, opg, plan, 1);
                        ConvKernels.col2im(g0, dxSample, col, 0, cols, s, g * cpg, 0, cpg, oh0, oh1);
                    }
                }
            }
        });
    }

    static void conv2dBackwardWeight(Tensor dweight, Tensor dy, Tensor x, ConvShape s) {
        conv2dBackwardWeight(dweight, dy, x, s, true);
    }

    /** The weight gradient, through {@link DirectConvWeight} where {@link #grid} allows it unless {@code direct} is false (tests). */
    static void conv2dBackwardWeight(Tensor dweight, Tensor dy, Tensor x, ConvShape s, boolean direct) {
        if (!f32(dweight, dy, x)) {
            REF.conv2dBackwardWeight(dweight, dy, x, s);
            return;
        }
        float[] dw = f(dweight);
        float[] dya = f(dy);
        float[] xa = f(x);
        if (direct && ConvWinogradWeight.routes(s)) {
            ConvWinogradWeight.weight(dw, dweight.offset(), dya, dy.offset(), xa, x.offset(), s);
            if (DirectConvRowsNarrow.finite(dw, dweight.offset(), dweight.numel())) {
                return;
            }
            // an infinite x or dy: the transforms can turn its ±∞ into NaN, so a direct path below recomputes dW
        }
        if (direct && DirectConvWeightStem.routes(s)) {
            DirectConvWeightStem.weight(dw, dweight.offset(), dya, dy.offset(), xa, x.offset(), s);
            return;
        }
        if (direct && gridWeight(s)) {
            DirectConvWeight.weight(dw, dweight.offset(), dya, dy.offset(), xa, x.offset(), s);
            return;
        }
        if (direct && pointwiseStrided(s)) {
            DirectConvPointwise.backwardWeight(dw, dweight.offset(), dya, dy.offset(), xa, x.offset(), s);
            return;
        }
        int rows = pointwise(s) ? 0 : rowsPerBand(s);
        int lanes = rows == 0 ? 0 : weightLanes(s, rows);
        if (lanes > 0) {
            bandedWeight(dw, dweight.offset(), dya, dy.offset(), xa, x.offset(), s, rows, lanes);
            return;
        }
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int per = samplesPerBlock(s);
        boolean pointwise = pointwise(s);
        int sampleSize = s.cIn() * s.h() * s.w();
        Scratch sc = SCRATCH.get();
        if (!(pointwise && per == 1)) {
            sc.col = HostArrays.atLeast(sc.col, (long) k * per * spatial);
        }
        if (per > 1) {
            sc.dy = HostArrays.atLeast(sc.dy, (long) opg * per * spatial);
        }
        if (per < s.n()) {
            sc.part = HostArrays.atLeast(sc.part, (long) opg * k);
        }
        float[] col = sc.col;
        float[] dyBlock = sc.dy;
        float[] part = sc.part;
        for (int b0 = 0; b0 < s.n(); b0 += per) {
            int nb = Math.min(per, s.n() - b0);
            int ld = nb * spatial;
            for (int g = 0; g < s.groups(); g++) {
                int c0 = g * s.cInPerGroup();
                // dW_g = dy_g · colᵀ with A = dy_g [opg, ld] and B(p, j) = col[j·ld + p]
                float[] a = dyBlock;
                int aOff = 0;
                if (nb == 1) {
                    a = dya;
                    aOff = dy.offset() + (b0 * s.cOut() + g * opg) * spatial;
                } else {
                    gatherDy(dyBlock, ld, dya, dy.offset(), s, b0, nb, g);
                }
                float[] b = col;
                int bOff = 0;
                int bcs = ld;
                if (pointwise && nb == 1) {
                    b = xa;
                    bOff = x.offset() + b0 * sampleSize + c0 * spatial;
                    bcs = spatial;
                } else {
                    unroll(col, ld, xa, x.offset(), s, b0, nb, c0);
                }
                int dst = dweight.offset() + g * opg * k;
                // the first block writes, later ones add
                if (b0 == 0) {
                    Sgemm.sgemm(dw, dst, k, a, aOff, ld, 1, b, bOff, 1, bcs, opg, k, ld);
                } else {
                    Sgemm.sgemm(part, 0, k, a, aOff, ld, 1, b, bOff, 1, bcs, opg, k, ld);
                    ElementwiseKernels.add(dw, dst, dw, dst, 1, part, 0, 1, opg * k);
                }
            }
        }
    }

    /** Partial weight gradients of the banded weight gradient at most (one per lane). */
    static final int MAX_LANES = 8;

    /** Floats of all lanes' partial weight gradients at most (8 MiB); beyond, the sample-block path. */
    static final int LANE_ELEMENTS = 1 << 21;

    /**
     * Lanes of the banded weight gradient: {@link #MAX_LANES}, fewer when there are fewer bands, 0
     * (use the sample-block path) when their partial gradients would not fit in {@link #LANE_ELEMENTS}.
     */
    static int weightLanes(ConvShape s, int rows) {
        long bands = (long) s.n() * ((s.outH() + rows - 1) / rows);
        int lanes = (int) Math.min(MAX_LANES, bands);
        long weight = (long) s.cOut() * s.patch();
        return lanes * weight <= LANE_ELEMENTS ? lanes : 0;
    }

    /**
     * The weight gradient band by band: the bands (those of {@link #banded}) are dealt in fixed
     * contiguous runs to {@code lanes} partial gradients, each lane on one thread unrolling a band
     * into its buffer and adding dy_band · col_bandᵀ (a one-thread GEMM over the band's positions)
     * to its partial in band order; then the partials are added in lane order. Lanes and runs depend
     * on the shape only, so the sums do not depend on the thread count.
     */
    private static void bandedWeight(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s,
                                     int rows, int lanes) {
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int cpg = s.cInPerGroup();
        int weight = s.cOut() * k;
        int sampleSize = s.cIn() * s.h() * s.w();
        int perSample = (s.outH() + rows - 1) / rows;
        int bands = s.n() * perSample;
        Scratch sc = SCRATCH.get();
        sc.lanes = HostArrays.atLeast(sc.lanes, (long) lanes * weight);
        float[] partials = sc.lanes;
        SgemmPlan plan = SgemmPlan.active();
        Parallel.forRange(lanes, 1, (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.band = HostArrays.atLeast(mine.band, (long) k * rows * s.outW());
            mine.bandPart = HostArrays.atLeast(mine.bandPart, (long) opg * k);
            float[] col = mine.band;
            float[] part = mine.bandPart;
            for (int lane = lo; lane < hi; lane++) {
                int acc = lane * weight;
                int first = (int) ((long) bands * lane / lanes);
                int last = (int) ((long) bands * (lane + 1) / lanes);
                for (int u = first; u < last; u++) {
                    int n = u / perSample;
                    int oh0 = (u % perSample) * rows;
                    int oh1 = Math.min(s.outH(), oh0 + rows);
                    int cols = (oh1 - oh0) * s.outW();
                    for (int g = 0; g < s.groups(); g++) {
                        ConvKernels.im2col(col, 0, cols, xa, xOff + n * sampleSize, s, g * cpg, 0, cpg, oh0, oh1);
                        // A = dy_g's rows over the band's positions, B(p, j) = col[j·cols + p]
                        int aOff = dyOff + (n * s.cOut() + g * opg) * spatial + oh0 * s.outW();
                        int dst = acc + g * opg * k;
                        if (u == first) {
                            Sgemm.sgemm(partials, dst, k, dya, aOff, spatial, 1, col, 0, 1, cols, opg, k, cols, plan, 1);
                        } else {
                            Sgemm.sgemm(part, 0, k, dya, aOff, spatial, 1, col, 0, 1, cols, opg, k, cols, plan, 1);
                            ElementwiseKernels.add(partials, dst, partials, dst, 1, part, 0, 1, opg * k);
                        }
                    }
                }
            }
        });
        System.arraycopy(partials, 0, dw, dwOff, weight);
        for (int lane = 1; lane < lanes; lane++) {
            ElementwiseKernels.add(dw, dwOff, dw, dwOff, 1, partials, lane * weight, 1, weight);
        }
    }

    /** The patch matrices of samples first..first+nb−1 side by side, (sample, channel) pieces in parallel. */
    private static void unroll(float[] col, int ld, float[] xa, int xOff, ConvShape s, int first, int nb, int c0) {
        int spatial = s.outH() * s.outW();
        int sampleSize = s.cIn() * s.h() * s.w();
        int cpg = s.cInPerGroup();
        Parallel.forRange(nb * cpg, HostArrays.rowGrain(s.kH() * s.kW() * spatial, GRAIN), (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int bi = u / cpg;
                int c = u % cpg;
                ConvKernels.im2col(col, bi * spatial, ld, xa, xOff + (first + bi) * sampleSize, s, c0, c, c + 1);
            }
        });
    }

    /** dy's out channels of group g for samples first..first+nb−1 as one matrix [opg, nb·spatial]. */
    private static void gatherDy(float[] dst, int ld, float[] dya, int dyOff, ConvShape s, int first, int nb, int g) {
        int spatial = s.outH() * s.outW();
        int opg = s.cOutPerGroup();
        for (int bi = 0; bi < nb; bi++) {
            for (int o = 0; o < opg; o++) {
                System.arraycopy(dya, dyOff + ((first + bi) * s.cOut() + g * opg + o) * spatial, dst,
                        o * ld + bi * spatial, spatial);
            }
        }
    }
}
