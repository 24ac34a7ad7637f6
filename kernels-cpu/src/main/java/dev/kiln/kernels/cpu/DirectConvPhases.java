package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.DirectConvKernels.SPAN;
import static dev.kiln.kernels.cpu.DirectConvKernels.STEP;

/**
 * The input gradient of a strided convolution (dilation 1) by the forward tiles of
 * {@link DirectConvKernels}, with no patch matrix and no col2im.
 *
 * <p>dx[c, ih] = Σ W[o, c, i]·dy[o, oh] over oh·stride − pad + i = ih (the same along the width). The
 * rows ih = a·stride + r of one phase r take only the taps i ≡ r + pad (mod stride), each from dy row
 * oh = a + (r + pad − i) / stride: a stride-1 convolution of dy with those taps. So each of the
 * strideH·strideW phases of dx is a stride-1 convolution of dy with a part of W (a 3×3 kernel at
 * stride 2 splits into 1, 2, 2 and 4 taps; nine in all, as many multiply-adds as the forward), and
 * all phases read one zero-padded grid of a sample's dy planes, as {@link DirectConv}'s forward reads
 * its input: output position q = a·pitch + b of a phase reads tap t at q + taps[t]. Each phase's
 * planes are then written to every stride-th row and column of dx (at stride 2 along an even width, the two
 * column phases of a phase row together, interleaved by vectors: {@link #pairedStores}). Every output is one tile's sum, in
 * (dy channel, tap) order, so the result does not depend on the thread count.
 */
final class DirectConvPhases {
    private DirectConvPhases() {
    }

    /**
     * One spatial axis: for each phase r the kernel indices of its taps and the dy offsets they read
     * at (oh − a), the dx positions of the phase, and the zeros the grid needs before dy ({@code
     * before}) and its length ({@code length}: dy and every offset any phase reads).
     */
    record Axis(int[][] kernel, int[][] offset, int[] outputs, int before, int length) {
        static Axis of(int k, int stride, int pad, int in, int out) {
            int[][] kernel = new int[stride][];
            int[][] offset = new int[stride][];
            int[] outputs = new int[stride];
            int before = 0;
            int last = out - 1; // the last dy index any real output reads, relative to dy's start
            for (int r = 0; r < stride; r++) {
                int n = 0;
                for (int i = 0; i < k; i++) {
                    n += Math.floorMod(r + pad - i, stride) == 0 ? 1 : 0;
                }
                kernel[r] = new int[n];
                offset[r] = new int[n];
                outputs[r] = Math.max(0, (in - r + stride - 1) / stride);
                for (int i = 0, t = 0; i < k; i++) {
                    if (Math.floorMod(r + pad - i, stride) == 0) {
                        kernel[r][t] = i;
                        offset[r][t] = Math.floorDiv(r + pad - i, stride);
                        before = Math.max(before, -offset[r][t]);
                        if (outputs[r] > 0) {
                            last = Math.max(last, outputs[r] - 1 + offset[r][t]);
                        }
                        t++;
                    }
                }
            }
            return new Axis(kernel, offset, outputs, before, before + last + 1);
        }
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] planes = new float[0];
        float[] out = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The grid of dy planes for a shape: {@code pitch} columns, {@code plane} floats a channel. */
    private record Grid(Axis rows, Axis cols, int pitch, int plane) {
        static Grid of(ConvShape s) {
            Axis rows = Axis.of(s.kH(), s.strideH(), s.padH(), s.h(), s.outH());
            Axis cols = Axis.of(s.kW(), s.strideW(), s.padW(), s.w(), s.outW());
            int pitch = cols.length();
            // a tile starting below a phase's positions reads at most SPAN − 1 past them, plus its largest tap
            return new Grid(rows, cols, pitch, (rows.length() + 1) * pitch + SPAN);
        }
    }

    /** Floats of a sample's padded dy planes (one group). */
    static long planes(ConvShape s) {
        return (long) s.cOutPerGroup() * Grid.of(s).plane();
    }

    /** dx = the input gradient of conv2d(x, w) with stride s (dilation 1) from dy. */
    static void backwardInput(float[] dx, int dxOff, float[] dya, int dyOff, float[] wa, int wOff, ConvShape s) {
        Grid gr = Grid.of(s);
        Axis ax = gr.rows();
        Axis aw = gr.cols();
        int pitch = gr.pitch();
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int phases = s.strideH() * s.strideW();
        // per phase: its taps' offsets in the grid, its positions, and where its packed weights start
        int[][] taps = new int[phases][];
        int[] padded = new int[phases];
        int[] rowsOf = new int[phases];
        long[] wBase = new long[phases + 1];
        int most = STEP;
        for (int p = 0; p < phases; p++) {
            int rh = p / s.strideW();
            int rw = p % s.strideW();
            int th = ax.kernel()[rh].length;
            int tw = aw.kernel()[rw].length;
            taps[p] = new int[th * tw];
            for (int a = 0; a < th; a++) {
                for (int b = 0; b < tw; b++) {
                    taps[p][a * tw + b] = (ax.offset()[rh][a] + ax.before()) * pitch + aw.offset()[rw][b] + aw.before();
                }
            }
            int positions = ax.outputs()[rh] * pitch;
            padded[p] = (positions + STEP - 1) / STEP * STEP;
            most = Math.max(most, padded[p]);
            rowsOf[p] = DirectConvKernels.forwardRows(cpg, padded[p] / STEP);
            int blocks = (cpg + rowsOf[p] - 1) / rowsOf[p];
            wBase[p + 1] = wBase[p] + (long) blocks * rowsOf[p] * opg * taps[p].length;
        }
        long perGroup = wBase[phases];
        // packed weights: [group][phase][block][dy channel o][tap][row of dx channels], rows past cpg zero
        Scratch sc = SCRATCH.get();
        sc.weights = HostArrays.atLeast(sc.weights, s.groups() * perGroup);
        float[] wp = sc.weights;
        for (int g = 0; g < s.groups(); g++) {
            for (int p = 0; p < phases; p++) {
                int rh = p / s.strideW();
                int rw = p % s.strideW();
                int tw = aw.kernel()[rw].length;
                int kt = taps[p].length;
                int rows = rowsOf[p];
                int blocks = (cpg + rows - 1) / rows;
                for (int b = 0; b < blocks; b++) {
                    for (int o = 0; o < opg; o++) {
                        for (int t = 0; t < kt; t++) {
                            int tap = ax.kernel()[rh][t / tw] * s.kW() + aw.kernel()[rw][t % tw];
                            int dst = (int) (g * perGroup + wBase[p]) + ((b * opg + o) * kt + t) * rows;
                            for (int r = 0; r < rows; r++) {
                                int c = b * rows + r;
                                wp[dst + r] = c < cpg ? wa[wOff + ((g * opg + o) * cpg + c) * kk + tap] : 0f;
                            }
                        }
                    }
                }
            }
        }
        int units = s.n() * s.groups();
        long work = Math.max(1, (long) kk * opg * cpg * s.outH() * s.outW());
        int planeSize = gr.plane();
        int mostPositions = most;
        // at stride 2 along the width with an even width, both column phases of a phase row are computed, then
        // their rows interleaved into dx's rows by vectors (one float at a time, strided, took 40% of the pass)
        boolean paired = paired(s, ax, aw, rowsOf);
        Parallel.forRange(units, (int) Math.max(1, Math.min(units, (1L << 18) / work)), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.planes = HostArrays.atLeast(mine.planes, (long) opg * planeSize);
            mine.out = HostArrays.atLeast(mine.out, (paired ? 16L : 8L) * mostPositions + STEP);
            float[] xp = mine.planes;
            float[] yp = mine.out;
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                padDy(xp, dya, dyOff + (n * s.cOut() + g * opg) * s.outH() * s.outW(), opg, s, gr);
                int dxGroup = dxOff + (n * s.cIn() + g * cpg) * s.h() * s.w();
                if (paired) {
                    for (int rh = 0; rh < s.strideH(); rh++) {
                        if (ax.outputs()[rh] == 0) {
                            continue;
                        }
                        int p0 = rh * 2;
                        int rows = rowsOf[p0];
                        int blocks = (cpg + rows - 1) / rows;
                        int second = rows * padded[p0];
                        for (int b = 0; b < blocks; b++) {
                            for (int rw = 0; rw < 2; rw++) {
                                phaseTile(p0 + rw, g, b, rw * second, yp, xp, taps, padded, rows, perGroup, wBase, opg,
                                        planeSize, wp);
                            }
                            for (int r = 0; r < rows && b * rows + r < cpg; r++) {
                                storePair(dx, dxGroup + (b * rows + r) * s.h() * s.w(), yp, r * padded[p0], second, rh,
                                        s, gr);
                            }
                        }
                    }
                    continue;
                }
                for (int p = 0; p < phases; p++) {
                    int rh = p / s.strideW();
                    int rw = p % s.strideW();
                    if (ax.outputs()[rh] == 0 || aw.outputs()[rw] == 0) {
                        continue; // no dx positions in this phase
                    }
                    int rows = rowsOf[p];
                    int blocks = (cpg + rows - 1) / rows;
                    for (int b = 0; b < blocks; b++) {
                        phaseTile(p, g, b, 0, yp, xp, taps, padded, rows, perGroup, wBase, opg, planeSize, wp);
                        for (int r = 0; r < rows && b * rows + r < cpg; r++) {
                            store(dx, dxGroup + (b * rows + r) * s.h() * s.w(), yp, r * padded[p], rh, rw, s, gr);
                        }
                    }
                }
            }
        });
    }

    /** Block b of phase p's dx channels into yp from yOff (row r at yOff + r·padded[p]), from dy's cells xp. */
    private static void phaseTile(int p, int g, int b, int yOff, float[] yp, float[] xp, int[][] taps, int[] padded,
                                  int rows, long perGroup, long[] wBase, int opg, int planeSize, float[] wp) {
        int kt = taps[p].length;
        int wb = (int) (g * perGroup + wBase[p]) + b * opg * kt * rows;
        if (kt == 0) {
            Arrays.fill(yp, yOff, yOff + rows * padded[p], 0f); // a phase no tap reaches: zero
            return;
        }
        int vectors = DirectConvKernels.forwardVectors(rows);
        for (int q = 0; q < padded[p]; ) {
            q += STEP * DirectConvKernels.forwardTile(rows, Math.min(vectors, (padded[p] - q) / STEP),
                    yp, yOff + q, padded[p], xp, q, planeSize, opg, taps[p], wp, wb);
        }
    }

    /** {@link #backwardInput}'s interleaved stores ({@code -Dkiln.conv.phasePairs=false}: each phase apart; A/B runs). */
    static boolean pairedStores = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.phasePairs", "true").trim());

    /**
     * Whether both column phases of every phase row are stored together: vectors on, stride 2 along the width, an
     * even width (both column phases as wide), and the two computed in the same blocks of dx channels.
     */
    private static boolean paired(ConvShape s, Axis ax, Axis aw, int[] rowsOf) {
        if (!pairedStores || !Simd.ENABLED || s.strideW() != 2 || s.w() % 2 != 0
                || aw.outputs()[0] != aw.outputs()[1] || aw.outputs()[0] == 0) {
            return false;
        }
        for (int rh = 0; rh < s.strideH(); rh++) {
            if (rowsOf[rh * 2] != rowsOf[rh * 2 + 1]) {
                return false;
            }
        }
        return true;
    }

    private static final VectorSpecies<Float> S = DirectConvKernels.S;
    private static final int L = DirectConvKernels.L;

    /** Lane j of a two-input rearrange: a[j/2] for even j, b[j/2] for odd (a negative index picks the second input). */
    private static final VectorShuffle<Float> ZIP_LO = VectorShuffle.fromOp(S, j -> j % 2 == 0 ? j / 2 : j / 2 - L);

    /** The same from the upper halves: a[L/2 + j/2], b[L/2 + j/2]. */
    private static final VectorShuffle<Float> ZIP_HI = VectorShuffle.fromOp(S,
            j -> j % 2 == 0 ? L / 2 + j / 2 : L / 2 + j / 2 - L);

    /**
     * Phase row rh of a dx plane from its two column phases, yp[ypOff + a·pitch + b] (columns 0, 2, 4, ...) and the
     * same {@code second} floats on (columns 1, 3, ...): per vector of each, two vectors of a dx row, the last ones
     * masked. Reads up to L − 1 floats past a phase row (the scratch has that slack; they are not stored).
     */
    private static void storePair(float[] dx, int dxOff, float[] yp, int ypOff, int second, int rh, ConvShape s,
                                  Grid gr) {
        int outH = gr.rows().outputs()[rh];
        int outW = gr.cols().outputs()[0];
        int w = s.w();
        for (int a = 0; a < outH; a++) {
            int d = dxOff + (a * s.strideH() + rh) * w;
            int src = ypOff + a * gr.pitch();
            for (int b = 0; b < outW; b += L) {
                FloatVector even = FloatVector.fromArray(S, yp, src + b);
                FloatVector odd = FloatVector.fromArray(S, yp, src + second + b);
                FloatVector lo = even.rearrange(ZIP_LO, odd);
                FloatVector hi = even.rearrange(ZIP_HI, odd);
                int left = 2 * (outW - b); // dx floats from d + 2b on in this row
                if (left >= 2 * L) {
                    lo.intoArray(dx, d + 2 * b);
                    hi.intoArray(dx, d + 2 * b + L);
                } else {
                    VectorMask<Float> m0 = S.indexInRange(0, left);
                    lo.intoArray(dx, d + 2 * b, m0);
                    if (left > L) {
                        hi.intoArray(dx, d + 2 * b + L, S.indexInRange(0, left - L));
                    }
                }
            }
        }
    }

    /** dy's planes on the grid: zeros around, dy from row {@code before} and column {@code before} of the axes. */
    private static void padDy(float[] xp, float[] dya, int dyOff, int channels, ConvShape s, Grid gr) {
        int pitch = gr.pitch();
        int spatial = s.outH() * s.outW();
        int rowsIn = Math.min(s.outH(), gr.rows().length() - gr.rows().before());
        int colsIn = Math.min(s.outW(), pitch - gr.cols().before());
        for (int o = 0; o < channels; o++) {
            int plane = o * gr.plane();
            Arrays.fill(xp, plane, plane + gr.plane(), 0f);
            for (int oh = 0; oh < rowsIn; oh++) {
                System.arraycopy(dya, dyOff + o * spatial + oh * s.outW(), xp,
                        plane + (gr.rows().before() + oh) * pitch + gr.cols().before(), colsIn);
            }
        }
    }

    /** One phase of a dx plane: dx[(a·strideH + rh)·w + b·strideW + rw] = yp[a·pitch + b]. */
    private static void store(float[] dx, int dxOff, float[] yp, int ypOff, int rh, int rw, ConvShape s, Grid gr) {
        int outH = gr.rows().outputs()[rh];
        int outW = gr.cols().outputs()[rw];
        for (int a = 0; a < outH; a++) {
            int d = dxOff + (a * s.strideH() + rh) * s.w() + rw;
            int src = ypOff + a * gr.pitch();
            for (int b = 0; b < outW; b++) {
                dx[d + b * s.strideW()] = yp[src + b];
            }
        }
    }
}
