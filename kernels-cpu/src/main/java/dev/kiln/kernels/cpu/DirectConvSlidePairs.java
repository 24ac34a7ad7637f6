package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DirectConvSlide}'s sliding rows for blocks of two vectors of out channels: a stride-1 direct forward for
 * 3×3 kernels, out channels in the lanes, each broadcast input reused by the (up to) three kernel columns it meets
 * (kiln train cnn's 32 → 32 on 14 × 14 and 64 → 64 on 7 × 7, ResNet-18's stride-1 layers, at AVX-512, and their
 * stride-1 input gradients, forwards of dy, through {@link ConvDispatch#slidePairs}).
 *
 * <p>Why: {@link DirectConvRows}' 7 × 2 tiles, which took most of these layers, load two weight vectors and
 * broadcast seven inputs per (tap, input channel) for 14 fused multiply-adds, from a channels-last copy of x.
 * Here, per (kernel row, input channel), a tile of {@link #P} positions along an output row × two vectors of out
 * channels holds the row's 3 × 2 weight vectors in registers and broadcasts the 9 inputs under it once each into
 * the accumulators they feed: 15 loads per 42 multiply-adds (14 accumulators, 6 weights and a broadcast: 21 of the
 * 32 registers; 14 positions would need 34). The tiles read x where it lies, NCHW, a float at a time: a kernel
 * row whose input row is padding is skipped, and so is the padding column at a row's ends (at most one column:
 * {@link #tileLeft}, {@link #tileRight}, {@link #tileBoth}), so nothing reads or multiplies padding and no padded
 * copy is made ({@link #inPlace}). Output p sums in (kernel row, input channel, kernel column) order whatever tile
 * computes it (a row's last tile overlaps the one before where 7 does not divide the row), so the results depend
 * on the shape only. Each block's outputs leave the tiles channels last and go into NCHW through {@link
 * ChannelsLast#store}, with the bias. 3×3 kernels only: the kernel columns are written out in the tile.
 */
final class DirectConvSlidePairs {
    private DirectConvSlidePairs() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Positions of a tile. */
    static final int P = 7;

    /** Out channels of a block: two vectors. */
    static final int WIDTH = 2 * L;

    /**
     * Whether {@link ConvDispatch#slidePairs} may route shapes here: false with {@code -Dkiln.conv.slidePairs=false}
     * (the row tiles as before; A/B runs flip it).
     */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.slidePairs", "true").trim());

    /** Whether the shape is one this kernel computes (the routing is {@link ConvDispatch#slidePairs}). */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && s.strideH() == 1 && s.strideW() == 1 && s.kH() == 3 && s.kW() == 3
                && s.dilationH() == 1 && s.dilationW() == 1 && s.padW() <= 1 && s.outW() >= P;
    }

    /**
     * Whether the tiles read x in place rather than {@link DirectConv#pad}'s padded copy of each sample (the
     * padding they skip is never read): false with {@code -Dkiln.conv.slidePairsInPlace=false} (A/B runs).
     */
    static boolean inPlace = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.slidePairsInPlace", "true").trim());

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] planes = new float[0];
        ConvShape planesShape;
        float[] out = new float[0];
        float[] weights = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** y = conv2d(x, w) + bias; bias may be null. The shape must satisfy {@link #applies}. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        if (!applies(s)) {
            throw new IllegalArgumentException("DirectConvSlidePairs.forward: shape " + s
                    + " needs stride 1, an undilated 3×3 kernel, at most one column of padding and outputs at least " + P
                    + " wide");
        }
        DirectConv.Grid gr = DirectConv.Grid.forward(s);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int blocks = (opg + WIDTH - 1) / WIDTH;
        // packed weights: [group][block][kernel row][c][kernel column][lane of the block's two vectors], zero
        // past opg: a tile streams them in order
        int blockSize = 3 * cpg * 3 * WIDTH;
        Scratch caller = SCRATCH.get();
        caller.weights = HostArrays.atLeast(caller.weights, (long) s.groups() * blocks * blockSize);
        float[] wp = caller.weights;
        // block by block over the threads (ResNet-18's 512 channels: 2.4 M floats, each read a row of w apart)
        Parallel.forRange(s.groups() * blocks, 1, (lo, hi) -> {
            for (int gb = lo; gb < hi; gb++) {
                int g = gb / blocks;
                int b = gb % blocks;
                int dst = gb * blockSize;
                for (int i = 0; i < 3; i++) {
                    for (int c = 0; c < cpg; c++) {
                        for (int j = 0; j < 3; j++) {
                            int at = dst + ((i * cpg + c) * 3 + j) * WIDTH;
                            for (int lane = 0; lane < WIDTH; lane++) {
                                int o = b * WIDTH + lane;
                                wp[at + lane] = o < opg ? wa[wOff + ((g * opg + o) * cpg + c) * 9 + i * 3 + j] : 0f;
                            }
                        }
                    }
                }
            }
        });
        int units = s.n() * s.groups();
        int cells = s.outH() * gr.pitch();
        long work = (long) s.outH() * s.outW() * blocks * blockSize;
        boolean fromX = inPlace;
        int padH = s.padH();
        int padW = s.padW();
        int h = s.h();
        int w = s.w();
        // few samples (inference) split their blocks of out channels over the threads too
        int split = DirectConv.split(units, blocks);
        Parallel.forRange(units * split, DirectConv.grain(units, split, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.out = HostArrays.atLeast(mine.out, (long) cells * WIDTH);
            float[] yp = mine.out;
            float[] xp = xa;
            int plane = h * w;
            int pitch = w;
            boolean zeroed = false;
            if (!fromX) {
                mine.planes = HostArrays.atLeast(mine.planes, (long) cpg * gr.plane());
                zeroed = s.equals(mine.planesShape);
                mine.planesShape = null; // until a pad of s has completed
                xp = mine.planes;
                plane = gr.plane();
                pitch = gr.pitch();
            }
            for (int task = lo; task < hi; task++) {
                int u = task / split;
                int piece = task % split;
                int n = u / s.groups();
                int g = u % s.groups();
                int xBase = xOff + (n * s.cIn() + g * cpg) * h * w;
                // where output (oh, ow)'s tile reads kernel row 0, column 0 (a padding row or column if outside x)
                int base = xBase - padH * w - padW;
                int rowStep = w;
                if (!fromX) {
                    DirectConv.pad(xp, 0, xa, xBase, cpg, s, gr, zeroed);
                    zeroed = true;
                    mine.planesShape = s;
                    base = 0;
                    rowStep = gr.pitch();
                }
                for (int b = blocks * piece / split; b < blocks * (piece + 1) / split; b++) {
                    int wBlock = (g * blocks + b) * blockSize;
                    for (int oh = 0; oh < s.outH(); oh++) {
                        // kernel rows i whose input row oh + i − padH is real input
                        int i0 = Math.max(0, padH - oh);
                        int i1 = Math.min(3, padH + h - oh);
                        for (int o0 = 0; o0 < s.outW(); o0 += P) {
                            int ow = Math.min(o0, s.outW() - P);
                            int yq = (oh * gr.pitch() + ow) * WIDTH;
                            int r = base + oh * rowStep + ow;
                            // the tile's first and last input columns, ow − padW and ow + P + 1 − padW: skipped
                            // where padding (padding of at most 1 column: applies)
                            int edges = (ow < padW ? 1 : 0) | (ow + P + 1 - padW >= w ? 2 : 0);
                            switch (edges) {
                                case 0 -> tile(yp, yq, xp, r, plane, pitch, cpg, i0, i1, wp, wBlock);
                                case 1 -> tileLeft(yp, yq, xp, r, plane, pitch, cpg, i0, i1, wp, wBlock);
                                case 2 -> tileRight(yp, yq, xp, r, plane, pitch, cpg, i0, i1, wp, wBlock);
                                default -> tileBoth(yp, yq, xp, r, plane, pitch, cpg, i0, i1, wp, wBlock);
                            }
                        }
                    }
                    int o = g * opg + b * WIDTH;
                    ChannelsLast.store(y, yOff + (n * s.cOut() + o) * s.outH() * s.outW(), yp, WIDTH,
                            Math.min(WIDTH, opg - b * WIDTH), ba, bOff + o, s, gr);
                }
            }
        });
    }

    /**
     * yp[yOff + p·2L + lane] = Σ over kernel rows i in [i0, i1), input channels c and kernel columns j of
     * wp[wOff + ((i·channels + c)·3 + j)·2L + lane] · xp[xOff + c·plane + i·pitch + p + j], for the 7 positions p
     * of one tile and the 2L lanes of a block, summed in (i, c, j) order by fused multiply-adds (accumulator
     * a{p}_{v}: position p, vector v of the block). Every tile of the row reads 9 inputs a row, x[r + 0 .. 8].
     */
    private static void tile(float[] yp, int yOff, float[] xp, int xOff, int plane, int pitch, int channels,
                             int i0, int i1, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0_0 = z, a1_0 = z, a2_0 = z, a3_0 = z, a4_0 = z, a5_0 = z, a6_0 = z;
        FloatVector a0_1 = z, a1_1 = z, a2_1 = z, a3_1 = z, a4_1 = z, a5_1 = z, a6_1 = z;
        for (int i = i0; i < i1; i++) {
            int wi = wOff + i * channels * 3 * WIDTH;
            for (int c = 0, r = xOff + i * pitch; c < channels; c++, r += plane, wi += 3 * WIDTH) {
                FloatVector w00 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w01 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector w10 = FloatVector.fromArray(S, wp, wi + 2 * L);
                FloatVector w11 = FloatVector.fromArray(S, wp, wi + 3 * L);
                FloatVector w20 = FloatVector.fromArray(S, wp, wi + 4 * L);
                FloatVector w21 = FloatVector.fromArray(S, wp, wi + 5 * L);
                FloatVector b = FloatVector.broadcast(S, xp[r + 0]);
                a0_0 = b.fma(w00, a0_0);
                a0_1 = b.fma(w01, a0_1);
                b = FloatVector.broadcast(S, xp[r + 1]);
                a0_0 = b.fma(w10, a0_0);
                a0_1 = b.fma(w11, a0_1);
                a1_0 = b.fma(w00, a1_0);
                a1_1 = b.fma(w01, a1_1);
                b = FloatVector.broadcast(S, xp[r + 2]);
                a0_0 = b.fma(w20, a0_0);
                a0_1 = b.fma(w21, a0_1);
                a1_0 = b.fma(w10, a1_0);
                a1_1 = b.fma(w11, a1_1);
                a2_0 = b.fma(w00, a2_0);
                a2_1 = b.fma(w01, a2_1);
                b = FloatVector.broadcast(S, xp[r + 3]);
                a1_0 = b.fma(w20, a1_0);
                a1_1 = b.fma(w21, a1_1);
                a2_0 = b.fma(w10, a2_0);
                a2_1 = b.fma(w11, a2_1);
                a3_0 = b.fma(w00, a3_0);
                a3_1 = b.fma(w01, a3_1);
                b = FloatVector.broadcast(S, xp[r + 4]);
                a2_0 = b.fma(w20, a2_0);
                a2_1 = b.fma(w21, a2_1);
                a3_0 = b.fma(w10, a3_0);
                a3_1 = b.fma(w11, a3_1);
                a4_0 = b.fma(w00, a4_0);
                a4_1 = b.fma(w01, a4_1);
                b = FloatVector.broadcast(S, xp[r + 5]);
                a3_0 = b.fma(w20, a3_0);
                a3_1 = b.fma(w21, a3_1);
                a4_0 = b.fma(w10, a4_0);
                a4_1 = b.fma(w11, a4_1);
                a5_0 = b.fma(w00, a5_0);
                a5_1 = b.fma(w01, a5_1);
                b = FloatVector.broadcast(S, xp[r + 6]);
                a4_0 = b.fma(w20, a4_0);
                a4_1 = b.fma(w21, a4_1);
                a5_0 = b.fma(w10, a5_0);
                a5_1 = b.fma(w11, a5_1);
                a6_0 = b.fma(w00, a6_0);
                a6_1 = b.fma(w01, a6_1);
                b = FloatVector.broadcast(S, xp[r + 7]);
                a5_0 = b.fma(w20, a5_0);
                a5_1 = b.fma(w21, a5_1);
                a6_0 = b.fma(w10, a6_0);
                a6_1 = b.fma(w11, a6_1);
                b = FloatVector.broadcast(S, xp[r + 8]);
                a6_0 = b.fma(w20, a6_0);
                a6_1 = b.fma(w21, a6_1);
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

    /** {@link #tile} for a row's first tile where its column −1 is padding: x[r + 0] neither read nor used. */
    private static void tileLeft(float[] yp, int yOff, float[] xp, int xOff, int plane, int pitch, int channels,
                             int i0, int i1, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0_0 = z, a1_0 = z, a2_0 = z, a3_0 = z, a4_0 = z, a5_0 = z, a6_0 = z;
        FloatVector a0_1 = z, a1_1 = z, a2_1 = z, a3_1 = z, a4_1 = z, a5_1 = z, a6_1 = z;
        for (int i = i0; i < i1; i++) {
            int wi = wOff + i * channels * 3 * WIDTH;
            for (int c = 0, r = xOff + i * pitch; c < channels; c++, r += plane, wi += 3 * WIDTH) {
                FloatVector w00 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w01 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector w10 = FloatVector.fromArray(S, wp, wi + 2 * L);
                FloatVector w11 = FloatVector.fromArray(S, wp, wi + 3 * L);
                FloatVector w20 = FloatVector.fromArray(S, wp, wi + 4 * L);
                FloatVector w21 = FloatVector.fromArray(S, wp, wi + 5 * L);
                FloatVector b = FloatVector.broadcast(S, xp[r + 1]);
                a0_0 = b.fma(w10, a0_0);
                a0_1 = b.fma(w11, a0_1);
                a1_0 = b.fma(w00, a1_0);
                a1_1 = b.fma(w01, a1_1);
                b = FloatVector.broadcast(S, xp[r + 2]);
                a0_0 = b.fma(w20, a0_0);
                a0_1 = b.fma(w21, a0_1);
                a1_0 = b.fma(w10, a1_0);
                a1_1 = b.fma(w11, a1_1);
                a2_0 = b.fma(w00, a2_0);
                a2_1 = b.fma(w01, a2_1);
                b = FloatVector.broadcast(S, xp[r + 3]);
                a1_0 = b.fma(w20, a1_0);
                a1_1 = b.fma(w21, a1_1);
                a2_0 = b.fma(w10, a2_0);
                a2_1 = b.fma(w11, a2_1);
                a3_0 = b.fma(w00, a3_0);
                a3_1 = b.fma(w01, a3_1);
                b = FloatVector.broadcast(S, xp[r + 4]);
                a2_0 = b.fma(w20, a2_0);
                a2_1 = b.fma(w21, a2_1);
                a3_0 = b.fma(w10, a3_0);
                a3_1 = b.fma(w11, a3_1);
                a4_0 = b.fma(w00, a4_0);
                a4_1 = b.fma(w01, a4_1);
                b = FloatVector.broadcast(S, xp[r + 5]);
                a3_0 = b.fma(w20, a3_0);
                a3_1 = b.fma(w21, a3_1);
                a4_0 = b.fma(w10, a4_0);
                a4_1 = b.fma(w11, a4_1);
                a5_0 = b.fma(w00, a5_0);
                a5_1 = b.fma(w01, a5_1);
                b = FloatVector.broadcast(S, xp[r + 6]);
                a4_0 = b.fma(w20, a4_0);
                a4_1 = b.fma(w21, a4_1);
                a5_0 = b.fma(w10, a5_0);
                a5_1 = b.fma(w11, a5_1);
                a6_0 = b.fma(w00, a6_0);
                a6_1 = b.fma(w01, a6_1);
                b = FloatVector.broadcast(S, xp[r + 7]);
                a5_0 = b.fma(w20, a5_0);
                a5_1 = b.fma(w21, a5_1);
                a6_0 = b.fma(w10, a6_0);
                a6_1 = b.fma(w11, a6_1);
                b = FloatVector.broadcast(S, xp[r + 8]);
                a6_0 = b.fma(w20, a6_0);
                a6_1 = b.fma(w21, a6_1);
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

    /** {@link #tile} for a row's last tile where its column past the row is padding: x[r + 8] neither read nor used. */
    private static void tileRight(float[] yp, int yOff, float[] xp, int xOff, int plane, int pitch, int channels,
                             int i0, int i1, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0_0 = z, a1_0 = z, a2_0 = z, a3_0 = z, a4_0 = z, a5_0 = z, a6_0 = z;
        FloatVector a0_1 = z, a1_1 = z, a2_1 = z, a3_1 = z, a4_1 = z, a5_1 = z, a6_1 = z;
        for (int i = i0; i < i1; i++) {
            int wi = wOff + i * channels * 3 * WIDTH;
            for (int c = 0, r = xOff + i * pitch; c < channels; c++, r += plane, wi += 3 * WIDTH) {
                FloatVector w00 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w01 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector w10 = FloatVector.fromArray(S, wp, wi + 2 * L);
                FloatVector w11 = FloatVector.fromArray(S, wp, wi + 3 * L);
                FloatVector w20 = FloatVector.fromArray(S, wp, wi + 4 * L);
                FloatVector w21 = FloatVector.fromArray(S, wp, wi + 5 * L);
                FloatVector b = FloatVector.broadcast(S, xp[r + 0]);
                a0_0 = b.fma(w00, a0_0);
                a0_1 = b.fma(w01, a0_1);
                b = FloatVector.broadcast(S, xp[r + 1]);
                a0_0 = b.fma(w10, a0_0);
                a0_1 = b.fma(w11, a0_1);
                a1_0 = b.fma(w00, a1_0);
                a1_1 = b.fma(w01, a1_1);
                b = FloatVector.broadcast(S, xp[r + 2]);
                a0_0 = b.fma(w20, a0_0);
                a0_1 = b.fma(w21, a0_1);
                a1_0 = b.fma(w10, a1_0);
                a1_1 = b.fma(w11, a1_1);
                a2_0 = b.fma(w00, a2_0);
                a2_1 = b.fma(w01, a2_1);
                b = FloatVector.broadcast(S, xp[r + 3]);
                a1_0 = b.fma(w20, a1_0);
                a1_1 = b.fma(w21, a1_1);
                a2_0 = b.fma(w10, a2_0);
                a2_1 = b.fma(w11, a2_1);
                a3_0 = b.fma(w00, a3_0);
                a3_1 = b.fma(w01, a3_1);
                b = FloatVector.broadcast(S, xp[r + 4]);
                a2_0 = b.fma(w20, a2_0);
                a2_1 = b.fma(w21, a2_1);
                a3_0 = b.fma(w10, a3_0);
                a3_1 = b.fma(w11, a3_1);
                a4_0 = b.fma(w00, a4_0);
                a4_1 = b.fma(w01, a4_1);
                b = FloatVector.broadcast(S, xp[r + 5]);
                a3_0 = b.fma(w20, a3_0);
                a3_1 = b.fma(w21, a3_1);
                a4_0 = b.fma(w10, a4_0);
                a4_1 = b.fma(w11, a4_1);
                a5_0 = b.fma(w00, a5_0);
                a5_1 = b.fma(w01, a5_1);
                b = FloatVector.broadcast(S, xp[r + 6]);
                a4_0 = b.fma(w20, a4_0);
                a4_1 = b.fma(w21, a4_1);
                a5_0 = b.fma(w10, a5_0);
                a5_1 = b.fma(w11, a5_1);
                a6_0 = b.fma(w00, a6_0);
                a6_1 = b.fma(w01, a6_1);
                b = FloatVector.broadcast(S, xp[r + 7]);
                a5_0 = b.fma(w20, a5_0);
                a5_1 = b.fma(w21, a5_1);
                a6_0 = b.fma(w10, a6_0);
                a6_1 = b.fma(w11, a6_1);
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

    /** {@link #tile} for a row exactly 7 wide with padding 1: neither x[r + 0] nor x[r + 8] read or used. */
    private static void tileBoth(float[] yp, int yOff, float[] xp, int xOff, int plane, int pitch, int channels,
                             int i0, int i1, float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0_0 = z, a1_0 = z, a2_0 = z, a3_0 = z, a4_0 = z, a5_0 = z, a6_0 = z;
        FloatVector a0_1 = z, a1_1 = z, a2_1 = z, a3_1 = z, a4_1 = z, a5_1 = z, a6_1 = z;
        for (int i = i0; i < i1; i++) {
            int wi = wOff + i * channels * 3 * WIDTH;
            for (int c = 0, r = xOff + i * pitch; c < channels; c++, r += plane, wi += 3 * WIDTH) {
                FloatVector w00 = FloatVector.fromArray(S, wp, wi + 0 * L);
                FloatVector w01 = FloatVector.fromArray(S, wp, wi + 1 * L);
                FloatVector w10 = FloatVector.fromArray(S, wp, wi + 2 * L);
                FloatVector w11 = FloatVector.fromArray(S, wp, wi + 3 * L);
                FloatVector w20 = FloatVector.fromArray(S, wp, wi + 4 * L);
                FloatVector w21 = FloatVector.fromArray(S, wp, wi + 5 * L);
                FloatVector b = FloatVector.broadcast(S, xp[r + 1]);
                a0_0 = b.fma(w10, a0_0);
                a0_1 = b.fma(w11, a0_1);
                a1_0 = b.fma(w00, a1_0);
                a1_1 = b.fma(w01, a1_1);
                b = FloatVector.broadcast(S, xp[r + 2]);
                a0_0 = b.fma(w20, a0_0);
                a0_1 = b.fma(w21, a0_1);
                a1_0 = b.fma(w10, a1_0);
                a1_1 = b.fma(w11, a1_1);
                a2_0 = b.fma(w00, a2_0);
                a2_1 = b.fma(w01, a2_1);
                b = FloatVector.broadcast(S, xp[r + 3]);
                a1_0 = b.fma(w20, a1_0);
                a1_1 = b.fma(w21, a1_1);
                a2_0 = b.fma(w10, a2_0);
                a2_1 = b.fma(w11, a2_1);
                a3_0 = b.fma(w00, a3_0);
                a3_1 = b.fma(w01, a3_1);
                b = FloatVector.broadcast(S, xp[r + 4]);
                a2_0 = b.fma(w20, a2_0);
                a2_1 = b.fma(w21, a2_1);
                a3_0 = b.fma(w10, a3_0);
                a3_1 = b.fma(w11, a3_1);
                a4_0 = b.fma(w00, a4_0);
                a4_1 = b.fma(w01, a4_1);
                b = FloatVector.broadcast(S, xp[r + 5]);
                a3_0 = b.fma(w20, a3_0);
                a3_1 = b.fma(w21, a3_1);
                a4_0 = b.fma(w10, a4_0);
                a4_1 = b.fma(w11, a4_1);
                a5_0 = b.fma(w00, a5_0);
                a5_1 = b.fma(w01, a5_1);
                b = FloatVector.broadcast(S, xp[r + 6]);
                a4_0 = b.fma(w20, a4_0);
                a4_1 = b.fma(w21, a4_1);
                a5_0 = b.fma(w10, a5_0);
                a5_1 = b.fma(w11, a5_1);
                a6_0 = b.fma(w00, a6_0);
                a6_1 = b.fma(w01, a6_1);
                b = FloatVector.broadcast(S, xp[r + 7]);
                a5_0 = b.fma(w20, a5_0);
                a5_1 = b.fma(w21, a5_1);
                a6_0 = b.fma(w10, a6_0);
                a6_1 = b.fma(w11, a6_1);
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
}
