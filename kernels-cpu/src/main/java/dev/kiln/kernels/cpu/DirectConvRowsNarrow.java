package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@link DirectConvRows}' idea, tiles of one output row that run only the taps reading real input, for 16
 * vector registers (AVX2): a tile is up to {@link #P} positions × 2 vectors of out channels (10
 * accumulators, 2 weight vectors, the broadcasts), and the input lies in {@link DirectConv}'s zero-padded
 * planes rather than channels last, so a tile's positions are adjacent floats: C2 addresses all of them
 * from one register plus a constant. Channels last, a tile's positions lie a variable cpg apart and C2
 * keeps a general register for each; with the loop's other integers it ran out, moved array bases into
 * vector registers and spilled accumulators to the stack (DirectConvRows' 7 × 1 and a 3 × 4 after
 * oneDNN's jit_avx2 kernel ran at about half speed). 3 × 4 spills here too: C2 loads two weight vectors
 * at a time, 12 + 3 + 2 = 17 registers. {@link ConvDispatch#rowsNarrow} says where it runs.
 *
 * <p>A row of w outputs is cut into the fewest tiles of at most {@link #P} positions, as equal as possible
 * (7 = 4 + 3, 14 = 5 + 5 + 4), so no position is computed twice. For each tile a plan lists runs of taps
 * with the positions of the tile whose input they read (a tap at the row's edge loses one or more); each
 * tap of a run is one loop over the input channels, plane after plane, with a tile for its number of
 * positions. The weights are packed [block][tap][input channel][out channel of the block] ({@link
 * DirectConvChannels#pack}'s layout) by {@link DirectConvChannels#pack}, which gathers them in parallel, for
 * the input gradient by {@link #packTransposed} straight from the forward's w ({@link #backwardInput}). Every output is the sum of its real taps in (tap, input channel) order,
 * whatever tile computes it, the order {@link DirectConvRows} sums in: results depend on the shape only,
 * never on the threads, and equal {@link DirectConvRows}' bit for bit. Each block's channels-last output
 * is copied into the NCHW planes of y.
 *
 * <p>Reuse tiles, where {@link ConvDispatch#rowsReuse} sends a shape (stride 1, a kernel 3 wide): up to
 * {@link #REUSE_P} positions × 1 vector, a kernel row of 3 taps at a time; per input channel the row's 3
 * weight vectors stay in registers and each of the tile's positions + 2 inputs is broadcast once and
 * added into every accumulator it feeds, so 3 FMAs per broadcast rather than 2. The taps at a row's edge
 * read the padded planes' zeros: with finite weights w · 0 adds exactly nothing (an accumulator is never
 * −0), so every output is still the sum of its real taps, now in (kernel row, input channel, kernel
 * column) order whatever tile computes it (results depend on the shape only); a weight that is infinite
 * or NaN sends the call tap by tap.
 */
final class DirectConvRowsNarrow {
    private DirectConvRowsNarrow() {
    }

    /** False with {@code -Dkiln.conv.rowsNarrow=false}: the shapes go where they went before (A/B runs). */
    static final boolean ENABLED =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowsNarrow", "true").trim());

    /**
     * False with {@code -Dkiln.conv.rowsReuse=false}: no shape runs as reuse tiles, and those
     * {@link ConvDispatch#rowsReuse} sends here go where they went before (A/B runs).
     */
    static final boolean REUSE =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowsReuse", "true").trim());

    /**
     * Positions per reuse tile at most: 7 accumulators and 3 weights leave C2 6 registers for the broadcasts
     * it issues early; with 8 to 10 it spilled accumulators (3 a step with 10).
     */
    static final int REUSE_P = 7;

    private static final VectorSpecies<Float> S = DirectConvKernels.S;
    private static final int L = DirectConvKernels.L;

    /** Positions per tile at most. */
    static final int P = 5;

    /** Vectors of out channels per tile. */
    static final int V = 2;

    /** Whether this kernel can compute the shape: a kernel larger than 1×1. */
    static boolean applies(ConvShape s) {
        return ENABLED && Simd.ENABLED && s.kH() * s.kW() > 1;
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] planes = new float[0];
        float[] out = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** y = conv2d(x, w) + bias; bias may be null. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        boolean reuse = ConvDispatch.rowsReuse(s);
        forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s, reuse ? REUSE_P : P, reuse);
    }

    /**
     * Whether the shape's kernel rows can run as reuse tiles: stride 1, a kernel 3 wide, undilated across, at
     * most 1 column of padding (so a tile's reads off the input are zeros of the padded planes).
     */
    static boolean reuses(ConvShape s) {
        return s.strideH() == 1 && s.strideW() == 1 && s.kW() == 3 && s.dilationW() == 1 && s.padW() <= 1;
    }

    /** {@link #forward} with tiles of at most {@code p} positions, tap by tap (tests and A/B runs). */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s, int p) {
        forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s, p, false);
    }

    /**
     * {@link #forward} with tiles of at most {@code p} positions (1 to {@link #P}; to {@link #REUSE_P} with
     * reuse, then at most {@link #P} tap by tap), kernel row by kernel row where {@code reuse} and
     * {@link #reuses} hold and every weight is finite,
     * else tap by tap (tests and A/B runs).
     */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s, int p, boolean reuse) {
        run(y, yOff, xa, xOff, wa, wOff, null, ba, bOff, s, p, reuse, PACK);
    }

    /**
     * The input gradient of a stride-1 convolution s, dx = conv2d(dy, W') with W' the flipped, transposed
     * weight ({@link ConvDispatch#transposed}, {@link ConvDispatch#flipTransposed}), for a shape whose
     * transposed convolution {@link ConvDispatch#rowsNarrow} takes: the packed weights are gathered straight
     * from w in one parallel pass ({@link #PACK}), where flipTransposed ran on the calling thread before the
     * forward's packing (2.3 ms of the 45 of ResNet-18's 512 × 7 × 7 at batch 32 on two threads, AVX2).
     */
    static void backwardInput(float[] dx, int dxOff, float[] dy, int dyOff, float[] wa, int wOff, ConvShape s) {
        ConvShape t = ConvDispatch.transposed(s);
        boolean reuse = ConvDispatch.rowsReuse(t);
        run(dx, dxOff, dy, dyOff, wa, wOff, s, null, 0, t, reuse ? REUSE_P : P, reuse, PACK);
    }

    /**
     * False with {@code -Dkiln.conv.narrowPack=false}: the input gradient's weights are flipped and transposed
     * on the calling thread first, as before {@link #packTransposed} ({@link ConvDispatch#conv2dBackwardInput};
     * A/B runs).
     */
    static final boolean PACK = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.narrowPack", "true").trim());

    /**
     * y = conv2d(x, w) + bias for shape s; w is wa as given, or where {@code of} is not null the flipped,
     * transposed weight of the convolution {@code of} (s is then its {@link ConvDispatch#transposed}).
     * {@code gathered}: the input gradient's weights packed by {@link #packTransposed}, else as before
     * {@link #PACK} (A/B runs).
     */
    static void run(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, ConvShape of, float[] ba,
                    int bOff, ConvShape s, int p, boolean reuse, boolean gathered) {
        if (reuse && reuses(s) && p > REUSE_P) {
            throw new IllegalArgumentException("DirectConvRowsNarrow: no reuse tile of " + p + " positions");
        }
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        Scratch sc = SCRATCH.get();
        // at most V vectors a block, whichever the tiles
        sc.weights = HostArrays.atLeast(sc.weights, (long) s.groups() * ((opg + V * L - 1) / (V * L)) * V * L * kk * cpg);
        float[] wp = sc.weights;
        // a reuse tile multiplies the padding's zeros by the weights of the taps that read them: exactly 0
        // when the weights are finite, so every output still sums only its real taps (an inf would make NaN)
        boolean rowsOf3 = reuse && reuses(s);
        if (!gathered) {
            if (of != null) { // the order before: flipped and transposed on this thread, then packed
                float[] wt = new float[s.cOut() * cpg * kk];
                ConvDispatch.flipTransposed(wt, wa, wOff, of);
                wa = wt;
                wOff = 0;
            }
            rowsOf3 = rowsOf3 && finite(wa, wOff, s.cOut() * cpg * kk);
            int width = (rowsOf3 ? 1 : V) * L;
            DirectConvChannels.pack(wp, wa, wOff, s, width, (opg + width - 1) / width, cpg); // [block][tap][c][o]
        } else if (of != null) {
            rowsOf3 = rowsOf3 && packTransposed(wp, wa, wOff, s, L);
            if (!rowsOf3) {
                packTransposed(wp, wa, wOff, s, V * L);
            }
        } else {
            rowsOf3 = rowsOf3 && finite(wa, wOff, s.cOut() * cpg * kk);
            int width = (rowsOf3 ? 1 : V) * L;
            DirectConvChannels.pack(wp, wa, wOff, s, width, (opg + width - 1) / width, cpg); // gathered, in parallel
        }
        tiles(y, yOff, xa, xOff, wp, ba, bOff, s, rowsOf3 ? p : Math.min(p, P), rowsOf3);
    }

    /** {@link #run} once the weights are packed in wp: as reuse tiles where {@code rowsOf3}, else tap by tap. */
    private static void tiles(float[] y, int yOff, float[] xa, int xOff, float[] wp, float[] ba, int bOff, ConvShape s,
                              int p, boolean rowsOf3) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        DirectConv.Grid gr = DirectConv.Grid.forward(s);
        int width = (rowsOf3 ? 1 : V) * L; // reuse tiles: one vector of out channels
        int blocks = (opg + width - 1) / width;
        int[] taps = gr.taps();
        int[] starts = starts(s.outW(), p);
        int[][] plans = plans(s, p);
        int blockSize = kk * cpg * width;
        int units = s.n() * s.groups();
        int split = DirectConv.split(units, blocks);
        long work = (long) s.outH() * s.outW() * blocks * blockSize;
        Parallel.forRange(units * split, DirectConv.grain(units, split, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.planes = HostArrays.atLeast(mine.planes, (long) cpg * gr.plane());
            mine.out = HostArrays.atLeast(mine.out, (long) gr.positions() * width);
            float[] xp = mine.planes;
            float[] yp = mine.out;
            for (int u = lo; u < hi; u++) {
                int unit = u / split;
                int part = u % split;
                int n = unit / s.groups();
                int g = unit % s.groups();
                DirectConv.pad(xp, 0, xa, xOff + (n * s.cIn() + g * cpg) * s.h() * s.w(), cpg, s, gr);
                for (int b = blocks * part / split; b < blocks * (part + 1) / split; b++) {
                    int wBlock = (g * blocks + b) * blockSize;
                    // the runs add onto yp; a position no tap reads input for stays 0
                    Arrays.fill(yp, 0, gr.positions() * width, 0f);
                    for (int oh = 0; oh < s.outH(); oh++) {
                        if (rowsOf3) {
                            reuseRow(oh, s, gr, starts, yp, width, xp, cpg, wp, wBlock);
                            continue;
                        }
                        for (int k = 0; k < starts.length; k++) {
                            int q = oh * gr.pitch() + starts[k];
                            int[] plan = plans[oh * starts.length + k];
                            for (int i = 0; i < plan.length; i += 4) {
                                int at = q + plan[i + 1];
                                for (int t = plan[i + 2]; t < plan[i + 3]; t++) {
                                    run(plan[i], yp, at * width, xp, at + taps[t], cpg, gr.plane(), wp,
                                            wBlock + t * cpg * width);
                                }
                            }
                        }
                    }
                    int o0 = g * opg + b * width;
                    ChannelsLast.store(y, yOff + (n * s.cOut() + o0) * s.outH() * s.outW(), yp, width,
                            Math.min(width, opg - b * width), ba, bOff + o0, s, gr);
                }
            }
        });
    }

    /**
     * The packed weights ({@link DirectConvChannels#pack}'s layout, blocks of {@code width} out channels, past
     * opg zero) of the flipped, transposed weight, s = {@link ConvDispatch#transposed}(of): W'[g·cpg + o,
     * c, t] = w[g·cpg' + c, o, kk − 1 − t] with cpg' = s's out channels per group, gathered a vector at a time;
     * returns whether every weight is finite (for the reuse tiles), found on the way (a vector's x − x is NaN
     * only where x is infinite or NaN). A task takes a run of w's
     * rows (s's input channels c) and reads each once, in order, writing its floats into every block; block
     * by block, each block's reads would stride through all of w (8.5 ms for 512 × 512 × 3 × 3 on one thread).
     */
    private static boolean packTransposed(float[] wp, float[] wa, int wOff, ConvShape s, int width) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int blocks = (opg + width - 1) / width;
        int blockSize = kk * cpg * width;
        int[] apart = new int[L];
        for (int j = 0; j < L; j++) {
            apart[j] = j * kk;
        }
        int rows = s.groups() * cpg;
        int grain = Math.max(1, PACK_GRAIN / (opg * kk));
        int tasks = Math.max(1, rows / grain);
        boolean[] finite = new boolean[tasks];
        Parallel.forRange(tasks, 1, (lo, hi) -> {
            for (int task = lo; task < hi; task++) {
                FloatVector nan = FloatVector.zero(S);
                boolean ok = true;
                for (int gc = (int) ((long) rows * task / tasks); gc < (long) rows * (task + 1) / tasks; gc++) {
                    int g = gc / cpg;
                    int c = gc % cpg;
                    // row gc of w: [opg][kk], s's out channel o at (gc·opg + o)·kk
                    int row = wOff + gc * opg * kk + kk - 1;
                    for (int o0 = 0; o0 < blocks * width; o0 += L) {
                        int real = Math.min(L, opg - o0);
                        int d = (g * blocks + o0 / width) * blockSize + c * width + o0 % width;
                        for (int t = 0; t < kk; t++, d += cpg * width) {
                            int at = row + o0 * kk - t;
                            if (real == L) {
                                FloatVector v = FloatVector.fromArray(S, wa, at, apart, 0);
                                nan = nan.add(v.sub(v));
                                v.intoArray(wp, d);
                                continue;
                            }
                            for (int j = 0; j < L; j++) {
                                float v = j < real ? wa[at + j * kk] : 0f;
                                ok &= Float.isFinite(v);
                                wp[d + j] = v;
                            }
                        }
                    }
                }
                finite[task] = ok && !nan.test(VectorOperators.IS_NAN).anyTrue();
            }
        });
        for (boolean ok : finite) {
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Floats of packed weights below which a packing task is not split further. */
    private static final int PACK_GRAIN = 1 << 16;

    /**
     * Output row oh, tile by tile, kernel row by kernel row (those on input), each one a reuse tile over all
     * input channels: every output sums its taps in (kernel row, input channel, kernel column) order, the
     * padding's zeros included, whatever tile computes it.
     */
    private static void reuseRow(int oh, ConvShape s, DirectConv.Grid gr, int[] starts, float[] yp, int width,
                                 float[] xp, int cpg, float[] wp, int wBlock) {
        int[] taps = gr.taps();
        int tapStride = cpg * width;
        for (int k = 0; k < starts.length; k++) {
            int q = oh * gr.pitch() + starts[k];
            int size = (k + 1 < starts.length ? starts[k + 1] : s.outW()) - starts[k];
            for (int kh = 0; kh < s.kH(); kh++) {
                int ih = oh + kh * s.dilationH() - s.padH();
                if (ih < 0 || ih >= s.h()) {
                    continue; // the kernel row reads padding only
                }
                int xi = q + taps[kh * 3];
                int wi = wBlock + kh * 3 * tapStride;
                switch (size) {
                    case 7 -> reuse7(yp, q * width, xp, xi, cpg, gr.plane(), wp, wi, tapStride);
                    case 6 -> reuse6(yp, q * width, xp, xi, cpg, gr.plane(), wp, wi, tapStride);
                    case 5 -> reuse5(yp, q * width, xp, xi, cpg, gr.plane(), wp, wi, tapStride);
                    case 4 -> reuse4(yp, q * width, xp, xi, cpg, gr.plane(), wp, wi, tapStride);
                    case 3 -> reuse3(yp, q * width, xp, xi, cpg, gr.plane(), wp, wi, tapStride);
                    case 2 -> reuse2(yp, q * width, xp, xi, cpg, gr.plane(), wp, wi, tapStride);
                    case 1 -> reuse1(yp, q * width, xp, xi, cpg, gr.plane(), wp, wi, tapStride);
                    default -> throw new IllegalArgumentException(
                            "DirectConvRowsNarrow: no reuse tile of " + size + " positions");
                }
            }
        }
    }

    /** Whether a[off, off + n) holds no infinity and no NaN; pieces of {@link #PACK_GRAIN} floats in parallel. */
    static boolean finite(float[] a, int off, int n) {
        int pieces = Math.max(1, n / PACK_GRAIN);
        if (pieces == 1) {
            return finitePiece(a, off, n);
        }
        boolean[] ok = new boolean[pieces];
        Parallel.forRange(pieces, 1, (lo, hi) -> {
            for (int k = lo; k < hi; k++) {
                int from = (int) ((long) n * k / pieces);
                ok[k] = finitePiece(a, off + from, (int) ((long) n * (k + 1) / pieces) - from);
            }
        });
        for (boolean b : ok) {
            if (!b) {
                return false;
            }
        }
        return true;
    }

    private static boolean finitePiece(float[] a, int off, int n) {
        // x - x is 0 for a finite x and NaN for an infinite or NaN one: one vector pass, no branch per float
        FloatVector acc = FloatVector.zero(S);
        int end = off + n;
        int i = off;
        for (; i <= end - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, i);
            acc = acc.add(v.sub(v));
        }
        boolean ok = !acc.test(VectorOperators.IS_NAN).anyTrue();
        for (; i < end; i++) {
            ok &= Float.isFinite(a[i]);
        }
        return ok;
    }

    /**
     * The first position of each tile of a row of w outputs: the fewest tiles of at most p positions,
     * their sizes as equal as possible, the larger first (7 with p = 5: 4 + 3; 14: 5 + 5 + 4).
     * Tile k spans [starts[k], starts[k + 1]), the last one up to w.
     */
    static int[] starts(int w, int p) {
        int tiles = (w + p - 1) / p;
        int[] starts = new int[tiles];
        for (int k = 1; k < tiles; k++) {
            starts[k] = starts[k - 1] + w / tiles + (k - 1 < w % tiles ? 1 : 0);
        }
        return starts;
    }

    static int[][] plans(ConvShape s, int p) {
        int[] starts = starts(s.outW(), p);
        int tiles = starts.length;
        int[][] plans = new int[s.outH() * tiles][];
        int kk = s.kH() * s.kW();
        int[] runs = new int[4 * kk];
        for (int oh = 0; oh < s.outH(); oh++) {
            for (int k = 0; k < tiles; k++) {
                int ow0 = starts[k];
                int size = (k + 1 < tiles ? starts[k + 1] : s.outW()) - ow0;
                int n = 0;
                int runLo = 0;
                int runHi = 0;
                int runStart = -1;
                for (int t = 0; t <= kk; t++) {
                    int lo = 0;
                    int hi = 0;
                    if (t < kk) {
                        int ih = oh * s.strideH() + t / s.kW() * s.dilationH() - s.padH();
                        if (ih >= 0 && ih < s.h()) {
                            int dj = t % s.kW() * s.dilationW() - s.padW();
                            // the tile's positions p with 0 <= (ow0 + p)·strideW + dj < w
                            lo = Math.clamp(Math.ceilDiv(-dj, s.strideW()) - ow0, 0, size);
                            hi = Math.clamp(Math.ceilDiv(s.w() - dj, s.strideW()) - ow0, 0, size);
                            hi = Math.max(lo, hi);
                        }
                    }
                    if (runStart >= 0 && (lo != runLo || hi != runHi)) {
                        runs[n++] = runHi - runLo;
                        runs[n++] = runLo;
                        runs[n++] = runStart;
                        runs[n++] = t;
                        runStart = -1;
                    }
                    if (runStart < 0 && hi > lo) {
                        runStart = t;
                        runLo = lo;
                        runHi = hi;
                    }
                }
                plans[oh * tiles + k] = Arrays.copyOf(runs, n);
            }
        }
        return plans;
    }

    /**
     * One tap over n input channels: {@code positions} × 2 vectors added onto yp[yOff + i·2·L + lane] for
     * position i, channel c of position i at xp[xi + c·plane + i], its weights at wp[wi + c·2·L].
     */
    private static void run(int positions, float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp,
                            int wi) {
        switch (positions) {
            case 5 -> tile5x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 4 -> tile4x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 3 -> tile3x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 2 -> tile2x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 1 -> tile1x2(yp, yOff, xp, xi, n, plane, wp, wi);
            default -> throw new IllegalArgumentException("DirectConvRowsNarrow: no tile of " + positions + " positions");
        }
    }

    // The tiles: positions × 2 vectors of accumulators, loaded from and stored to yp around the loop; per
    // input channel 2 weight vectors, one broadcast per position, 2 FMAs per position.

    private static void tile5x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
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
        for (int c = 0; c < n; c++, xi += plane, wi += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a2_0 = w0.fma(x, a2_0);
            a2_1 = w1.fma(x, a2_1);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a3_0 = w0.fma(x, a3_0);
            a3_1 = w1.fma(x, a3_1);
            x = FloatVector.broadcast(S, xp[xi + 4]);
            a4_0 = w0.fma(x, a4_0);
            a4_1 = w1.fma(x, a4_1);
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
    }

    private static void tile4x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a2_0 = w0.fma(x, a2_0);
            a2_1 = w1.fma(x, a2_1);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a3_0 = w0.fma(x, a3_0);
            a3_1 = w1.fma(x, a3_1);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
    }

    private static void tile3x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a2_0 = w0.fma(x, a2_0);
            a2_1 = w1.fma(x, a2_1);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
    }

    private static void tile2x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
    }

    private static void tile1x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
    }

    // The reuse tiles: positions × 1 vector of accumulators over one kernel row of 3 taps; per input channel
    // the row's 3 weight vectors (the taps' weights lie kw floats apart) and positions + 2 broadcasts, each
    // added into every accumulator it feeds, position p's taps in column order. An accumulator takes 3
    // dependent FMAs (4 cycles each) per channel, so P accumulators issue at most P / 8 of the 2 FMA
    // units' rate: 7 / 8 here; 4 × 2 (8 accumulators, 15 registers) had no slack and spilled one.

    private static void reuse7(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi,
                                int kw) {
        FloatVector a0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a5 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a6 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + kw);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * kw);
            FloatVector x = FloatVector.broadcast(S, xp[xi + 0]);
            a0 = w0.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a0 = w1.fma(x, a0);
            a1 = w0.fma(x, a1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a0 = w2.fma(x, a0);
            a1 = w1.fma(x, a1);
            a2 = w0.fma(x, a2);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a1 = w2.fma(x, a1);
            a2 = w1.fma(x, a2);
            a3 = w0.fma(x, a3);
            x = FloatVector.broadcast(S, xp[xi + 4]);
            a2 = w2.fma(x, a2);
            a3 = w1.fma(x, a3);
            a4 = w0.fma(x, a4);
            x = FloatVector.broadcast(S, xp[xi + 5]);
            a3 = w2.fma(x, a3);
            a4 = w1.fma(x, a4);
            a5 = w0.fma(x, a5);
            x = FloatVector.broadcast(S, xp[xi + 6]);
            a4 = w2.fma(x, a4);
            a5 = w1.fma(x, a5);
            a6 = w0.fma(x, a6);
            x = FloatVector.broadcast(S, xp[xi + 7]);
            a5 = w2.fma(x, a5);
            a6 = w1.fma(x, a6);
            x = FloatVector.broadcast(S, xp[xi + 8]);
            a6 = w2.fma(x, a6);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
        a2.intoArray(yp, yOff + 2 * L);
        a3.intoArray(yp, yOff + 3 * L);
        a4.intoArray(yp, yOff + 4 * L);
        a5.intoArray(yp, yOff + 5 * L);
        a6.intoArray(yp, yOff + 6 * L);
    }

    private static void reuse6(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi,
                                int kw) {
        FloatVector a0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a5 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + kw);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * kw);
            FloatVector x = FloatVector.broadcast(S, xp[xi + 0]);
            a0 = w0.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a0 = w1.fma(x, a0);
            a1 = w0.fma(x, a1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a0 = w2.fma(x, a0);
            a1 = w1.fma(x, a1);
            a2 = w0.fma(x, a2);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a1 = w2.fma(x, a1);
            a2 = w1.fma(x, a2);
            a3 = w0.fma(x, a3);
            x = FloatVector.broadcast(S, xp[xi + 4]);
            a2 = w2.fma(x, a2);
            a3 = w1.fma(x, a3);
            a4 = w0.fma(x, a4);
            x = FloatVector.broadcast(S, xp[xi + 5]);
            a3 = w2.fma(x, a3);
            a4 = w1.fma(x, a4);
            a5 = w0.fma(x, a5);
            x = FloatVector.broadcast(S, xp[xi + 6]);
            a4 = w2.fma(x, a4);
            a5 = w1.fma(x, a5);
            x = FloatVector.broadcast(S, xp[xi + 7]);
            a5 = w2.fma(x, a5);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
        a2.intoArray(yp, yOff + 2 * L);
        a3.intoArray(yp, yOff + 3 * L);
        a4.intoArray(yp, yOff + 4 * L);
        a5.intoArray(yp, yOff + 5 * L);
    }

    private static void reuse5(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi,
                                int kw) {
        FloatVector a0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + kw);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * kw);
            FloatVector x = FloatVector.broadcast(S, xp[xi + 0]);
            a0 = w0.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a0 = w1.fma(x, a0);
            a1 = w0.fma(x, a1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a0 = w2.fma(x, a0);
            a1 = w1.fma(x, a1);
            a2 = w0.fma(x, a2);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a1 = w2.fma(x, a1);
            a2 = w1.fma(x, a2);
            a3 = w0.fma(x, a3);
            x = FloatVector.broadcast(S, xp[xi + 4]);
            a2 = w2.fma(x, a2);
            a3 = w1.fma(x, a3);
            a4 = w0.fma(x, a4);
            x = FloatVector.broadcast(S, xp[xi + 5]);
            a3 = w2.fma(x, a3);
            a4 = w1.fma(x, a4);
            x = FloatVector.broadcast(S, xp[xi + 6]);
            a4 = w2.fma(x, a4);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
        a2.intoArray(yp, yOff + 2 * L);
        a3.intoArray(yp, yOff + 3 * L);
        a4.intoArray(yp, yOff + 4 * L);
    }

    private static void reuse4(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi,
                                int kw) {
        FloatVector a0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + kw);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * kw);
            FloatVector x = FloatVector.broadcast(S, xp[xi + 0]);
            a0 = w0.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a0 = w1.fma(x, a0);
            a1 = w0.fma(x, a1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a0 = w2.fma(x, a0);
            a1 = w1.fma(x, a1);
            a2 = w0.fma(x, a2);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a1 = w2.fma(x, a1);
            a2 = w1.fma(x, a2);
            a3 = w0.fma(x, a3);
            x = FloatVector.broadcast(S, xp[xi + 4]);
            a2 = w2.fma(x, a2);
            a3 = w1.fma(x, a3);
            x = FloatVector.broadcast(S, xp[xi + 5]);
            a3 = w2.fma(x, a3);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
        a2.intoArray(yp, yOff + 2 * L);
        a3.intoArray(yp, yOff + 3 * L);
    }

    private static void reuse3(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi,
                                int kw) {
        FloatVector a0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + kw);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * kw);
            FloatVector x = FloatVector.broadcast(S, xp[xi + 0]);
            a0 = w0.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a0 = w1.fma(x, a0);
            a1 = w0.fma(x, a1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a0 = w2.fma(x, a0);
            a1 = w1.fma(x, a1);
            a2 = w0.fma(x, a2);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a1 = w2.fma(x, a1);
            a2 = w1.fma(x, a2);
            x = FloatVector.broadcast(S, xp[xi + 4]);
            a2 = w2.fma(x, a2);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
        a2.intoArray(yp, yOff + 2 * L);
    }

    private static void reuse2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi,
                                int kw) {
        FloatVector a0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + kw);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * kw);
            FloatVector x = FloatVector.broadcast(S, xp[xi + 0]);
            a0 = w0.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a0 = w1.fma(x, a0);
            a1 = w0.fma(x, a1);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a0 = w2.fma(x, a0);
            a1 = w1.fma(x, a1);
            x = FloatVector.broadcast(S, xp[xi + 3]);
            a1 = w2.fma(x, a1);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
    }

    private static void reuse1(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi,
                                int kw) {
        FloatVector a0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + kw);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * kw);
            FloatVector x = FloatVector.broadcast(S, xp[xi + 0]);
            a0 = w0.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a0 = w1.fma(x, a0);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a0 = w2.fma(x, a0);
        }
        a0.intoArray(yp, yOff + 0 * L);
    }

}
