package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.DirectConvKernels.OC;
import static dev.kiln.kernels.cpu.DirectConvKernels.SPAN;
import static dev.kiln.kernels.cpu.DirectConvKernels.STEP;

/**
 * The direct convolution ({@link ConvDispatch} says when it runs): no patch matrix, the output
 * computed from padded copies of the input planes by the register tiles of {@link DirectConvKernels}.
 *
 * <p>With stride 1 the padded plane of a channel is a grid of {@code pitch} columns, the input at
 * column padW + iw and row padH + ih and zeros around, as wide and tall as the taps of the outputs
 * reach; output (oh, ow) is computed at grid position q = oh·pitch + ow, and tap (i, j) reads q +
 * i·dilationH·pitch + j·dilationW. So every tap of a run of output positions reads one contiguous run
 * of the plane, with no edge cases: the pitch − outW positions at the end of each row are computed
 * too and dropped (the forward's rows share their zeros, {@link Grid#forward}: with the 3×3 layers of
 * a 28×28 image, 1 of 29). A larger stride deals the padded input into stride² phase planes first
 * ({@link Grid}), after which every tap is again one offset. Channel counts that are not a multiple of
 * the tile are padded with zero weights (forward) or zero planes (weight gradient).
 *
 * <p>Forward: samples (and, when there are fewer samples than threads, ranges of out-channel tiles)
 * split over threads, each padding its sample's planes into its own buffer; every output is one
 * tile's sum, so results do not depend on the thread count. The input gradient of a stride-1
 * convolution is this forward with the flipped, transposed weight ({@link ConvDispatch#transposed});
 * a strided one's is one such convolution of dy per phase of dx ({@link DirectConvPhases}).
 * The weight gradient is {@link DirectConvWeight}, on the same grid. Buffers are per thread, grown
 * on demand and kept (a warm call allocates no large arrays); the forward's padded planes are cleared
 * only when the shape changes, as each sample's input lands on the same floats.
 */
final class DirectConv {
    private DirectConv() {
    }

    /**
     * The padded grid of a shape. With stride sH × sW the padded input (row R = padH + ih, column
     * padW + iw) is dealt into sH·sW phase planes, phase (R mod sH, column mod sW) holding it at
     * (R / sH, column / sW), so that tap (i, j) of output (oh, ow) reads phase
     * (i·dilationH mod sH, j·dilationW mod sW) at (oh + i·dilationH / sH, ow + j·dilationW / sW): for
     * every stride, a tap reads a contiguous run of one phase plane. A phase plane is {@code rows ×
     * pitch} plus a margin that the last tile's reads may reach (input no tap reads is left out); a
     * channel's phases lie {@code phasePlane} apart, its plane is all of them. Output positions
     * [0, positions) of which those with q mod pitch < outW are real; {@code taps[i·kW + j]} the offset
     * tap (i, j) reads at.
     */
    record Grid(int pitch, int rows, int phasePlane, int plane, int positions, int[] taps) {
        static Grid of(ConvShape s) {
            return of(s, s.outW() + s.dilationW() * (s.kW() - 1) / s.strideW());
        }

        /**
         * The forward's grid: with stride 1, rows {@code w + max(left, right zero columns read)} apart
         * rather than {@code w + left + right}, as the zeros after one row can also be those before the
         * next (a 28×28 image with padding 1: pitch 29, 812 positions rather than 840, 2 wasted a row
         * down to 1). Every read of a zero still reads a zero, so no result changes.
         */
        static Grid forward(ConvShape s) {
            Grid wide = of(s);
            if (s.strideH() != 1 || s.strideW() != 1) {
                return wide;
            }
            int left = s.padW();
            int right = wide.pitch() - left - s.w(); // zero columns read past the input (negative: input unread)
            return right < 0 ? wide : of(s, Math.max(s.outW(), s.w() + Math.max(left, right)));
        }

        private static Grid of(ConvShape s, int pitch) {
            int reachH = s.dilationH() * (s.kH() - 1);
            int reachW = s.dilationW() * (s.kW() - 1);
            int rows = s.outH() + reachH / s.strideH();
            // a tile starting below positions reads at most SPAN − 1 past it, plus the largest tap
            int phasePlane = rows * pitch + Math.max(pitch, reachW / s.strideW()) + SPAN;
            int[] taps = new int[s.kH() * s.kW()];
            for (int i = 0; i < s.kH(); i++) {
                int di = i * s.dilationH();
                for (int j = 0; j < s.kW(); j++) {
                    int dj = j * s.dilationW();
                    int phase = (di % s.strideH()) * s.strideW() + dj % s.strideW();
                    taps[i * s.kW() + j] = phase * phasePlane + di / s.strideH() * pitch + dj / s.strideW();
                }
            }
            return new Grid(pitch, rows, phasePlane, s.strideH() * s.strideW() * phasePlane, s.outH() * pitch, taps);
        }

        /** Positions rounded up to whole tiles of n. */
        int positionsUpTo(int n) {
            return (positions + n - 1) / n * n;
        }
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] planes = new float[0];
        /** The shape whose padded planes {@code planes} last held: their zeros are in place for it. */
        ConvShape planesShape;
        float[] out = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Parts each (sample, group) unit of a forward is cut into: with fewer units than twice the
     * threads, their blocks of out channels are split too, so that every thread has work.
     */
    static int split(int units, int blocks) {
        return (int) Math.min(blocks, Math.max(1, (2L * Parallel.threads() + units - 1) / units));
    }

    /** Parts per task of a forward whose units do {@code work} multiply-adds each, split {@code split} ways. */
    static int grain(int units, int split, long work) {
        return (int) Math.max(1, Math.min(units, (1L << 18) / Math.max(1, work / split)));
    }

    /** y = conv2d(x, w) + bias; bias may be null. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        Grid gr = Grid.forward(s);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        // whole vectors of positions: full tiles, then one narrower tile for the rest
        int padded = gr.positionsUpTo(STEP);
        int rows = DirectConvKernels.forwardRows(opg, padded / STEP);
        int vectors = DirectConvKernels.forwardVectors(rows);
        int blocks = (opg + rows - 1) / rows;
        // packed weights: [group][block][c][tap][row of rows], rows past opg zero
        int blockSize = cpg * kk * rows;
        Scratch sc = SCRATCH.get();
        sc.weights = HostArrays.atLeast(sc.weights, (long) s.groups() * blocks * blockSize);
        float[] wp = sc.weights;
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                int dst = (g * blocks + b) * blockSize;
                for (int r = 0; r < rows; r++) {
                    int o = b * rows + r;
                    for (int ct = 0; ct < cpg * kk; ct++) {
                        wp[dst + ct * rows + r] = o < opg ? wa[wOff + (g * opg + o) * cpg * kk + ct] : 0f;
                    }
                }
            }
        }
        int units = s.n() * s.groups();
        int split = split(units, blocks);
        Parallel.forRange(units * split, grain(units, split, (long) padded * blocks * blockSize),
                (lo, hi) -> {
                    Scratch mine = SCRATCH.get();
                    mine.planes = HostArrays.atLeast(mine.planes, (long) cpg * gr.plane());
                    // pad writes the same floats for every sample of a shape, so the zeros around them,
                    // once written, stay: only the first pad of a shape clears the planes
                    boolean zeroed = s.equals(mine.planesShape);
                    mine.planesShape = null; // until a pad of s has completed
                    mine.out = HostArrays.atLeast(mine.out, (long) rows * padded);
                    float[] xp = mine.planes;
                    float[] yp = mine.out;
                    for (int u = lo; u < hi; u++) {
                        int unit = u / split;
                        int part = u % split;
                        int n = unit / s.groups();
                        int g = unit % s.groups();
                        pad(xp, 0, xa, xOff + (n * s.cIn() + g * cpg) * s.h() * s.w(), cpg, s, gr, zeroed);
                        zeroed = true;
                        mine.planesShape = s;
                        for (int b = blocks * part / split; b < blocks * (part + 1) / split; b++) {
                            int wBlock = (g * blocks + b) * blockSize;
                            for (int q = 0; q < padded; ) {
                                q += STEP * DirectConvKernels.forwardTile(rows, Math.min(vectors, (padded - q) / STEP),
                                        yp, q, padded, xp, q, gr.plane(), cpg, gr.taps(), wp, wBlock);
                            }
                            for (int r = 0; r < rows && b * rows + r < opg; r++) {
                                int o = g * opg + b * rows + r;
                                float bias = ba == null ? 0f : ba[bOff + o];
                                store(y, yOff + (n * s.cOut() + o) * s.outH() * s.outW(), yp, r * padded, bias, s, gr);
                            }
                        }
                    }
                });
    }

    /** One output plane from the grid: y[oh·outW + ow] = yp[oh·pitch + ow] + bias. */
    private static void store(float[] y, int yOff, float[] yp, int ypOff, float bias, ConvShape s, Grid gr) {
        int outW = s.outW();
        for (int oh = 0; oh < s.outH(); oh++) {
            int d = yOff + oh * outW;
            int src = ypOff + oh * gr.pitch();
            if (bias == 0f) {
                copyRow(yp, src, y, d, outW);
            } else if (Simd.ENABLED && outW >= STEP) {
                FloatVector b = FloatVector.broadcast(Simd.F32, bias);
                for (int i = 0; ; i = Math.min(i + STEP, outW - STEP)) {
                    FloatVector.fromArray(Simd.F32, yp, src + i).add(b).intoArray(y, d + i);
                    if (i == outW - STEP) {
                        break;
                    }
                }
            } else {
                for (int ow = 0; ow < outW; ow++) {
                    y[d + ow] = yp[src + ow] + bias;
                }
            }
        }
    }

    /**
     * dst[d, d + n) = src[s, s + n) for a row of a plane: by vectors where it holds one, the last
     * overlapping the one before (an arraycopy call per row of 28 floats costs more than the copy).
     */
    private static void copyRow(float[] src, int s, float[] dst, int d, int n) {
        if (Simd.ENABLED && n >= STEP) {
            for (int i = 0; ; i = Math.min(i + STEP, n - STEP)) {
                FloatVector.fromArray(Simd.F32, src, s + i).intoArray(dst, d + i);
                if (i == n - STEP) {
                    return;
                }
            }
        }
        if (n > 0) {
            System.arraycopy(src, s, dst, d, n);
        }
    }

    /** Padded planes of {@code channels} consecutive input planes (h × w each) from xOff, planes gr.plane apart. */
    static void pad(float[] xp, int dst, float[] xa, int xOff, int channels, ConvShape s, Grid gr) {
        pad(xp, dst, xa, xOff, channels, s, gr, false);
    }

    /**
     * {@link #pad(float[], int, float[], int, int, ConvShape, Grid)}, leaving the floats no input lands on
     * as they are where {@code zeroed} (a pad of this shape into these planes wrote them last).
     */
    static void pad(float[] xp, int dst, float[] xa, int xOff, int channels, ConvShape s, Grid gr, boolean zeroed) {
        int hw = s.h() * s.w();
        int sH = s.strideH();
        int sW = s.strideW();
        int pitch = gr.pitch();
        for (int c = 0; c < channels; c++) {
            int plane = dst + c * gr.plane();
            if (!zeroed) {
                Arrays.fill(xp, plane, plane + gr.plane(), 0f);
            }
            for (int ih = 0; ih < s.h(); ih++) {
                int r = ih + s.padH();
                if (r / sH >= gr.rows()) {
                    break; // rows below the last output's reach
                }
                int row = plane + (r % sH) * sW * gr.phasePlane() + r / sH * pitch;
                int src = xOff + c * hw + ih * s.w();
                if (sW == 1) {
                    int n = Math.min(s.w(), pitch - s.padW());
                    copyRow(xa, src, xp, row + s.padW(), n);
                    continue;
                }
                // phase b holds the columns padW + iw ≡ b (mod sW), one after another (no division per element)
                for (int b = 0; b < sW; b++) {
                    int iw0 = Math.floorMod(b - s.padW(), sW);
                    int d = row + b * gr.phasePlane() + (iw0 + s.padW()) / sW;
                    int end = row + b * gr.phasePlane() + pitch;
                    for (int iw = iw0; iw < s.w() && d < end; iw += sW, d++) {
                        xp[d] = xa[src + iw];
                    }
                }
            }
        }
    }
}
