package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The weight gradient of a 3 × 3, stride-1, dilation-1, ungrouped convolution by Winograd F(3 × 3, 2 × 2): the
 * transpose of the forward's F(2 × 2, 3 × 3) (through {@link ConvDispatch#conv2dBackwardWeight}, {@link #routes}).
 *
 * <p>The math: a 2 × 2 tile U of dy at output (2i, 2j) meets the 4 × 4 tile D of x at rows 2i − padH.. and columns
 * 2j − padW.., and adds the correlation of D with U, 3 × 3 values, to dW. F(2,3) computes y = Aᵀ[(G g) ⊙ (Bᵀ d)];
 * transposed, uᵀy = gᵀ Gᵀ[(A u) ⊙ (Bᵀ d)], so per (co, ci) dW = Gᵀ · Σ_tiles (A U Aᵀ) ⊙ (Bᵀ D B) · G. The sum over
 * tiles (of all samples) runs in the transformed domain: each of the 16 positions ξ is a GEMM M[ξ][co][ci] = Σ_t
 * DY[ξ][t][co] · X[ξ][t][ci] whose reduction is the tiles, 16 multiplies per tile and (co, ci) instead of the direct
 * loop's 36, and the 3 × 3 output transform runs once, at the end. Missing dy rows and columns (odd outH, outW) and x
 * outside the image are zeros.
 *
 * <p>The tiling: tiles are taken in blocks (whole samples, or runs of tile rows of one sample) of at most {@link
 * #tilesPerBlock} tiles. A block's x and dy are first staged channels-last (x with its padding zeros, channels
 * padded to vectors), so that the transforms run with vectors over channels; then for each row a of the 4 × 4
 * transform, the 4 positions ξ = 4a..4a+3 are transformed into a buffer laid out as [ξ][channel vector][tile][lane]
 * and multiplied by {@link #kernel4x2} (4 out channels broadcast × 2 vectors of in channels, 8 accumulators, which
 * C2 keeps in registers with 16; {@link #kernel8x2} with 32) into the chunk's M. The blocks are dealt in fixed contiguous chunks (boundaries from
 * the shape only), each with its own M; the chunks' Ms are summed in chunk order, so the bits do not depend on the
 * thread count.
 */
final class ConvWinogradWeight {
    private ConvWinogradWeight() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** Whether {@link ConvDispatch#conv2dBackwardWeight} routes here: false with {@code -Dkiln.conv.winogradWeight=false}. */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.winogradWeight", "true").trim());

    /**
     * Floats of one row-group's transformed tiles (4 positions × tiles × channels of x and dy) at most: 4 MiB. Larger
     * blocks beat L2-sized ones (1 MiB, 256 KiB) on the wide layers, whose M is read and written once a block, and
     * changed nothing on narrow ones (which reach {@link #MAX_TILES} first).
     */
    static final int GROUP_FLOATS = 1 << 20;

    /** Tiles per block at most (and at least {@link #MIN_TILES} where a block can hold them). */
    static final int MAX_TILES = 1024;
    static final int MIN_TILES = 32;

    /**
     * Tiles per GEMM pass at most: a pass's two vectors of x and its L-float lines of dy per tile stay within
     * 32 KiB of L1 (256 tiles at 8 lanes, 128 at 16).
     */
    static final int KC = Integer.highestOneBit(8192 / (3 * L));

    /**
     * Out channels per GEMM tile: 8 with 32 registers (8 × 2 vectors, 16 accumulators; 8 × 1 keeps 8 FMA chains
     * where one vector holds all the in channels, as 16 of them do at 16 lanes), else 4 (4 × 2: 8 accumulators
     * within 16 registers).
     */
    static final int ROWS = DirectConvKernels.WIDE && L % 8 == 0 ? 8 : 4;

    /** Chunks (M partials) at most, and their floats at most together (32 MiB, kept by the calling thread). */
    static final int MAX_CHUNKS = 8;
    static final long PARTIAL_FLOATS = 1L << 23;

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] xs = new float[0];
        float[] ds = new float[0];
        float[] xt = new float[0];
        float[] dt = new float[0];
        float[] partials = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Whether the shape is one this kernel computes (vectors on, 3 × 3, stride 1, dilation 1, one group, padding ≤ 1). */
    static boolean applies(ConvShape s) {
        return Simd.ENABLED && s.kH() == 3 && s.kW() == 3 && s.strideH() == 1 && s.strideW() == 1
                && s.dilationH() == 1 && s.dilationW() == 1 && s.groups() == 1 && s.padH() >= 0 && s.padH() <= 1
                && s.padW() >= 0 && s.padW() <= 1 && s.outH() >= 1 && s.outW() >= 1 && s.n() >= 1;
    }

    /**
     * Whether {@link ConvDispatch#conv2dBackwardWeight} takes this kernel for the shape: where it measured faster
     * (benchmarks-jmh/BENCHMARKS-notes.md, "Winograd F(3×3, 2×2) weight gradient"; x = main's time / this one's).
     * With 16 registers and 8 lanes (AVX2), from 16 channels in and out, where the direct tiles hit C2's register
     * wall: kiln train cnn's 16- and 32-channel layers 1.14-1.28x, ResNet-18's 1.19-1.96x. With 32 registers
     * (AVX-512) from 64 channels: ResNet-18's 1.13-1.50x, while on cnn's 16 channels (one vector of 16 lanes) the
     * direct tiles win (0.71-0.74x) and 32 tie. Outputs under 100 positions (7 × 7) only from 128 channels: cnn's
     * 64 × 7 × 7 tied at both widths (0.95-1.01x; 49 of a tile grid's 64 positions are real), ResNet-18's 512 won.
     * Other widths (128-bit) were not measured and keep their paths.
     */
    static boolean routes(ConvShape s) {
        if (!enabled || !applies(s)) {
            return false;
        }
        int min = DirectConvKernels.WIDE ? 64 : L == 8 ? 16 : Integer.MAX_VALUE;
        int channels = Math.min(s.cIn(), s.cOut());
        return channels >= min && ((long) s.outH() * s.outW() >= 100 || channels >= 128);
    }

    /** Padded channel counts: a whole number of vectors. */
    private static int padded(int c) {
        return (c + L - 1) / L * L;
    }

    /** Tiles per block: the row-group buffers within {@link #GROUP_FLOATS}, within [{@link #MIN_TILES}, {@link #MAX_TILES}]. */
    static int tilesPerBlock(ConvShape s) {
        int per = GROUP_FLOATS / (4 * (padded(s.cIn()) + padded(s.cOut())));
        return Math.max(MIN_TILES, Math.min(MAX_TILES, per));
    }

    /** The blocks of tiles: whole samples when one fits, else runs of tile rows of one sample. */
    private record Blocks(int th, int tw, int samplesPer, int rowsPer, int perSample, int count) {
        static Blocks of(ConvShape s) {
            int th = (s.outH() + 1) / 2;
            int tw = (s.outW() + 1) / 2;
            int max = tilesPerBlock(s);
            if (th * tw <= max) {
                int spb = max / (th * tw);
                return new Blocks(th, tw, spb, th, 0, (s.n() + spb - 1) / spb);
            }
            int rpb = Math.max(1, max / tw);
            int bps = (th + rpb - 1) / rpb;
            return new Blocks(th, tw, 1, rpb, bps, s.n() * bps);
        }

        int n0(int b) {
            return perSample == 0 ? b * samplesPer : b / perSample;
        }

        int samples(int b, int n) {
            return perSample == 0 ? Math.min(samplesPer, n - b * samplesPer) : 1;
        }

        int i0(int b) {
            return perSample == 0 ? 0 : b % perSample * rowsPer;
        }

        int rows(int b) {
            return perSample == 0 ? th : Math.min(rowsPer, th - i0(b));
        }
    }

    /** dW (overwritten, [cOut][cIn][3][3] at dwOff) = Σ over samples and positions of dy · x at each tap. */
    static void weight(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s) {
        int ciP = padded(s.cIn());
        int coP = padded(s.cOut());
        Blocks bl = Blocks.of(s);
        int mSize = 16 * coP * ciP;
        int chunks = (int) Math.max(1, Math.min(Math.min(MAX_CHUNKS, bl.count()), PARTIAL_FLOATS / mSize));
        Scratch sc = SCRATCH.get();
        sc.partials = HostArrays.atLeast(sc.partials, (long) chunks * mSize);
        float[] partials = sc.partials;
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                int m0 = c * mSize;
                Arrays.fill(partials, m0, m0 + mSize, 0f);
                int b0 = (int) ((long) c * bl.count() / chunks);
                int b1 = (int) ((long) (c + 1) * bl.count() / chunks);
                for (int b = b0; b < b1; b++) {
                    block(partials, m0, dya, dyOff, xa, xOff, s, bl, b, ciP, coP);
                }
            }
        });
        int cIn = s.cIn();
        int cOut = s.cOut();
        Parallel.forRange(cOut, 1, (lo, hi) -> {
            float[] r = new float[12 * L];
            float[] d = new float[9 * L];
            for (int co = lo; co < hi; co++) {
                for (int ci0 = 0; ci0 < cIn; ci0 += L) {
                    int at = co * ciP + ci0;
                    // rows: R[kh][b] = Σ_a G[a][kh] · M[4a + b], each M the chunks' sum in chunk order
                    for (int b = 0; b < 4; b++) {
                        // written out, not a helper: a helper returning vectors would need JitDirectives
                        int o0 = at + b * coP * ciP;
                        int o1 = o0 + 4 * coP * ciP;
                        int o2 = o1 + 4 * coP * ciP;
                        int o3 = o2 + 4 * coP * ciP;
                        FloatVector m0 = FloatVector.fromArray(S, partials, o0);
                        FloatVector m1 = FloatVector.fromArray(S, partials, o1);
                        FloatVector m2 = FloatVector.fromArray(S, partials, o2);
                        FloatVector m3 = FloatVector.fromArray(S, partials, o3);
                        for (int c = 1; c < chunks; c++) {
                            int e = c * mSize;
                            m0 = m0.add(FloatVector.fromArray(S, partials, e + o0));
                            m1 = m1.add(FloatVector.fromArray(S, partials, e + o1));
                            m2 = m2.add(FloatVector.fromArray(S, partials, e + o2));
                            m3 = m3.add(FloatVector.fromArray(S, partials, e + o3));
                        }
                        FloatVector half = m1.add(m2).mul(0.5f);
                        m0.add(half).intoArray(r, b * L);
                        m1.sub(m2).mul(0.5f).intoArray(r, (4 + b) * L);
                        half.add(m3).intoArray(r, (8 + b) * L);
                    }
                    // columns: dW[kh][kw] = Σ_b R[kh][b] · G[b][kw]
                    for (int kh = 0; kh < 3; kh++) {
                        FloatVector m0 = FloatVector.fromArray(S, r, (4 * kh) * L);
                        FloatVector m1 = FloatVector.fromArray(S, r, (4 * kh + 1) * L);
                        FloatVector m2 = FloatVector.fromArray(S, r, (4 * kh + 2) * L);
                        FloatVector m3 = FloatVector.fromArray(S, r, (4 * kh + 3) * L);
                        FloatVector half = m1.add(m2).mul(0.5f);
                        m0.add(half).intoArray(d, (3 * kh) * L);
                        m1.sub(m2).mul(0.5f).intoArray(d, (3 * kh + 1) * L);
                        half.add(m3).intoArray(d, (3 * kh + 2) * L);
                    }
                    int lanes = Math.min(L, cIn - ci0);
                    for (int i = 0; i < lanes; i++) {
                        int o = dwOff + (co * cIn + ci0 + i) * 9;
                        for (int k = 0; k < 9; k++) {
                            dw[o + k] = d[k * L + i];
                        }
                    }
                }
            }
        });
    }

    /** One block: stage, then per transform row a, transform 4 positions and add their GEMMs into M at m[mOff]. */
    private static void block(float[] m, int mOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s,
                              Blocks bl, int b, int ciP, int coP) {
        int n0 = bl.n0(b);
        int nc = bl.samples(b, s.n());
        int i0 = bl.i0(b);
        int ic = bl.rows(b);
        int tw = bl.tw();
        int tiles = nc * ic * tw;
        int hs = 2 * ic + 2;
        int ws = 2 * tw + 2;
        int hd = 2 * ic;
        int wd = 2 * tw;
        Scratch sc = SCRATCH.get();
        sc.xs = HostArrays.atLeast(sc.xs, (long) nc * hs * ws * ciP);
        sc.ds = HostArrays.atLeast(sc.ds, (long) nc * hd * wd * coP);
        sc.xt = HostArrays.atLeast(sc.xt, 4L * tiles * ciP);
        sc.dt = HostArrays.atLeast(sc.dt, 4L * tiles * coP);
        float[] xs = sc.xs;
        float[] ds = sc.ds;
        float[] xt = sc.xt;
        float[] dt = sc.dt;
        // x channels-last: staged row r, column c is x row 2·i0 − padH + r, column c − padW; zeros outside and in
        // the padding channels. Position by position, channels inner: the writes run along the buffer and the
        // reads along cIn planes at once
        int h = s.h();
        int w = s.w();
        int hw = h * w;
        int cIn = s.cIn();
        int rTop = 2 * i0 - s.padH();
        int[] xIdx = new int[L];
        int[] yIdx = new int[L];
        for (int i = 0; i < L; i++) {
            xIdx[i] = i * hw;
            yIdx[i] = i * s.outH() * s.outW();
        }
        for (int nn = 0; nn < nc; nn++) {
            int src0 = xOff + (n0 + nn) * cIn * hw;
            for (int r = 0; r < hs; r++) {
                int xr = rTop + r;
                int dst = (nn * hs + r) * ws * ciP;
                if (xr < 0 || xr >= h) {
                    Arrays.fill(xs, dst, dst + ws * ciP, 0f);
                    continue;
                }
                for (int c = 0; c < ws; c++, dst += ciP) {
                    int xc = c - s.padW();
                    if (xc < 0 || xc >= w) {
                        Arrays.fill(xs, dst, dst + ciP, 0f);
                        continue;
                    }
                    int src = src0 + xr * w + xc;
                    int ci = 0;
                    // a vector of channels by one gather (about 1.5x faster than float by float in the staging)
                    for (; ci + L <= cIn; ci += L) {
                        FloatVector.fromArray(S, xa, src + ci * hw, xIdx, 0).intoArray(xs, dst + ci);
                    }
                    for (; ci < cIn; ci++) {
                        xs[dst + ci] = xa[src + ci * hw];
                    }
                    for (; ci < ciP; ci++) {
                        xs[dst + ci] = 0f;
                    }
                }
            }
        }
        // dy channels-last: staged row r is dy row 2·i0 + r; zeros past outH, outW
        int oh = s.outH();
        int ow = s.outW();
        int ohw = oh * ow;
        int cOut = s.cOut();
        for (int nn = 0; nn < nc; nn++) {
            int src0 = dyOff + (n0 + nn) * cOut * ohw;
            for (int r = 0; r < hd; r++) {
                int yr = 2 * i0 + r;
                int dst = (nn * hd + r) * wd * coP;
                if (yr >= oh) {
                    Arrays.fill(ds, dst, dst + wd * coP, 0f);
                    continue;
                }
                for (int c = 0; c < wd; c++, dst += coP) {
                    if (c >= ow) {
                        Arrays.fill(ds, dst, dst + coP, 0f);
                        continue;
                    }
                    int src = src0 + yr * ow + c;
                    int co = 0;
                    for (; co + L <= cOut; co += L) {
                        FloatVector.fromArray(S, dya, src + co * ohw, yIdx, 0).intoArray(ds, dst + co);
                    }
                    for (; co < cOut; co++) {
                        ds[dst + co] = dya[src + co * ohw];
                    }
                    for (; co < coP; co++) {
                        ds[dst + co] = 0f;
                    }
                }
            }
        }
        int ciG = ciP / L;
        int coG = coP / L;
        for (int a = 0; a < 4; a++) {
            transformX(xt, xs, a, nc, ic, tw, hs, ws, ciP, tiles);
            transformDy(dt, ds, a, nc, ic, tw, hd, wd, coP, tiles);
            for (int xi = 0; xi < 4; xi++) {
                int mx = mOff + (4 * a + xi) * coP * ciP;
                for (int k0 = 0; k0 < tiles; k0 += KC) {
                    int kc = Math.min(KC, tiles - k0);
                    for (int g = 0; g < coG; g++) {
                        int aBase = ((xi * coG + g) * tiles + k0) * L;
                        for (int r0 = 0; r0 < L; r0 += ROWS) {
                            int mRow = mx + (g * L + r0) * ciP;
                            int h2 = 0;
                            for (; h2 + 1 < ciG; h2 += 2) {
                                int bBase = ((xi * ciG + h2) * tiles + k0) * L;
                                if (ROWS == 8) {
                                    kernel8x2(m, mRow + h2 * L, ciP, dt, aBase + r0, xt, bBase, tiles * L, kc);
                                } else {
                                    kernel4x2(m, mRow + h2 * L, ciP, dt, aBase + r0, xt, bBase, tiles * L, kc);
                                }
                            }
                            if (h2 < ciG) {
                                int bBase = ((xi * ciG + h2) * tiles + k0) * L;
                                if (ROWS == 8) {
                                    kernel8x1(m, mRow + h2 * L, ciP, dt, aBase + r0, xt, bBase, kc);
                                } else {
                                    kernel4x1(m, mRow + h2 * L, ciP, dt, aBase + r0, xt, bBase, kc);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Bᵀ D B's row a for every tile of the block, vectors over in channels: Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0],
     * [0, −1, 1, 0], [0, 1, 0, −1]], so row a is staged row p ± row q (p, q, sign below), then Bᵀ on its columns.
     * Out: xt[((b · ciG + g) · tiles + t) · L + lane] for ξ = 4a + b.
     */
    private static void transformX(float[] xt, float[] xs, int a, int nc, int ic, int tw, int hs, int ws, int ciP,
                                   int tiles) {
        int p = a == 3 ? 1 : a == 2 ? 2 : a;
        int q = a == 0 ? 2 : a == 3 ? 3 : a == 1 ? 2 : 1;
        FloatVector sign = FloatVector.broadcast(S, a == 1 ? 1f : -1f);
        int ciG = ciP / L;
        int plane = tiles * L;
        int rowStride = ws * ciP;
        int t = 0;
        for (int nn = 0; nn < nc; nn++) {
            for (int ii = 0; ii < ic; ii++) {
                for (int j = 0; j < tw; j++, t++) {
                    int base = ((nn * hs + 2 * ii) * ws + 2 * j) * ciP;
                    int rp = base + p * rowStride;
                    int rq = base + q * rowStride;
                    for (int g = 0; g < ciG; g++) {
                        int o = g * L;
                        FloatVector v0 = FloatVector.fromArray(S, xs, rq + o).fma(sign, FloatVector.fromArray(S, xs, rp + o));
                        FloatVector v1 = FloatVector.fromArray(S, xs, rq + ciP + o)
                                .fma(sign, FloatVector.fromArray(S, xs, rp + ciP + o));
                        FloatVector v2 = FloatVector.fromArray(S, xs, rq + 2 * ciP + o)
                                .fma(sign, FloatVector.fromArray(S, xs, rp + 2 * ciP + o));
                        FloatVector v3 = FloatVector.fromArray(S, xs, rq + 3 * ciP + o)
                                .fma(sign, FloatVector.fromArray(S, xs, rp + 3 * ciP + o));
                        int out = (g * tiles + t) * L;
                        v0.sub(v2).intoArray(xt, out);
                        v1.add(v2).intoArray(xt, out + ciG * plane);
                        v2.sub(v1).intoArray(xt, out + 2 * ciG * plane);
                        v1.sub(v3).intoArray(xt, out + 3 * ciG * plane);
                    }
                }
            }
        }
    }

    /**
     * A U Aᵀ's row a for every tile, vectors over out channels: A = [[1, 0], [1, 1], [1, −1], [0, −1]], so row a is
     * ca·(dy row 0) + cb·(dy row 1), then A on its two columns e, o: (e, e + o, e − o, −o).
     * Out: dt[((b · coG + g) · tiles + t) · L + lane] for ξ = 4a + b.
     */
    private static void transformDy(float[] dt, float[] ds, int a, int nc, int ic, int tw, int hd, int wd, int coP,
                                    int tiles) {
        FloatVector ca = FloatVector.broadcast(S, a == 3 ? 0f : 1f);
        FloatVector cb = FloatVector.broadcast(S, a == 0 ? 0f : a == 1 ? 1f : -1f);
        int coG = coP / L;
        int plane = tiles * L;
        int rowStride = wd * coP;
        int t = 0;
        for (int nn = 0; nn < nc; nn++) {
            for (int ii = 0; ii < ic; ii++) {
                for (int j = 0; j < tw; j++, t++) {
                    int u0 = ((nn * hd + 2 * ii) * wd + 2 * j) * coP;
                    int u1 = u0 + rowStride;
                    for (int g = 0; g < coG; g++) {
                        int o = g * L;
                        FloatVector e = FloatVector.fromArray(S, ds, u1 + o)
                                .fma(cb, FloatVector.fromArray(S, ds, u0 + o).mul(ca));
                        FloatVector od = FloatVector.fromArray(S, ds, u1 + coP + o)
                                .fma(cb, FloatVector.fromArray(S, ds, u0 + coP + o).mul(ca));
                        int out = (g * tiles + t) * L;
                        e.intoArray(dt, out);
                        e.add(od).intoArray(dt, out + coG * plane);
                        e.sub(od).intoArray(dt, out + 2 * coG * plane);
                        od.neg().intoArray(dt, out + 3 * coG * plane);
                    }
                }
            }
        }
    }

    /**
     * m[4 rows × 2L] += A (4 out channels at a[aOff + p·L + r]) times B (2 vectors at b[bOff + p·L] and
     * b[bOff + bNext + p·L]) over p &lt; kc. Written out by hand, as {@link dev.kiln.kernels.cpu.gemm.SgemmKernel}'s
     * tiles are, so that no vector crosses a call.
     */
    static void kernel4x2(float[] m, int mOff, int ldm, float[] a, int aOff, float[] b, int bOff, int bNext, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        int b1Off = bOff + bNext;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bOff + p * L);
            FloatVector b1 = FloatVector.fromArray(S, b, b1Off + p * L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        int r = mOff;
        c00.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c01.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c10.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c11.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c20.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c21.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c30.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c31.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
    }

    /** {@link #kernel4x2} with one vector of in channels (the last of an odd count). */
    static void kernel4x1(float[] m, int mOff, int ldm, float[] a, int aOff, float[] b, int bOff, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bOff + p * L);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3]).fma(b0, c3);
        }
        int r = mOff;
        c0.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c1.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c2.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c3.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
    }

    /** {@link #kernel4x2} with 8 out channels (16 accumulators: 32 registers). */
    static void kernel8x2(float[] m, int mOff, int ldm, float[] a, int aOff, float[] b, int bOff, int bNext, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        int b1Off = bOff + bNext;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bOff + p * L);
            FloatVector b1 = FloatVector.fromArray(S, b, b1Off + p * L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int r = mOff;
        c00.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c01.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c10.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c11.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c20.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c21.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c30.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c31.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c40.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c41.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c50.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c51.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c60.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c61.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
        r += ldm;
        c70.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        c71.add(FloatVector.fromArray(S, m, r + L)).intoArray(m, r + L);
    }

    /** {@link #kernel8x2} with one vector of in channels. */
    static void kernel8x1(float[] m, int mOff, int ldm, float[] a, int aOff, float[] b, int bOff, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bOff + p * L);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[ai + 4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[ai + 5]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[ai + 6]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[ai + 7]).fma(b0, c7);
        }
        int r = mOff;
        c0.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c1.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c2.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c3.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c4.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c5.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c6.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
        r += ldm;
        c7.add(FloatVector.fromArray(S, m, r)).intoArray(m, r);
    }
}
