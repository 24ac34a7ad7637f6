package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A direct convolution vectorized over output channels whose tiles are runs of {@link #R} positions of
 * one output row, so that no multiply-add touches padding: {@link DirectConvChannels} runs its tiles
 * across row ends through the zero-padded grid (on 7 × 7 outputs it computes 60 positions × 9 taps for
 * 49 × 7.37 real ones), while oneDNN's direct kernels, like this one, skip the taps on padding.
 * {@link ConvDispatch#rows} says where it runs.
 *
 * <p>The input is copied into the cells {@link DirectConvChannels} uses (the forward grid of {@link
 * DirectConv.Grid}, a strided convolution's cells holding the input's stride phases): in chunks of {@link #K}
 * channels where K divides the channels per group ({@link #chunked}: a tile's positions K floats apart, so its
 * broadcasts are constant displacements of one address), else channels last. Only the cells of real input are
 * ever read, so the padding is neither cleared nor written. The weights are
 * packed [block][tap][input channel][out channel of the block], a block being V vectors of out channels
 * ({@link #vectors}: 2 with 32 vector registers, 1 with 16, where it is not routed), zero past the last. A row's tiles start at 0, R, 2R, ... and, where R does not
 * divide the width, one more ends at the row's end (overlapping the one before; it recomputes those
 * outputs, bit for bit). For each tile a plan lists the taps it runs: a tap row whose input row is
 * padding is left out, and a tap that reads padding at some of the tile's positions runs on the others
 * only: with 6 positions where one is lost (a 3 × 3 kernel's left or right edge), else one position at
 * a time (wider kernels or padding). Every output is thus the sum of its real taps in (tap, input
 * channel) order, whatever tile computes it, so results depend on the shape only, never on the threads.
 * Each block's channels-last output is then copied into the NCHW planes of y.
 */
final class DirectConvRows {
    private DirectConvRows() {
    }

    /** False with {@code -Dkiln.conv.rows=false}: the shapes go where they went before (A/B runs). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rows", "true").trim());

    private static final VectorSpecies<Float> S = DirectConvKernels.S;
    private static final int L = DirectConvKernels.L;

    /** Positions per tile: 7 divides the widths of ResNet's and kiln train cnn's layers (56, 28, 14, 7). */
    static final int R = 7;

    /** Whether this kernel can compute the shape: a kernel larger than 1×1 and rows of at least R outputs. */
    static boolean applies(ConvShape s) {
        return ENABLED && Simd.ENABLED && s.kH() * s.kW() > 1 && s.outW() >= R;
    }

    /**
     * Vectors of out channels per tile: 7 × 2 with 32 vector registers (7 × 4 and 7 × 3 ran 0.7-0.9×
     * of it, 7 × 1 0.72-0.77×), 7 × 1 with 16 (7 × 2 spills).
     */
    static int vectors(boolean wide) {
        return wide ? 2 : 1;
    }

    /**
     * Output rows a band holds where {@link #bands} does: the band's cells (10 input rows of 58 × 64 channels at
     * 56 × 56, 148 KB) stay in L2 while every block of out channels runs over them.
     */
    static final int BAND_ROWS = 8;

    /** {@link #bands}' switch: {@code -Dkiln.conv.rowBands=false} turns it off (A/B runs flip it). */
    static boolean rowBands = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowBands", "true").trim());

    /**
     * Whether a stride-1 forward runs in bands of {@link #BAND_ROWS} output rows, each through all the blocks of
     * out channels, rather than block by block over the whole plane: planes larger than {@link
     * ConvDispatch#ROWS_MAX_SPATIAL}, where a sample's cells (800 KB for 64 channels on 56 × 56) leave L2.
     */
    static boolean bands(ConvShape s) {
        return rowBands && s.strideH() == 1 && s.strideW() == 1 && (long) s.h() * s.w() > ConvDispatch.ROWS_MAX_SPATIAL
                && s.outH() > BAND_ROWS;
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] out = new float[0];
        float[] cells = new float[0];
        float[][] outs = new float[0][];

        /** {@code count} output buffers of at least n floats each. */
        float[][] outs(int count, long n) {
            if (outs.length < count) {
                outs = Arrays.copyOf(outs, count);
            }
            for (int i = 0; i < count; i++) {
                outs[i] = HostArrays.atLeast(outs[i] == null ? new float[0] : outs[i], n);
            }
            return outs;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** y = conv2d(x, w) + bias; bias may be null. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s, vectors(DirectConvKernels.WIDE));
    }

    /** {@link #forward} with tiles of {@code v} vectors of out channels (1 or 2; tests and A/B runs). */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s, int v) {
        int width = v * L;
        int blocks = (s.cOutPerGroup() + width - 1) / width;
        float[] wp = weights((long) s.groups() * blocks * s.kH() * s.kW() * s.cInPerGroup() * width);
        DirectConvChannels.pack(wp, wa, wOff, s, width, blocks, s.cInPerGroup()); // one chunk: [block][tap][c][o]
        compute(y, yOff, xa, xOff, wp, ba, bOff, s, v);
    }

    /**
     * dx of the stride-1 convolution s (one that {@link ConvDispatch#transposable} takes) from dy and its
     * forward weights w: the forward of dy with the flipped, transposed weights, packed straight from w
     * ({@link DirectConvChannels#packTransposed}).
     */
    static void backwardInput(float[] dx, int dxOff, float[] dy, int dyOff, float[] wa, int wOff, ConvShape s) {
        backwardInput(dx, dxOff, dy, dyOff, wa, wOff, s, vectors(DirectConvKernels.WIDE));
    }

    /** {@link #backwardInput} with tiles of {@code v} vectors of input channels (tests). */
    static void backwardInput(float[] dx, int dxOff, float[] dy, int dyOff, float[] wa, int wOff, ConvShape s,
                              int v) {
        ConvShape t = ConvDispatch.transposed(s);
        int width = v * L;
        int blocks = (t.cOutPerGroup() + width - 1) / width;
        float[] wp = weights((long) t.groups() * blocks * t.kH() * t.kW() * t.cInPerGroup() * width);
        DirectConvChannels.packTransposed(wp, wa, wOff, s, width, blocks);
        compute(dx, dxOff, dy, dyOff, wp, null, 0, t, v);
    }

    /**
     * dx of a strided convolution s (dilation 1) from dy and its weights w, as {@link DirectConvPhases}
     * splits it: each stride phase of dx (its rows ≡ rh, columns ≡ rw) is a stride-1 convolution of dy with
     * the taps of w that reach it (a 3 × 3 kernel at stride 2: 1, 2, 2 and 4 taps), run here by the row
     * tiles, and written to every stride-th row and column of dx. Every output is one tile's sum over its
     * real taps in (tap, dy channel) order, so the result depends on the shape only.
     */
    static void backwardInputStrided(float[] dx, int dxOff, float[] dy, int dyOff, float[] wa, int wOff,
                                     ConvShape s) {
        backwardInputStrided(dx, dxOff, dy, dyOff, wa, wOff, s, vectors(DirectConvKernels.WIDE));
    }

    /** {@link #backwardInputStrided} with tiles of {@code v} vectors of input channels (tests). */
    static void backwardInputStrided(float[] dx, int dxOff, float[] dy, int dyOff, float[] wa, int wOff,
                                     ConvShape s, int v) {
        var rows = DirectConvPhases.Axis.of(s.kH(), s.strideH(), s.padH(), s.h(), s.outH());
        var cols = DirectConvPhases.Axis.of(s.kW(), s.strideW(), s.padW(), s.w(), s.outW());
        int width = v * L;
        int blocks = (s.cInPerGroup() + width - 1) / width;
        // the phases' convolutions, and the zeros and reach of one grid of dy's cells that serves them all
        List<ConvShape> phases = new ArrayList<>();
        List<Place> places = new ArrayList<>();
        int padH = 0;
        int padW = 0;
        int pastH = 0;
        int pastW = 0;
        for (int rh = 0; rh < s.strideH(); rh++) {
            for (int rw = 0; rw < s.strideW(); rw++) {
                ConvShape p = phase(s, rows, cols, rh, rw);
                Place place = new Place(s.h(), s.w(), s.strideH(), s.strideW(), rh, rw);
                if (p == null) { // no tap reaches this phase: its dx is zero
                    zeroPhase(dx, dxOff, s, place);
                    continue;
                }
                phases.add(p);
                places.add(place);
                padH = Math.max(padH, p.padH());
                padW = Math.max(padW, p.padW());
                pastH = Math.max(pastH, p.outH() + p.kH() - 1 - p.padH() - s.outH());
                pastW = Math.max(pastW, p.outW() + p.kW() - 1 - p.padW() - s.outW());
            }
        }
        if (phases.isEmpty()) {
            return;
        }
        // dy (a, b) at cell (padH + a)·pitch + padW + b; phase output (a, b) at cell a·pitch + b
        int pitch = padW + s.outW() + Math.max(0, pastW);
        int gridRows = padH + s.outH() + Math.max(0, pastH);
        ConvShape cellShape = new ConvShape(s.n(), s.cOut(), s.outH(), s.outW(), s.cIn(), 1, 1, 1, 1, padH, padW, 1, 1,
                s.groups(), s.outH(), s.outW());
        DirectConv.Grid cellGrid = new DirectConv.Grid(pitch, gridRows, 0, 0, gridRows * pitch, new int[] {0});
        int cells = gridRows * pitch;
        Part[] parts = new Part[phases.size()];
        long packed = 0;
        for (int i = 0; i < parts.length; i++) {
            ConvShape p = phases.get(i);
            int kk = p.kH() * p.kW();
            int[] taps = new int[kk];
            int[] source = new int[kk];
            for (int u = 0; u < p.kH(); u++) {
                for (int q = 0; q < p.kW(); q++) {
                    taps[u * p.kW() + q] = (u - p.padH() + padH) * pitch + q - p.padW() + padW;
                    source[u * p.kW() + q] = tapOf(rows, places.get(i).rh(), u - p.padH()) * s.kW()
                            + tapOf(cols, places.get(i).rw(), q - p.padW());
                }
            }
            int last = p.outH() * pitch + Arrays.stream(taps).max().orElse(0);
            cells = Math.max(cells, last);
            parts[i] = new Part(p, new DirectConv.Grid(pitch, gridRows, 0, 0, p.outH() * pitch, taps), plans(p), source,
                    packed, kk * s.cOutPerGroup() * width, places.get(i));
            packed += (long) s.groups() * blocks * parts[i].blockSize();
        }
        float[] wp = weights(packed);
        for (Part part : parts) {
            DirectConvChannels.packTransposed(wp, wa, wOff, s, width, blocks, part.source(), (int) part.wBase());
        }
        compute(dx, dxOff, dy, dyOff, cellShape, cellGrid, cells, parts, wp, null, 0, v);
    }

    /**
     * The stride-1 convolution of dy that gives phase (rh, rw) of s's dx, or null where no tap reaches it
     * or it has no outputs: its taps read dy at the phase's offsets, which are consecutive, so they are a
     * kernel with padding −(least offset) and the phase's size as output (what lies past dy is padding).
     */
    static ConvShape phase(ConvShape s, DirectConvPhases.Axis rows, DirectConvPhases.Axis cols, int rh, int rw) {
        int[] oh = rows.offset()[rh];
        int[] ow = cols.offset()[rw];
        if (oh.length == 0 || ow.length == 0 || rows.outputs()[rh] == 0 || cols.outputs()[rw] == 0) {
            return null;
        }
        int padH = -Arrays.stream(oh).min().getAsInt();
        int padW = -Arrays.stream(ow).min().getAsInt();
        return new ConvShape(s.n(), s.cOut(), s.outH(), s.outW(), s.cIn(), oh.length, ow.length, 1, 1, padH, padW,
                1, 1, s.groups(), rows.outputs()[rh], cols.outputs()[rw]);
    }

    /**
     * Whether {@link ConvDispatch#rowPhases} may route strided input gradients here
     * ({@code -Dkiln.conv.rowPhases=false}: no; A/B runs flip it).
     */
    static boolean rowPhases = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowPhases", "true").trim());

    /**
     * Whether {@link #backwardInputStrided} can compute s: dilation 1, and every phase of dx that some tap
     * reaches at least R wide and reading dy from its start on (no negative padding: a 3 × 3 kernel at
     * stride 2 with padding 0 or 1 does, at stride 3 with padding 1 one phase starts a row in).
     */
    static boolean phasesFit(ConvShape s) {
        if (!ENABLED || !Simd.ENABLED || s.dilationH() != 1 || s.dilationW() != 1) {
            return false;
        }
        var rows = DirectConvPhases.Axis.of(s.kH(), s.strideH(), s.padH(), s.h(), s.outH());
        var cols = DirectConvPhases.Axis.of(s.kW(), s.strideW(), s.padW(), s.w(), s.outW());
        for (int rh = 0; rh < s.strideH(); rh++) {
            for (int rw = 0; rw < s.strideW(); rw++) {
                ConvShape p = phase(s, rows, cols, rh, rw);
                if (p != null && (p.padH() < 0 || p.padW() < 0 || p.outW() < R)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The kernel index along one axis of the tap of phase r that reads dy at the given offset. */
    private static int tapOf(DirectConvPhases.Axis axis, int r, int offset) {
        for (int t = 0; t < axis.offset()[r].length; t++) {
            if (axis.offset()[r][t] == offset) {
                return axis.kernel()[r][t];
            }
        }
        throw new IllegalStateException("DirectConvRows: no tap of phase " + r + " at offset " + offset);
    }

    /**
     * Where a phase's outputs go in its full planes: output (a, b) of a plane to (a·strideH + rh,
     * b·strideW + rw) of an h × w plane.
     */
    record Place(int h, int w, int strideH, int strideW, int rh, int rw) {
    }

    /** Zeros in phase {@code place} of every plane of dx. */
    private static void zeroPhase(float[] dx, int dxOff, ConvShape s, Place place) {
        for (int plane = 0; plane < s.n() * s.cIn(); plane++) {
            for (int ih = place.rh(); ih < s.h(); ih += place.strideH()) {
                for (int iw = place.rw(); iw < s.w(); iw += place.strideW()) {
                    dx[dxOff + (plane * s.h() + ih) * s.w() + iw] = 0f;
                }
            }
        }
    }

    /**
     * Channels per chunk of {@link #chunked} cells: a chunk's cells hold K channels each, so a tile's positions
     * are K floats apart (a constant). 32: the inner loop runs K steps between chunks, and 16 steps (K = 16) ran
     * 0.9× of channels last in a probe of the tile alone (the loop's exits), 32 and 64 level or ahead; 32 still
     * divides every channel count of ResNet's and kiln train cnn's layers the row tiles take.
     */
    static final int K = 32;

    /**
     * Whether the tiles read cells in chunks of {@link #K} channels ([chunk][cell][channel of the chunk]) where
     * K divides the channels per group, rather than channels last ({@code -Dkiln.conv.rowsChunked=false}; A/B runs
     * flip it). Channels last, a tile's positions lie cpg floats apart, a runtime value: C2 then computes each
     * broadcast's address with a lea and spills the loop's bases (40 instructions for 14 FMAs, read from the
     * compiled code on the Xeon); with K a constant they are displacements of one address (31 instructions,
     * no spill in the loop).
     */
    static boolean chunked = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowsChunked", "true").trim());

    /**
     * Whether tiles of v vectors read chunked cells for cpg channels per group: where {@link #K} divides cpg, but
     * not 64 channels in 7 × 2 tiles, which {@link DirectConvRowTiles} runs channels last in one loop of 64 steps
     * (chunks of 32 ran 0.94-0.96× of it: two loops of 32 steps).
     */
    static boolean chunks(int cpg, int v) {
        return chunked && cpg % K == 0 && !(v == 2 && DirectConvRowTiles.takes(cpg));
    }

    /** Cells per channel of a chunk: {@code cells} made odd, so that the chunks start in different L1 sets. */
    static int chunkCells(int cells) {
        return cells | 1;
    }

    /** The calling thread's buffer for packed weights, at least n floats. */
    private static float[] weights(long n) {
        Scratch sc = SCRATCH.get();
        sc.weights = HostArrays.atLeast(sc.weights, n);
        return sc.weights;
    }

    /** y = conv2d(x, w) + bias from weights packed [group][block][tap][input channel][out channel of the block]. */
    private static void compute(float[] y, int yOff, float[] xa, int xOff, float[] wp, float[] ba, int bOff,
                                ConvShape s, int v) {
        boolean strideOne = s.strideH() == 1 && s.strideW() == 1;
        DirectConv.Grid gr = strideOne ? DirectConv.Grid.forward(s) : DirectConv.Grid.of(s);
        int kk = s.kH() * s.kW();
        int cells = gr.positions() + Arrays.stream(gr.taps()).max().orElse(0);
        Part part = new Part(s, gr, plans(s), null, 0, kk * s.cInPerGroup() * v * L, null);
        compute(y, yOff, xa, xOff, s, gr, cells, new Part[] {part}, wp, ba, bOff, v);
    }

    /**
     * One convolution the tiles run on a sample's cells: its shape (its plans and outputs), its grid (the
     * pitch its output positions are counted in and the cell offsets of its taps), its packed weights from
     * {@code wBase} ({@code blockSize} floats a block; {@code source}: w's taps they were packed from, for
     * phases) and, for a phase of a strided input gradient, where its outputs go.
     */
    private record Part(ConvShape s, DirectConv.Grid gr, int[][] plans, int[] source, long wBase, int blockSize,
                        Place place) {
    }

    /**
     * The parts' outputs from x's cells: each sample's input copied once into {@code cells} cells per channel
     * ({@code cellShape}'s padding on {@code cellGrid}; its stride phases if strided), then per block of out
     * channels every part's tiles run and its outputs are stored (+ bias, into y's planes, or into the
     * part's phase of them).
     */
    private static void compute(float[] y, int yOff, float[] xa, int xOff, ConvShape cellShape,
                                DirectConv.Grid cellGrid, int cells, Part[] parts, float[] wp, float[] ba, int bOff,
                                int v) {
        boolean strideOne = cellShape.strideH() == 1 && cellShape.strideW() == 1;
        ConvShape s0 = parts[0].s();
        int cpg = s0.cInPerGroup();
        int opg = s0.cOutPerGroup();
        int width = v * L;
        int blocks = (opg + width - 1) / width;
        // chunks of K channels (cs floats apart), taps scaled by K; else channels last, taps scaled by cpg
        boolean chunks = chunks(cpg, v);
        int cells0 = chunks ? chunkCells(cells) : cells;
        int cs = chunks ? cells0 * K : 0;
        int[][] taps = new int[parts.length][];
        int positions = 0;
        long work = 0;
        for (int i = 0; i < parts.length; i++) {
            int[] t = parts[i].gr().taps();
            taps[i] = new int[t.length];
            for (int j = 0; j < t.length; j++) {
                taps[i][j] = t[j] * (cs > 0 ? K : cpg);
            }
            positions = Math.max(positions, parts[i].gr().positions());
            work += (long) parts[i].s().outH() * parts[i].s().outW() * blocks * parts[i].blockSize();
        }
        int yp0 = positions;
        boolean banded = parts.length == 1 && parts[0].place() == null && bands(s0);
        int units = s0.n() * s0.groups();
        int split = DirectConv.split(units, blocks);
        UnitLoop.forRange(units * split, DirectConv.grain(units, split, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.out = HostArrays.atLeast(mine.out, (long) yp0 * width);
            mine.cells = HostArrays.atLeast(mine.cells, (long) cells0 * cpg);
            float[] xp = mine.cells;
            float[] yp = mine.out;
            for (int u = lo; u < hi; u++) {
                int unit = u / split;
                int piece = u % split;
                int n = unit / s0.groups();
                int g = unit % s0.groups();
                int src = xOff + (n * cellShape.cIn() + g * cpg) * cellShape.h() * cellShape.w();
                if (cs > 0) {
                    DirectConvChannels.cells(xp, cells0, xa, src, cpg, K, cellShape, cellGrid);
                } else if (strideOne) {
                    ChannelsLast.pad(xp, xa, src, cpg, cellShape, cellGrid);
                } else {
                    DirectConvChannels.cells(xp, cells, xa, src, cpg, cpg, cellShape, cellGrid);
                }
                int bFrom = blocks * piece / split;
                int bTo = blocks * (piece + 1) / split;
                if (banded) {
                    // bands of output rows, each through every block while its cells are in cache; the blocks'
                    // outputs are kept apart until the plane is done
                    Part part = parts[0];
                    ConvShape s = part.s();
                    float[][] outs = mine.outs(bTo - bFrom, (long) yp0 * width);
                    for (int oh0 = 0; oh0 < s.outH(); oh0 += BAND_ROWS) {
                        int oh1 = Math.min(s.outH(), oh0 + BAND_ROWS);
                        for (int b = bFrom; b < bTo; b++) {
                            tiles(part, g, b, blocks, oh0, oh1, v, outs[b - bFrom], xp, cs, cpg, taps[0], wp);
                        }
                    }
                    for (int b = bFrom; b < bTo; b++) {
                        int o0 = g * opg + b * width;
                        ChannelsLast.store(y, yOff + (n * s.cOut() + o0) * s.outH() * s.outW(), outs[b - bFrom], width,
                                Math.min(width, opg - b * width), ba, bOff + o0, s, part.gr());
                    }
                    continue;
                }
                for (int b = bFrom; b < bTo; b++) {
                    int o0 = g * opg + b * width;
                    int count = Math.min(width, opg - b * width);
                    for (int i = 0; i < parts.length; i++) {
                        Part part = parts[i];
                        ConvShape s = part.s();
                        DirectConv.Grid gr = part.gr();
                        tiles(part, g, b, blocks, 0, s.outH(), v, yp, xp, cs, cpg, taps[i], wp);
                        Place place = part.place();
                        if (place == null) {
                            ChannelsLast.store(y, yOff + (n * s.cOut() + o0) * s.outH() * s.outW(), yp, width,
                                    count, ba, bOff + o0, s, gr);
                        } else {
                            storePhase(y, yOff + (n * s.cOut() + o0) * place.h() * place.w(), yp, width, count, s,
                                    gr, place);
                        }
                    }
                }
            }
        });
    }

    /** Block b's tiles of the part's output rows [oh0, oh1), channels last into yp (a tile's positions from q·width). */
    private static void tiles(Part part, int g, int b, int blocks, int oh0, int oh1, int v, float[] yp, float[] xp,
                              int cs, int cpg, int[] taps, float[] wp) {
        ConvShape s = part.s();
        DirectConv.Grid gr = part.gr();
        int width = v * L;
        int wBlock = (int) (part.wBase() + (long) (g * blocks + b) * part.blockSize());
        int tilesPerRow = part.plans().length / s.outH();
        for (int oh = oh0; oh < oh1; oh++) {
            for (int k = 0; k < tilesPerRow; k++) {
                int ow0 = Math.min(k * R, s.outW() - R);
                int q = oh * gr.pitch() + ow0;
                int yT = q * width;
                // the tile's runs add onto yp: zeroed here, as an overlapping last tile recomputes
                Arrays.fill(yp, yT, yT + R * width, 0f);
                int[] plan = part.plans()[oh * tilesPerRow + k];
                for (int r = 0; r < plan.length; r += 4) {
                    int pos = plan[r + 1];
                    run(plan[r], v, yp, yT + pos * width, xp, (q + pos) * (cs > 0 ? K : cpg), cs, cpg, taps,
                            plan[r + 2], plan[r + 3], wp, wBlock);
                }
            }
        }
    }

    /**
     * Channels [0, count) of a block's channels-last output yp into their planes' phase {@code place}: with
     * 32 vector registers (AVX-512) a vector of channels at a time, scattered a plane apart, the channels
     * past the last whole vector one by one.
     */
    private static void storePhase(float[] y, int yOff, float[] yp, int width, int count, ConvShape s,
                                   DirectConv.Grid gr, Place place) {
        int plane = place.h() * place.w();
        int j = 0;
        if (scatterStores && DirectConvKernels.WIDE && count >= L) {
            int[] planes = PLANES.get();
            if (planes[1] != plane) {
                for (int k = 0; k < L; k++) {
                    planes[k] = k * plane;
                }
            }
            for (; j + L <= count; j += L) {
                for (int oh = 0; oh < s.outH(); oh++) {
                    int d = yOff + j * plane + (oh * place.strideH() + place.rh()) * place.w() + place.rw();
                    int src = oh * gr.pitch() * width + j;
                    for (int ow = 0; ow < s.outW(); ow++, d += place.strideW(), src += width) {
                        FloatVector.fromArray(S, yp, src).intoArray(y, d, planes, 0);
                    }
                }
            }
        }
        for (; j < count; j++) {
            for (int oh = 0; oh < s.outH(); oh++) {
                int d = yOff + j * plane + (oh * place.strideH() + place.rh()) * place.w() + place.rw();
                int src = oh * gr.pitch() * width + j;
                for (int ow = 0; ow < s.outW(); ow++, d += place.strideW(), src += width) {
                    y[d] = yp[src];
                }
            }
        }
    }

    /** Whether {@link #storePhase} scatters vectors (A/B runs set it false: one float at a time). */
    static boolean scatterStores = true;

    /** Per thread, the lane offsets {@link #storePhase} scatters at: lane k a plane·k after lane 0. */
    private static final ThreadLocal<int[]> PLANES = ThreadLocal.withInitial(() -> new int[Math.max(2, L)]);

    /**
     * Each tile's plan, tiles of row oh at [oh·tilesPerRow + k]: runs of {positions, first position,
     * first tap, end tap}, taps in order, each run a range of taps that read real input at the same
     * positions of the tile (7, or 6, or else one position per run), the taps that read padding at every
     * position left out.
     */
    static int[][] plans(ConvShape s) {
        int tilesPerRow = (s.outW() + R - 1) / R;
        int[][] plans = new int[s.outH() * tilesPerRow][];
        int[] runs = new int[4 * R * s.kH() * s.kW()];
        for (int oh = 0; oh < s.outH(); oh++) {
            for (int k = 0; k < tilesPerRow; k++) {
                int ow0 = Math.min(k * R, s.outW() - R);
                int n = 0;
                int runLo = 0;
                int runHi = 0;
                int runStart = -1;
                for (int t = 0; t <= s.kH() * s.kW(); t++) {
                    int lo = 0;
                    int hi = 0;
                    if (t < s.kH() * s.kW()) {
                        int ih = oh * s.strideH() + t / s.kW() * s.dilationH() - s.padH();
                        if (ih >= 0 && ih < s.h()) {
                            int dj = t % s.kW() * s.dilationW() - s.padW();
                            // the tile's positions p with 0 <= (ow0 + p)·strideW + dj < w
                            lo = Math.clamp(Math.ceilDiv(-dj, s.strideW()) - ow0, 0, R);
                            hi = Math.clamp(Math.ceilDiv(s.w() - dj, s.strideW()) - ow0, 0, R);
                            hi = Math.max(lo, hi);
                        }
                    }
                    if (runStart >= 0 && (lo != runLo || hi != runHi)) {
                        n = emit(runs, n, runLo, runHi, runStart, t);
                        runStart = -1;
                    }
                    if (runStart < 0 && hi > lo) {
                        runStart = t;
                        runLo = lo;
                        runHi = hi;
                    }
                }
                plans[oh * tilesPerRow + k] = Arrays.copyOf(runs, n);
            }
        }
        return plans;
    }

    /** The runs of taps [t0, t1) on positions [lo, hi) of a tile, at runs[n...]; returns the new end. */
    private static int emit(int[] runs, int n, int lo, int hi, int t0, int t1) {
        if (hi - lo == R || hi - lo == R - 1) {
            runs[n++] = hi - lo;
            runs[n++] = lo;
            runs[n++] = t0;
            runs[n++] = t1;
            return n;
        }
        for (int p = lo; p < hi; p++) {
            runs[n++] = 1;
            runs[n++] = p;
            runs[n++] = t0;
            runs[n++] = t1;
        }
        return n;
    }

    /** Taps [t0, t1) of positions × v vectors added onto yp[yOff + i·v·L + lane] for position i. */
    private static void run(int positions, int v, float[] yp, int yOff, float[] xp, int xOff, int cs, int cpg,
                            int[] taps, int t0, int t1, float[] wp, int wOff) {
        if (cs > 0) {
            switch (v * 8 + positions) {
                case 2 * 8 + 7 -> chunked7x2(yp, yOff, xp, xOff, cs, cpg, taps, t0, t1, wp, wOff);
                case 2 * 8 + 6 -> chunked6x2(yp, yOff, xp, xOff, cs, cpg, taps, t0, t1, wp, wOff);
                case 2 * 8 + 1 -> chunked1x2(yp, yOff, xp, xOff, cs, cpg, taps, t0, t1, wp, wOff);
                case 1 * 8 + 7 -> chunked7x1(yp, yOff, xp, xOff, cs, cpg, taps, t0, t1, wp, wOff);
                case 1 * 8 + 6 -> chunked6x1(yp, yOff, xp, xOff, cs, cpg, taps, t0, t1, wp, wOff);
                case 1 * 8 + 1 -> chunked1x1(yp, yOff, xp, xOff, cs, cpg, taps, t0, t1, wp, wOff);
                default -> throw new IllegalArgumentException("DirectConvRows: no tile of " + positions + " x " + v);
            }
            return;
        }
        switch (v * 8 + positions) {
            // 32 or 64 channels: the copies with the stride a constant (fewer instructions a step)
            case 2 * 8 + 7 -> {
                if (DirectConvRowTiles.takes(cpg)) {
                    DirectConvRowTiles.tile7x2(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
                } else {
                    tile7x2(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
                }
            }
            case 2 * 8 + 6 -> {
                if (DirectConvRowTiles.takes(cpg)) {
                    DirectConvRowTiles.tile6x2(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
                } else {
                    tile6x2(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
                }
            }
            case 2 * 8 + 1 -> tile1x2(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
            case 1 * 8 + 7 -> tile7x1(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
            case 1 * 8 + 6 -> tile6x1(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
            case 1 * 8 + 1 -> tile1x1(yp, yOff, xp, xOff, cpg, taps, t0, t1, wp, wOff);
            default -> throw new IllegalArgumentException("DirectConvRows: no tile of " + positions + " x " + v);
        }
    }

    // The tiles: positions × vectors of accumulators, loaded from and stored to yp around a run of taps;
    // per (tap, input channel) v weight vectors, one broadcast per position, positions·v FMAs.

    private static void tile7x2(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        FloatVector a6_0 = FloatVector.fromArray(S, yp, yOff + 12 * L);
        FloatVector a6_1 = FloatVector.fromArray(S, yp, yOff + 13 * L);
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                a5_1 = w1.fma(x, a5_1);
                x = FloatVector.broadcast(S, xp[xi + 6 * cpg]);
                a6_0 = w0.fma(x, a6_0);
                a6_1 = w1.fma(x, a6_1);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
        a6_0.intoArray(yp, yOff + 12 * L);
        a6_1.intoArray(yp, yOff + 13 * L);
    }

    private static void tile6x2(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                a5_1 = w1.fma(x, a5_1);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
    }

    private static void tile1x2(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
    }

    private static void tile7x1(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a6_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        int wi = wOff + t0 * cpg * 1 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 1 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                x = FloatVector.broadcast(S, xp[xi + 6 * cpg]);
                a6_0 = w0.fma(x, a6_0);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a1_0.intoArray(yp, yOff + 1 * L);
        a2_0.intoArray(yp, yOff + 2 * L);
        a3_0.intoArray(yp, yOff + 3 * L);
        a4_0.intoArray(yp, yOff + 4 * L);
        a5_0.intoArray(yp, yOff + 5 * L);
        a6_0.intoArray(yp, yOff + 6 * L);
    }

    private static void tile6x1(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        int wi = wOff + t0 * cpg * 1 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 1 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a1_0.intoArray(yp, yOff + 1 * L);
        a2_0.intoArray(yp, yOff + 2 * L);
        a3_0.intoArray(yp, yOff + 3 * L);
        a4_0.intoArray(yp, yOff + 4 * L);
        a5_0.intoArray(yp, yOff + 5 * L);
    }

    private static void tile1x1(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        int wi = wOff + t0 * cpg * 1 * L;
        for (int t = t0; t < t1; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 1 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
    }

    // The chunked tiles: the same sums on cells in chunks of K channels ({@link #chunked}), a tile's positions
    // K floats apart (constant displacements from xi), the chunks cs floats apart.

    private static void chunked7x2(float[] yp, int yOff, float[] xp, int xOff, int cs, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        FloatVector a6_0 = FloatVector.fromArray(S, yp, yOff + 12 * L);
        FloatVector a6_1 = FloatVector.fromArray(S, yp, yOff + 13 * L);
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            for (int c0 = 0, xc = xOff + taps[t]; c0 < cpg; c0 += K, xc += cs) {
                for (int xi = xc; xi < xc + K; xi++, wi += 2 * L) {
                    FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                    FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                    FloatVector x = FloatVector.broadcast(S, xp[xi]);
                    a0_0 = w0.fma(x, a0_0);
                    a0_1 = w1.fma(x, a0_1);
                    x = FloatVector.broadcast(S, xp[xi + K]);
                    a1_0 = w0.fma(x, a1_0);
                    a1_1 = w1.fma(x, a1_1);
                    x = FloatVector.broadcast(S, xp[xi + 2 * K]);
                    a2_0 = w0.fma(x, a2_0);
                    a2_1 = w1.fma(x, a2_1);
                    x = FloatVector.broadcast(S, xp[xi + 3 * K]);
                    a3_0 = w0.fma(x, a3_0);
                    a3_1 = w1.fma(x, a3_1);
                    x = FloatVector.broadcast(S, xp[xi + 4 * K]);
                    a4_0 = w0.fma(x, a4_0);
                    a4_1 = w1.fma(x, a4_1);
                    x = FloatVector.broadcast(S, xp[xi + 5 * K]);
                    a5_0 = w0.fma(x, a5_0);
                    a5_1 = w1.fma(x, a5_1);
                    x = FloatVector.broadcast(S, xp[xi + 6 * K]);
                    a6_0 = w0.fma(x, a6_0);
                    a6_1 = w1.fma(x, a6_1);
                }
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
        a6_0.intoArray(yp, yOff + 12 * L);
        a6_1.intoArray(yp, yOff + 13 * L);
    }

    private static void chunked6x2(float[] yp, int yOff, float[] xp, int xOff, int cs, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            for (int c0 = 0, xc = xOff + taps[t]; c0 < cpg; c0 += K, xc += cs) {
                for (int xi = xc; xi < xc + K; xi++, wi += 2 * L) {
                    FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                    FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                    FloatVector x = FloatVector.broadcast(S, xp[xi]);
                    a0_0 = w0.fma(x, a0_0);
                    a0_1 = w1.fma(x, a0_1);
                    x = FloatVector.broadcast(S, xp[xi + K]);
                    a1_0 = w0.fma(x, a1_0);
                    a1_1 = w1.fma(x, a1_1);
                    x = FloatVector.broadcast(S, xp[xi + 2 * K]);
                    a2_0 = w0.fma(x, a2_0);
                    a2_1 = w1.fma(x, a2_1);
                    x = FloatVector.broadcast(S, xp[xi + 3 * K]);
                    a3_0 = w0.fma(x, a3_0);
                    a3_1 = w1.fma(x, a3_1);
                    x = FloatVector.broadcast(S, xp[xi + 4 * K]);
                    a4_0 = w0.fma(x, a4_0);
                    a4_1 = w1.fma(x, a4_1);
                    x = FloatVector.broadcast(S, xp[xi + 5 * K]);
                    a5_0 = w0.fma(x, a5_0);
                    a5_1 = w1.fma(x, a5_1);
                }
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
        a5_0.intoArray(yp, yOff + 10 * L);
        a5_1.intoArray(yp, yOff + 11 * L);
    }

    private static void chunked1x2(float[] yp, int yOff, float[] xp, int xOff, int cs, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        int wi = wOff + t0 * cpg * 2 * L;
        for (int t = t0; t < t1; t++) {
            for (int c0 = 0, xc = xOff + taps[t]; c0 < cpg; c0 += K, xc += cs) {
                for (int xi = xc; xi < xc + K; xi++, wi += 2 * L) {
                    FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                    FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
                    FloatVector x = FloatVector.broadcast(S, xp[xi]);
                    a0_0 = w0.fma(x, a0_0);
                    a0_1 = w1.fma(x, a0_1);
                }
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
    }

    private static void chunked7x1(float[] yp, int yOff, float[] xp, int xOff, int cs, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a6_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        int wi = wOff + t0 * cpg * 1 * L;
        for (int t = t0; t < t1; t++) {
            for (int c0 = 0, xc = xOff + taps[t]; c0 < cpg; c0 += K, xc += cs) {
                for (int xi = xc; xi < xc + K; xi++, wi += 1 * L) {
                    FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                    FloatVector x = FloatVector.broadcast(S, xp[xi]);
                    a0_0 = w0.fma(x, a0_0);
                    x = FloatVector.broadcast(S, xp[xi + K]);
                    a1_0 = w0.fma(x, a1_0);
                    x = FloatVector.broadcast(S, xp[xi + 2 * K]);
                    a2_0 = w0.fma(x, a2_0);
                    x = FloatVector.broadcast(S, xp[xi + 3 * K]);
                    a3_0 = w0.fma(x, a3_0);
                    x = FloatVector.broadcast(S, xp[xi + 4 * K]);
                    a4_0 = w0.fma(x, a4_0);
                    x = FloatVector.broadcast(S, xp[xi + 5 * K]);
                    a5_0 = w0.fma(x, a5_0);
                    x = FloatVector.broadcast(S, xp[xi + 6 * K]);
                    a6_0 = w0.fma(x, a6_0);
                }
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a1_0.intoArray(yp, yOff + 1 * L);
        a2_0.intoArray(yp, yOff + 2 * L);
        a3_0.intoArray(yp, yOff + 3 * L);
        a4_0.intoArray(yp, yOff + 4 * L);
        a5_0.intoArray(yp, yOff + 5 * L);
        a6_0.intoArray(yp, yOff + 6 * L);
    }

    private static void chunked6x1(float[] yp, int yOff, float[] xp, int xOff, int cs, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        int wi = wOff + t0 * cpg * 1 * L;
        for (int t = t0; t < t1; t++) {
            for (int c0 = 0, xc = xOff + taps[t]; c0 < cpg; c0 += K, xc += cs) {
                for (int xi = xc; xi < xc + K; xi++, wi += 1 * L) {
                    FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                    FloatVector x = FloatVector.broadcast(S, xp[xi]);
                    a0_0 = w0.fma(x, a0_0);
                    x = FloatVector.broadcast(S, xp[xi + K]);
                    a1_0 = w0.fma(x, a1_0);
                    x = FloatVector.broadcast(S, xp[xi + 2 * K]);
                    a2_0 = w0.fma(x, a2_0);
                    x = FloatVector.broadcast(S, xp[xi + 3 * K]);
                    a3_0 = w0.fma(x, a3_0);
                    x = FloatVector.broadcast(S, xp[xi + 4 * K]);
                    a4_0 = w0.fma(x, a4_0);
                    x = FloatVector.broadcast(S, xp[xi + 5 * K]);
                    a5_0 = w0.fma(x, a5_0);
                }
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a1_0.intoArray(yp, yOff + 1 * L);
        a2_0.intoArray(yp, yOff + 2 * L);
        a3_0.intoArray(yp, yOff + 3 * L);
        a4_0.intoArray(yp, yOff + 4 * L);
        a5_0.intoArray(yp, yOff + 5 * L);
    }

    private static void chunked1x1(float[] yp, int yOff, float[] xp, int xOff, int cs, int cpg, int[] taps, int t0, int t1,
                                 float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        int wi = wOff + t0 * cpg * 1 * L;
        for (int t = t0; t < t1; t++) {
            for (int c0 = 0, xc = xOff + taps[t]; c0 < cpg; c0 += K, xc += cs) {
                for (int xi = xc; xi < xc + K; xi++, wi += 1 * L) {
                    FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
                    FloatVector x = FloatVector.broadcast(S, xp[xi]);
                    a0_0 = w0.fma(x, a0_0);
                }
            }
        }
        a0_0.intoArray(yp, yOff + 0 * L);
    }
}
