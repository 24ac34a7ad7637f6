package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The stride-1 weight gradient for convolutions with very few input channels per group (1 to {@link
 * #MAX_CHANNELS}): kiln train cnn's stem, 1 → 16 on 28 × 28, whose 29 MFLOP read a 6.4 MB dy once (through {@link
 * ConvDispatch#conv2dBackwardWeight}).
 *
 * <p>Why: dW[o, c, i, j] is the dot product of dy's plane o with input plane c shifted by tap (i, j). With one input
 * channel the channel-blocked tiles ({@link DirectConvWeight#blocked}) would leave 15 of 16 lanes empty, and the
 * positional tiles copy dy onto a padded grid first. Here, as in the stem's forward ({@link DirectConvStem}), the
 * input is copied per input channel and kernel column j into a plane of outW-float rows shifted by j's offset, zeros
 * where the tap reads padding, so that tap (c, i, j) at output p is copy (c, j) at p + i·dilationH·outW; a vector is
 * L consecutive positions of the output plane, rows wrapping, and dy is read where it lies, once: a tile is
 * {@link #R} out channels × {@link #T} taps, each dy vector feeding T fused multiply-adds and each input vector R.
 * The accumulators' lanes are partial sums over positions.
 *
 * <p>Order: samples go in chunks that depend on the shape only ({@link #chunk}); a task takes a chunk, its
 * samples in order, into its own slice of vector sums; the slices are added in chunk order, then each vector's lanes
 * ({@link Simd#sum}): the same bits whatever the thread count.
 */
final class DirectConvWeightStem {
    private DirectConvWeightStem() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Input channels per group at most. */
    static final int MAX_CHANNELS = 4;

    /** Out channels per tile. */
    static final int R = 2;

    /**
     * Taps (columns) per tile: 9 with 32 registers (18 accumulators: a 3 × 3 kernel's taps in one pass over dy), 5
     * with 16 (10 accumulators; a 3 × 3 kernel in two passes, the second with one column to spare).
     */
    static final int T = DirectConvKernels.WIDE ? 9 : 5;

    /**
     * Whether {@link ConvDispatch#conv2dBackwardWeight} may route shapes here: false with {@code
     * -Dkiln.conv.weightStem=false} (the path before; A/B runs flip it).
     */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightStem", "true").trim());

    /** Whether the shape is one this kernel computes. */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && s.strideH() == 1 && s.strideW() == 1 && s.cInPerGroup() >= 1
                && s.cInPerGroup() <= MAX_CHANNELS && s.outH() >= 1 && s.outW() >= 1
                && s.outH() == s.h() + 2 * s.padH() - s.dilationH() * (s.kH() - 1)
                && s.outW() == s.w() + 2 * s.padW() - s.dilationW() * (s.kW() - 1);
    }

    /**
     * Whether {@link ConvDispatch#conv2dBackwardWeight} takes this kernel: {@link #enabled}, and a shape it
     * computes.
     */
    static boolean routes(ConvShape s) {
        return enabled && ConvDispatch.GRID && applies(s);
    }

    /** Samples a chunk at least (and more past {@link #MAX_CHUNKS} chunks). */
    static final int MIN_CHUNK = 4;

    /** Chunks a call at most, so that their slices of sums stay small. */
    static final int MAX_CHUNKS = 64;

    /** Samples per chunk: a function of the batch alone, so the sums' order is too. */
    static int chunk(ConvShape s) {
        return Math.max(1, Math.min(s.n(), Math.max(MIN_CHUNK, (s.n() + MAX_CHUNKS - 1) / MAX_CHUNKS)));
    }

    /**
     * Whether a plane as wide as the output goes into a shifted copy in one piece ({@link #shiftedCopies}); {@code
     * -Dkiln.conv.weightStemPlanes=false}: row by row (not final: A/B runs switch it).
     */
    static boolean wholePlanes =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightStemPlanes", "true").trim());

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] planes = new float[0];
        float[] slices = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** dW = Σ over samples and positions of dy · x at each tap. The shape must satisfy {@link #applies}. */
    static void weight(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s) {
        if (!applies(s)) {
            throw new IllegalArgumentException("DirectConvWeightStem.weight: shape " + s + " needs vectors, stride 1, 1 to "
                    + MAX_CHANNELS + " input channels per group and the output size the padding gives");
        }
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int taps = cpg * s.kH() * s.kW();
        if (s.n() == 0) {
            Arrays.fill(dw, dwOff, dwOff + s.cOut() * taps, 0f);
            return;
        }
        int outW = s.outW();
        int spatial = s.outH() * outW;
        // per input channel and kernel column j the plane shifted by j's offset, outW-float rows and the kernel's
        // rows above and below (see DirectConvStem), L floats of slack after each
        int rows = s.outH() + (s.kH() - 1) * s.dilationH();
        int copy = rows * outW + L;
        int cGroups = (taps + T - 1) / T;
        // column t: tap t's offset in the copies, the last tap again for the columns past it (their sums dropped)
        int[] off = new int[cGroups * T];
        for (int c = 0, t = 0; c < cpg; c++) {
            for (int i = 0; i < s.kH(); i++) {
                for (int j = 0; j < s.kW(); j++) {
                    off[t++] = (c * s.kW() + j) * copy + i * s.dilationH() * outW;
                }
            }
        }
        for (int t = taps; t < off.length; t++) {
            off[t] = off[taps - 1];
        }
        int oBlocks = (opg + R - 1) / R;
        int tileSize = R * T * L;
        int floats = s.groups() * oBlocks * cGroups * tileSize;
        int chunk = chunk(s);
        int chunks = (s.n() + chunk - 1) / chunk;
        Scratch sc = SCRATCH.get();
        sc.slices = HostArrays.atLeast(sc.slices, (long) chunks * floats);
        float[] part = sc.slices;
        int sampleSize = s.cIn() * s.h() * s.w();
        int dySample = s.cOut() * spatial;
        long copies = (long) cpg * s.kW() * copy;
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.planes = HostArrays.atLeast(mine.planes, copies);
            float[] xp = mine.planes;
            // every sample copies into the same places, so the zeros around them are written once here
            Arrays.fill(xp, 0, (int) copies, 0f);
            for (int k = lo; k < hi; k++) {
                int at0 = k * floats;
                Arrays.fill(part, at0, at0 + floats, 0f);
                for (int n = k * chunk; n < Math.min(s.n(), (k + 1) * chunk); n++) {
                    for (int g = 0; g < s.groups(); g++) {
                        shiftedCopies(xp, copy, xa, xOff + (n * s.cIn() + g * cpg) * s.h() * s.w(), cpg, s);
                        int dyG = dyOff + n * dySample + g * opg * spatial;
                        for (int b = 0; b < oBlocks; b++) {
                            int d0 = dyG + b * R * spatial;
                            // a row past opg reads row 0 again, its sums dropped
                            int d1 = b * R + 1 < opg ? d0 + spatial : d0;
                            for (int cg = 0; cg < cGroups; cg++) {
                                int at = at0 + ((g * oBlocks + b) * cGroups + cg) * tileSize;
                                if (T == 9) {
                                    tile2x9(part, at, dya, d0, d1, xp, off, cg * T, spatial);
                                } else {
                                    tile2x5(part, at, dya, d0, d1, xp, off, cg * T, spatial);
                                }
                            }
                        }
                    }
                }
            }
        });
        // the chunks' sums in chunk order into the first, a vector at a time (the same additions on any thread count)
        Parallel.forRange(floats / L, Math.max(1, (1 << 12) / chunks), (lo, hi) -> {
            for (int k = 1; k < chunks; k++) {
                int at = k * floats;
                for (int i = lo * L; i < hi * L; i += L) {
                    FloatVector.fromArray(S, part, i).add(FloatVector.fromArray(S, part, at + i)).intoArray(part, i);
                }
            }
        });
        for (int g = 0; g < s.groups(); g++) {
            for (int o = 0; o < opg; o++) {
                int b = o / R;
                int r = o % R;
                for (int t = 0; t < taps; t++) {
                    int at = ((g * oBlocks + b) * cGroups + t / T) * tileSize + (r * T + t % T) * L;
                    dw[dwOff + (g * opg + o) * taps + t] = Simd.sum(FloatVector.fromArray(S, part, at));
                }
            }
        }
    }

    /**
     * One sample's group of cpg input planes into its shifted copies: copy (c, j) row r, column ow is x[c][r −
     * padH][ow + j·dilationW − padW] where that lies in the plane. Only those floats are written: the rest, zeros,
     * are the same for every sample.
     */
    private static void shiftedCopies(float[] xp, int copy, float[] xa, int src, int cpg, ConvShape s) {
        int outW = s.outW();
        for (int c = 0; c < cpg; c++) {
            for (int j = 0; j < s.kW(); j++) {
                int shift = j * s.dilationW() - s.padW();
                // columns ow with 0 <= ow + shift < w
                int first = Math.max(0, -shift);
                int last = Math.min(outW, s.w() - shift);
                if (first >= last) {
                    continue;
                }
                int dst = (c * s.kW() + j) * copy;
                if (wholePlanes && outW == s.w()) {
                    // rows as wide as the input's: the whole plane is one copy (row ih's columns at a constant
                    // distance from the input's), and the few columns it brings in from the next or previous row,
                    // which belong to padding, zeroed again (84 row copies of 26-28 floats a sample of the stem were
                    // 9% of its time, measured)
                    int from = src + c * s.h() * s.w() + first + shift;
                    int to = dst + s.padH() * outW + first;
                    System.arraycopy(xa, from, xp, to, (s.h() - 1) * outW + last - first);
                    for (int ih = 0; ih < s.h(); ih++) {
                        int row = dst + (ih + s.padH()) * outW;
                        for (int ow = ih == s.h() - 1 ? outW : last; ow < outW; ow++) {
                            xp[row + ow] = 0f;
                        }
                        for (int ow = 0; ow < first && ih > 0; ow++) {
                            xp[row + ow] = 0f;
                        }
                    }
                    continue;
                }
                for (int ih = 0; ih < s.h(); ih++) {
                    System.arraycopy(xa, src + (c * s.h() + ih) * s.w() + first + shift, xp,
                            dst + (ih + s.padH()) * outW + first, last - first);
                }
            }
        }
    }

    /**
     * 2 out channels × 9 columns (18 accumulators, acc[at + (r·9 + t)·L]): over the plane's positions
     * [0, spatial), dy plane r from d{r}, column t the copies at off[c0 + t]; the last vector masked where the
     * plane is not a whole number of vectors. Adds to what acc holds.
     */
    private static void tile2x9(float[] acc, int at, float[] dy, int d0, int d1, float[] xp, int[] off, int c0,
                                 int spatial) {
        FloatVector a00 = FloatVector.fromArray(S, acc, at + 0 * L);
        FloatVector a01 = FloatVector.fromArray(S, acc, at + 1 * L);
        FloatVector a02 = FloatVector.fromArray(S, acc, at + 2 * L);
        FloatVector a03 = FloatVector.fromArray(S, acc, at + 3 * L);
        FloatVector a04 = FloatVector.fromArray(S, acc, at + 4 * L);
        FloatVector a05 = FloatVector.fromArray(S, acc, at + 5 * L);
        FloatVector a06 = FloatVector.fromArray(S, acc, at + 6 * L);
        FloatVector a07 = FloatVector.fromArray(S, acc, at + 7 * L);
        FloatVector a08 = FloatVector.fromArray(S, acc, at + 8 * L);
        FloatVector a10 = FloatVector.fromArray(S, acc, at + 9 * L);
        FloatVector a11 = FloatVector.fromArray(S, acc, at + 10 * L);
        FloatVector a12 = FloatVector.fromArray(S, acc, at + 11 * L);
        FloatVector a13 = FloatVector.fromArray(S, acc, at + 12 * L);
        FloatVector a14 = FloatVector.fromArray(S, acc, at + 13 * L);
        FloatVector a15 = FloatVector.fromArray(S, acc, at + 14 * L);
        FloatVector a16 = FloatVector.fromArray(S, acc, at + 15 * L);
        FloatVector a17 = FloatVector.fromArray(S, acc, at + 16 * L);
        FloatVector a18 = FloatVector.fromArray(S, acc, at + 17 * L);
        int o0 = off[c0 + 0];
        int o1 = off[c0 + 1];
        int o2 = off[c0 + 2];
        int o3 = off[c0 + 3];
        int o4 = off[c0 + 4];
        int o5 = off[c0 + 5];
        int o6 = off[c0 + 6];
        int o7 = off[c0 + 7];
        int o8 = off[c0 + 8];
        int p = 0;
        for (; p <= spatial - L; p += L) {
            FloatVector y0 = FloatVector.fromArray(S, dy, d0 + p);
            FloatVector y1 = FloatVector.fromArray(S, dy, d1 + p);
            FloatVector x;
            x = FloatVector.fromArray(S, xp, o0 + p);
            a00 = x.fma(y0, a00);
            a10 = x.fma(y1, a10);
            x = FloatVector.fromArray(S, xp, o1 + p);
            a01 = x.fma(y0, a01);
            a11 = x.fma(y1, a11);
            x = FloatVector.fromArray(S, xp, o2 + p);
            a02 = x.fma(y0, a02);
            a12 = x.fma(y1, a12);
            x = FloatVector.fromArray(S, xp, o3 + p);
            a03 = x.fma(y0, a03);
            a13 = x.fma(y1, a13);
            x = FloatVector.fromArray(S, xp, o4 + p);
            a04 = x.fma(y0, a04);
            a14 = x.fma(y1, a14);
            x = FloatVector.fromArray(S, xp, o5 + p);
            a05 = x.fma(y0, a05);
            a15 = x.fma(y1, a15);
            x = FloatVector.fromArray(S, xp, o6 + p);
            a06 = x.fma(y0, a06);
            a16 = x.fma(y1, a16);
            x = FloatVector.fromArray(S, xp, o7 + p);
            a07 = x.fma(y0, a07);
            a17 = x.fma(y1, a17);
            x = FloatVector.fromArray(S, xp, o8 + p);
            a08 = x.fma(y0, a08);
            a18 = x.fma(y1, a18);
        }
        if (p < spatial) {
            VectorMask<Float> m = S.indexInRange(p, spatial);
            FloatVector y0 = FloatVector.fromArray(S, dy, d0 + p, m);
            FloatVector y1 = FloatVector.fromArray(S, dy, d1 + p, m);
            FloatVector x;
            x = FloatVector.fromArray(S, xp, o0 + p, m);
            a00 = x.fma(y0, a00);
            a10 = x.fma(y1, a10);
            x = FloatVector.fromArray(S, xp, o1 + p, m);
            a01 = x.fma(y0, a01);
            a11 = x.fma(y1, a11);
            x = FloatVector.fromArray(S, xp, o2 + p, m);
            a02 = x.fma(y0, a02);
            a12 = x.fma(y1, a12);
            x = FloatVector.fromArray(S, xp, o3 + p, m);
            a03 = x.fma(y0, a03);
            a13 = x.fma(y1, a13);
            x = FloatVector.fromArray(S, xp, o4 + p, m);
            a04 = x.fma(y0, a04);
            a14 = x.fma(y1, a14);
            x = FloatVector.fromArray(S, xp, o5 + p, m);
            a05 = x.fma(y0, a05);
            a15 = x.fma(y1, a15);
            x = FloatVector.fromArray(S, xp, o6 + p, m);
            a06 = x.fma(y0, a06);
            a16 = x.fma(y1, a16);
            x = FloatVector.fromArray(S, xp, o7 + p, m);
            a07 = x.fma(y0, a07);
            a17 = x.fma(y1, a17);
            x = FloatVector.fromArray(S, xp, o8 + p, m);
            a08 = x.fma(y0, a08);
            a18 = x.fma(y1, a18);
        }
        a00.intoArray(acc, at + 0 * L);
        a01.intoArray(acc, at + 1 * L);
        a02.intoArray(acc, at + 2 * L);
        a03.intoArray(acc, at + 3 * L);
        a04.intoArray(acc, at + 4 * L);
        a05.intoArray(acc, at + 5 * L);
        a06.intoArray(acc, at + 6 * L);
        a07.intoArray(acc, at + 7 * L);
        a08.intoArray(acc, at + 8 * L);
        a10.intoArray(acc, at + 9 * L);
        a11.intoArray(acc, at + 10 * L);
        a12.intoArray(acc, at + 11 * L);
        a13.intoArray(acc, at + 12 * L);
        a14.intoArray(acc, at + 13 * L);
        a15.intoArray(acc, at + 14 * L);
        a16.intoArray(acc, at + 15 * L);
        a17.intoArray(acc, at + 16 * L);
        a18.intoArray(acc, at + 17 * L);
    }


    /**
     * 2 out channels × 5 columns (10 accumulators, acc[at + (r·5 + t)·L]): over the plane's positions
     * [0, spatial), dy plane r from d{r}, column t the copies at off[c0 + t]; the last vector masked where the
     * plane is not a whole number of vectors. Adds to what acc holds.
     */
    private static void tile2x5(float[] acc, int at, float[] dy, int d0, int d1, float[] xp, int[] off, int c0,
                                 int spatial) {
        FloatVector a00 = FloatVector.fromArray(S, acc, at + 0 * L);
        FloatVector a01 = FloatVector.fromArray(S, acc, at + 1 * L);
        FloatVector a02 = FloatVector.fromArray(S, acc, at + 2 * L);
        FloatVector a03 = FloatVector.fromArray(S, acc, at + 3 * L);
        FloatVector a04 = FloatVector.fromArray(S, acc, at + 4 * L);
        FloatVector a10 = FloatVector.fromArray(S, acc, at + 5 * L);
        FloatVector a11 = FloatVector.fromArray(S, acc, at + 6 * L);
        FloatVector a12 = FloatVector.fromArray(S, acc, at + 7 * L);
        FloatVector a13 = FloatVector.fromArray(S, acc, at + 8 * L);
        FloatVector a14 = FloatVector.fromArray(S, acc, at + 9 * L);
        int o0 = off[c0 + 0];
        int o1 = off[c0 + 1];
        int o2 = off[c0 + 2];
        int o3 = off[c0 + 3];
        int o4 = off[c0 + 4];
        int p = 0;
        for (; p <= spatial - L; p += L) {
            FloatVector y0 = FloatVector.fromArray(S, dy, d0 + p);
            FloatVector y1 = FloatVector.fromArray(S, dy, d1 + p);
            FloatVector x;
            x = FloatVector.fromArray(S, xp, o0 + p);
            a00 = x.fma(y0, a00);
            a10 = x.fma(y1, a10);
            x = FloatVector.fromArray(S, xp, o1 + p);
            a01 = x.fma(y0, a01);
            a11 = x.fma(y1, a11);
            x = FloatVector.fromArray(S, xp, o2 + p);
            a02 = x.fma(y0, a02);
            a12 = x.fma(y1, a12);
            x = FloatVector.fromArray(S, xp, o3 + p);
            a03 = x.fma(y0, a03);
            a13 = x.fma(y1, a13);
            x = FloatVector.fromArray(S, xp, o4 + p);
            a04 = x.fma(y0, a04);
            a14 = x.fma(y1, a14);
        }
        if (p < spatial) {
            VectorMask<Float> m = S.indexInRange(p, spatial);
            FloatVector y0 = FloatVector.fromArray(S, dy, d0 + p, m);
            FloatVector y1 = FloatVector.fromArray(S, dy, d1 + p, m);
            FloatVector x;
            x = FloatVector.fromArray(S, xp, o0 + p, m);
            a00 = x.fma(y0, a00);
            a10 = x.fma(y1, a10);
            x = FloatVector.fromArray(S, xp, o1 + p, m);
            a01 = x.fma(y0, a01);
            a11 = x.fma(y1, a11);
            x = FloatVector.fromArray(S, xp, o2 + p, m);
            a02 = x.fma(y0, a02);
            a12 = x.fma(y1, a12);
            x = FloatVector.fromArray(S, xp, o3 + p, m);
            a03 = x.fma(y0, a03);
            a13 = x.fma(y1, a13);
            x = FloatVector.fromArray(S, xp, o4 + p, m);
            a04 = x.fma(y0, a04);
            a14 = x.fma(y1, a14);
        }
        a00.intoArray(acc, at + 0 * L);
        a01.intoArray(acc, at + 1 * L);
        a02.intoArray(acc, at + 2 * L);
        a03.intoArray(acc, at + 3 * L);
        a04.intoArray(acc, at + 4 * L);
        a10.intoArray(acc, at + 5 * L);
        a11.intoArray(acc, at + 6 * L);
        a12.intoArray(acc, at + 7 * L);
        a13.intoArray(acc, at + 8 * L);
        a14.intoArray(acc, at + 9 * L);
    }

}
