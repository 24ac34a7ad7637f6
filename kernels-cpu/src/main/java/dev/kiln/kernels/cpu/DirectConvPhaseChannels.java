package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input gradient of a strided convolution (dilation 1) with input channels in the vector lanes:
 * {@link DirectConvPhases}' split of dx into stride phases, each a stride-1 convolution of dy with
 * the taps i ≡ r + pad (mod stride), computed by tiles of {@link DirectConvChannels}' kind rather than
 * by the positional tiles, which on the small planes of a strided layer's dy (7 × 7, 14 × 14) waste
 * much of each vector on row ends and run a reduction of 1 to 4 taps per call.
 *
 * <p>A sample's dy goes channels last into one zero-padded grid of cells ({@link ChannelsLast#pad}:
 * cell (before + oh)·pitch + before + ow holds dy[·, oh, ow]); phase position q = a·pitch + b reads tap
 * t at cell q + taps[t]. A tile of {@link #P} consecutive positions × two vectors of dx channels loads
 * two weight vectors per (tap, dy channel), broadcasts each position's dy once and does 2·P FMAs; a
 * run of positions crosses row ends, the extra positions dropped. Each phase's channels-last output
 * is placed on every stride-th row and column of a channels-last dx plane, which {@link
 * ChannelsLast#store} then transposes into dx's planes. Every dx value is one tile's sum in
 * (tap, dy channel) order, so the result does not depend on the thread count.
 */
final class DirectConvPhaseChannels {
    private DirectConvPhaseChannels() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Positions per tile: 5 × 2 vectors fit 16 registers (10 accumulators, 2 weights, the broadcast). */
    static final int P = 5;

    /** dx channels per block: two vectors. */
    static final int WIDTH = 2 * L;

    /**
     * Whether this kernel can compute the shape: vectors on, stride above 1, no dilation, a kernel
     * larger than 1×1, at least 3/4 of a block's lanes real dx channels, packed weights that an
     * array can hold, and a sample's dy cells within {@link ConvDispatch#GRID_MAX_PLANES} floats.
     */
    static boolean applies(ConvShape s) {
        int cpg = s.cInPerGroup();
        int blocks = (cpg + WIDTH - 1) / WIDTH;
        return Simd.ENABLED && (s.strideH() > 1 || s.strideW() > 1) && s.dilationH() == 1 && s.dilationW() == 1
                && s.kH() * s.kW() > 1 && 4L * cpg >= 3L * blocks * WIDTH
                && (long) s.groups() * blocks * WIDTH * s.cOutPerGroup() * s.kH() * s.kW() < Integer.MAX_VALUE
                && (long) Geometry.of(s).cells() * s.cOutPerGroup() <= ConvDispatch.GRID_MAX_PLANES;
    }

    /**
     * The cells of a shape and its phases: per phase its taps' cell offsets, its positions rounded up
     * to whole tiles ({@code computed}) and where its packed weights start (per block of dx channels).
     */
    private record Geometry(DirectConvPhases.Axis rows, DirectConvPhases.Axis cols, int pitch, int cells,
                            int[][] taps, int[] computed, int[] wBase, int perBlock) {
        static Geometry of(ConvShape s) {
            DirectConvPhases.Axis ax = DirectConvPhases.Axis.of(s.kH(), s.strideH(), s.padH(), s.h(), s.outH());
            DirectConvPhases.Axis aw = DirectConvPhases.Axis.of(s.kW(), s.strideW(), s.padW(), s.w(), s.outW());
            int pitch = aw.length();
            int phases = s.strideH() * s.strideW();
            int[][] taps = new int[phases][];
            int[] computed = new int[phases];
            int[] wBase = new int[phases + 1];
            int cells = ax.length() * pitch;
            for (int p = 0; p < phases; p++) {
                int rh = p / s.strideW();
                int rw = p % s.strideW();
                int th = ax.kernel()[rh].length;
                int tw = aw.kernel()[rw].length;
                taps[p] = new int[th * tw];
                int reach = 0;
                for (int a = 0; a < th; a++) {
                    for (int b = 0; b < tw; b++) {
                        int t = (ax.offset()[rh][a] + ax.before()) * pitch + aw.offset()[rw][b] + aw.before();
                        taps[p][a * tw + b] = t;
                        reach = Math.max(reach, t);
                    }
                }
                computed[p] = (ax.outputs()[rh] * pitch + P - 1) / P * P;
                cells = Math.max(cells, computed[p] + reach);
                wBase[p + 1] = wBase[p] + taps[p].length * s.cOutPerGroup() * WIDTH;
            }
            return new Geometry(ax, aw, pitch, cells, taps, computed, wBase, wBase[phases]);
        }
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] cells = new float[0];
        float[] out = new float[0];
        /** A block of dx channels of one sample, channels last, all phases placed. */
        float[] plane = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** dx = the input gradient of conv2d(x, w) with stride s (dilation 1) from dy. */
    static void backwardInput(float[] dx, int dxOff, float[] dya, int dyOff, float[] wa, int wOff, ConvShape s) {
        Geometry ge = Geometry.of(s);
        DirectConvPhases.Axis ax = ge.rows();
        DirectConvPhases.Axis aw = ge.cols();
        int pitch = ge.pitch();
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int phases = s.strideH() * s.strideW();
        int blocks = (cpg + WIDTH - 1) / WIDTH;
        int perGroup = blocks * ge.perBlock();
        // packed weights: [group][block][phase][tap of the phase][dy channel o][dx channel of the block]
        Scratch sc = SCRATCH.get();
        sc.weights = HostArrays.atLeast(sc.weights, (long) s.groups() * perGroup);
        float[] wp = sc.weights;
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                for (int p = 0; p < phases; p++) {
                    int rh = p / s.strideW();
                    int rw = p % s.strideW();
                    int tw = aw.kernel()[rw].length;
                    int kt = ge.taps()[p].length;
                    for (int t = 0; t < kt; t++) {
                        int tap = ax.kernel()[rh][t / tw] * s.kW() + aw.kernel()[rw][t % tw];
                        for (int o = 0; o < opg; o++) {
                            int dst = g * perGroup + b * ge.perBlock() + ge.wBase()[p] + (t * opg + o) * WIDTH;
                            for (int j = 0; j < WIDTH; j++) {
                                int c = b * WIDTH + j;
                                wp[dst + j] = c < cpg ? wa[wOff + ((g * opg + o) * cpg + c) * kk + tap] : 0f;
                            }
                        }
                    }
                }
            }
        }
        // the dy grid as ChannelsLast.pad sees it: an input of outH × outW padded by the axes' zeros before
        ConvShape dyShape = new ConvShape(1, opg, s.outH(), s.outW(), opg, 1, 1, 1, 1, ax.before(), aw.before(), 1, 1,
                1, ax.length(), pitch);
        DirectConv.Grid dyGrid = new DirectConv.Grid(pitch, ax.length(), 0, 0, 0, new int[0]);
        // dx's block of channels as ChannelsLast.store sees it: an output of h × w, rows w cells apart
        ConvShape dxShape = new ConvShape(1, 1, s.h(), s.w(), WIDTH, 1, 1, 1, 1, 0, 0, 1, 1, 1, s.h(), s.w());
        DirectConv.Grid dxGrid = new DirectConv.Grid(s.w(), s.h(), 0, 0, 0, new int[0]);
        int most = Arrays.stream(ge.computed()).max().orElse(0);
        int units = s.n() * s.groups();
        long work = Math.max(1, (long) kk * opg * cpg * s.outH() * s.outW());
        int cellFloats = ge.cells() * opg;
        Parallel.forRange(units, (int) Math.max(1, Math.min(units, (1L << 18) / work)), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.cells = HostArrays.atLeast(mine.cells, cellFloats);
            mine.out = HostArrays.atLeast(mine.out, (long) most * WIDTH);
            mine.plane = HostArrays.atLeast(mine.plane, (long) s.h() * s.w() * WIDTH);
            float[] xp = mine.cells;
            float[] yp = mine.out;
            float[] plane = mine.plane;
            // every sample's dy lands on the same cells: the zeros around them are written once a task
            Arrays.fill(xp, 0, cellFloats, 0f);
            int[][] taps = new int[phases][];
            for (int p = 0; p < phases; p++) {
                taps[p] = ge.taps()[p].clone();
                for (int t = 0; t < taps[p].length; t++) {
                    taps[p][t] *= opg;
                }
            }
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                ChannelsLast.pad(xp, dya, dyOff + (n * s.cOut() + g * opg) * s.outH() * s.outW(), opg, dyShape, dyGrid);
                int dxGroup = dxOff + (n * s.cIn() + g * cpg) * s.h() * s.w();
                for (int b = 0; b < blocks; b++) {
                    int count = Math.min(WIDTH, cpg - b * WIDTH);
                    for (int p = 0; p < phases; p++) {
                        int rh = p / s.strideW();
                        int rw = p % s.strideW();
                        if (ax.outputs()[rh] == 0 || aw.outputs()[rw] == 0) {
                            continue; // no dx positions in this phase
                        }
                        int computed = ge.computed()[p];
                        // the tiles add onto yp: zero first (a phase no tap reaches stays zero)
                        Arrays.fill(yp, 0, computed * WIDTH, 0f);
                        if (taps[p].length > 0) {
                            int wb = g * perGroup + b * ge.perBlock() + ge.wBase()[p];
                            for (int q = 0; q < computed; q += P) {
                                // 5 positions × 2 vectors of dx channels, summed over taps then dy channels
                                DirectConvChannels.tile2x5(yp, q * WIDTH, xp, q * opg, opg, taps[p], wp, wb);
                            }
                        }
                        place(plane, yp, rh, rw, s, ax.outputs()[rh], aw.outputs()[rw], pitch);
                    }
                    ChannelsLast.store(dx, dxGroup + b * WIDTH * s.h() * s.w(), plane, WIDTH, count, null, 0, dxShape,
                            dxGrid);
                }
            }
        });
    }

    /**
     * One phase's tile output into the block's channels-last dx plane, a position's WIDTH channels
     * at a time: plane[((a·strideH + rh)·w + c·strideW + rw)·WIDTH + j] = yp[(a·pitch + c)·WIDTH + j]
     * (with the 8 × 8 transposes of the store after, 1.3-1.5× faster than scattering each float into
     * dx's planes).
     */
    private static void place(float[] plane, float[] yp, int rh, int rw, ConvShape s, int outH, int outW, int pitch) {
        for (int a = 0; a < outH; a++) {
            int d = ((a * s.strideH() + rh) * s.w() + rw) * WIDTH;
            int src = a * pitch * WIDTH;
            for (int c = 0; c < outW; c++, d += s.strideW() * WIDTH, src += WIDTH) {
                FloatVector.fromArray(S, yp, src).intoArray(plane, d);
                FloatVector.fromArray(S, yp, src + L).intoArray(plane, d + L);
            }
        }
    }
}
