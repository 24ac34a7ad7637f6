package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A stride-1 direct forward for convolutions with very few input channels per group (1 to {@link #MAX_CHANNELS}),
 * vectorized along the output plane and written straight into NCHW: kiln train cnn's stem, 1 → 16 on 28 × 28
 * (through {@link ConvDispatch#stem}).
 *
 * <p>Why: with one input channel a tap is one multiply-add per output, so the layer's cost is mostly writing its
 * output. {@link DirectConv}'s positional tiles compute onto a padded grid (rows of the padded pitch) and then copy
 * each plane into NCHW, a second pass over the output; {@link DirectConvSlide} (out channels in the lanes) pays a
 * transpose. Here a vector is L consecutive outputs of one output plane, rows wrapping inside it, stored where it
 * belongs in y: the input is copied, per input channel and kernel column j, into a plane of outW-float rows shifted
 * by j's offset, zeros where the tap reads padding, so that tap (c, i, j) of the vector at p is one unaligned load
 * at p + i·outW of copy (c, j). A tile is 4 out channels × {@link #PV} such vectors: each tap loads PV vectors and
 * broadcasts 4 weights, for 4·PV fused multiply-adds. The plane is covered by vectors at 0, L, 2L, … and the last
 * one at outH·outW − L, overlapping the one before (the overlap computed twice, the same bits); a plane smaller
 * than L takes one masked vector.
 *
 * <p>Each output sums over (input channel, kernel row, kernel column) from zero, as {@link DirectConv}'s tiles do,
 * and the bias is added after: the same bits as those tiles, whatever tile or thread computes it. Threads split
 * the (sample, group) units, which write disjoint outputs.
 */
final class DirectConvStem {
    private DirectConvStem() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Input channels per group at most. */
    static final int MAX_CHANNELS = 4;

    /** Out channels per tile. */
    static final int OC = 4;

    /** Position vectors per tile: 4 × 4 accumulators with 32 registers, 4 × 2 with 16. */
    static final int PV = DirectConvKernels.WIDE ? 4 : 2;

    /**
     * Whether {@link ConvDispatch#stem} may route shapes here: false with {@code -Dkiln.conv.stem=false} (the
     * path before; A/B runs flip it).
     */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.stem", "true").trim());

    /** Whether the shape is one this kernel computes (the routing is {@link ConvDispatch#stem}). */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && s.strideH() == 1 && s.strideW() == 1 && s.cInPerGroup() >= 1
                && s.cInPerGroup() <= MAX_CHANNELS && s.outH() >= 1 && s.outW() >= 1
                && s.outH() == s.h() + 2 * s.padH() - s.dilationH() * (s.kH() - 1)
                && s.outW() == s.w() + 2 * s.padW() - s.dilationW() * (s.kW() - 1);
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] planes = new float[0];
        float[] weights = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** y = conv2d(x, w) + bias; bias may be null. The shape must satisfy {@link #applies}. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        if (!applies(s)) {
            throw new IllegalArgumentException("DirectConvStem.forward: shape " + s + " needs vectors, stride 1, 1 to "
                    + MAX_CHANNELS + " input channels per group and the output size the padding gives");
        }
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int taps = cpg * kk;
        int outW = s.outW();
        int outPlane = s.outH() * outW;
        // per input channel and kernel column j, a copy of the plane shifted by j's offset, rows of outW floats
        // (and the kernel's padding rows above and below), zeros where the tap reads padding: tap (c, i, j) of
        // output p is copy (c, j) at p + i·dilationH·outW, so a vector of consecutive outputs across rows is
        // one load; L floats of slack after each copy for a masked vector's unused lanes
        int rows = s.outH() + (s.kH() - 1) * s.dilationH();
        int copy = rows * outW + L;
        int[] tapOff = new int[taps];
        for (int c = 0, t = 0; c < cpg; c++) {
            for (int i = 0; i < s.kH(); i++) {
                for (int j = 0; j < s.kW(); j++) {
                    tapOff[t++] = (c * s.kW() + j) * copy + i * s.dilationH() * outW;
                }
            }
        }
        // the plane's vectors at 0, L, 2L, … the last at outPlane − L overlapping the one before; one masked
        // vector for a plane narrower than L
        int vectors = outPlane < L ? 1 : (outPlane + L - 1) / L;
        // packed weights: [group][block of OC out channels][tap][OC], channels past opg zero
        int blocks = (opg + OC - 1) / OC;
        int blockSize = taps * OC;
        Scratch sc = SCRATCH.get();
        sc.weights = HostArrays.atLeast(sc.weights, (long) s.groups() * blocks * blockSize);
        float[] wp = sc.weights;
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                int dst = (g * blocks + b) * blockSize;
                for (int t = 0; t < taps; t++) {
                    for (int r = 0; r < OC; r++) {
                        int o = b * OC + r;
                        wp[dst + t * OC + r] = o < opg ? wa[wOff + (g * opg + o) * taps + t] : 0f;
                    }
                }
            }
        }
        int units = s.n() * s.groups();
        long work = (long) outPlane * opg * taps;
        long copies = (long) cpg * s.kW() * copy;
        Parallel.forRange(units, DirectConv.grain(units, 1, work), (lo, hi) -> {
            Scratch mine = SCRATCH.get();
            mine.planes = HostArrays.atLeast(mine.planes, copies);
            float[] xp = mine.planes;
            // every sample copies into the same places, so the zeros around them are written once a call
            Arrays.fill(xp, 0, (int) copies, 0f);
            float[] bias = new float[OC];
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                int src = xOff + (n * s.cIn() + g * cpg) * s.h() * s.w();
                shiftedCopies(xp, copy, xa, src, cpg, s);
                for (int b = 0; b < blocks; b++) {
                    int o0 = b * OC;
                    int outs = Math.min(OC, opg - o0);
                    int yBase = yOff + (n * s.cOut() + g * opg + o0) * outPlane;
                    int wBlock = (g * blocks + b) * blockSize;
                    for (int r = 0; r < OC; r++) {
                        bias[r] = ba != null && r < outs ? ba[bOff + g * opg + o0 + r] : 0f;
                    }
                    int v = 0;
                    if (PV == 4) {
                        tile4x4(y, yBase, outPlane, outs, bias, xp, tapOff, taps, wp, wBlock, 0, vectors / 4 * 4);
                        v = vectors / 4 * 4;
                    }
                    tile4x2(y, yBase, outPlane, outs, bias, xp, tapOff, taps, wp, wBlock, v,
                            v + (vectors - v) / 2 * 2);
                    v += (vectors - v) / 2 * 2;
                    for (; v < vectors; v++) {
                        tile4x1(y, yBase, outPlane, outs, bias, xp, tapOff, taps, wp, wBlock, at(v, outPlane));
                    }
                }
            }
        });
    }

    /** The first output of the plane's vector v: v·L, the last vector at outPlane − L (0 for a masked one). */
    private static int at(int v, int outPlane) {
        return Math.max(0, Math.min(v * L, outPlane - L));
    }

    /**
     * One sample's group of cpg input planes into its shifted copies (see {@link #forward}): copy (c, j) row r,
     * column ow is x[c][r − padH][ow + j·dilationW − padW] where that lies in the plane. Only those floats are
     * written: the rest, zeros, are the same for every sample.
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
                for (int ih = 0; ih < s.h(); ih++) {
                    System.arraycopy(xa, src + (c * s.h() + ih) * s.w() + first + shift, xp,
                            dst + (ih + s.padH()) * outW + first, last - first);
                }
            }
        }
    }

    /** 4 out channels × 4 position vectors (16 accumulators), for the plane's vectors from, from + 4, … before to. */
    private static void tile4x4(float[] y, int yBase, int outPlane, int outs, float[] bias,
                                float[] xp, int[] tapOff, int taps, float[] wp, int wBlock, int from, int to) {
        for (int v = from; v < to; v += 4) {
            int x0 = at(v + 0, outPlane);
            int x1 = at(v + 1, outPlane);
            int x2 = at(v + 2, outPlane);
            int x3 = at(v + 3, outPlane);
            FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (int t = 0; t < taps; t++) {
                int o = tapOff[t];
                FloatVector i0 = FloatVector.fromArray(S, xp, x0 + o);
                FloatVector i1 = FloatVector.fromArray(S, xp, x1 + o);
                FloatVector i2 = FloatVector.fromArray(S, xp, x2 + o);
                FloatVector i3 = FloatVector.fromArray(S, xp, x3 + o);
                int wi = wBlock + t * OC;
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = i0.fma(w, a00);
                a01 = i1.fma(w, a01);
                a02 = i2.fma(w, a02);
                a03 = i3.fma(w, a03);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = i0.fma(w, a10);
                a11 = i1.fma(w, a11);
                a12 = i2.fma(w, a12);
                a13 = i3.fma(w, a13);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = i0.fma(w, a20);
                a21 = i1.fma(w, a21);
                a22 = i2.fma(w, a22);
                a23 = i3.fma(w, a23);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = i0.fma(w, a30);
                a31 = i1.fma(w, a31);
                a32 = i2.fma(w, a32);
                a33 = i3.fma(w, a33);
            }
            int y0 = x0;
            int y1 = x1;
            int y2 = x2;
            int y3 = x3;
            store(a00, bias[0], y, yBase + y0, outPlane);
            store(a01, bias[0], y, yBase + y1, outPlane);
            store(a02, bias[0], y, yBase + y2, outPlane);
            store(a03, bias[0], y, yBase + y3, outPlane);
            if (outs > 1) {
                int p = yBase + outPlane;
                store(a10, bias[1], y, p + y0, outPlane);
                store(a11, bias[1], y, p + y1, outPlane);
                store(a12, bias[1], y, p + y2, outPlane);
                store(a13, bias[1], y, p + y3, outPlane);
            }
            if (outs > 2) {
                int p = yBase + 2 * outPlane;
                store(a20, bias[2], y, p + y0, outPlane);
                store(a21, bias[2], y, p + y1, outPlane);
                store(a22, bias[2], y, p + y2, outPlane);
                store(a23, bias[2], y, p + y3, outPlane);
            }
            if (outs > 3) {
                int p = yBase + 3 * outPlane;
                store(a30, bias[3], y, p + y0, outPlane);
                store(a31, bias[3], y, p + y1, outPlane);
                store(a32, bias[3], y, p + y2, outPlane);
                store(a33, bias[3], y, p + y3, outPlane);
            }
        }
    }

    /**
     * 4 out channels × 2 position vectors (8 accumulators: the tile for 16 registers, and the rest of 4 × 4), for the
     * plane's vectors from, from + 2, … before to.
     */
    private static void tile4x2(float[] y, int yBase, int outPlane, int outs, float[] bias,
                                float[] xp, int[] tapOff, int taps, float[] wp, int wBlock, int from, int to) {
        for (int v = from; v < to; v += 2) {
            int x0 = at(v + 0, outPlane);
            int x1 = at(v + 1, outPlane);
            FloatVector a00 = FloatVector.zero(S), a01 = a00;
            FloatVector a10 = a00, a11 = a00;
            FloatVector a20 = a00, a21 = a00;
            FloatVector a30 = a00, a31 = a00;
            for (int t = 0; t < taps; t++) {
                int o = tapOff[t];
                FloatVector i0 = FloatVector.fromArray(S, xp, x0 + o);
                FloatVector i1 = FloatVector.fromArray(S, xp, x1 + o);
                int wi = wBlock + t * OC;
                FloatVector w = FloatVector.broadcast(S, wp[wi]);
                a00 = i0.fma(w, a00);
                a01 = i1.fma(w, a01);
                w = FloatVector.broadcast(S, wp[wi + 1]);
                a10 = i0.fma(w, a10);
                a11 = i1.fma(w, a11);
                w = FloatVector.broadcast(S, wp[wi + 2]);
                a20 = i0.fma(w, a20);
                a21 = i1.fma(w, a21);
                w = FloatVector.broadcast(S, wp[wi + 3]);
                a30 = i0.fma(w, a30);
                a31 = i1.fma(w, a31);
            }
            int y0 = x0;
            int y1 = x1;
            store(a00, bias[0], y, yBase + y0, outPlane);
            store(a01, bias[0], y, yBase + y1, outPlane);
            if (outs > 1) {
                store(a10, bias[1], y, yBase + outPlane + y0, outPlane);
                store(a11, bias[1], y, yBase + outPlane + y1, outPlane);
            }
            if (outs > 2) {
                store(a20, bias[2], y, yBase + 2 * outPlane + y0, outPlane);
                store(a21, bias[2], y, yBase + 2 * outPlane + y1, outPlane);
            }
            if (outs > 3) {
                store(a30, bias[3], y, yBase + 3 * outPlane + y0, outPlane);
                store(a31, bias[3], y, yBase + 3 * outPlane + y1, outPlane);
            }
        }
    }

    /** 4 out channels × 1 position vector (the last vector of a plane with an odd count). */
    private static void tile4x1(float[] y, int yBase, int outPlane, int outs, float[] bias,
                                float[] xp, int[] tapOff, int taps, float[] wp, int wBlock, int x0) {
        int y0 = x0;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int t = 0; t < taps; t++) {
            FloatVector i0 = FloatVector.fromArray(S, xp, x0 + tapOff[t]);
            int wi = wBlock + t * OC;
            a0 = i0.fma(FloatVector.broadcast(S, wp[wi]), a0);
            a1 = i0.fma(FloatVector.broadcast(S, wp[wi + 1]), a1);
            a2 = i0.fma(FloatVector.broadcast(S, wp[wi + 2]), a2);
            a3 = i0.fma(FloatVector.broadcast(S, wp[wi + 3]), a3);
        }
        store(a0, bias[0], y, yBase + y0, outPlane);
        if (outs > 1) {
            store(a1, bias[1], y, yBase + outPlane + y0, outPlane);
        }
        if (outs > 2) {
            store(a2, bias[2], y, yBase + 2 * outPlane + y0, outPlane);
        }
        if (outs > 3) {
            store(a3, bias[3], y, yBase + 3 * outPlane + y0, outPlane);
        }
    }

    /**
     * y[at, at + L) = acc + bias, only the first outPlane lanes of a plane narrower than L; a zero bias adds
     * nothing, as DirectConv. Inlined (JitDirectives); the tiles take the plane's size, not a mask, since a
     * mask passed to a method C2 leaves out of line is an object.
     */
    private static void store(FloatVector acc, float bias, float[] y, int at, int outPlane) {
        FloatVector r = bias == 0f ? acc : acc.add(bias);
        if (outPlane >= L) {
            r.intoArray(y, at);
        } else {
            r.intoArray(y, at, S.indexInRange(0, outPlane));
        }
    }
}
