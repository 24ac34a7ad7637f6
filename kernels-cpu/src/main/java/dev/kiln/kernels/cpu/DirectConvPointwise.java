package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Strided 1×1 convolutions with few channels (kiln train cnn's 16 → 32 and 32 → 64 shortcuts, stride 2), one
 * sample at a time: the forward and both gradients are small GEMMs over a sample's positions (out channels ×
 * in channels × 196 or 49), so im2col + SGEMM spent its time copying the whole batch's subsampled input into
 * a patch matrix, packing it, copying the product back into NCHW and, for the input gradient, folding a
 * column matrix back with col2im. Here each sample's subsampled input planes are copied into a small buffer
 * that stays in L1 and multiplied straight into its output planes, vectors of positions by broadcast weights;
 * the input gradient multiplies dy in place and scatters each plane into every stride-th cell of dx (half
 * vectors spread over whole ones at stride 2); the weight gradient lays batches of samples side by side and
 * keeps a vector of partial sums per (out, in) channel pair.
 *
 * <p>Tiles of 4 rows × 3 vectors of positions (12 accumulators, 16 registers in all) and, for the weight
 * gradient, 4 × 2 channel pairs (8 accumulators): they fit a 16-register file (AVX2) and leave half of 32
 * free, so the same tiles serve both, AVX-512 on Intel or Zen 4 included (nothing here depends on the vendor:
 * the work is a few MFLOP per layer and bound by moving the planes, not by the FMA ports or the shuffles). A plane whose length is not a multiple of the tile takes a last vector overlapping the one
 * before it (the overlap is written twice with the same sums). Each output is summed in one fixed order, the
 * weight gradient over fixed chunks of samples added in chunk order, so results do not depend on the thread
 * count.
 */
final class DirectConvPointwise {
    private DirectConvPointwise() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /** False with {@code -Dkiln.conv.pointwiseStrided=false}: im2col + SGEMM as before (A/B runs). */
    static final boolean ENABLED = Simd.ENABLED
            && !"false".equalsIgnoreCase(System.getProperty("kiln.conv.pointwiseStrided", "true").trim());

    /** Channels per group in and out up to which a 1×1 convolution takes these kernels. */
    static final int MAX_CHANNELS = 64;

    /** Chunks of samples whose weight-gradient partials are summed apart (as many as ConvDispatch's lanes). */
    static final int CHUNKS = 8;

    /**
     * A 1×1 kernel, no padding, a stride above 1 (stride 1 reads the input in place already, {@link
     * ConvDispatch#pointwise}), at most {@link #MAX_CHANNELS} channels per group both ways (wider layers keep
     * SGEMM's blocking, which pays off there) and at least a vector of output positions per plane.
     */
    static boolean applies(ConvShape s) {
        return s.kH() == 1 && s.kW() == 1 && s.padH() == 0 && s.padW() == 0 && (s.strideH() > 1 || s.strideW() > 1)
                && s.cInPerGroup() <= MAX_CHANNELS && s.cOutPerGroup() <= MAX_CHANNELS
                && (long) s.outH() * s.outW() >= L
                && (long) (s.outH() - 1) * s.strideH() < s.h() && (long) (s.outW() - 1) * s.strideW() < s.w();
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        /** A sample's subsampled input planes (forward, weight gradient) or dx planes before the scatter. */
        float[] planes = new float[0];
        /** A sample's dy planes with their tails zeroed (weight gradient). */
        float[] dy = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The weight gradient's chunk partials (the calling thread's). */
    private static final ThreadLocal<float[][]> PARTIALS = ThreadLocal.withInitial(() -> new float[][] {{}});

    /** y = conv2d(x, w) + bias for a shape {@link #applies} takes. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        int spatial = s.outH() * s.outW();
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int plane = s.h() * s.w();
        Parallel.forRange(s.n() * s.groups(), 1, (lo, hi) -> {
            Scratch sc = SCRATCH.get();
            sc.planes = HostArrays.atLeast(sc.planes, (long) cpg * spatial);
            float[] xs = sc.planes;
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                subsample(xs, spatial, 0, xa, xOff + (n * s.cIn() + g * cpg) * plane, cpg, s);
                multiply(y, yOff + (n * s.cOut() + g * opg) * spatial, spatial, wa, wOff + g * opg * cpg, cpg, 1,
                        xs, 0, spatial, opg, cpg, spatial, ba, ba == null ? 0 : bOff + g * opg);
            }
        });
    }

    /** dx = the input gradient of a shape {@link #applies} takes: Wᵀ · dy per sample, scattered. */
    static void backwardInput(float[] dx, int dxOff, float[] dya, int dyOff, float[] wa, int wOff, ConvShape s) {
        int spatial = s.outH() * s.outW();
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int plane = s.h() * s.w();
        Parallel.forRange(s.n() * s.groups(), 1, (lo, hi) -> {
            Scratch sc = SCRATCH.get();
            sc.planes = HostArrays.atLeast(sc.planes, (long) cpg * spatial + L);
            float[] dxs = sc.planes;
            for (int u = lo; u < hi; u++) {
                int n = u / s.groups();
                int g = u % s.groups();
                // A(c, o) = W[g·opg + o, c]: row stride 1, column stride cpg
                multiply(dxs, 0, spatial, wa, wOff + g * opg * cpg, 1, cpg, dya, dyOff + (n * s.cOut() + g * opg) * spatial,
                        spatial, cpg, opg, spatial, null, 0);
                scatter(dx, dxOff + (n * s.cIn() + g * cpg) * plane, dxs, spatial, cpg, s);
            }
        });
    }

    /**
     * Floats per row of the weight gradient's side-by-side samples, about: a 4 × 2 tile streams 6 rows (24 KiB),
     * which stay in L1d (32 KiB on Zen 4, 48 on the Xeon) while it runs, and the row is long enough that loading
     * and storing the tile's partial sums costs little (a 7 × 7 plane alone is 4 vectors at 16 lanes).
     */
    static final int ROW = 1024;

    /** Samples side by side in the weight gradient's rows: as many as fill about {@link #ROW} floats, at least 1. */
    static int batch(ConvShape s) {
        return Math.max(1, ROW / (s.outH() * s.outW()));
    }

    /**
     * dW = the weight gradient of a shape {@link #applies} takes: Σ over samples and positions of dy · xᵀ. The
     * samples go in {@link #CHUNKS} fixed chunks, each in batches of {@link #batch} whose dy and subsampled x
     * planes lie side by side in one row per channel (its tail zeroed to a whole vector); each (out, in) pair
     * keeps a vector of partial sums per chunk, and the chunks are added in order.
     */
    static void backwardWeight(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s) {
        int spatial = s.outH() * s.outW();
        int per = batch(s);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int plane = s.h() * s.w();
        int chunks = Math.min(s.n(), CHUNKS);
        int pairs = s.cOut() * cpg; // (g, o, c), the weight's own order
        float[][] held = PARTIALS.get();
        held[0] = HostArrays.atLeast(held[0], (long) chunks * pairs * L);
        float[] part = held[0];
        int most = (per * spatial + L - 1) / L * L;
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            Scratch sc = SCRATCH.get();
            sc.planes = HostArrays.atLeast(sc.planes, (long) cpg * most);
            sc.dy = HostArrays.atLeast(sc.dy, (long) opg * most);
            float[] xs = sc.planes;
            float[] dys = sc.dy;
            for (int chunk = lo; chunk < hi; chunk++) {
                int acc = chunk * pairs * L;
                Arrays.fill(part, acc, acc + pairs * L, 0f);
                int first = (int) ((long) s.n() * chunk / chunks);
                int last = (int) ((long) s.n() * (chunk + 1) / chunks);
                for (int n0 = first; n0 < last; n0 += per) {
                    int nb = Math.min(per, last - n0);
                    int used = nb * spatial;
                    int ld = (used + L - 1) / L * L;
                    for (int g = 0; g < s.groups(); g++) {
                        for (int bi = 0; bi < nb; bi++) {
                            int n = n0 + bi;
                            subsample(xs, ld, bi * spatial, xa, xOff + (n * s.cIn() + g * cpg) * plane, cpg, s);
                            int src = dyOff + (n * s.cOut() + g * opg) * spatial;
                            for (int o = 0; o < opg; o++) {
                                System.arraycopy(dya, src + o * spatial, dys, o * ld + bi * spatial, spatial);
                            }
                        }
                        if (ld > used) {
                            for (int c = 0; c < cpg; c++) {
                                Arrays.fill(xs, c * ld + used, (c + 1) * ld, 0f);
                            }
                            for (int o = 0; o < opg; o++) {
                                Arrays.fill(dys, o * ld + used, (o + 1) * ld, 0f);
                            }
                        }
                        accumulate(part, acc + g * opg * cpg * L, dys, xs, ld, opg, cpg);
                    }
                }
            }
        });
        // the chunks' partials in chunk order, then each pair's lanes in Simd.sum's fixed order
        for (int i = 0; i < pairs; i++) {
            FloatVector v = FloatVector.fromArray(S, part, i * L);
            for (int chunk = 1; chunk < chunks; chunk++) {
                v = v.add(FloatVector.fromArray(S, part, (chunk * pairs + i) * L));
            }
            dw[dwOff + i] = Simd.sum(v);
        }
    }

    /** xs[c·ld + at + p] = x[c, oh·strideH, ow·strideW] for c &lt; channels, p = oh·outW + ow. */
    private static void subsample(float[] xs, int ld, int at, float[] xa, int xOff, int channels, ConvShape s) {
        int outW = s.outW();
        int sH = s.strideH();
        int sW = s.strideW();
        int plane = s.h() * s.w();
        for (int c = 0; c < channels; c++) {
            int d = c * ld + at;
            for (int oh = 0; oh < s.outH(); oh++) {
                int src = xOff + c * plane + oh * sH * s.w();
                for (int ow = 0; ow < outW; ow++) {
                    xs[d++] = xa[src + ow * sW];
                }
            }
        }
    }

    /** Lane j takes lane j / 2: half a vector spread over the even lanes (the odd ones zeroed under {@link #EVEN}). */
    private static final jdk.incubator.vector.VectorShuffle<Float> SPREAD =
            jdk.incubator.vector.VectorShuffle.fromOp(S, j -> j / 2);
    private static final jdk.incubator.vector.VectorMask<Float> EVEN =
            jdk.incubator.vector.VectorMask.fromLong(S, 0x5555_5555_5555_5555L & ((1L << L) - 1));

    /**
     * dx[c, oh·strideH, ow·strideW] = dxs[c·spatial + oh·outW + ow], every other cell of the planes 0: rows no
     * output reaches are filled with zeros; the others, with stride 2 along an even row, half a vector of dxs at a
     * time spread over a vector of cells (the last one overlapping); other shapes float by float over zeroed planes. dxs
     * holds a vector past its last plane (the spreads read a whole vector of it).
     */
    private static void scatter(float[] dx, int dxOff, float[] dxs, int spatial, int channels, ConvShape s) {
        int outW = s.outW();
        int w = s.w();
        int sH = s.strideH();
        int sW = s.strideW();
        int plane = s.h() * w;
        int half = L / 2;
        boolean spread = sW == 2 && w == 2 * outW && outW >= half && L >= 2;
        for (int c = 0; c < channels; c++) {
            int base = dxOff + c * plane;
            int src = c * spatial;
            if (!spread) {
                Arrays.fill(dx, base, base + plane, 0f);
                for (int oh = 0; oh < s.outH(); oh++) {
                    int d = base + oh * sH * w;
                    for (int ow = 0; ow < outW; ow++) {
                        dx[d + ow * sW] = dxs[src++];
                    }
                }
                continue;
            }
            for (int ih = 0; ih < s.h(); ih++) {
                int d = base + ih * w;
                int oh = ih / sH;
                if (ih % sH != 0 || oh >= s.outH()) {
                    Arrays.fill(dx, d, d + w, 0f);
                    continue;
                }
                int row = src + oh * outW;
                for (int ow0 = 0; ow0 < outW; ow0 += half) {
                    int ow = Math.min(ow0, outW - half);
                    FloatVector.fromArray(S, dxs, row + ow).rearrange(SPREAD, EVEN).intoArray(dx, d + 2 * ow);
                }
            }
        }
    }

    /**
     * out[oOff + m·ldo + p] = Σ_k a[aOff + m·ars + k·acs] · b[bOff + k·ldb + p] (+ bias[biasOff + m]) for m &lt;
     * rows, p &lt; cols (cols at least a vector), k summed in order.
     */
    static void multiply(float[] out, int oOff, int ldo, float[] a, int aOff, int ars, int acs, float[] b, int bOff,
                         int ldb, int rows, int depth, int cols, float[] bias, int biasOff) {
        int m = 0;
        for (; m + 4 <= rows; m += 4) {
            int p = 0;
            for (; p + 3 * L <= cols; p += 3 * L) {
                tile4x3(out, oOff + m * ldo + p, ldo, a, aOff + m * ars, ars, acs, b, bOff + p, ldb, depth, bias,
                        biasOff + m);
            }
            for (; p < cols; p += L) {
                int q = Math.min(p, cols - L);
                tile4x1(out, oOff + m * ldo + q, ldo, a, aOff + m * ars, ars, acs, b, bOff + q, ldb, depth, bias,
                        biasOff + m);
            }
        }
        for (; m < rows; m++) {
            for (int p = 0; p < cols; p += L) {
                int q = Math.min(p, cols - L);
                tile1x1(out, oOff + m * ldo + q, a, aOff + m * ars, acs, b, bOff + q, ldb, depth, bias, biasOff + m);
            }
        }
    }

    private static void tile4x3(float[] out, int o, int ldo, float[] a, int ai, int ars, int acs, float[] b, int bi,
                                int ldb, int depth, float[] bias, int bo) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        for (int k = 0; k < depth; k++, ai += acs, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector w = FloatVector.broadcast(S, a[ai]);
            c00 = w.fma(b0, c00);
            c01 = w.fma(b1, c01);
            c02 = w.fma(b2, c02);
            w = FloatVector.broadcast(S, a[ai + ars]);
            c10 = w.fma(b0, c10);
            c11 = w.fma(b1, c11);
            c12 = w.fma(b2, c12);
            w = FloatVector.broadcast(S, a[ai + 2 * ars]);
            c20 = w.fma(b0, c20);
            c21 = w.fma(b1, c21);
            c22 = w.fma(b2, c22);
            w = FloatVector.broadcast(S, a[ai + 3 * ars]);
            c30 = w.fma(b0, c30);
            c31 = w.fma(b1, c31);
            c32 = w.fma(b2, c32);
        }
        if (bias != null) {
            FloatVector v = FloatVector.broadcast(S, bias[bo]);
            c00 = c00.add(v);
            c01 = c01.add(v);
            c02 = c02.add(v);
            v = FloatVector.broadcast(S, bias[bo + 1]);
            c10 = c10.add(v);
            c11 = c11.add(v);
            c12 = c12.add(v);
            v = FloatVector.broadcast(S, bias[bo + 2]);
            c20 = c20.add(v);
            c21 = c21.add(v);
            c22 = c22.add(v);
            v = FloatVector.broadcast(S, bias[bo + 3]);
            c30 = c30.add(v);
            c31 = c31.add(v);
            c32 = c32.add(v);
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + L);
        c02.intoArray(out, o + 2 * L);
        c10.intoArray(out, o + ldo);
        c11.intoArray(out, o + ldo + L);
        c12.intoArray(out, o + ldo + 2 * L);
        c20.intoArray(out, o + 2 * ldo);
        c21.intoArray(out, o + 2 * ldo + L);
        c22.intoArray(out, o + 2 * ldo + 2 * L);
        c30.intoArray(out, o + 3 * ldo);
        c31.intoArray(out, o + 3 * ldo + L);
        c32.intoArray(out, o + 3 * ldo + 2 * L);
    }

    private static void tile4x1(float[] out, int o, int ldo, float[] a, int ai, int ars, int acs, float[] b, int bi,
                                int ldb, int depth, float[] bias, int bo) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0; k < depth; k++, ai += acs, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + ars]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2 * ars]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3 * ars]).fma(b0, c3);
        }
        if (bias != null) {
            c0 = c0.add(bias[bo]);
            c1 = c1.add(bias[bo + 1]);
            c2 = c2.add(bias[bo + 2]);
            c3 = c3.add(bias[bo + 3]);
        }
        c0.intoArray(out, o);
        c1.intoArray(out, o + ldo);
        c2.intoArray(out, o + 2 * ldo);
        c3.intoArray(out, o + 3 * ldo);
    }

    private static void tile1x1(float[] out, int o, float[] a, int ai, int acs, float[] b, int bi, int ldb, int depth,
                                float[] bias, int bo) {
        FloatVector c0 = FloatVector.zero(S);
        for (int k = 0; k < depth; k++, ai += acs, bi += ldb) {
            c0 = FloatVector.broadcast(S, a[ai]).fma(FloatVector.fromArray(S, b, bi), c0);
        }
        if (bias != null) {
            c0 = c0.add(bias[bo]);
        }
        c0.intoArray(out, o);
    }

    /**
     * part[pOff + (o·cols + c)·L + lane] += Σ_v dys[o·ld + v·L + lane] · xs[c·ld + v·L + lane] for o &lt; rows, c &lt;
     * cols, over the ld / L vectors v of a row in order.
     */
    private static void accumulate(float[] part, int pOff, float[] dys, float[] xs, int ld, int rows, int cols) {
        int o = 0;
        for (; o + 4 <= rows; o += 4) {
            int c = 0;
            for (; c + 2 <= cols; c += 2) {
                pairs4x2(part, pOff + (o * cols + c) * L, cols * L, dys, o * ld, xs, c * ld, ld);
            }
            for (; c < cols; c++) {
                for (int r = o; r < o + 4; r++) {
                    pair1x1(part, pOff + (r * cols + c) * L, dys, r * ld, xs, c * ld, ld);
                }
            }
        }
        for (; o < rows; o++) {
            for (int c = 0; c < cols; c++) {
                pair1x1(part, pOff + (o * cols + c) * L, dys, o * ld, xs, c * ld, ld);
            }
        }
    }

    private static void pairs4x2(float[] part, int p, int row, float[] dys, int d, float[] xs, int x, int ld) {
        FloatVector a00 = FloatVector.fromArray(S, part, p);
        FloatVector a01 = FloatVector.fromArray(S, part, p + L);
        FloatVector a10 = FloatVector.fromArray(S, part, p + row);
        FloatVector a11 = FloatVector.fromArray(S, part, p + row + L);
        FloatVector a20 = FloatVector.fromArray(S, part, p + 2 * row);
        FloatVector a21 = FloatVector.fromArray(S, part, p + 2 * row + L);
        FloatVector a30 = FloatVector.fromArray(S, part, p + 3 * row);
        FloatVector a31 = FloatVector.fromArray(S, part, p + 3 * row + L);
        for (int v = 0; v < ld; v += L) {
            FloatVector x0 = FloatVector.fromArray(S, xs, x + v);
            FloatVector x1 = FloatVector.fromArray(S, xs, x + ld + v);
            FloatVector dv = FloatVector.fromArray(S, dys, d + v);
            a00 = dv.fma(x0, a00);
            a01 = dv.fma(x1, a01);
            dv = FloatVector.fromArray(S, dys, d + ld + v);
            a10 = dv.fma(x0, a10);
            a11 = dv.fma(x1, a11);
            dv = FloatVector.fromArray(S, dys, d + 2 * ld + v);
            a20 = dv.fma(x0, a20);
            a21 = dv.fma(x1, a21);
            dv = FloatVector.fromArray(S, dys, d + 3 * ld + v);
            a30 = dv.fma(x0, a30);
            a31 = dv.fma(x1, a31);
        }
        a00.intoArray(part, p);
        a01.intoArray(part, p + L);
        a10.intoArray(part, p + row);
        a11.intoArray(part, p + row + L);
        a20.intoArray(part, p + 2 * row);
        a21.intoArray(part, p + 2 * row + L);
        a30.intoArray(part, p + 3 * row);
        a31.intoArray(part, p + 3 * row + L);
    }

    private static void pair1x1(float[] part, int p, float[] dys, int d, float[] xs, int x, int ld) {
        FloatVector acc = FloatVector.fromArray(S, part, p);
        for (int v = 0; v < ld; v += L) {
            acc = FloatVector.fromArray(S, dys, d + v).fma(FloatVector.fromArray(S, xs, x + v), acc);
        }
        acc.intoArray(part, p);
    }
}
