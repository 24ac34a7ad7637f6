package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@link DirectConvRows}' row tiles for 16 vector registers (AVX2): a tile is {@link #P} positions of
 * one output row × {@link #V} vectors of out channels, 12 accumulators, loaded as oneDNN's
 * {@code jit_avx2_conv_kernel_f32} loads them (ur_w = 3, nb_oc_blocking = 4): per (tap, input channel)
 * the 3 positions' inputs are broadcast into 3 registers, then each of the 4 weight vectors is loaded into
 * the 16th and multiplied into 3 accumulators, 7 loads per 12 FMAs. {@link DirectConvRows}' 7 × 1 (the
 * tile that fits 16 registers there) does 8 loads per 7 FMAs, and its 7 accumulators cannot hide the
 * FMA's latency (two FMAs a cycle, four cycles each: 8 independent sums are needed).
 * {@link ConvDispatch#rowsNarrow} says where it runs.
 *
 * <p>Everything else is {@link DirectConvRows}': the input channels last in {@link DirectConvChannels}'
 * cells (a strided convolution's holding its stride phases), the weights packed [block][tap][input
 * channel][out channel of the block] by {@link DirectConvChannels#pack}, and only the taps that read real
 * input run. A row of w outputs is cut into tiles of 3 positions, and where 3 does not divide w, one or
 * two of 2 at its end (7 = 3 + 2 + 2, 14 = 4 · 3 + 2, 28 = 8 · 3 + 2 + 2; a row of 1 is one tile of 1), so
 * no position is computed twice. For each tile a plan lists runs of taps with the positions of the
 * tile whose input they read (a tap at the row's edge loses one or more of them); a run of 1 to 3
 * positions has a tile of its own. Every output is the sum of its real taps in (tap, input channel)
 * order, whatever tile computes it, the order {@link DirectConvRows} sums in: results depend on the shape
 * only, never on the threads, and equal {@link DirectConvRows}' bit for bit.
 */
final class DirectConvRowsNarrow {
    private DirectConvRowsNarrow() {
    }

    /** False with {@code -Dkiln.conv.rowsNarrow=false}: the shapes go where they went before (A/B runs). */
    static final boolean ENABLED =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.rowsNarrow", "true").trim());

    private static final VectorSpecies<Float> S = DirectConvKernels.S;
    private static final int L = DirectConvKernels.L;

    /** Positions per tile. */
    static final int P = 3;

    /** Vectors of out channels per tile. */
    static final int V = 4;


    /** Whether this kernel can compute the shape: a kernel larger than 1×1. */
    static boolean applies(ConvShape s) {
        return ENABLED && Simd.ENABLED && s.kH() * s.kW() > 1;
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] cells = new float[0];
        float[] out = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** y = conv2d(x, w) + bias; bias may be null. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s, V, P);
    }

    /** {@link #forward} with tiles of up to {@code p} positions × {@code v} vectors (tests and A/B runs). */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s, int v, int p) {
        boolean strideOne = s.strideH() == 1 && s.strideW() == 1;
        DirectConv.Grid gr = strideOne ? DirectConv.Grid.forward(s) : DirectConv.Grid.of(s);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int width = v * L;
        int blocks = (opg + width - 1) / width;
        int reach = Arrays.stream(gr.taps()).max().orElse(0);
        int cells = gr.positions() + reach;
        int[] taps = new int[kk];
        for (int t = 0; t < kk; t++) {
            taps[t] = gr.taps()[t] * cpg;
        }
        int[] starts = starts(s.outW(), p);
        int[][] plans = plans(s, p);
        boolean fold = FOLD && v == 4 && p == 3;
        int blockSize = kk * cpg * width * (fold ? COPIES : 1);
        Scratch sc = SCRATCH.get();
        sc.weights = HostArrays.atLeast(sc.weights, (long) s.groups() * blocks * blockSize);
        float[] wp = sc.weights;
        if (fold) {
            packCopies(wp, wa, wOff, s, width, blocks);
        } else {
            DirectConvChannels.pack(wp, wa, wOff, s, width, blocks, cpg); // one chunk: [block][tap][c][o]
        }
        int wStep = width * (fold ? COPIES : 1);
        int units = s.n() * s.groups();
        int split = DirectConv.split(units, blocks);
        long work = (long) s.outH() * s.outW() * blocks * blockSize;
        Parallel.forRange(units * split, DirectConv.grain(units, split, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.cells = HostArrays.atLeast(mine.cells, PLANAR ? (long) cpg * gr.plane() : (long) cells * cpg);
            mine.out = HostArrays.atLeast(mine.out, (long) gr.positions() * width);
            float[] xp = mine.cells;
            float[] yp = mine.out;
            for (int u = lo; u < hi; u++) {
                int unit = u / split;
                int part = u % split;
                int n = unit / s.groups();
                int g = unit % s.groups();
                int src = xOff + (n * s.cIn() + g * cpg) * s.h() * s.w();
                if (PLANAR) {
                    DirectConv.pad(xp, 0, xa, src, cpg, s, gr);
                } else if (strideOne) {
                    ChannelsLast.pad(xp, xa, src, cpg, s, gr);
                } else {
                    DirectConvChannels.cells(xp, cells, xa, src, cpg, cpg, s, gr);
                }
                for (int b = blocks * part / split; b < blocks * (part + 1) / split; b++) {
                    int wBlock = (g * blocks + b) * blockSize;
                    // the runs add onto yp; a position no tap reads input for stays 0
                    Arrays.fill(yp, 0, gr.positions() * width, 0f);
                    for (int oh = 0; oh < s.outH(); oh++) {
                        for (int k = 0; k < starts.length; k++) {
                            int q = oh * gr.pitch() + starts[k];
                            int[] plan = plans[oh * starts.length + k];
                            for (int i = 0; i < plan.length; i += 4) {
                                int pos = plan[i + 1];
                                if (PLANAR) {
                                    for (int t = plan[i + 2]; t < plan[i + 3]; t++) {
                                        runPlanar(plan[i], v, yp, (q + pos) * width, xp, q + pos + gr.taps()[t], cpg,
                                                gr.plane(), wp, wBlock + t * cpg * width);
                                    }
                                    continue;
                                }
                                // taps whose inputs follow one another in xp (a kernel row at stride 1) in one loop
                                for (int t0 = plan[i + 2], t1; t0 < plan[i + 3]; t0 = t1) {
                                    t1 = t0 + 1;
                                    while (t1 < plan[i + 3] && taps[t1] == taps[t1 - 1] + cpg) {
                                        t1++;
                                    }
                                    int xi = (q + pos) * cpg + taps[t0];
                                    int wi = wBlock + t0 * cpg * wStep;
                                    if (fold) {
                                        runFold(plan[i], yp, (q + pos) * width, xp, xi, (t1 - t0) * cpg, cpg, wp, wi);
                                    } else {
                                        run(plan[i], v, yp, (q + pos) * width, xp, xi, (t1 - t0) * cpg, cpg, wp, wi);
                                    }
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
     * The first position of each tile of a row of w outputs: the fewest tiles of at most p positions,
     * their sizes as equal as possible, the larger first (7 with p = 3: 3 + 2 + 2; 14: 3 + 3 + 3 + 3 + 2).
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
     * n (taps × input channels) steps of {@code positions} × {@code v} vectors added onto yp[yOff + i·v·L + lane]
     * for position i, step k reading xp[xi + k + i·cpg] and the weights at wp[wi + k·v·L].
     */
    private static void run(int positions, int v, float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp,
                            int wi) {
        switch (v * 8 + positions) {
            case 2 * 8 + 5 -> tile5x2(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 2 * 8 + 4 -> tile4x2(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 2 * 8 + 3 -> tile3x2(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 2 * 8 + 2 -> tile2x2(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 2 * 8 + 1 -> tile1x2(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 3 * 8 + 3 -> tile3x3(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 3 * 8 + 2 -> tile2x3(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 3 * 8 + 1 -> tile1x3(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 4 * 8 + 3 -> tile3x4(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 4 * 8 + 2 -> tile2x4(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 4 * 8 + 1 -> tile1x4(yp, yOff, xp, xi, n, cpg, wp, wi);
            default -> throw new IllegalArgumentException(
                    "DirectConvRowsNarrow: no tile of " + positions + " x " + v + " vectors");
        }
    }

    /** Experiment: each weight vector stored COPIES times, one per position, so that every FMA reads its own (folded) load. */
    static final boolean FOLD = Boolean.getBoolean("kiln.conv.rowsNarrowFold");
    static final int COPIES = 3;

    /** w into [group][block][tap][channel][copy][out channel of the block]. */
    static void packCopies(float[] wp, float[] wa, int wOff, ConvShape s, int width, int blocks) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int blockSize = kk * cpg * width * COPIES;
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                int base = (g * blocks + b) * blockSize;
                for (int c = 0; c < cpg; c++) {
                    for (int t = 0; t < kk; t++) {
                        int at = base + ((t * cpg + c) * COPIES) * width;
                        for (int j = 0; j < width; j++) {
                            int o = b * width + j;
                            float v = o < opg ? wa[wOff + ((g * opg + o) * cpg + c) * kk + t] : 0f;
                            for (int k = 0; k < COPIES; k++) {
                                wp[at + k * width + j] = v;
                            }
                        }
                    }
                }
            }
        }
    }

    private static void runFold(int positions, float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp,
                                int wi) {
        switch (positions) {
            case 3 -> fold3x4(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 2 -> fold2x4(yp, yOff, xp, xi, n, cpg, wp, wi);
            case 1 -> fold1x4(yp, yOff, xp, xi, n, cpg, wp, wi);
            default -> throw new IllegalArgumentException("DirectConvRowsNarrow: no folded tile of " + positions);
        }
    }

    // The tiles: positions × vectors of accumulators, loaded from and stored to yp around one loop over
    // a run of taps whose input lies in one stretch of xp; per (tap, input channel) v weight vectors, one
    // broadcast per position, positions·v FMAs.

    private static void tile5x2(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
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
        for (int end = xi + n; xi < end; xi++, wi += 2 * L) {
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

    private static void tile4x2(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        for (int end = xi + n; xi < end; xi++, wi += 2 * L) {
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

    private static void tile3x2(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        for (int end = xi + n; xi < end; xi++, wi += 2 * L) {
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
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
    }

    private static void tile2x2(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        for (int end = xi + n; xi < end; xi++, wi += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            x = FloatVector.broadcast(S, xp[xi + cpg]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
    }

    private static void tile1x2(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        for (int end = xi + n; xi < end; xi++, wi += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
    }

    private static void tile3x3(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a2_2 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        for (int end = xi + n; xi < end; xi++, wi += 3 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            x = FloatVector.broadcast(S, xp[xi + cpg]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            a1_2 = w2.fma(x, a1_2);
            x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
            a2_0 = w0.fma(x, a2_0);
            a2_1 = w1.fma(x, a2_1);
            a2_2 = w2.fma(x, a2_2);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a1_0.intoArray(yp, yOff + 3 * L);
        a1_1.intoArray(yp, yOff + 4 * L);
        a1_2.intoArray(yp, yOff + 5 * L);
        a2_0.intoArray(yp, yOff + 6 * L);
        a2_1.intoArray(yp, yOff + 7 * L);
        a2_2.intoArray(yp, yOff + 8 * L);
    }

    private static void tile2x3(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        for (int end = xi + n; xi < end; xi++, wi += 3 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            x = FloatVector.broadcast(S, xp[xi + cpg]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            a1_2 = w2.fma(x, a1_2);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a1_0.intoArray(yp, yOff + 3 * L);
        a1_1.intoArray(yp, yOff + 4 * L);
        a1_2.intoArray(yp, yOff + 5 * L);
    }

    private static void tile1x3(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        for (int end = xi + n; xi < end; xi++, wi += 3 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
    }

    private static void tile3x4(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a1_3 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a2_2 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a2_3 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        for (int end = xi + n; xi < end; xi++, wi += 4 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, wp, wi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            a0_3 = w3.fma(x, a0_3);
            x = FloatVector.broadcast(S, xp[xi + cpg]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            a1_2 = w2.fma(x, a1_2);
            a1_3 = w3.fma(x, a1_3);
            x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
            a2_0 = w0.fma(x, a2_0);
            a2_1 = w1.fma(x, a2_1);
            a2_2 = w2.fma(x, a2_2);
            a2_3 = w3.fma(x, a2_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
        a1_0.intoArray(yp, yOff + 4 * L);
        a1_1.intoArray(yp, yOff + 5 * L);
        a1_2.intoArray(yp, yOff + 6 * L);
        a1_3.intoArray(yp, yOff + 7 * L);
        a2_0.intoArray(yp, yOff + 8 * L);
        a2_1.intoArray(yp, yOff + 9 * L);
        a2_2.intoArray(yp, yOff + 10 * L);
        a2_3.intoArray(yp, yOff + 11 * L);
    }

    private static void tile2x4(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a1_3 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        for (int end = xi + n; xi < end; xi++, wi += 4 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, wp, wi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            a0_3 = w3.fma(x, a0_3);
            x = FloatVector.broadcast(S, xp[xi + cpg]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            a1_2 = w2.fma(x, a1_2);
            a1_3 = w3.fma(x, a1_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
        a1_0.intoArray(yp, yOff + 4 * L);
        a1_1.intoArray(yp, yOff + 5 * L);
        a1_2.intoArray(yp, yOff + 6 * L);
        a1_3.intoArray(yp, yOff + 7 * L);
    }

    private static void tile1x4(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        for (int end = xi + n; xi < end; xi++, wi += 4 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, wp, wi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            a0_3 = w3.fma(x, a0_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
    }

    private static void fold3x4(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a1_3 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a2_2 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a2_3 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        for (int end = xi + n; xi < end; xi++, wi += COPIES * 4 * L) {
            FloatVector x0 = FloatVector.broadcast(S, xp[xi]);
            FloatVector x1 = FloatVector.broadcast(S, xp[xi + cpg]);
            FloatVector x2 = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
            a0_0 = x0.fma(FloatVector.fromArray(S, wp, wi + 0 * L), a0_0);
            a0_1 = x0.fma(FloatVector.fromArray(S, wp, wi + 1 * L), a0_1);
            a0_2 = x0.fma(FloatVector.fromArray(S, wp, wi + 2 * L), a0_2);
            a0_3 = x0.fma(FloatVector.fromArray(S, wp, wi + 3 * L), a0_3);
            a1_0 = x1.fma(FloatVector.fromArray(S, wp, wi + 4 * L), a1_0);
            a1_1 = x1.fma(FloatVector.fromArray(S, wp, wi + 5 * L), a1_1);
            a1_2 = x1.fma(FloatVector.fromArray(S, wp, wi + 6 * L), a1_2);
            a1_3 = x1.fma(FloatVector.fromArray(S, wp, wi + 7 * L), a1_3);
            a2_0 = x2.fma(FloatVector.fromArray(S, wp, wi + 8 * L), a2_0);
            a2_1 = x2.fma(FloatVector.fromArray(S, wp, wi + 9 * L), a2_1);
            a2_2 = x2.fma(FloatVector.fromArray(S, wp, wi + 10 * L), a2_2);
            a2_3 = x2.fma(FloatVector.fromArray(S, wp, wi + 11 * L), a2_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
        a1_0.intoArray(yp, yOff + 4 * L);
        a1_1.intoArray(yp, yOff + 5 * L);
        a1_2.intoArray(yp, yOff + 6 * L);
        a1_3.intoArray(yp, yOff + 7 * L);
        a2_0.intoArray(yp, yOff + 8 * L);
        a2_1.intoArray(yp, yOff + 9 * L);
        a2_2.intoArray(yp, yOff + 10 * L);
        a2_3.intoArray(yp, yOff + 11 * L);
    }

    private static void fold2x4(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a1_3 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        for (int end = xi + n; xi < end; xi++, wi += COPIES * 4 * L) {
            FloatVector x0 = FloatVector.broadcast(S, xp[xi]);
            FloatVector x1 = FloatVector.broadcast(S, xp[xi + cpg]);
            a0_0 = x0.fma(FloatVector.fromArray(S, wp, wi + 0 * L), a0_0);
            a0_1 = x0.fma(FloatVector.fromArray(S, wp, wi + 1 * L), a0_1);
            a0_2 = x0.fma(FloatVector.fromArray(S, wp, wi + 2 * L), a0_2);
            a0_3 = x0.fma(FloatVector.fromArray(S, wp, wi + 3 * L), a0_3);
            a1_0 = x1.fma(FloatVector.fromArray(S, wp, wi + 4 * L), a1_0);
            a1_1 = x1.fma(FloatVector.fromArray(S, wp, wi + 5 * L), a1_1);
            a1_2 = x1.fma(FloatVector.fromArray(S, wp, wi + 6 * L), a1_2);
            a1_3 = x1.fma(FloatVector.fromArray(S, wp, wi + 7 * L), a1_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
        a1_0.intoArray(yp, yOff + 4 * L);
        a1_1.intoArray(yp, yOff + 5 * L);
        a1_2.intoArray(yp, yOff + 6 * L);
        a1_3.intoArray(yp, yOff + 7 * L);
    }

    private static void fold1x4(float[] yp, int yOff, float[] xp, int xi, int n, int cpg, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        for (int end = xi + n; xi < end; xi++, wi += COPIES * 4 * L) {
            FloatVector x0 = FloatVector.broadcast(S, xp[xi]);
            a0_0 = x0.fma(FloatVector.fromArray(S, wp, wi + 0 * L), a0_0);
            a0_1 = x0.fma(FloatVector.fromArray(S, wp, wi + 1 * L), a0_1);
            a0_2 = x0.fma(FloatVector.fromArray(S, wp, wi + 2 * L), a0_2);
            a0_3 = x0.fma(FloatVector.fromArray(S, wp, wi + 3 * L), a0_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
    }

    /** Experiment: the input as padded planes (DirectConv's), a tile's positions adjacent. */
    static final boolean PLANAR = Boolean.getBoolean("kiln.conv.rowsNarrowPlanar");

    private static void runPlanar(int positions, int v, float[] yp, int yOff, float[] xp, int xi, int n, int plane,
                                  float[] wp, int wi) {
        switch (v * 8 + positions) {
            case 2 * 8 + 6 -> planar6x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 2 * 8 + 5 -> planar5x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 2 * 8 + 4 -> planar4x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 2 * 8 + 3 -> planar3x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 2 * 8 + 2 -> planar2x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 2 * 8 + 1 -> planar1x2(yp, yOff, xp, xi, n, plane, wp, wi);
            case 4 * 8 + 3 -> planar3x4(yp, yOff, xp, xi, n, plane, wp, wi);
            case 4 * 8 + 2 -> planar2x4(yp, yOff, xp, xi, n, plane, wp, wi);
            case 4 * 8 + 1 -> planar1x4(yp, yOff, xp, xi, n, plane, wp, wi);
            default -> throw new IllegalArgumentException("DirectConvRowsNarrow: no planar tile of " + positions);
        }
    }

    private static void planar6x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
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
            x = FloatVector.broadcast(S, xp[xi + 5]);
            a5_0 = w0.fma(x, a5_0);
            a5_1 = w1.fma(x, a5_1);
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

    private static void planar5x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
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

    private static void planar4x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
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

    private static void planar3x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
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

    private static void planar2x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
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

    private static void planar1x2(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
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

    private static void planar3x4(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a1_3 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a2_2 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a2_3 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += 4 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, wp, wi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            a0_3 = w3.fma(x, a0_3);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            a1_2 = w2.fma(x, a1_2);
            a1_3 = w3.fma(x, a1_3);
            x = FloatVector.broadcast(S, xp[xi + 2]);
            a2_0 = w0.fma(x, a2_0);
            a2_1 = w1.fma(x, a2_1);
            a2_2 = w2.fma(x, a2_2);
            a2_3 = w3.fma(x, a2_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
        a1_0.intoArray(yp, yOff + 4 * L);
        a1_1.intoArray(yp, yOff + 5 * L);
        a1_2.intoArray(yp, yOff + 6 * L);
        a1_3.intoArray(yp, yOff + 7 * L);
        a2_0.intoArray(yp, yOff + 8 * L);
        a2_1.intoArray(yp, yOff + 9 * L);
        a2_2.intoArray(yp, yOff + 10 * L);
        a2_3.intoArray(yp, yOff + 11 * L);
    }

    private static void planar2x4(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a1_3 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += 4 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, wp, wi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            a0_3 = w3.fma(x, a0_3);
            x = FloatVector.broadcast(S, xp[xi + 1]);
            a1_0 = w0.fma(x, a1_0);
            a1_1 = w1.fma(x, a1_1);
            a1_2 = w2.fma(x, a1_2);
            a1_3 = w3.fma(x, a1_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
        a1_0.intoArray(yp, yOff + 4 * L);
        a1_1.intoArray(yp, yOff + 5 * L);
        a1_2.intoArray(yp, yOff + 6 * L);
        a1_3.intoArray(yp, yOff + 7 * L);
    }

    private static void planar1x4(float[] yp, int yOff, float[] xp, int xi, int n, int plane, float[] wp, int wi) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff + 0 * L);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        for (int c = 0; c < n; c++, xi += plane, wi += 4 * L) {
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, wp, wi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, xp[xi]);
            a0_0 = w0.fma(x, a0_0);
            a0_1 = w1.fma(x, a0_1);
            a0_2 = w2.fma(x, a0_2);
            a0_3 = w3.fma(x, a0_3);
        }
        a0_0.intoArray(yp, yOff + 0 * L);
        a0_1.intoArray(yp, yOff + 1 * L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
    }
}
