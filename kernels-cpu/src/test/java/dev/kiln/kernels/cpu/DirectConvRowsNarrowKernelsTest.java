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
 * {@link DirectConvRowsNarrow} against the reference backend on the edges of its row tiles (run at every
 * forced vector width), with every tile size: widths the tile does not divide (smaller tiles), 1- and 2-wide
 * images, padding 0 to 2, kernels 3 and 5, stride 2 on odd and even sizes, groups, dilation, out channels
 * that leave the last block part empty, a bias; bit for bit against {@link DirectConvRows}, which sums in
 * the same order; its reuse tiles (kernel row by kernel row) against the reference and, bit for bit, each
 * other at every tile size, and infinite weights, which must not meet the padding; its plans, which must
 * run every tap that reads input exactly once and no other; and
 * the dispatch, forward and input gradient.
 */
class DirectConvRowsNarrowKernelsTest {

    /** {n, c, h, w, o, k, stride, pad, dilation, groups}. */
    private static final int[][] SHAPES = {
        {2, 5, 7, 7, 20, 3, 1, 1, 1, 1},    // 7 = 4 + 3
        {2, 16, 9, 8, 9, 3, 1, 1, 1, 1},    // 8 = 4 + 4
        {1, 3, 8, 13, 17, 3, 1, 0, 1, 1},   // no padding, width 11 = 4 + 4 + 3
        {2, 3, 6, 1, 6, 3, 1, 1, 1, 1},     // 1 wide: one tile of 1, both side taps on padding
        {2, 8, 5, 2, 6, 3, 1, 1, 1, 1},     // 2 wide
        {2, 8, 4, 1, 5, 3, 1, 2, 1, 1},     // 1 wide, padding 2: output 1 × 3 wide, edge positions read little
        {2, 8, 10, 9, 6, 3, 1, 2, 1, 1},    // padding 2: two lost positions at each edge
        {2, 8, 11, 13, 8, 5, 1, 2, 1, 1},   // 5 × 5
        {1, 16, 9, 10, 7, 5, 1, 1, 1, 1},
        {1, 8, 5, 4, 7, 5, 1, 2, 1, 1},     // 5 × 5 on a 4-wide image: taps lost on both sides of a tile
        {2, 24, 14, 14, 33, 3, 2, 1, 1, 1}, // stride 2, even
        {2, 8, 15, 17, 12, 3, 2, 1, 1, 1},  // stride 2, odd
        {1, 8, 16, 19, 5, 3, 2, 0, 1, 1},
        {1, 8, 3, 3, 5, 3, 2, 1, 1, 1},     // stride 2 to 2 × 2
        {2, 16, 9, 9, 12, 3, 1, 1, 1, 2},   // groups
        {1, 7, 12, 12, 6, 3, 1, 2, 2, 1},   // dilation 2
        {1, 8, 3, 9, 70, 3, 1, 1, 1, 1},    // 70 out channels: a part-empty last block
    };

    /** Positions per tile at most: every tile size from 1 to {@link DirectConvRowsNarrow#P}. */
    private static final int[] TILES = {DirectConvRowsNarrow.P, 4, 3, 2, 1};

    /** Positions per reuse tile at most: every size from 1 to {@link DirectConvRowsNarrow#REUSE_P}. */
    private static final int[] REUSE_TILES = {DirectConvRowsNarrow.REUSE_P, 6, 5, 4, 3, 2, 1};

    @Test
    void rowTilesMatchTheReference() {
        var rng = new Generator(73);
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
            assertThat(DirectConvRowsNarrow.applies(s)).as("applies to %s", s).isEqualTo(Simd.ENABLED);
            if (!Simd.ENABLED) {
                continue;
            }
            Tensor rows = poisoned(yShape);
            if (DirectConvRows.applies(s)) {
                DirectConvRows.forward(HostArrays.f(rows), rows.offset(), HostArrays.f(x), x.offset(),
                        HostArrays.f(w), w.offset(), HostArrays.f(b), b.offset(), s, 1);
            }
            for (int tile : TILES) {
                Tensor y = poisoned(yShape);
                DirectConvRowsNarrow.forward(HostArrays.f(y), y.offset(), HostArrays.f(x), x.offset(),
                        HostArrays.f(w), w.offset(), HostArrays.f(b), b.offset(), s, tile);
                String what = "narrow rows conv2d, tiles of " + tile + ", " + s;
                assertClose(what, y, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
                if (DirectConvRows.applies(s)) {
                    assertThat(HostArrays.f(y)).as("bit for bit as DirectConvRows: %s", what)
                            .isEqualTo(HostArrays.f(rows));
                }
            }
            // kernel row by kernel row where the shape allows (else tap by tap, as above): every output sums
            // in (kernel row, channel, kernel column) order whatever its tile, so all tile sizes agree bit for bit
            Tensor first = null;
            for (int tile : REUSE_TILES) {
                Tensor y = poisoned(yShape);
                DirectConvRowsNarrow.forward(HostArrays.f(y), y.offset(), HostArrays.f(x), x.offset(),
                        HostArrays.f(w), w.offset(), HostArrays.f(b), b.offset(), s, tile, true);
                String what = "narrow rows conv2d, reuse tiles of " + tile + ", " + s;
                assertClose(what, y, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
                if (!DirectConvRowsNarrow.reuses(s) && DirectConvRows.applies(s)) {
                    assertThat(HostArrays.f(y)).as("tap by tap, bit for bit as DirectConvRows: %s", what)
                            .isEqualTo(HostArrays.f(rows));
                }
                if (first == null) {
                    first = y;
                } else {
                    assertThat(HostArrays.f(y)).as("as with tiles of %d: %s", REUSE_TILES[0], what)
                            .isEqualTo(HostArrays.f(first));
                }
            }
        }
    }

    /**
     * The input gradient with its packed weights gathered flipped and transposed straight from w ({@link
     * DirectConvRowsNarrow#backwardInput}'s packing, {@code DirectConvRowsNarrow.packTransposed}) against the reference
     * and, bit for bit, the forward of dy with w flipped and transposed first and packed as before, tap by tap
     * and as reuse tiles, on every stride-1 shape above (groups, a part-empty last block, 5 × 5, dilation) and
     * with an infinite weight (which sends both to the tap-by-tap tiles).
     */
    @Test
    void inputGradientFromTheForwardWeightsEqualsTheOneBefore() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(11);
        List<int[]> shapes = new ArrayList<>(List.of(SHAPES));
        shapes.add(new int[] {1, 16, 5, 9, 4, 3, 1, 1, 1, 1}); // an infinite weight, below
        for (int[] g : shapes) {
            ConvShape s = shape(g);
            if (s.strideH() != 1 || !ConvDispatch.transposable(s)) {
                continue;
            }
            ConvShape t = ConvDispatch.transposed(s);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            double[] wd = KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0);
            boolean infinite = g == shapes.getLast();
            if (infinite) {
                wd[5] = Double.NEGATIVE_INFINITY;
            }
            Tensor w = input(wd, wShape, Layout.OFFSET);
            float[] wt = new float[KernelCheck.numel(wShape)];
            ConvDispatch.flipTransposed(wt, HostArrays.f(w), w.offset(), s);
            Tensor ref = poisoned(xShape);
            REF.conv2dBackwardInput(ref, dy, w, s);
            for (boolean reuse : new boolean[] {false, true}) {
                int p = reuse ? DirectConvRowsNarrow.REUSE_P : DirectConvRowsNarrow.P;
                Tensor before = poisoned(xShape);
                DirectConvRowsNarrow.run(HostArrays.f(before), before.offset(), HostArrays.f(dy), dy.offset(), wt, 0,
                        null, null, 0, t, p, reuse, false);
                Tensor after = poisoned(xShape);
                DirectConvRowsNarrow.run(HostArrays.f(after), after.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(w), w.offset(), s, null, 0, t, p, reuse, true);
                String what = "narrow rows input gradient, reuse " + reuse + ", " + s;
                if (!infinite) {
                    assertClose(what, after, ref, 1e-5, 1e-5 * Math.sqrt(t.patch()));
                }
                assertThat(HostArrays.f(after)).as("bit for bit as packed before: %s", what)
                        .isEqualTo(HostArrays.f(before));
            }
        }
    }

    /**
     * A reuse tile multiplies the padding's zeros by the weights of the taps that read it; with an infinite
     * weight that would be NaN where no real tap meets it, so such weights run tap by tap.
     */
    @Test
    void infiniteWeightsOnlyReachTheOutputsWhoseTapsReadInput() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(5);
        ConvShape s = shape(new int[] {1, 4, 5, 9, 16, 3, 1, 1, 1, 1});
        assertThat(DirectConvRowsNarrow.reuses(s)).isTrue();
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cInPerGroup(), 3, 3};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
        double[] wd = KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0);
        wd[3] = Double.POSITIVE_INFINITY; // out channel 0, input channel 0, tap (1, 0): padding for output column 0
        Tensor w = input(wd, wShape, Layout.OFFSET);
        Tensor ref = poisoned(yShape);
        REF.conv2d(ref, x, w, null, s);
        Tensor y = poisoned(yShape);
        DirectConvRowsNarrow.forward(HostArrays.f(y), y.offset(), HostArrays.f(x), x.offset(), HostArrays.f(w),
                w.offset(), null, 0, s, DirectConvRowsNarrow.REUSE_P, true);
        float[] yf = HostArrays.f(y);
        float[] rf = HostArrays.f(ref);
        for (int oh = 0; oh < s.outH(); oh++) {
            assertThat(Float.isFinite(rf[ref.offset() + oh * s.outW()])).as("reference at column 0, row %d", oh)
                    .isTrue();
        }
        for (int i = 0; i < s.outH() * s.outW(); i++) {
            assertThat(Float.isNaN(yf[y.offset() + i])).as("out channel 0, position %d NaN", i)
                    .isEqualTo(Float.isNaN(rf[ref.offset() + i]));
            assertThat(Float.isInfinite(yf[y.offset() + i])).as("out channel 0, position %d infinite", i)
                    .isEqualTo(Float.isInfinite(rf[ref.offset() + i]));
        }
    }

    @Test
    void tilesCoverEachRowOnce() {
        for (int p = 1; p <= 5; p++) {
            for (int w = 1; w <= 60; w++) {
                int[] starts = DirectConvRowsNarrow.starts(w, p);
                assertThat(starts.length).as("tiles of %d in a row of %d", p, w).isEqualTo((w + p - 1) / p);
                assertThat(starts[0]).isZero();
                for (int k = 0; k < starts.length; k++) {
                    int size = (k + 1 < starts.length ? starts[k + 1] : w) - starts[k];
                    // as equal as possible, none over p
                    assertThat(size).as("tile %d of %d in a row of %d", k, p, w)
                            .isBetween(w / starts.length, Math.min(p, (w + starts.length - 1) / starts.length));
                }
            }
        }
        assertThat(DirectConvRowsNarrow.starts(7, 3)).containsExactly(0, 3, 5);
        assertThat(DirectConvRowsNarrow.starts(7, 5)).containsExactly(0, 4);
        assertThat(DirectConvRowsNarrow.starts(14, 5)).containsExactly(0, 5, 10);
    }

    @Test
    void plansRunExactlyTheTapsThatReadInput() {
        for (int[] g : SHAPES) {
          for (int tile : TILES) {
            ConvShape s = shape(g);
            int[] starts = DirectConvRowsNarrow.starts(s.outW(), tile);
            int[][] plans = DirectConvRowsNarrow.plans(s, tile);
            assertThat(plans.length).isEqualTo(s.outH() * starts.length);
            for (int oh = 0; oh < s.outH(); oh++) {
                for (int k = 0; k < starts.length; k++) {
                    int ow0 = starts[k];
                    int size = (k + 1 < starts.length ? starts[k + 1] : s.outW()) - ow0;
                    int[] plan = plans[oh * starts.length + k];
                    List<String> ran = new ArrayList<>();
                    for (int p = 0; p < size; p++) {
                        for (int i = 0; i < plan.length; i += 4) {
                            assertThat(plan[i]).as("run length").isBetween(1, size);
                            assertThat(plan[i + 1] + plan[i]).as("run end").isLessThanOrEqualTo(size);
                            for (int t = plan[i + 2]; t < plan[i + 3]; t++) {
                                if (p >= plan[i + 1] && p < plan[i + 1] + plan[i]) {
                                    ran.add(p + ":" + t);
                                }
                            }
                        }
                    }
                    List<String> real = new ArrayList<>();
                    for (int p = 0; p < size; p++) {
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
    }

    /** Routed with 16 registers and 8 lanes only (run with {@code -XX:UseAVX=2} to take it). */
    @Test
    void dispatchForwardAndInputGradient() {
        var rng = new Generator(17);
        ConvShape[] shapes = {
            new ConvShape(2, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14), // kiln train cnn's
            new ConvShape(2, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7),
            new ConvShape(2, 32, 7, 7, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7),
            new ConvShape(2, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14), // 16 inputs: not taken
            new ConvShape(2, 32, 14, 14, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 7, 7),   // stride 2: not taken
            new ConvShape(1, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7),   // ResNet-18's: reuse tiles
            new ConvShape(1, 512, 8, 8, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 8, 8),   // 8 wide: not taken
            new ConvShape(1, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14), // ResNet-18's: tap by tap
            new ConvShape(1, 256, 7, 7, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1, 7, 7),   // 7 x 7: not taken
        };
        boolean narrow = Simd.ENABLED && !DirectConvKernels.WIDE && DirectConvKernels.L == 8;
        for (ConvShape s : shapes) {
            boolean reuse = narrow && DirectConvRowsNarrow.REUSE && s.cIn() == 512 && s.outW() == 7;
            boolean wide = narrow && ConvDispatch.ROWS_NARROW_WIDE && s.cIn() == 256 && s.outW() == 14;
            boolean taken = narrow && s.strideH() == 1 && s.cIn() >= 32 && (s.cIn() <= 64 || reuse || wide);
            assertThat(ConvDispatch.rowsNarrow(s)).as("rowsNarrow for %s", s).isEqualTo(taken);
            assertThat(ConvDispatch.rowsReuse(s)).as("rowsReuse for %s", s).isEqualTo(reuse);
            if (s.strideH() == 1) {
                assertThat(ConvDispatch.rowsNarrow(ConvDispatch.transposed(s))).as("rowsNarrow for dx of %s", s)
                        .isEqualTo(taken);
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
