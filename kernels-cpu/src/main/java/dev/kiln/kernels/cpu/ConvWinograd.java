package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd F(2×2, 3×3) for stride-1, undilated 3×3 convolutions (forward, and the stride-1 input gradient as the
 * forward of dy with the flipped, transposed weights), F32, any groups. Each 2×2 output tile takes 16 multiplies per
 * (input, output) channel pair instead of the direct loop's 36:
 * <pre>
 *   U = G g Gᵀ      G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]               (weights, once per call)
 *   V = Bᵀ d B      Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]    (4 × 4 input tile d)
 *   M[ξ] = Σ_c V[ξ][c] · U[ξ][c]                                     (16 GEMMs, ξ = the 4 × 4 positions)
 *   y = Aᵀ M A      Aᵀ = [1 1 1 0; 0 1 −1 −1]
 * </pre>
 * Tiles are numbered by (sample, tile row, tile column); a block is a fixed run of whole tile rows ("strips"), so
 * its boundaries depend on the shape only, and blocks split over threads (each output is summed in one block in one
 * fixed order: results do not depend on the thread count). Per block and input channel the strips' input rows are
 * split into even and odd columns (zero outside the image), so the transform reads each tile's four columns as four
 * contiguous vectors over tile columns and V lies [ξ][c][tile], tiles contiguous. The GEMM holds a micro-tile of
 * out channels (broadcast from U[ξ][c][o]) × vectors of tiles (8 accumulators of 4 × 2 with 16 registers, 16 of 8 × 2
 * with 32), so M lies [ξ][o][tile] and the output transform runs on vectors of tiles too, before the 2 × 2 results
 * are interleaved into NCHW (only the valid outputs: odd output sizes leave partial tiles).
 *
 * <p>Numerics: not bit-equal to the direct paths. The transforms add at most 4 terms at each of two levels and
 * scale by ½ (exact), so the error is a few float ulps of the sum of |terms|, as the direct sum's.
 * {@code -Dkiln.conv.winograd=false} turns the route off (A/B runs).
 */
final class ConvWinograd {
    private ConvWinograd() {
    }

    /** False with {@code -Dkiln.conv.winograd=false}. */
    static final boolean ENABLED =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.winograd", "true").trim());

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Out channels per micro-tile: 4 with 16 registers (8 accumulators), 8 with 32 (16). */
    static final int OT = DirectConvKernels.WIDE ? 8 : 4;

    /** Tiles per micro-tile: two vectors. */
    static final int TT = 2 * L;

    /** Floats of a block's V and M together at most (1 MiB), unless one strip needs more. */
    static final int BLOCK_FLOATS = Integer.getInteger("kiln.conv.winogradBlock", 1 << 18);

    /** Whether the kernel computes this convolution: 3×3, stride 1, no dilation, padding 0 to 2, vectors on. */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && L >= 4 && s.kH() == 3 && s.kW() == 3 && s.strideH() == 1 && s.strideW() == 1
                && s.dilationH() == 1 && s.dilationW() == 1 && s.padH() >= 0 && s.padH() <= 2 && s.padW() >= 0
                && s.padW() <= 2 && s.outH() == s.h() + 2 * s.padH() - 2 && s.outW() == s.w() + 2 * s.padW() - 2
                && s.outH() > 0 && s.outW() > 0;
    }

    /** The geometry of one call: tiles, strips, blocks and buffer strides. */
    record Plan(ConvShape s, int cpg, int opg, int opad, int tilesX, int tilesY, int strips, int perBlock,
                int blocks, int btp, int vs, int rl) {
        static Plan of(ConvShape s) {
            int cpg = s.cInPerGroup();
            int opg = s.cOutPerGroup();
            int opad = (opg + OT - 1) / OT * OT;
            int tilesX = (s.outW() + 1) / 2;
            int tilesY = (s.outH() + 1) / 2;
            int strips = s.n() * tilesY;
            long perStrip = 16L * tilesX * (cpg + opad);
            int perBlock = (int) Math.max(1, Math.min(strips, BLOCK_FLOATS / perStrip));
            int blocks = (strips + perBlock - 1) / perBlock;
            int btp = (perBlock * tilesX + TT - 1) / TT * TT;
            // a strip's last vector of tiles may run past the block's tiles by up to L − 1
            int vs = btp + L;
            int rl = (tilesX + L - 1) / L * L + L;
            return new Plan(s, cpg, opg, opad, tilesX, tilesY, strips, perBlock, blocks, btp, vs, rl);
        }

        /** Input rows of one sample's strips in a block at most (a channel's, in the rows buffer). */
        int segmentRows() {
            return 2 * Math.min(perBlock, tilesY) + 2;
        }

        /** V's ξ stride: input channels × {@link #vs}, and a cache line more (as {@link #ms}). */
        int vx() {
            return cpg * vs + 16;
        }

        /** M's ξ stride: out channels × tiles, and a cache line more, so that 16 streams of M do not share L1 sets. */
        int ms() {
            return opad * btp + 16;
        }

        int weightFloats() {
            return s.groups() * 16 * cpg * opad;
        }
    }

    private static final class Scratch {
        float[] v = new float[0];
        float[] m = new float[0];
        float[] rows = new float[0];
        /** One input row between zero borders, for the plan it was made for. */
        float[] line = new float[0];
        Plan linePlan;
        float[] out = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The transformed weights of the calling thread's last call (grown on demand, kept). */
    private static final ThreadLocal<float[][]> WEIGHTS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * y = conv2d(x, w) + bias (bias may be null); w is [cOut, cIn/groups, 3, 3]. Returns false when an output is not
     * finite: the transforms add and subtract inputs, so one infinite input can give NaN where the direct sum gives ±∞
     * (and PyTorch's direct kernels do); the caller then recomputes y on a direct path.
     */
    static boolean forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        if (!applies(s)) {
            throw new IllegalArgumentException("ConvWinograd.forward: shape " + s
                    + " is not a stride-1, undilated 3×3 convolution with padding 0 to 2");
        }
        return run(y, yOff, xa, xOff, wa, wOff, false, ba, bOff, s);
    }

    /**
     * dx of the stride-1 convolution s (padding at most 2, so that the transposed padding 2 − p is not negative): the
     * forward of dy with W'[g·cpg + c, o, i, j] = W[g·opg + o, c, 2 − i, 2 − j], transformed straight from w. False
     * when an output is not finite, as {@link #forward}.
     */
    static boolean backwardInput(float[] dx, int dxOff, float[] dy, int dyOff, float[] wa, int wOff, ConvShape s) {
        if (!ConvDispatch.transposable(s) || !applies(ConvDispatch.transposed(s))) {
            throw new IllegalArgumentException("ConvWinograd.backwardInput: shape " + s
                    + " is not a stride-1, undilated 3×3 convolution with padding 0 to 2");
        }
        return run(dx, dxOff, dy, dyOff, wa, wOff, true, null, 0, ConvDispatch.transposed(s));
    }

    /** Whether every output came out finite. */
    private static boolean run(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, boolean flipped,
                               float[] ba, int bOff, ConvShape s) {
        Plan p = Plan.of(s);
        AtomicBoolean finite = new AtomicBoolean(true);
        float[][] holder = WEIGHTS.get();
        holder[0] = HostArrays.atLeast(holder[0], p.weightFloats());
        float[] u = holder[0];
        transformWeights(u, wa, wOff, flipped, p);
        Parallel.forRange(p.blocks, 1, (lo, hi) -> {
            Scratch sc = SCRATCH.get();
            sc.v = HostArrays.atLeast(sc.v, 16L * p.vx());
            sc.m = HostArrays.atLeast(sc.m, 16L * p.ms());
            sc.rows = HostArrays.atLeast(sc.rows, 2L * p.cpg * p.segmentRows() * p.rl);
            if (sc.line.length < p.rl * 2 || !p.equals(sc.linePlan)) {
                // zero borders: only [pad, pad + w) is ever written
                sc.line = new float[2 * p.rl];
                sc.linePlan = p;
            }
            sc.out = HostArrays.atLeast(sc.out, 4L * p.btp);
            for (int b = lo; b < hi; b++) {
                int first = b * p.perBlock;
                int count = Math.min(p.perBlock, p.strips - first);
                for (int g = 0; g < s.groups(); g++) {
                    inputTransform(sc.v, sc.rows, sc.line, xa, xOff, p, g, first, count);
                    if (OT == 8) {
                        gemm8x2(sc.m, sc.v, u, p, g);
                    } else {
                        gemm4x2(sc.m, sc.v, u, p, g);
                    }
                    if (!outputTransform(y, yOff, sc.m, sc.out, ba, bOff, p, g, first, count)) {
                        finite.set(false);
                    }
                }
            }
        });
        return finite.get();
    }

    /**
     * u[g][ξ][c][o] = (G g Gᵀ)[ξ] for the convolution's (input c, output o) pair of group g, o padded with zeros to
     * {@link Plan#opad}. flipped: the convolution is an input gradient, and g is the original layer's weight
     * W[g·opg' + c, o, 2 − i, 2 − j] (its out channels are this convolution's inputs).
     */
    static void transformWeights(float[] u, float[] w, int wOff, boolean flipped, Plan p) {
        int cpg = p.cpg;
        int opg = p.opg;
        int opad = p.opad;
        int groups = p.s.groups();
        Parallel.forRange(groups * cpg, Math.max(1, 4096 / Math.max(1, opad)), (lo, hi) -> {
            float[] k = new float[9];
            for (int gc = lo; gc < hi; gc++) {
                int g = gc / cpg;
                int c = gc % cpg;
                int base = g * 16 * cpg * opad + c * opad;
                for (int o = 0; o < opad; o++) {
                    if (o >= opg) {
                        for (int xi = 0; xi < 16; xi++) {
                            u[base + xi * cpg * opad + o] = 0f;
                        }
                        continue;
                    }
                    if (flipped) {
                        // the original layer's weight [conv cIn = its cOut][opg = its cpg][3][3], taps reversed
                        int src = wOff + ((g * cpg + c) * opg + o) * 9;
                        for (int t = 0; t < 9; t++) {
                            k[t] = w[src + 8 - t];
                        }
                    } else {
                        System.arraycopy(w, wOff + ((g * opg + o) * cpg + c) * 9, k, 0, 9);
                    }
                    // t = G·g (4 × 3), then t·Gᵀ (4 × 4)
                    for (int i = 0; i < 4; i++) {
                        float r0;
                        float r1;
                        float r2;
                        if (i == 0) {
                            r0 = k[0];
                            r1 = k[1];
                            r2 = k[2];
                        } else if (i == 3) {
                            r0 = k[6];
                            r1 = k[7];
                            r2 = k[8];
                        } else {
                            float sg = i == 1 ? 0.5f : -0.5f;
                            r0 = 0.5f * (k[0] + k[6]) + sg * k[3];
                            r1 = 0.5f * (k[1] + k[7]) + sg * k[4];
                            r2 = 0.5f * (k[2] + k[8]) + sg * k[5];
                        }
                        float m = 0.5f * (r0 + r2);
                        float d = 0.5f * r1;
                        int at = base + (4 * i) * cpg * opad + o;
                        u[at] = r0;
                        u[at + cpg * opad] = m + d;
                        u[at + 2 * cpg * opad] = m - d;
                        u[at + 3 * cpg * opad] = r2;
                    }
                }
            }
        });
    }

    /**
     * v[ξ][c][t] = (Bᵀ d B)[ξ] for the block's tiles t (strips first..first+count−1) and group g's input channels.
     * rows holds the strips' input rows as even / odd columns, 2 × {@link Plan#rl} floats a row.
     */
    static void inputTransform(float[] v, float[] rows, float[] line, float[] xa, int xOff, Plan p, int g, int first,
                               int count) {
        ConvShape s = p.s;
        int cpg = p.cpg;
        int h = s.h();
        int w = s.w();
        int plane = h * w;
        int rl = p.rl;
        int vs = p.vs;
        int cstride = p.vx();
        int tilesX = p.tilesX;
        int need = tilesX + 1;
        int pad = s.padW();
        int seg = p.segmentRows();
        // one sample's strips at a time; its channels' rows first, read in x's order (the prefetcher follows), then
        // the transform: a vector load of floats stored one by one just before cannot take them from the store
        // buffer and waits for them to reach the cache
        for (int k0 = 0; k0 < count; ) {
            int n = (first + k0) / p.tilesY;
            int ty0 = (first + k0) % p.tilesY;
            int k1 = Math.min(count, k0 + p.tilesY - ty0);
            int rowFirst = 2 * ty0 - s.padH();
            int rowCount = 2 * (k1 - k0) + 2;
            int src = xOff + (n * s.cIn() + g * cpg) * plane;
            for (int c = 0; c < cpg; c++) {
                for (int r = 0; r < rowCount; r++) {
                    int at = (c * seg + r) * 2 * rl;
                    int row = rowFirst + r;
                    if (row < 0 || row >= h) {
                        java.util.Arrays.fill(rows, at, at + need, 0f);
                        java.util.Arrays.fill(rows, at + rl, at + rl + need, 0f);
                        continue;
                    }
                    // the row into line between its zero borders (line[pad + j] = x[j]), then even / odd columns
                    System.arraycopy(xa, src + c * plane + row * w, line, pad, w);
                    for (int j = 0; j < need; j++) {
                        rows[at + j] = line[2 * j];
                        rows[at + rl + j] = line[2 * j + 1];
                    }
                }
            }
            for (int c = 0; c < cpg; c++) {
                for (int k = k0; k < k1; k++) {
                    int e0 = (c * seg + 2 * (k - k0)) * 2 * rl;
                    int e1 = e0 + 2 * rl;
                    int e2 = e1 + 2 * rl;
                    int e3 = e2 + 2 * rl;
                    int dst = c * vs + k * tilesX;
                for (int tx = 0; tx < tilesX; tx += L) {
                    // d_r = (even[tx], odd[tx], even[tx + 1], odd[tx + 1]) of row r; v = Bᵀ (d B), one column j of
                    // d B at a time (few live registers at 16)
                    int at = dst + tx;
                    FloatVector a0 = FloatVector.fromArray(S, rows, e0 + tx);
                    FloatVector a1 = FloatVector.fromArray(S, rows, e1 + tx);
                    FloatVector a2 = FloatVector.fromArray(S, rows, e2 + tx);
                    FloatVector a3 = FloatVector.fromArray(S, rows, e3 + tx);
                    FloatVector b0 = FloatVector.fromArray(S, rows, e0 + tx + 1);
                    FloatVector b1 = FloatVector.fromArray(S, rows, e1 + tx + 1);
                    FloatVector b2 = FloatVector.fromArray(S, rows, e2 + tx + 1);
                    FloatVector b3 = FloatVector.fromArray(S, rows, e3 + tx + 1);
                    // j = 0: even − even'
                    FloatVector h0 = a0.sub(b0);
                    FloatVector h1 = a1.sub(b1);
                    FloatVector h2 = a2.sub(b2);
                    FloatVector h3 = a3.sub(b3);
                    h0.sub(h2).intoArray(v, at);
                    h1.add(h2).intoArray(v, at + 4 * cstride);
                    h2.sub(h1).intoArray(v, at + 8 * cstride);
                    h1.sub(h3).intoArray(v, at + 12 * cstride);
                    FloatVector o0 = FloatVector.fromArray(S, rows, e0 + rl + tx);
                    FloatVector o1 = FloatVector.fromArray(S, rows, e1 + rl + tx);
                    FloatVector o2 = FloatVector.fromArray(S, rows, e2 + rl + tx);
                    FloatVector o3 = FloatVector.fromArray(S, rows, e3 + rl + tx);
                    // j = 1: odd + even'
                    h0 = o0.add(b0);
                    h1 = o1.add(b1);
                    h2 = o2.add(b2);
                    h3 = o3.add(b3);
                    h0.sub(h2).intoArray(v, at + cstride);
                    h1.add(h2).intoArray(v, at + 5 * cstride);
                    h2.sub(h1).intoArray(v, at + 9 * cstride);
                    h1.sub(h3).intoArray(v, at + 13 * cstride);
                    // j = 2: even' − odd
                    h0 = b0.sub(o0);
                    h1 = b1.sub(o1);
                    h2 = b2.sub(o2);
                    h3 = b3.sub(o3);
                    h0.sub(h2).intoArray(v, at + 2 * cstride);
                    h1.add(h2).intoArray(v, at + 6 * cstride);
                    h2.sub(h1).intoArray(v, at + 10 * cstride);
                    h1.sub(h3).intoArray(v, at + 14 * cstride);
                    // j = 3: odd − odd'
                    h0 = o0.sub(FloatVector.fromArray(S, rows, e0 + rl + tx + 1));
                    h1 = o1.sub(FloatVector.fromArray(S, rows, e1 + rl + tx + 1));
                    h2 = o2.sub(FloatVector.fromArray(S, rows, e2 + rl + tx + 1));
                    h3 = o3.sub(FloatVector.fromArray(S, rows, e3 + rl + tx + 1));
                    h0.sub(h2).intoArray(v, at + 3 * cstride);
                    h1.add(h2).intoArray(v, at + 7 * cstride);
                    h2.sub(h1).intoArray(v, at + 11 * cstride);
                    h1.sub(h3).intoArray(v, at + 15 * cstride);
                }
                }
            }
            k0 = k1;
        }
    }

    /** m[ξ][o][t] = Σ_c u[g][ξ][c][o] · v[ξ][c][t]: 4 out channels × 2 vectors of tiles per micro-tile. */
    static void gemm4x2(float[] m, float[] v, float[] u, Plan p, int g) {
        int cpg = p.cpg;
        int opad = p.opad;
        int btp = p.btp;
        int vs = p.vs;
        for (int xi = 0; xi < 16; xi++) {
            int ub = (g * 16 + xi) * cpg * opad;
            int vb = xi * p.vx();
            int mb = xi * p.ms();
            for (int t = 0; t < btp; t += TT) {
                for (int o = 0; o < opad; o += 4) {
                    FloatVector a00 = FloatVector.zero(S);
                    FloatVector a01 = FloatVector.zero(S);
                    FloatVector a10 = FloatVector.zero(S);
                    FloatVector a11 = FloatVector.zero(S);
                    FloatVector a20 = FloatVector.zero(S);
                    FloatVector a21 = FloatVector.zero(S);
                    FloatVector a30 = FloatVector.zero(S);
                    FloatVector a31 = FloatVector.zero(S);
                    int vi = vb + t;
                    int ui = ub + o;
                    for (int c = 0; c < cpg; c++, vi += vs, ui += opad) {
                        FloatVector v0 = FloatVector.fromArray(S, v, vi);
                        FloatVector v1 = FloatVector.fromArray(S, v, vi + L);
                        FloatVector b = FloatVector.broadcast(S, u[ui]);
                        a00 = v0.fma(b, a00);
                        a01 = v1.fma(b, a01);
                        b = FloatVector.broadcast(S, u[ui + 1]);
                        a10 = v0.fma(b, a10);
                        a11 = v1.fma(b, a11);
                        b = FloatVector.broadcast(S, u[ui + 2]);
                        a20 = v0.fma(b, a20);
                        a21 = v1.fma(b, a21);
                        b = FloatVector.broadcast(S, u[ui + 3]);
                        a30 = v0.fma(b, a30);
                        a31 = v1.fma(b, a31);
                    }
                    int mi = mb + o * btp + t;
                    a00.intoArray(m, mi);
                    a01.intoArray(m, mi + L);
                    a10.intoArray(m, mi + btp);
                    a11.intoArray(m, mi + btp + L);
                    a20.intoArray(m, mi + 2 * btp);
                    a21.intoArray(m, mi + 2 * btp + L);
                    a30.intoArray(m, mi + 3 * btp);
                    a31.intoArray(m, mi + 3 * btp + L);
                }
            }
        }
    }

    /** As {@link #gemm4x2} with 8 out channels per micro-tile (32 registers: 16 accumulators). */
    static void gemm8x2(float[] m, float[] v, float[] u, Plan p, int g) {
        int cpg = p.cpg;
        int opad = p.opad;
        int btp = p.btp;
        int vs = p.vs;
        for (int xi = 0; xi < 16; xi++) {
            int ub = (g * 16 + xi) * cpg * opad;
            int vb = xi * p.vx();
            int mb = xi * p.ms();
            for (int t = 0; t < btp; t += TT) {
                for (int o = 0; o < opad; o += 8) {
                    FloatVector a00 = FloatVector.zero(S);
                    FloatVector a01 = FloatVector.zero(S);
                    FloatVector a10 = FloatVector.zero(S);
                    FloatVector a11 = FloatVector.zero(S);
                    FloatVector a20 = FloatVector.zero(S);
                    FloatVector a21 = FloatVector.zero(S);
                    FloatVector a30 = FloatVector.zero(S);
                    FloatVector a31 = FloatVector.zero(S);
                    FloatVector a40 = FloatVector.zero(S);
                    FloatVector a41 = FloatVector.zero(S);
                    FloatVector a50 = FloatVector.zero(S);
                    FloatVector a51 = FloatVector.zero(S);
                    FloatVector a60 = FloatVector.zero(S);
                    FloatVector a61 = FloatVector.zero(S);
                    FloatVector a70 = FloatVector.zero(S);
                    FloatVector a71 = FloatVector.zero(S);
                    int vi = vb + t;
                    int ui = ub + o;
                    for (int c = 0; c < cpg; c++, vi += vs, ui += opad) {
                        FloatVector v0 = FloatVector.fromArray(S, v, vi);
                        FloatVector v1 = FloatVector.fromArray(S, v, vi + L);
                        FloatVector b = FloatVector.broadcast(S, u[ui]);
                        a00 = v0.fma(b, a00);
                        a01 = v1.fma(b, a01);
                        b = FloatVector.broadcast(S, u[ui + 1]);
                        a10 = v0.fma(b, a10);
                        a11 = v1.fma(b, a11);
                        b = FloatVector.broadcast(S, u[ui + 2]);
                        a20 = v0.fma(b, a20);
                        a21 = v1.fma(b, a21);
                        b = FloatVector.broadcast(S, u[ui + 3]);
                        a30 = v0.fma(b, a30);
                        a31 = v1.fma(b, a31);
                        b = FloatVector.broadcast(S, u[ui + 4]);
                        a40 = v0.fma(b, a40);
                        a41 = v1.fma(b, a41);
                        b = FloatVector.broadcast(S, u[ui + 5]);
                        a50 = v0.fma(b, a50);
                        a51 = v1.fma(b, a51);
                        b = FloatVector.broadcast(S, u[ui + 6]);
                        a60 = v0.fma(b, a60);
                        a61 = v1.fma(b, a61);
                        b = FloatVector.broadcast(S, u[ui + 7]);
                        a70 = v0.fma(b, a70);
                        a71 = v1.fma(b, a71);
                    }
                    int mi = mb + o * btp + t;
                    a00.intoArray(m, mi);
                    a01.intoArray(m, mi + L);
                    a10.intoArray(m, mi + btp);
                    a11.intoArray(m, mi + btp + L);
                    a20.intoArray(m, mi + 2 * btp);
                    a21.intoArray(m, mi + 2 * btp + L);
                    a30.intoArray(m, mi + 3 * btp);
                    a31.intoArray(m, mi + 3 * btp + L);
                    a40.intoArray(m, mi + 4 * btp);
                    a41.intoArray(m, mi + 4 * btp + L);
                    a50.intoArray(m, mi + 5 * btp);
                    a51.intoArray(m, mi + 5 * btp + L);
                    a60.intoArray(m, mi + 6 * btp);
                    a61.intoArray(m, mi + 6 * btp + L);
                    a70.intoArray(m, mi + 7 * btp);
                    a71.intoArray(m, mi + 7 * btp + L);
                }
            }
        }
    }

    /**
     * y = Aᵀ M A (+ bias) for the block's tiles and group g's out channels: on vectors of tiles into out (the four
     * outputs of each tile, [4][btp]), then interleaved into y's rows, only the outputs inside the image. Returns
     * whether the sum of the block's outputs is finite (false for any ±∞ or NaN among them, or an overflowing sum).
     */
    static boolean outputTransform(float[] y, int yOff, float[] m, float[] out, float[] ba, int bOff, Plan p,
                                        int g, int first, int count) {
        ConvShape s = p.s;
        int btp = p.btp;
        int opad = p.opad;
        int ostride = p.ms();
        int tiles = count * p.tilesX;
        int oh = s.outH();
        int ow = s.outW();
        int plane = oh * ow;
        int tilesX = p.tilesX;
        FloatVector check = FloatVector.zero(S);
        for (int o = 0; o < p.opg; o++) {
            float bias = ba == null ? 0f : ba[bOff + g * p.opg + o];
            FloatVector bv = FloatVector.broadcast(S, bias);
            for (int t = 0; t < tiles; t += L) {
                int at = o * btp + t;
                // rows i of M: a_i0 = m_i0 + m_i1 + m_i2, a_i1 = m_i1 − m_i2 − m_i3
                FloatVector m00 = FloatVector.fromArray(S, m, at);
                FloatVector m01 = FloatVector.fromArray(S, m, at + ostride);
                FloatVector m02 = FloatVector.fromArray(S, m, at + 2 * ostride);
                FloatVector m03 = FloatVector.fromArray(S, m, at + 3 * ostride);
                FloatVector s00 = m00.add(m01).add(m02);
                FloatVector s01 = m01.sub(m02).sub(m03);
                FloatVector m10 = FloatVector.fromArray(S, m, at + 4 * ostride);
                FloatVector m11 = FloatVector.fromArray(S, m, at + 5 * ostride);
                FloatVector m12 = FloatVector.fromArray(S, m, at + 6 * ostride);
                FloatVector m13 = FloatVector.fromArray(S, m, at + 7 * ostride);
                FloatVector s10 = m10.add(m11).add(m12);
                FloatVector s11 = m11.sub(m12).sub(m13);
                FloatVector m20 = FloatVector.fromArray(S, m, at + 8 * ostride);
                FloatVector m21 = FloatVector.fromArray(S, m, at + 9 * ostride);
                FloatVector m22 = FloatVector.fromArray(S, m, at + 10 * ostride);
                FloatVector m23 = FloatVector.fromArray(S, m, at + 11 * ostride);
                FloatVector s20 = m20.add(m21).add(m22);
                FloatVector s21 = m21.sub(m22).sub(m23);
                FloatVector m30 = FloatVector.fromArray(S, m, at + 12 * ostride);
                FloatVector m31 = FloatVector.fromArray(S, m, at + 13 * ostride);
                FloatVector m32 = FloatVector.fromArray(S, m, at + 14 * ostride);
                FloatVector m33 = FloatVector.fromArray(S, m, at + 15 * ostride);
                FloatVector s30 = m30.add(m31).add(m32);
                FloatVector s31 = m31.sub(m32).sub(m33);
                FloatVector y00 = s00.add(s10).add(s20).add(bv);
                FloatVector y01 = s01.add(s11).add(s21).add(bv);
                FloatVector y10 = s10.sub(s20).sub(s30).add(bv);
                FloatVector y11 = s11.sub(s21).sub(s31).add(bv);
                y00.intoArray(out, t);
                y01.intoArray(out, btp + t);
                y10.intoArray(out, 2 * btp + t);
                y11.intoArray(out, 3 * btp + t);
                FloatVector sum = y00.add(y01).add(y10.add(y11));
                if (t + L > tiles) {
                    sum = sum.blend(0f, S.indexInRange(t, tiles).not()); // lanes past the block's tiles hold stale M
                }
                check = check.add(sum);
            }
            for (int k = 0; k < count; k++) {
                int strip = first + k;
                int n = strip / p.tilesY;
                int ty = strip % p.tilesY;
                int row = yOff + (n * s.cOut() + g * p.opg + o) * plane + 2 * ty * ow;
                int t0 = k * tilesX;
                boolean second = 2 * ty + 1 < oh;
                int full = ow / 2;
                for (int tx = 0; tx < full; tx++) {
                    int t = t0 + tx;
                    y[row + 2 * tx] = out[t];
                    y[row + 2 * tx + 1] = out[btp + t];
                }
                if (full < tilesX) {
                    y[row + 2 * full] = out[t0 + full];
                }
                if (second) {
                    int row1 = row + ow;
                    for (int tx = 0; tx < full; tx++) {
                        int t = t0 + tx;
                        y[row1 + 2 * tx] = out[2 * btp + t];
                        y[row1 + 2 * tx + 1] = out[3 * btp + t];
                    }
                    if (full < tilesX) {
                        y[row1 + 2 * full] = out[2 * btp + t0 + full];
                    }
                }
            }
        }
        return Float.isFinite(check.reduceLanes(VectorOperators.ADD));
    }
}
