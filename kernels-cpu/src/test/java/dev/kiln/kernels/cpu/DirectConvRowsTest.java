package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DirectConvRows} against the reference backend on the edges of its row tiles: widths that 7 does
 * not divide (an overlapping last tile), exactly 7, padding 0 to 2, kernels 3 and 5, stride 2 on odd and
 * even sizes, groups, dilation, out channels that leave the last block part empty, with every tile width
 * (1 to 4 vectors), a bias, and through the dispatch; and its plans, which must leave out every tap
 * that reads padding and keep every other.
 */
class DirectConvRowsTest {

    /** {n, c, h, w, o, k, stride, pad, dilation, groups}. */
    private static final int[][] SHAPES = {
        {2, 5, 7, 7, 20, 3, 1, 1, 1, 1},
        {2, 3, 9, 12, 9, 3, 1, 1, 1, 1},   // 12 = 7 + 5: the last tile overlaps
        {1, 4, 8, 16, 17, 3, 1, 0, 1, 1},  // no padding, width 14
        {2, 3, 10, 9, 6, 3, 1, 2, 1, 1},   // padding 2: two lost positions at each edge
        {2, 4, 11, 13, 8, 5, 1, 2, 1, 1},  // 5 × 5
        {1, 3, 9, 10, 7, 5, 1, 1, 1, 1},
        {2, 6, 14, 14, 33, 3, 2, 1, 1, 1}, // stride 2, even
        {2, 5, 15, 17, 12, 3, 2, 1, 1, 1}, // stride 2, odd
        {1, 4, 16, 19, 5, 3, 2, 0, 1, 1},
        {2, 35, 9, 15, 20, 3, 2, 1, 1, 1}, // stride 2, channels copied a vector at a time and one by one
        {2, 8, 9, 9, 12, 3, 1, 1, 1, 2},   // groups
        {1, 4, 12, 12, 6, 3, 1, 2, 2, 1},  // dilation 2
        {1, 2, 3, 9, 70, 3, 1, 1, 1, 1},   // 70 out channels: a part-empty last block
        {2, 5, 30, 29, 40, 3, 1, 1, 1, 1}, // bands of rows (a plane over 28 × 28), the last band short
        {1, 3, 29, 30, 9, 5, 1, 2, 1, 1},  // bands, 5 × 5
    };

    @Test
    void rowTilesMatchTheReference() {
        var rng = new Generator(71);
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, s.cOut(), 1, 0), new int[] {s.cOut()}, Layout.OFFSET);
            Tensor ref = poisoned(yShape);
            REF.conv2d(ref, x, w, b, s);
            assertThat(DirectConvRows.applies(s)).as("applies to %s", s).isEqualTo(Simd.ENABLED);
            if (!Simd.ENABLED) {
                continue;
            }
            double tol = 1e-5 * Math.sqrt(s.patch());
            for (int v = 1; v <= 2; v++) {
                Tensor y = poisoned(yShape);
                DirectConvRows.forward(HostArrays.f(y), y.offset(), HostArrays.f(x), x.offset(), HostArrays.f(w),
                        w.offset(), HostArrays.f(b), b.offset(), s, v);
                assertClose("rows conv2d, " + v + " vectors, " + s, y, ref, 1e-5, tol);
            }
        }
    }

    @Test
    void constantChannelTilesGiveTheBitsOfTheGenericTiles() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(73);
        boolean was = DirectConvRowTiles.enabled;
        try {
            // 64 channels per group in (the forward's tiles) and out (the input gradient's), stride 1 and 2,
            // widths with an overlapping last tile, groups; 16 in at stride 2 (kiln train cnn's 16 -> 32)
            for (int[] g : new int[][] {{2, 64, 9, 12, 64, 3, 1, 1, 1, 1}, {2, 64, 7, 7, 64, 3, 1, 1, 1, 1},
                {2, 64, 14, 15, 64, 3, 2, 1, 1, 1}, {1, 128, 8, 9, 132, 3, 1, 1, 1, 2},
                {2, 16, 28, 28, 32, 3, 2, 1, 1, 1}, {2, 16, 14, 15, 40, 3, 2, 1, 1, 1}}) {
                ConvShape s = shape(g);
                DirectConvRowTiles.enabled = true;
                assertThat(DirectConvRowTiles.takes(s.cInPerGroup())).as("takes %s", s).isTrue();
                float[] x = AbTiming.randn(rng, s.n() * s.cIn() * s.h() * s.w());
                float[] w = AbTiming.randn(rng, s.cOut() * s.cInPerGroup() * s.kH() * s.kW());
                float[] b = AbTiming.randn(rng, s.cOut());
                float[] dy = AbTiming.randn(rng, s.n() * s.cOut() * s.outH() * s.outW());
                float[][] out = new float[2][];
                float[][] dx = new float[2][];
                for (int i = 0; i < 2; i++) {
                    DirectConvRowTiles.enabled = i == 0;
                    out[i] = new float[dy.length];
                    DirectConvRows.forward(out[i], 0, x, 0, w, 0, b, 0, s, 2);
                    dx[i] = new float[x.length];
                    if (s.strideH() == 1) {
                        DirectConvRows.backwardInput(dx[i], 0, dy, 0, w, 0, s, 2);
                    } else {
                        DirectConvRows.backwardInputStrided(dx[i], 0, dy, 0, w, 0, s, 2);
                    }
                }
                assertThat(out[0]).as("forward %s", s).isEqualTo(out[1]);
                assertThat(dx[0]).as("input gradient %s", s).isEqualTo(dx[1]);
                Tensor ref = Tensor.zeros(s.n(), s.cOut(), s.outH(), s.outW());
                REF.conv2d(ref, Tensor.of(x, s.n(), s.cIn(), s.h(), s.w()),
                        Tensor.of(w, s.cOut(), s.cInPerGroup(), s.kH(), s.kW()), Tensor.of(b, s.cOut()), s);
                assertClose("constant tiles, " + s, Tensor.of(out[0], s.n(), s.cOut(), s.outH(), s.outW()), ref, 1e-5,
                        1e-5 * Math.sqrt(s.patch()));
            }
        } finally {
            DirectConvRowTiles.enabled = was;
        }
    }

    @Test
    void chunkedCellsGiveTheBitsOfChannelsLastCells() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(74);
        boolean was = DirectConvRows.chunked;
        try {
            // the edges of SHAPES with channels (in and out per group) that chunks of K divide, and some they do not
            List<int[]> shapes = new ArrayList<>();
            for (int[] g : SHAPES) {
                int[] c = g.clone();
                c[1] = DirectConvRows.K * g[9] * (g[1] % 3 + 1);
                c[4] = DirectConvRows.K * g[9] * (g[4] % 2 + 1);
                shapes.add(c);
            }
            shapes.addAll(List.of(new int[] {2, 32, 9, 12, 32, 3, 1, 1, 1, 1}, new int[] {2, 64, 7, 7, 64, 3, 1, 1, 1, 1},
                    new int[] {2, 32, 14, 15, 64, 3, 2, 1, 1, 1}, new int[] {1, 64, 8, 9, 66, 3, 1, 1, 1, 2},
                    new int[] {2, 24, 9, 9, 32, 3, 1, 1, 1, 1}, new int[] {2, 32, 14, 14, 48, 3, 1, 1, 1, 1},
                    new int[] {1, 48, 28, 28, 32, 3, 1, 1, 1, 1}, new int[] {2, 32, 29, 28, 16, 3, 1, 1, 1, 1}));
            for (int[] g : shapes) {
                ConvShape s = shape(g);
                float[] x = AbTiming.randn(rng, s.n() * s.cIn() * s.h() * s.w());
                float[] w = AbTiming.randn(rng, s.cOut() * s.cInPerGroup() * s.kH() * s.kW());
                float[] b = AbTiming.randn(rng, s.cOut());
                float[] dy = AbTiming.randn(rng, s.n() * s.cOut() * s.outH() * s.outW());
                boolean transposable = ConvDispatch.transposable(s);
                boolean phases = s.strideH() > 1 && DirectConvRows.phasesFit(s);
                for (int v = 1; v <= 2; v++) {
                    // channels last, then chunks
                    float[][] out = new float[2][];
                    float[][] dx = new float[2][];
                    for (int i = 0; i < 2; i++) {
                        DirectConvRows.chunked = i == 1;
                        out[i] = new float[dy.length];
                        DirectConvRows.forward(out[i], 0, x, 0, w, 0, b, 0, s, v);
                        dx[i] = new float[x.length];
                        if (transposable) {
                            DirectConvRows.backwardInput(dx[i], 0, dy, 0, w, 0, s, v);
                        } else if (phases) {
                            DirectConvRows.backwardInputStrided(dx[i], 0, dy, 0, w, 0, s, v);
                        }
                    }
                    assertThat(out[1]).as("forward %s, %d vectors", s, v).isEqualTo(out[0]);
                    assertThat(dx[1]).as("input gradient %s, %d vectors", s, v).isEqualTo(dx[0]);
                }
            }
        } finally {
            DirectConvRows.chunked = was;
        }
    }

    @Test
    void bandsOfRowsGiveTheBitsOfWholePlanes() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(72);
        boolean was = DirectConvRows.rowBands;
        try {
            for (int[] g : new int[][] {{2, 5, 30, 29, 40, 3, 1, 1, 1, 1}, {3, 33, 33, 30, 70, 3, 1, 1, 1, 1},
                {1, 3, 29, 30, 9, 5, 1, 2, 1, 1}}) {
                ConvShape s = shape(g);
                float[] x = AbTiming.randn(rng, s.n() * s.cIn() * s.h() * s.w());
                float[] w = AbTiming.randn(rng, s.cOut() * s.cInPerGroup() * s.kH() * s.kW());
                float[] b = AbTiming.randn(rng, s.cOut());
                DirectConvRows.rowBands = true;
                assertThat(DirectConvRows.bands(s)).as("bands of %s", s).isTrue();
                for (int v = 1; v <= 2; v++) {
                    float[] banded = new float[s.n() * s.cOut() * s.outH() * s.outW()];
                    DirectConvRows.forward(banded, 0, x, 0, w, 0, b, 0, s, v);
                    DirectConvRows.rowBands = false;
                    float[] whole = new float[banded.length];
                    DirectConvRows.forward(whole, 0, x, 0, w, 0, b, 0, s, v);
                    DirectConvRows.rowBands = true;
                    assertThat(banded).as("%s, %d vectors", s, v).isEqualTo(whole);
                }
            }
        } finally {
            DirectConvRows.rowBands = was;
        }
    }

    @Test
    void inputGradientPackedFromTheForwardWeightsMatchesTheReference() {
        var rng = new Generator(29);
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            if (!ConvDispatch.transposable(s) || !DirectConvRows.applies(ConvDispatch.transposed(s))) {
                continue;
            }
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            Tensor ref = poisoned(xShape);
            REF.conv2dBackwardInput(ref, dy, w, s);
            for (int v = 1; v <= 2; v++) {
                Tensor dx = poisoned(xShape);
                DirectConvRows.backwardInput(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(w), w.offset(), s, v);
                assertClose("rows input grad, " + v + " vectors, " + s, dx, ref, 1e-5,
                        1e-5 * Math.sqrt(s.cOutPerGroup() * s.kH() * s.kW()));
            }
        }
    }

    /** {n, c, h, w, o, k, stride, pad}: strided shapes whose every phase of dx is at least 7 wide. */
    private static final int[][] STRIDED = {
        {2, 6, 14, 14, 33, 3, 2, 1},
        {2, 5, 15, 17, 12, 3, 2, 1},  // odd sizes: phases of 8 and 7 rows, 9 and 8 columns
        {1, 4, 16, 19, 5, 3, 2, 0},   // no padding
        {2, 35, 9, 15, 20, 3, 2, 1},
        {1, 4, 9, 23, 6, 3, 3, 0},    // stride 3: one tap a phase
        {1, 3, 10, 16, 5, 5, 2, 2},   // 5 × 5: phases of 3 and 2 taps a side
        {1, 2, 8, 14, 3, 1, 2, 0},    // 1 × 1 at stride 2: three phases no tap reaches, all zero
    };

    @Test
    void stridedInputGradientByPhasesMatchesTheReference() {
        var rng = new Generator(37);
        for (int[] g : STRIDED) {
            ConvShape s = shape(new int[] {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], 1, 1});
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            Tensor ref = poisoned(xShape);
            REF.conv2dBackwardInput(ref, dy, w, s);
            assertThat(DirectConvRows.phasesFit(s)).as("phases fit %s", s).isEqualTo(Simd.ENABLED);
            if (!Simd.ENABLED) {
                continue;
            }
            for (int v = 1; v <= 2; v++) {
                Tensor dx = poisoned(xShape);
                DirectConvRows.backwardInputStrided(HostArrays.f(dx), dx.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(w), w.offset(), s, v);
                assertClose("rows strided input grad, " + v + " vectors, " + s, dx, ref, 1e-5,
                        1e-5 * Math.sqrt(s.cOutPerGroup() * s.kH() * s.kW()));
            }
        }
    }

    @Test
    void phasesThatStartInsideDyOrAreNarrowDoNotFit() {
        // stride 3, padding 1: phase 2 reads dy from its second row on
        assertThat(DirectConvRows.phasesFit(shape(new int[] {1, 4, 9, 23, 6, 3, 3, 1, 1, 1}))).isFalse();
        // 12 columns: phases of 6
        assertThat(DirectConvRows.phasesFit(shape(new int[] {1, 4, 12, 12, 6, 3, 2, 1, 1, 1}))).isFalse();
        assertThat(DirectConvRows.phasesFit(shape(new int[] {1, 4, 12, 12, 6, 3, 2, 1, 2, 1}))).isFalse();
    }

    @Test
    void parallelPackingWritesWhatTheSerialPackingDid() {
        var rng = new Generator(31);
        int threads = CpuBackend.threads();
        try {
            CpuBackend.setThreads(Math.max(2, threads));
            for (int[] g : SHAPES) {
                ConvShape s = shape(g);
                double[] d = KernelCheck.randn(rng, s.cOut() * s.cInPerGroup() * s.kH() * s.kW(), 1, 0);
                float[] w = new float[d.length + 3];
                for (int i = 0; i < d.length; i++) {
                    w[i + 3] = (float) d[i];
                }
                int width = 2 * 16;
                int blocks = (s.cOutPerGroup() + width - 1) / width;
                int size = s.groups() * blocks * s.kH() * s.kW() * s.cInPerGroup() * width;
                for (int chunk : new int[] {s.cInPerGroup(), 2, 3}) {
                    float[] serial = new float[size];
                    float[] parallel = new float[size];
                    java.util.Arrays.fill(parallel, Float.NaN);
                    DirectConvChannels.oldCopies = true;
                    DirectConvChannels.pack(serial, w, 3, s, width, blocks, chunk);
                    DirectConvChannels.oldCopies = false;
                    DirectConvChannels.pack(parallel, w, 3, s, width, blocks, chunk);
                    assertThat(parallel).as("packed %s, chunks of %d", s, chunk).containsExactly(serial);
                }
            }
        } finally {
            DirectConvChannels.oldCopies = false;
            CpuBackend.setThreads(threads);
        }
    }

    @Test
    void plansKeepExactlyTheTapsThatReadInput() {
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            int[][] plans = DirectConvRows.plans(s);
            int perRow = plans.length / s.outH();
            for (int oh = 0; oh < s.outH(); oh++) {
                for (int k = 0; k < perRow; k++) {
                    int ow0 = Math.min(k * DirectConvRows.R, s.outW() - DirectConvRows.R);
                    int[] plan = plans[oh * perRow + k];
                    // every (position, tap) the plan runs, in order
                    List<String> ran = new ArrayList<>();
                    for (int p = 0; p < DirectConvRows.R; p++) {
                        for (int i = 0; i < plan.length; i += 4) {
                            assertThat(plan[i]).as("run length").isIn(1, DirectConvRows.R - 1, DirectConvRows.R);
                            for (int t = plan[i + 2]; t < plan[i + 3]; t++) {
                                if (p >= plan[i + 1] && p < plan[i + 1] + plan[i]) {
                                    ran.add(p + ":" + t);
                                }
                            }
                        }
                    }
                    List<String> real = new ArrayList<>();
                    for (int p = 0; p < DirectConvRows.R; p++) {
                        for (int t = 0; t < s.kH() * s.kW(); t++) {
                            int ih = oh * s.strideH() + t / s.kW() * s.dilationH() - s.padH();
                            int iw = (ow0 + p) * s.strideW() + t % s.kW() * s.dilationW() - s.padW();
                            if (ih >= 0 && ih < s.h() && iw >= 0 && iw < s.w()) {
                                real.add(p + ":" + t);
                            }
                        }
                    }
                    assertThat(ran).as("taps of tile (%d, %d) of %s", oh, ow0, s).containsExactlyElementsOf(real);
                }
            }
        }
    }

    @Test
    void dispatchRoutesForwardAndInputGradient() {
        var rng = new Generator(13);
        ConvShape[] shapes = {
            new ConvShape(2, 32, 7, 7, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7),
            new ConvShape(2, 32, 14, 14, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 7, 7),
        };
        for (ConvShape s : shapes) {
            boolean strideOne = s.strideH() == 1;
            // 32 registers: the row tiles; with 16 the paths before them
            boolean expected = Simd.ENABLED && DirectConvKernels.WIDE;
            assertThat(ConvDispatch.rows(s)).as("rows for %s", s).isEqualTo(expected);
            if (strideOne) {
                assertThat(ConvDispatch.rows(ConvDispatch.transposed(s))).as("rows for dx of %s", s).isEqualTo(expected);
            } else {
                assertThat(ConvDispatch.rowPhases(s)).as("row phases for dx of %s", s).isEqualTo(expected);
            }
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cIn(), 3, 3};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.1, 0), wShape, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            Tensor ref = poisoned(yShape);
            REF.conv2d(ref, x, w, null, s);
            Tensor y = poisoned(yShape);
            ConvDispatch.conv2d(y, x, w, null, s);
            assertClose("conv2d " + s, y, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
            Tensor dxRef = poisoned(xShape);
            REF.conv2dBackwardInput(dxRef, dy, w, s);
            Tensor dx = poisoned(xShape);
            ConvDispatch.conv2dBackwardInput(dx, dy, w, s);
            assertClose("conv2d input grad " + s, dx, dxRef, 1e-5, 1e-5 * Math.sqrt(s.cOut() * 9));
        }
        // one vector of input channels: the row tiles' forward at stride 2 (kiln train cnn's 16 -> 32), not at 1
        int one = Simd.F32.length();
        ConvShape s = new ConvShape(2, one, 28, 28, 2 * one, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        assertThat(ConvDispatch.rows(s)).as("rows for %s", s).isEqualTo(Simd.ENABLED && DirectConvKernels.WIDE);
        assertThat(ConvDispatch.rows(new ConvShape(2, one, 14, 14, 2 * one, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14))).isFalse();
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cIn(), 3, 3};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
        Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.1, 0), wShape, Layout.OFFSET);
        Tensor ref = poisoned(yShape);
        REF.conv2d(ref, x, w, null, s);
        Tensor y = poisoned(yShape);
        ConvDispatch.conv2d(y, x, w, null, s);
        assertClose("conv2d " + s, y, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
    }

    @Test
    void dispatchSendsNarrowRowsElsewhere() {
        // rows of fewer than 7 outputs (1-wide images among them) have no row tile: the dispatch must not pick it
        for (int w : new int[] {1, 3, 6}) {
            ConvShape s = new ConvShape(2, 64, 7, w, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, w);
            assertThat(DirectConvRows.applies(s)).as("applies to width %d", w).isFalse();
            assertThat(ConvDispatch.rows(s)).as("rows for width %d", w).isFalse();
            var rng = new Generator(5);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cIn(), 3, 3};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
            Tensor wt = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.1, 0), wShape, Layout.CONTIGUOUS);
            Tensor ref = poisoned(yShape);
            REF.conv2d(ref, x, wt, null, s);
            Tensor y = poisoned(yShape);
            ConvDispatch.conv2d(y, x, wt, null, s);
            assertClose("conv2d width " + w, y, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
        }
    }

    private static ConvShape shape(int[] g) {
        int k = g[5];
        int st = g[6];
        int pad = g[7];
        int dil = g[8];
        int oh = (g[2] + 2 * pad - dil * (k - 1) - 1) / st + 1;
        int ow = (g[3] + 2 * pad - dil * (k - 1) - 1) / st + 1;
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], k, k, st, st, pad, pad, dil, dil, g[9], oh, ow);
    }
}
