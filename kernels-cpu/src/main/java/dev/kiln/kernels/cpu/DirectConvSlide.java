package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1 direct forward for 3×3 kernels with out channels in the lanes and each broadcast input
 * reused by the three kernel columns it meets (kiln train cnn's 16 → 16 on 28 × 28 at AVX-512, and the
 * stride-1 input gradient, a forward of dy, through {@link ConvDispatch#slide}).
 *
 * <p>Why: {@link DirectConv}'s positional tiles load a vector of positions per tap at q + taps[t], and with
 * taps one float apart nearly every such 64-byte load straddles two cache lines; on the Emerald Rapids Xeon
 * its 8 × 3 tile ran 81-89 GFLOP/s of a core's 136 where the same loop on aligned addresses ran 101-116; these
 * tiles ran 121-129 in the same probe (one sample's planes, thread CPU time; BENCHMARKS-notes).
 * Here the input is the same padded planes ({@link DirectConv#pad}, the forward's grid), but read one float at
 * a time: per (input channel, kernel row) a tile of P positions along an output row broadcasts the P + 2
 * inputs under it once each and adds each into the (up to three) accumulators it feeds, acc[p] += w[j] ·
 * x[p + j], with the row's three weight vectors (a vector of L out channels each, aligned) in registers: P + 5
 * loads per 3·P fused multiply-adds, none of them split. Output p sums in (input channel, kernel row, kernel
 * column) order, the order of {@link DirectConv}'s tiles: the results are the same bits, whatever tile or
 * thread computes them. Taps on padding multiply zeros, as there.
 *
 * <p>The tiles write the output channels last, a cell of L floats per position. With 16 lanes a whole
 * vector of out channels goes straight on into NCHW, tile by tile while its cells are in L1
 * ({@link #store14}); otherwise (a partial vector, 7-wide tiles, 8 lanes) {@link ChannelsLast#store}
 * transposes a sample's cells back into NCHW planes with the bias.
 * A row of outW positions is cut into tiles of {@link #P} (14: 14 accumulators, 3 weights and the broadcasts
 * stay within 32 registers; C2 keeps them all in registers), the last one overlapping the one before it where
 * outW is not a multiple (the overlap computed twice, the same bits); rows 7 to 13 wide take tiles of 7 the
 * same way. 3×3 kernels only: the three kernel rows are written out in the tile.
 */
final class DirectConvSlide {
    private DirectConvSlide() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Positions of the wide tile. */
    static final int P = 14;

    /** Positions of the narrow tile (rows 7 to 13 wide). */
    static final int NARROW = 7;

    /**
     * Whether {@link ConvDispatch#slide} may route shapes here: false with {@code -Dkiln.conv.slide=false}
     * (the positional tiles as before; A/B runs flip it).
     */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.slide", "true").trim());

    /**
     * Whether a whole vector of 16 out channels goes from each 14-wide tile straight into NCHW ({@link
     * #store14}) rather than through a sample's channels-last cells and {@link ChannelsLast#store}: false with
     * {@code -Dkiln.conv.slideDirect=false} (A/B runs flip it). ConvSlideAB {@code -Dab.direct=true} (one JVM,
     * interleaved, thread CPU time, AVX-512, loaded host): 16 on 28 × 28 1.09-1.14× forward, 1.10-1.35× input
     * gradient; 56 × 56 1.02-1.32×, 14 × 14 1.06-1.08×. With 7-wide tiles (7 × 7) half the transpose is
     * zeros: 0.94-0.95×, so those keep the cells.
     */
    static boolean direct = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.slideDirect", "true").trim());

    /** Whether the shape is one this kernel computes (the routing is {@link ConvDispatch#slide}). */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && s.strideH() == 1 && s.strideW() == 1 && s.kH() == 3 && s.kW() == 3
                && s.dilationH() == 1 && s.dilationW() == 1
                && s.outW() >= NARROW;
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] planes = new float[0];
        ConvShape planesShape;
        float[] out = new float[0];
        /** One tile's cells on their way into NCHW ({@link #store14}). */
        final float[] cell = new float[P * L];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The packed weights of the last call (per thread: the calls of one thread reuse it). */
    private static final ThreadLocal<float[][]> WEIGHTS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /** y = conv2d(x, w) + bias; bias may be null. The shape must satisfy {@link #applies}. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        if (!applies(s)) {
            throw new IllegalArgumentException("DirectConvSlide.forward: shape " + s
                    + " needs stride 1, an undilated 3×3 kernel and outputs at least " + NARROW + " wide");
        }
        DirectConv.Grid gr = DirectConv.Grid.forward(s);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int blocks = (opg + L - 1) / L;
        // packed weights: [group][block][c][kernel row][kernel column][lane], lanes past opg zero
        int blockSize = cpg * 9 * L;
        float[][] held = WEIGHTS.get();
        held[0] = HostArrays.atLeast(held[0], (long) s.groups() * blocks * blockSize);
        float[] wp = held[0];
        int kk = 9;
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                int dst = (g * blocks + b) * blockSize;
                for (int ct = 0; ct < cpg * kk; ct++) {
                    for (int lane = 0; lane < L; lane++) {
                        int o = b * L + lane;
                        wp[dst + ct * L + lane] = o < opg ? wa[wOff + (g * opg + o) * cpg * kk + ct] : 0f;
                    }
                }
            }
        }
        boolean straight = direct && L == 16;
        int units = s.n() * s.groups();
        int cells = s.outH() * gr.pitch();
        long work = (long) cells * blocks * blockSize;
        Parallel.forRange(units, DirectConv.grain(units, 1, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.planes = HostArrays.atLeast(mine.planes, (long) cpg * gr.plane());
            boolean zeroed = s.equals(mine.planesShape);
            mine.planesShape = null; // until a pad of s has completed
            mine.out = HostArrays.atLeast(mine.out, (long) cells * L);
            float[] xp = mine.planes;
            float[] yp = mine.out;
            float[] cell = mine.cell;
            int tile = s.outW() >= P ? P : NARROW;
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                DirectConv.pad(xp, 0, xa, xOff + (n * s.cIn() + g * cpg) * s.h() * s.w(), cpg, s, gr, zeroed);
                zeroed = true;
                mine.planesShape = s;
                for (int b = 0; b < blocks; b++) {
                    int wBlock = (g * blocks + b) * blockSize;
                    int o = g * opg + b * L;
                    if (straight && tile == P && opg - b * L >= L) {
                        int plane = s.outH() * s.outW();
                        int yPlane = yOff + (n * s.cOut() + o) * plane;
                        for (int oh = 0; oh < s.outH(); oh++) {
                            for (int o0 = 0; o0 < s.outW(); o0 += tile) {
                                int ow = Math.min(o0, s.outW() - tile);
                                int q = oh * gr.pitch() + ow;
                                int d = yPlane + oh * s.outW() + ow;
                                tile14(cell, 0, xp, q, gr.plane(), gr.pitch(), cpg, wp, wBlock);
                                if (oh < s.outH() - 1) {
                                    store14(cell, y, d, plane, ba, bOff + o);
                                } else {
                                    storeLast(cell, y, d, plane, ba, bOff + o);
                                }
                            }
                        }
                        continue;
                    }
                    for (int oh = 0; oh < s.outH(); oh++) {
                        for (int o0 = 0; o0 < s.outW(); o0 += tile) {
                            int ow = Math.min(o0, s.outW() - tile);
                            int q = oh * gr.pitch() + ow;
                            if (tile == P) {
                                tile14(yp, q * L, xp, q, gr.plane(), gr.pitch(), cpg, wp, wBlock);
                            } else {
                                tile7(yp, q * L, xp, q, gr.plane(), gr.pitch(), cpg, wp, wBlock);
                            }
                        }
                    }
                    ChannelsLast.store(y, yOff + (n * s.cOut() + o) * s.outH() * s.outW(), yp, L,
                            Math.min(L, opg - b * L), ba, bOff + o, s, gr);
                }
            }
        });
    }

    /**
     * yp[yOff + p·L + lane] = Σ over input channels c, kernel rows i and columns j of wp[wOff + ((c·3 + i)·3 + j)·L
     * + lane] · xp[xOff + c·plane + i·pitch + p + j], for the 14 positions p of one tile, summed in (c, i, j) order
     * by fused multiply-adds. The kernel rows are written out (a loop of 3 over them ran 0.75× of this in a probe).
     */
    private static void tile14(float[] yp, int yOff, float[] xp, int xOff, int plane, int pitch, int channels,
                               float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z;
        FloatVector a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        int wi = wOff;
        for (int c = 0, r = xOff; c < channels; c++, r += plane, wi += 9 * L) {
            // kernel row 0
            int r0 = r;
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector b = FloatVector.broadcast(S, xp[r0 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[r0 + 1]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[r0 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w1, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[r0 + 3]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[r0 + 4]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w1, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[r0 + 5]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[r0 + 6]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w1, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[r0 + 7]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w1, a6);
            a7 = b.fma(w0, a7);
            b = FloatVector.broadcast(S, xp[r0 + 8]);
            a6 = b.fma(w2, a6);
            a7 = b.fma(w1, a7);
            a8 = b.fma(w0, a8);
            b = FloatVector.broadcast(S, xp[r0 + 9]);
            a7 = b.fma(w2, a7);
            a8 = b.fma(w1, a8);
            a9 = b.fma(w0, a9);
            b = FloatVector.broadcast(S, xp[r0 + 10]);
            a8 = b.fma(w2, a8);
            a9 = b.fma(w1, a9);
            a10 = b.fma(w0, a10);
            b = FloatVector.broadcast(S, xp[r0 + 11]);
            a9 = b.fma(w2, a9);
            a10 = b.fma(w1, a10);
            a11 = b.fma(w0, a11);
            b = FloatVector.broadcast(S, xp[r0 + 12]);
            a10 = b.fma(w2, a10);
            a11 = b.fma(w1, a11);
            a12 = b.fma(w0, a12);
            b = FloatVector.broadcast(S, xp[r0 + 13]);
            a11 = b.fma(w2, a11);
            a12 = b.fma(w1, a12);
            a13 = b.fma(w0, a13);
            b = FloatVector.broadcast(S, xp[r0 + 14]);
            a12 = b.fma(w2, a12);
            a13 = b.fma(w1, a13);
            b = FloatVector.broadcast(S, xp[r0 + 15]);
            a13 = b.fma(w2, a13);
            // kernel row 1
            int r1 = r + 1 * pitch;
            w0 = FloatVector.fromArray(S, wp, wi + 3 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 4 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 5 * L);
            b = FloatVector.broadcast(S, xp[r1 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[r1 + 1]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[r1 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w1, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[r1 + 3]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[r1 + 4]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w1, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[r1 + 5]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[r1 + 6]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w1, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[r1 + 7]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w1, a6);
            a7 = b.fma(w0, a7);
            b = FloatVector.broadcast(S, xp[r1 + 8]);
            a6 = b.fma(w2, a6);
            a7 = b.fma(w1, a7);
            a8 = b.fma(w0, a8);
            b = FloatVector.broadcast(S, xp[r1 + 9]);
            a7 = b.fma(w2, a7);
            a8 = b.fma(w1, a8);
            a9 = b.fma(w0, a9);
            b = FloatVector.broadcast(S, xp[r1 + 10]);
            a8 = b.fma(w2, a8);
            a9 = b.fma(w1, a9);
            a10 = b.fma(w0, a10);
            b = FloatVector.broadcast(S, xp[r1 + 11]);
            a9 = b.fma(w2, a9);
            a10 = b.fma(w1, a10);
            a11 = b.fma(w0, a11);
            b = FloatVector.broadcast(S, xp[r1 + 12]);
            a10 = b.fma(w2, a10);
            a11 = b.fma(w1, a11);
            a12 = b.fma(w0, a12);
            b = FloatVector.broadcast(S, xp[r1 + 13]);
            a11 = b.fma(w2, a11);
            a12 = b.fma(w1, a12);
            a13 = b.fma(w0, a13);
            b = FloatVector.broadcast(S, xp[r1 + 14]);
            a12 = b.fma(w2, a12);
            a13 = b.fma(w1, a13);
            b = FloatVector.broadcast(S, xp[r1 + 15]);
            a13 = b.fma(w2, a13);
            // kernel row 2
            int r2 = r + 2 * pitch;
            w0 = FloatVector.fromArray(S, wp, wi + 6 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 7 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 8 * L);
            b = FloatVector.broadcast(S, xp[r2 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[r2 + 1]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[r2 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w1, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[r2 + 3]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[r2 + 4]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w1, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[r2 + 5]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[r2 + 6]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w1, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[r2 + 7]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w1, a6);
            a7 = b.fma(w0, a7);
            b = FloatVector.broadcast(S, xp[r2 + 8]);
            a6 = b.fma(w2, a6);
            a7 = b.fma(w1, a7);
            a8 = b.fma(w0, a8);
            b = FloatVector.broadcast(S, xp[r2 + 9]);
            a7 = b.fma(w2, a7);
            a8 = b.fma(w1, a8);
            a9 = b.fma(w0, a9);
            b = FloatVector.broadcast(S, xp[r2 + 10]);
            a8 = b.fma(w2, a8);
            a9 = b.fma(w1, a9);
            a10 = b.fma(w0, a10);
            b = FloatVector.broadcast(S, xp[r2 + 11]);
            a9 = b.fma(w2, a9);
            a10 = b.fma(w1, a10);
            a11 = b.fma(w0, a11);
            b = FloatVector.broadcast(S, xp[r2 + 12]);
            a10 = b.fma(w2, a10);
            a11 = b.fma(w1, a11);
            a12 = b.fma(w0, a12);
            b = FloatVector.broadcast(S, xp[r2 + 13]);
            a11 = b.fma(w2, a11);
            a12 = b.fma(w1, a12);
            a13 = b.fma(w0, a13);
            b = FloatVector.broadcast(S, xp[r2 + 14]);
            a12 = b.fma(w2, a12);
            a13 = b.fma(w1, a13);
            b = FloatVector.broadcast(S, xp[r2 + 15]);
            a13 = b.fma(w2, a13);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
        a2.intoArray(yp, yOff + 2 * L);
        a3.intoArray(yp, yOff + 3 * L);
        a4.intoArray(yp, yOff + 4 * L);
        a5.intoArray(yp, yOff + 5 * L);
        a6.intoArray(yp, yOff + 6 * L);
        a7.intoArray(yp, yOff + 7 * L);
        a8.intoArray(yp, yOff + 8 * L);
        a9.intoArray(yp, yOff + 9 * L);
        a10.intoArray(yp, yOff + 10 * L);
        a11.intoArray(yp, yOff + 11 * L);
        a12.intoArray(yp, yOff + 12 * L);
        a13.intoArray(yp, yOff + 13 * L);
    }

    /** {@link #tile14} for 7 positions. */
    private static void tile7(float[] yp, int yOff, float[] xp, int xOff, int plane, int pitch, int channels,
                               float[] wp, int wOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z;
        int wi = wOff;
        for (int c = 0, r = xOff; c < channels; c++, r += plane, wi += 9 * L) {
            // kernel row 0
            int r0 = r;
            FloatVector w0 = FloatVector.fromArray(S, wp, wi + 0 * L);
            FloatVector w1 = FloatVector.fromArray(S, wp, wi + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
            FloatVector b = FloatVector.broadcast(S, xp[r0 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[r0 + 1]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[r0 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w1, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[r0 + 3]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[r0 + 4]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w1, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[r0 + 5]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[r0 + 6]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w1, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[r0 + 7]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w1, a6);
            b = FloatVector.broadcast(S, xp[r0 + 8]);
            a6 = b.fma(w2, a6);
            // kernel row 1
            int r1 = r + 1 * pitch;
            w0 = FloatVector.fromArray(S, wp, wi + 3 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 4 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 5 * L);
            b = FloatVector.broadcast(S, xp[r1 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[r1 + 1]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[r1 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w1, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[r1 + 3]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[r1 + 4]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w1, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[r1 + 5]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[r1 + 6]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w1, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[r1 + 7]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w1, a6);
            b = FloatVector.broadcast(S, xp[r1 + 8]);
            a6 = b.fma(w2, a6);
            // kernel row 2
            int r2 = r + 2 * pitch;
            w0 = FloatVector.fromArray(S, wp, wi + 6 * L);
            w1 = FloatVector.fromArray(S, wp, wi + 7 * L);
            w2 = FloatVector.fromArray(S, wp, wi + 8 * L);
            b = FloatVector.broadcast(S, xp[r2 + 0]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, xp[r2 + 1]);
            a0 = b.fma(w1, a0);
            a1 = b.fma(w0, a1);
            b = FloatVector.broadcast(S, xp[r2 + 2]);
            a0 = b.fma(w2, a0);
            a1 = b.fma(w1, a1);
            a2 = b.fma(w0, a2);
            b = FloatVector.broadcast(S, xp[r2 + 3]);
            a1 = b.fma(w2, a1);
            a2 = b.fma(w1, a2);
            a3 = b.fma(w0, a3);
            b = FloatVector.broadcast(S, xp[r2 + 4]);
            a2 = b.fma(w2, a2);
            a3 = b.fma(w1, a3);
            a4 = b.fma(w0, a4);
            b = FloatVector.broadcast(S, xp[r2 + 5]);
            a3 = b.fma(w2, a3);
            a4 = b.fma(w1, a4);
            a5 = b.fma(w0, a5);
            b = FloatVector.broadcast(S, xp[r2 + 6]);
            a4 = b.fma(w2, a4);
            a5 = b.fma(w1, a5);
            a6 = b.fma(w0, a6);
            b = FloatVector.broadcast(S, xp[r2 + 7]);
            a5 = b.fma(w2, a5);
            a6 = b.fma(w1, a6);
            b = FloatVector.broadcast(S, xp[r2 + 8]);
            a6 = b.fma(w2, a6);
        }
        a0.intoArray(yp, yOff + 0 * L);
        a1.intoArray(yp, yOff + 1 * L);
        a2.intoArray(yp, yOff + 2 * L);
        a3.intoArray(yp, yOff + 3 * L);
        a4.intoArray(yp, yOff + 4 * L);
        a5.intoArray(yp, yOff + 5 * L);
        a6.intoArray(yp, yOff + 6 * L);
    }

    /** {@link #store14} for a tile of a plane's last row, float by float, writing nothing past the tile. */
    static void storeLast(float[] cell, float[] y, int yOff, int plane, float[] ba, int bOff) {
        for (int k = 0; k < 16; k++) {
            float bias = ba == null ? 0f : ba[bOff + k];
            for (int p = 0; p < P; p++) {
                y[yOff + k * plane + p] = cell[p * 16 + k] + bias;
            }
        }
    }

    /**
     * y[yOff + k·plane + p] = cell[p·16 + k] (+ bias[bOff + k]) for the 14 positions p of a tile and the 16
     * channels k (16 lanes): the cells read back while in L1, a 16 × 16 transpose in registers ({@link
     * ChannelsLast}'s butterfly, the two missing rows zero) and whole-vector stores, which also write 2 floats
     * past the tile (p = 14, 15): the caller has the next tile of the row or the next row overwrite them, so no
     * tile of a plane's last row may come here ({@link #storeLast}). The stride-2 kernels ({@link
     * DirectConvSlideStrided}, {@link DirectConvPhasesSlide}) store their tiles through it too. Apart from {@link #tile14}, as in one
     * method C1 ran out of virtual registers on it (tier 3 skipped) and tiered compilation left it in tier 2's
     * code, with boxed vectors, for the life of the JVM (in 3 runs of 3; masked stores here did the same).
     */
    static void store14(float[] cell, float[] y, int yOff, int plane, float[] ba, int bOff) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = FloatVector.fromArray(S, cell, 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, cell, 1 * L);
        FloatVector a2 = FloatVector.fromArray(S, cell, 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, cell, 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, cell, 4 * L);
        FloatVector a5 = FloatVector.fromArray(S, cell, 5 * L);
        FloatVector a6 = FloatVector.fromArray(S, cell, 6 * L);
        FloatVector a7 = FloatVector.fromArray(S, cell, 7 * L);
        FloatVector a8 = FloatVector.fromArray(S, cell, 8 * L);
        FloatVector a9 = FloatVector.fromArray(S, cell, 9 * L);
        FloatVector a10 = FloatVector.fromArray(S, cell, 10 * L);
        FloatVector a11 = FloatVector.fromArray(S, cell, 11 * L);
        FloatVector a12 = FloatVector.fromArray(S, cell, 12 * L);
        FloatVector a13 = FloatVector.fromArray(S, cell, 13 * L);
        if (ba != null) {
            FloatVector bv = FloatVector.fromArray(S, ba, bOff);
            a0 = a0.add(bv);
            a1 = a1.add(bv);
            a2 = a2.add(bv);
            a3 = a3.add(bv);
            a4 = a4.add(bv);
            a5 = a5.add(bv);
            a6 = a6.add(bv);
            a7 = a7.add(bv);
            a8 = a8.add(bv);
            a9 = a9.add(bv);
            a10 = a10.add(bv);
            a11 = a11.add(bv);
            a12 = a12.add(bv);
            a13 = a13.add(bv);
        }
        FloatVector s0 = a0.blend(a8.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s8 = a0.rearrange(ChannelsLast.DOWN8).blend(a8, ChannelsLast.HI8);
        FloatVector s1 = a1.blend(a9.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s9 = a1.rearrange(ChannelsLast.DOWN8).blend(a9, ChannelsLast.HI8);
        FloatVector s2 = a2.blend(a10.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s10 = a2.rearrange(ChannelsLast.DOWN8).blend(a10, ChannelsLast.HI8);
        FloatVector s3 = a3.blend(a11.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s11 = a3.rearrange(ChannelsLast.DOWN8).blend(a11, ChannelsLast.HI8);
        FloatVector s4 = a4.blend(a12.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s12 = a4.rearrange(ChannelsLast.DOWN8).blend(a12, ChannelsLast.HI8);
        FloatVector s5 = a5.blend(a13.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s13 = a5.rearrange(ChannelsLast.DOWN8).blend(a13, ChannelsLast.HI8);
        FloatVector s6 = a6.blend(z.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s14 = a6.rearrange(ChannelsLast.DOWN8).blend(z, ChannelsLast.HI8);
        FloatVector s7 = a7.blend(z.rearrange(ChannelsLast.UP8), ChannelsLast.HI8);
        FloatVector s15 = a7.rearrange(ChannelsLast.DOWN8).blend(z, ChannelsLast.HI8);
        FloatVector t0 = s0.blend(s4.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t4 = s0.rearrange(ChannelsLast.DOWN4).blend(s4, ChannelsLast.HI4);
        FloatVector t1 = s1.blend(s5.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t5 = s1.rearrange(ChannelsLast.DOWN4).blend(s5, ChannelsLast.HI4);
        FloatVector t2 = s2.blend(s6.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t6 = s2.rearrange(ChannelsLast.DOWN4).blend(s6, ChannelsLast.HI4);
        FloatVector t3 = s3.blend(s7.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t7 = s3.rearrange(ChannelsLast.DOWN4).blend(s7, ChannelsLast.HI4);
        FloatVector t8 = s8.blend(s12.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t12 = s8.rearrange(ChannelsLast.DOWN4).blend(s12, ChannelsLast.HI4);
        FloatVector t9 = s9.blend(s13.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t13 = s9.rearrange(ChannelsLast.DOWN4).blend(s13, ChannelsLast.HI4);
        FloatVector t10 = s10.blend(s14.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t14 = s10.rearrange(ChannelsLast.DOWN4).blend(s14, ChannelsLast.HI4);
        FloatVector t11 = s11.blend(s15.rearrange(ChannelsLast.UP4), ChannelsLast.HI4);
        FloatVector t15 = s11.rearrange(ChannelsLast.DOWN4).blend(s15, ChannelsLast.HI4);
        FloatVector u0 = t0.blend(t2.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u2 = t0.rearrange(ChannelsLast.DOWN2).blend(t2, ChannelsLast.HI2);
        FloatVector u1 = t1.blend(t3.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u3 = t1.rearrange(ChannelsLast.DOWN2).blend(t3, ChannelsLast.HI2);
        FloatVector u4 = t4.blend(t6.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u6 = t4.rearrange(ChannelsLast.DOWN2).blend(t6, ChannelsLast.HI2);
        FloatVector u5 = t5.blend(t7.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u7 = t5.rearrange(ChannelsLast.DOWN2).blend(t7, ChannelsLast.HI2);
        FloatVector u8 = t8.blend(t10.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u10 = t8.rearrange(ChannelsLast.DOWN2).blend(t10, ChannelsLast.HI2);
        FloatVector u9 = t9.blend(t11.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u11 = t9.rearrange(ChannelsLast.DOWN2).blend(t11, ChannelsLast.HI2);
        FloatVector u12 = t12.blend(t14.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u14 = t12.rearrange(ChannelsLast.DOWN2).blend(t14, ChannelsLast.HI2);
        FloatVector u13 = t13.blend(t15.rearrange(ChannelsLast.UP2), ChannelsLast.HI2);
        FloatVector u15 = t13.rearrange(ChannelsLast.DOWN2).blend(t15, ChannelsLast.HI2);
        u0.blend(u1.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 0 * plane);
        u0.rearrange(ChannelsLast.DOWN1).blend(u1, ChannelsLast.HI1).intoArray(y, yOff + 1 * plane);
        u2.blend(u3.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 2 * plane);
        u2.rearrange(ChannelsLast.DOWN1).blend(u3, ChannelsLast.HI1).intoArray(y, yOff + 3 * plane);
        u4.blend(u5.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 4 * plane);
        u4.rearrange(ChannelsLast.DOWN1).blend(u5, ChannelsLast.HI1).intoArray(y, yOff + 5 * plane);
        u6.blend(u7.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 6 * plane);
        u6.rearrange(ChannelsLast.DOWN1).blend(u7, ChannelsLast.HI1).intoArray(y, yOff + 7 * plane);
        u8.blend(u9.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 8 * plane);
        u8.rearrange(ChannelsLast.DOWN1).blend(u9, ChannelsLast.HI1).intoArray(y, yOff + 9 * plane);
        u10.blend(u11.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 10 * plane);
        u10.rearrange(ChannelsLast.DOWN1).blend(u11, ChannelsLast.HI1).intoArray(y, yOff + 11 * plane);
        u12.blend(u13.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 12 * plane);
        u12.rearrange(ChannelsLast.DOWN1).blend(u13, ChannelsLast.HI1).intoArray(y, yOff + 13 * plane);
        u14.blend(u15.rearrange(ChannelsLast.UP1), ChannelsLast.HI1).intoArray(y, yOff + 14 * plane);
        u14.rearrange(ChannelsLast.DOWN1).blend(u15, ChannelsLast.HI1).intoArray(y, yOff + 15 * plane);
    }



}
