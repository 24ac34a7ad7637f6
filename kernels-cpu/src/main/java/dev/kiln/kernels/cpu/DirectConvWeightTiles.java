package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;

import static dev.kiln.kernels.cpu.DirectConvKernels.L;
import static dev.kiln.kernels.cpu.DirectConvKernels.OC;
import static dev.kiln.kernels.cpu.DirectConvKernels.S;
import static dev.kiln.kernels.cpu.DirectConvKernels.STEP;
import static dev.kiln.kernels.cpu.DirectConvKernels.WIDE;

/**
 * The register tiles of {@link DirectConvWeight}, the direct convolution's weight gradient.
 *
 * <p>Channel-blocked tiles (most shapes): {@link #outs} output channels × {@link #taps} taps, each
 * accumulator a vector over a block of input channels, one weight per lane; a step is one output
 * position: the 3 input vectors (the block's channels at the 3 taps, consecutive floats) loaded
 * once, each out channel's dy broadcast once, one fused multiply-add per accumulator. With 32
 * vector registers 4 out channels (12 accumulators; dy interleaved by fours, or as it lies, NCHW, with one
 * block of input channels); with 16, 3 (9
 * accumulators + 3 loads + 3 broadcasts: C2 issues all of a step's loads before its FMAs) on dy
 * interleaved by threes, so that one index serves a step's broadcasts, and on a chunk of samples
 * side by side (sample-minor), so that a loop runs an output row of all of them. Each tile runs
 * only over the region of output positions where its taps read input, not padding ({@link
 * DirectConvWeight#regions}).
 *
 * <p>Positional tiles (for few input channels, where a block would be mostly zero lanes): 4 output
 * channels × {@code C} input channels for one tap, each accumulator a vector of partial
 * sums over positions, dy and x loaded once per step. {@code C} is 4 with 32 vector registers (16
 * accumulators, 4 + 4 loads) and 2 with 16 (8 accumulators). Written out by hand, with no helper
 * taking vectors (a helper C2 did not inline would box them). With {@code -Dkiln.simd=scalar} the
 * scalar tiles run, in the same order.
 */
final class DirectConvWeightTiles {
    private DirectConvWeightTiles() {
    }

    /**
     * Whether {@link #blockedTile4x3Fours} takes consecutive taps as constant displacements ({@link
     * #blockedTile4x3Unit}); {@code -Dkiln.conv.weightUnitTaps=false} reads every tap's offset from a register
     * (not final: A/B harnesses switch it in one JVM).
     */
    static boolean unitTaps = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightUnitTaps", "true").trim());

    /** Input channels per weight-gradient tile. */
    static final int C = WIDE ? 4 : 2;

    /** Input channels per block of the channel-blocked tiles: one per lane. */
    static final int LANES = L;

    /**
     * Out channels per channel-blocked tile for opg out channels per group: 4 with 32 vector
     * registers; with 16, 3 where tiles of 3 leave at most 1/16 of their rows empty (32 and 64 out
     * channels: 1.03-1.29× the 4 × 2 tile, whose ninth tap is padded to a tenth and whose step spends
     * 14 integer instructions on 8 FMAs), else 4 (16 out channels: tiles of 3 ran 0.92-0.98×).
     */
    static int outs(boolean wide, int opg) {
        return !wide && 16L * ((opg + 2) / 3 * 3) <= 17L * opg ? 3 : 4;
    }

    /** Ints per tap group in a tile's region ({@link DirectConvWeight#regions}): r0, r1, c0, c1, left, right. */
    static final int REGION = 6;

    /** Taps per channel-blocked tile: 3 (a kernel row of a 3 × 3 kernel), 2 for 4 × 2. */
    static int taps(boolean wide, int opg) {
        return wide || outs(wide, opg) == 3 ? 3 : 2;
    }

    /**
     * One weight-gradient tile for one tap: part[pOff + (r·C + c)·STEP + lane] (+)= Σ over samples
     * m in [0, samples) and positions q in [0, positions) of dyp[dOff + m·stride + r·ldd + q] ·
     * xp[xOff + m·stride + c·plane + tap + q], lane = q mod STEP, for the 4 out-channel rows r and C
     * input channels c; positions is a multiple of STEP. Samples are added in order; the first call
     * of a tile writes (accumulate false), later calls add.
     */
    static void weightTile(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff, int plane,
                           int tap, int positions, int samples, int stride, boolean accumulate) {
        if (!Simd.ENABLED) {
            weightTileScalar(part, pOff, dyp, dOff, ldd, xp, xOff, plane, tap, positions, samples, stride, accumulate);
        } else if (WIDE) {
            weightTile4x4(part, pOff, dyp, dOff, ldd, xp, xOff + tap, plane, positions, samples, stride, accumulate);
        } else {
            weightTile4x2(part, pOff, dyp, dOff, ldd, xp, xOff + tap, plane, positions, samples, stride, accumulate);
        }
    }

    private static void weightTileScalar(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff,
                                         int plane, int tap, int positions, int samples, int stride,
                                         boolean accumulate) {
        for (int r = 0; r < OC; r++) {
            for (int c = 0; c < C; c++) {
                int at = pOff + r * C + c;
                float a = accumulate ? part[at] : 0f;
                for (int m = 0; m < samples; m++) {
                    int d = dOff + m * stride + r * ldd;
                    int x = xOff + m * stride + c * plane + tap;
                    for (int q = 0; q < positions; q++) {
                        a = Math.fma(dyp[d + q], xp[x + q], a);
                    }
                }
                part[at] = a;
            }
        }
    }

    private static void weightTile4x4(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff,
                                      int plane, int positions, int samples, int stride, boolean accumulate) {
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + L);
            a02 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a03 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a10 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a12 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a13 = FloatVector.fromArray(S, part, pOff + 7 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 8 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 9 * L);
            a22 = FloatVector.fromArray(S, part, pOff + 10 * L);
            a23 = FloatVector.fromArray(S, part, pOff + 11 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 12 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 13 * L);
            a32 = FloatVector.fromArray(S, part, pOff + 14 * L);
            a33 = FloatVector.fromArray(S, part, pOff + 15 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z; a02 = z; a03 = z;
            a10 = z; a11 = z; a12 = z; a13 = z;
            a20 = z; a21 = z; a22 = z; a23 = z;
            a30 = z; a31 = z; a32 = z; a33 = z;
        }
        for (int m = 0, end = samples * stride; m < end; m += stride) {
            int d0 = dOff + m;
            int d1 = d0 + ldd;
            int d2 = d1 + ldd;
            int d3 = d2 + ldd;
            int x0 = xOff + m;
            int x1 = x0 + plane;
            int x2 = x1 + plane;
            int x3 = x2 + plane;
            for (int q = 0; q < positions; q += L) {
                FloatVector dy0 = FloatVector.fromArray(S, dyp, d0 + q);
                FloatVector dy1 = FloatVector.fromArray(S, dyp, d1 + q);
                FloatVector dy2 = FloatVector.fromArray(S, dyp, d2 + q);
                FloatVector dy3 = FloatVector.fromArray(S, dyp, d3 + q);
                FloatVector x = FloatVector.fromArray(S, xp, x0 + q);
                a00 = dy0.fma(x, a00);
                a10 = dy1.fma(x, a10);
                a20 = dy2.fma(x, a20);
                a30 = dy3.fma(x, a30);
                x = FloatVector.fromArray(S, xp, x1 + q);
                a01 = dy0.fma(x, a01);
                a11 = dy1.fma(x, a11);
                a21 = dy2.fma(x, a21);
                a31 = dy3.fma(x, a31);
                x = FloatVector.fromArray(S, xp, x2 + q);
                a02 = dy0.fma(x, a02);
                a12 = dy1.fma(x, a12);
                a22 = dy2.fma(x, a22);
                a32 = dy3.fma(x, a32);
                x = FloatVector.fromArray(S, xp, x3 + q);
                a03 = dy0.fma(x, a03);
                a13 = dy1.fma(x, a13);
                a23 = dy2.fma(x, a23);
                a33 = dy3.fma(x, a33);
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + L);
        a02.intoArray(part, pOff + 2 * L);
        a03.intoArray(part, pOff + 3 * L);
        a10.intoArray(part, pOff + 4 * L);
        a11.intoArray(part, pOff + 5 * L);
        a12.intoArray(part, pOff + 6 * L);
        a13.intoArray(part, pOff + 7 * L);
        a20.intoArray(part, pOff + 8 * L);
        a21.intoArray(part, pOff + 9 * L);
        a22.intoArray(part, pOff + 10 * L);
        a23.intoArray(part, pOff + 11 * L);
        a30.intoArray(part, pOff + 12 * L);
        a31.intoArray(part, pOff + 13 * L);
        a32.intoArray(part, pOff + 14 * L);
        a33.intoArray(part, pOff + 15 * L);
    }

    private static void weightTile4x2(float[] part, int pOff, float[] dyp, int dOff, int ldd, float[] xp, int xOff,
                                      int plane, int positions, int samples, int stride, boolean accumulate) {
        FloatVector a00, a01, a10, a11, a20, a21, a30, a31;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + L);
            a10 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 7 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z;
            a10 = z; a11 = z;
            a20 = z; a21 = z;
            a30 = z; a31 = z;
        }
        for (int m = 0, end = samples * stride; m < end; m += stride) {
            int d0 = dOff + m;
            int d1 = d0 + ldd;
            int d2 = d1 + ldd;
            int d3 = d2 + ldd;
            int xa = xOff + m;
            int x1 = xa + plane;
            for (int q = 0; q < positions; q += L) {
                FloatVector x0 = FloatVector.fromArray(S, xp, xa + q);
                FloatVector xb = FloatVector.fromArray(S, xp, x1 + q);
                FloatVector dy = FloatVector.fromArray(S, dyp, d0 + q);
                a00 = dy.fma(x0, a00);
                a01 = dy.fma(xb, a01);
                dy = FloatVector.fromArray(S, dyp, d1 + q);
                a10 = dy.fma(x0, a10);
                a11 = dy.fma(xb, a11);
                dy = FloatVector.fromArray(S, dyp, d2 + q);
                a20 = dy.fma(x0, a20);
                a21 = dy.fma(xb, a21);
                dy = FloatVector.fromArray(S, dyp, d3 + q);
                a30 = dy.fma(x0, a30);
                a31 = dy.fma(xb, a31);
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + L);
        a10.intoArray(part, pOff + 2 * L);
        a11.intoArray(part, pOff + 3 * L);
        a20.intoArray(part, pOff + 4 * L);
        a21.intoArray(part, pOff + 5 * L);
        a30.intoArray(part, pOff + 6 * L);
        a31.intoArray(part, pOff + 7 * L);
    }

    /**
     * One channel-blocked tile for 32 vector registers: part[pOff + (r·3 + t)·LANES + c] (+)= Σ over
     * samples m in [0, samples), output rows oh and columns ow of the tile's region of dy[dOff +
     * m·dyStride + min(o0 + r, rows − 1)·spatial + oh·outW + ow] · xb[xOff + m·xStride + (oh·pitch +
     * ow)·LANES + taps[tap0 + t] + c], for the 4 out channels r from o0 (those past the last repeat
     * it; their sums are dropped), the 3 taps t from tap0 (offsets in floats) and the LANES channels
     * c of the block. The region ({@link #REGION} ints of {@code region} from {@code at}): rows [r0,
     * r1) and columns [c0, c1) with all 3 taps, and where {@code left} (1) the column c0 − 1 with
     * taps 1 and 2 only, where {@code right} (1) the column c1 with taps 0 and 1 only, so that no
     * tap is multiplied where it reads padding ({@link DirectConvWeight#regions}). Samples, rows and
     * columns are added in order; the first call of a tile writes (accumulate false), later calls add.
     */
    static void blockedTile4x3(float[] part, int pOff, boolean accumulate, float[] xb, int xOff, int xStride,
                                        int[] taps, int tap0, float[] dy, int dOff, int o0, int rows, int spatial,
                                        int dyStride, int samples, int outW, int pitch, int[] region, int at) {
        int t0 = taps[tap0];
        int t1 = taps[tap0 + 1];
        int t2 = taps[tap0 + 2];
        int d0 = dOff + Math.min(o0, rows - 1) * spatial;
        int d1 = dOff + Math.min(o0 + 1, rows - 1) * spatial;
        int d2 = dOff + Math.min(o0 + 2, rows - 1) * spatial;
        int d3 = dOff + Math.min(o0 + 3, rows - 1) * spatial;
        int r0 = region[at];
        int r1 = region[at + 1];
        int c0 = region[at + 2];
        int c1 = region[at + 3];
        boolean left = region[at + 4] != 0;
        boolean right = region[at + 5] != 0;
        FloatVector a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + 1 * L);
            a02 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a10 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a12 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 7 * L);
            a22 = FloatVector.fromArray(S, part, pOff + 8 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 9 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 10 * L);
            a32 = FloatVector.fromArray(S, part, pOff + 11 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z; a02 = z;
            a10 = z; a11 = z; a12 = z;
            a20 = z; a21 = z; a22 = z;
            a30 = z; a31 = z; a32 = z;
        }
        int rowStride = pitch * L;
        int rowCount = r1 - r0;
        int sampleJump = xStride - rowCount * rowStride;
        int dyJump = dyStride - rowCount * outW;
        int xr = xOff + r0 * rowStride;
        int dr = r0 * outW;
        // one loop over the (sample, output row) pairs: a third loop level made C2 spill accumulators
        for (int k = 0, oh = 0, end = samples * rowCount; k < end; k++) {
            if (left) {
                int xq = xr + (c0 - 1) * L;
                int dq = dr + c0 - 1;
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
                FloatVector x2 = FloatVector.fromArray(S, xb, xq + t2);
                FloatVector b = FloatVector.broadcast(S, dy[d0 + dq]);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                b = FloatVector.broadcast(S, dy[d1 + dq]);
                a11 = x1.fma(b, a11);
                a12 = x2.fma(b, a12);
                b = FloatVector.broadcast(S, dy[d2 + dq]);
                a21 = x1.fma(b, a21);
                a22 = x2.fma(b, a22);
                b = FloatVector.broadcast(S, dy[d3 + dq]);
                a31 = x1.fma(b, a31);
                a32 = x2.fma(b, a32);
            }
            for (int ow = c0; ow < c1; ow++) {
                int xq = xr + ow * L;
                int dq = dr + ow;
                FloatVector x0 = FloatVector.fromArray(S, xb, xq + t0);
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
                FloatVector x2 = FloatVector.fromArray(S, xb, xq + t2);
                FloatVector b = FloatVector.broadcast(S, dy[d0 + dq]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                b = FloatVector.broadcast(S, dy[d1 + dq]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                a12 = x2.fma(b, a12);
                b = FloatVector.broadcast(S, dy[d2 + dq]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                a22 = x2.fma(b, a22);
                b = FloatVector.broadcast(S, dy[d3 + dq]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
                a32 = x2.fma(b, a32);
            }
            if (right) {
                int xq = xr + c1 * L;
                int dq = dr + c1;
                FloatVector x0 = FloatVector.fromArray(S, xb, xq + t0);
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
                FloatVector b = FloatVector.broadcast(S, dy[d0 + dq]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                b = FloatVector.broadcast(S, dy[d1 + dq]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                b = FloatVector.broadcast(S, dy[d2 + dq]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                b = FloatVector.broadcast(S, dy[d3 + dq]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
            }
            dr += outW;
            xr += rowStride;
            if (++oh == rowCount) {
                oh = 0;
                xr += sampleJump;
                dr += dyJump;
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + 1 * L);
        a02.intoArray(part, pOff + 2 * L);
        a10.intoArray(part, pOff + 3 * L);
        a11.intoArray(part, pOff + 4 * L);
        a12.intoArray(part, pOff + 5 * L);
        a20.intoArray(part, pOff + 6 * L);
        a21.intoArray(part, pOff + 7 * L);
        a22.intoArray(part, pOff + 8 * L);
        a30.intoArray(part, pOff + 9 * L);
        a31.intoArray(part, pOff + 10 * L);
        a32.intoArray(part, pOff + 11 * L);
    }

    /**
     * {@link #blockedTile4x3} on dy staged interleaved by the tile's 4 out channels in the planes'
     * array: xb[dOff + m·dyStride + (oh·outW + ow)·4 + r] (rows past the last out channel zero, their
     * sums dropped). The same sums in the same order; a step's 4 broadcasts are constant
     * displacements of one index ({@link DirectConvWeight#FOURS}).
     */
    static void blockedTile4x3Fours(float[] part, int pOff, boolean accumulate, float[] xb, int xOff, int xStride,
                                   int[] taps, int tap0, int dOff, int dyStride, int samples, int outW, int pitch,
                                   int[] region, int at) {
        int t0 = taps[tap0];
        int t1 = taps[tap0 + 1];
        int t2 = taps[tap0 + 2];
        if (unitTaps && t1 == t0 + L && t2 == t0 + 2 * L) {
            // the taps side by side (stride 1, dilation 1): constant displacements of one index
            blockedTile4x3Unit(part, pOff, accumulate, xb, xOff + t0, xStride, dOff, dyStride, samples, outW, pitch,
                    region, at);
            return;
        }
        int r0 = region[at];
        int r1 = region[at + 1];
        int c0 = region[at + 2];
        int c1 = region[at + 3];
        boolean left = region[at + 4] != 0;
        boolean right = region[at + 5] != 0;
        FloatVector a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + 1 * L);
            a02 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a10 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a12 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 7 * L);
            a22 = FloatVector.fromArray(S, part, pOff + 8 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 9 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 10 * L);
            a32 = FloatVector.fromArray(S, part, pOff + 11 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z; a02 = z;
            a10 = z; a11 = z; a12 = z;
            a20 = z; a21 = z; a22 = z;
            a30 = z; a31 = z; a32 = z;
        }
        int rowStride = pitch * L;
        int rowCount = r1 - r0;
        int sampleJump = xStride - rowCount * rowStride;
        int dyRow = outW * 4;
        int dyJump = dyStride - rowCount * dyRow;
        int xr = xOff + r0 * rowStride;
        int dr = dOff + r0 * dyRow;
        // one loop over the (sample, output row) pairs: a third loop level made C2 spill accumulators
        for (int k = 0, oh = 0, end = samples * rowCount; k < end; k++) {
            if (left) {
                int xq = xr + (c0 - 1) * L;
                int dq = dr + (c0 - 1) * 4;
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
                FloatVector x2 = FloatVector.fromArray(S, xb, xq + t2);
                FloatVector b = FloatVector.broadcast(S, xb[dq]);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                b = FloatVector.broadcast(S, xb[dq + 1]);
                a11 = x1.fma(b, a11);
                a12 = x2.fma(b, a12);
                b = FloatVector.broadcast(S, xb[dq + 2]);
                a21 = x1.fma(b, a21);
                a22 = x2.fma(b, a22);
                b = FloatVector.broadcast(S, xb[dq + 3]);
                a31 = x1.fma(b, a31);
                a32 = x2.fma(b, a32);
            }
            for (int ow = c0; ow < c1; ow++) {
                int xq = xr + ow * L;
                int dq = dr + (ow) * 4;
                FloatVector x0 = FloatVector.fromArray(S, xb, xq + t0);
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
                FloatVector x2 = FloatVector.fromArray(S, xb, xq + t2);
                FloatVector b = FloatVector.broadcast(S, xb[dq]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                b = FloatVector.broadcast(S, xb[dq + 1]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                a12 = x2.fma(b, a12);
                b = FloatVector.broadcast(S, xb[dq + 2]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                a22 = x2.fma(b, a22);
                b = FloatVector.broadcast(S, xb[dq + 3]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
                a32 = x2.fma(b, a32);
            }
            if (right) {
                int xq = xr + c1 * L;
                int dq = dr + (c1) * 4;
                FloatVector x0 = FloatVector.fromArray(S, xb, xq + t0);
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
                FloatVector b = FloatVector.broadcast(S, xb[dq]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                b = FloatVector.broadcast(S, xb[dq + 1]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                b = FloatVector.broadcast(S, xb[dq + 2]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                b = FloatVector.broadcast(S, xb[dq + 3]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
            }
            dr += dyRow;
            xr += rowStride;
            if (++oh == rowCount) {
                oh = 0;
                xr += sampleJump;
                dr += dyJump;
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + 1 * L);
        a02.intoArray(part, pOff + 2 * L);
        a10.intoArray(part, pOff + 3 * L);
        a11.intoArray(part, pOff + 4 * L);
        a12.intoArray(part, pOff + 5 * L);
        a20.intoArray(part, pOff + 6 * L);
        a21.intoArray(part, pOff + 7 * L);
        a22.intoArray(part, pOff + 8 * L);
        a30.intoArray(part, pOff + 9 * L);
        a31.intoArray(part, pOff + 10 * L);
        a32.intoArray(part, pOff + 11 * L);
    }

    /**
     * {@link #blockedTile4x3Fours} where the 3 taps are consecutive grid positions (offsets t0, t0 + L,
     * t0 + 2L; xOff includes t0): the same sums in the same order.
     */
    private static void blockedTile4x3Unit(float[] part, int pOff, boolean accumulate, float[] xb, int xOff,
                                   int xStride, int dOff, int dyStride, int samples, int outW, int pitch,
                                   int[] region, int at) {
        int r0 = region[at];
        int r1 = region[at + 1];
        int c0 = region[at + 2];
        int c1 = region[at + 3];
        boolean left = region[at + 4] != 0;
        boolean right = region[at + 5] != 0;
        FloatVector a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + 1 * L);
            a02 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a10 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a12 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 7 * L);
            a22 = FloatVector.fromArray(S, part, pOff + 8 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 9 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 10 * L);
            a32 = FloatVector.fromArray(S, part, pOff + 11 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z; a02 = z;
            a10 = z; a11 = z; a12 = z;
            a20 = z; a21 = z; a22 = z;
            a30 = z; a31 = z; a32 = z;
        }
        int rowStride = pitch * L;
        int rowCount = r1 - r0;
        int sampleJump = xStride - rowCount * rowStride;
        int dyRow = outW * 4;
        int dyJump = dyStride - rowCount * dyRow;
        int xr = xOff + r0 * rowStride;
        int dr = dOff + r0 * dyRow;
        // one loop over the (sample, output row) pairs: a third loop level made C2 spill accumulators
        for (int k = 0, oh = 0, end = samples * rowCount; k < end; k++) {
            if (left) {
                int xq = xr + (c0 - 1) * L;
                int dq = dr + (c0 - 1) * 4;
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + L);
                FloatVector x2 = FloatVector.fromArray(S, xb, xq + 2 * L);
                FloatVector b = FloatVector.broadcast(S, xb[dq]);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                b = FloatVector.broadcast(S, xb[dq + 1]);
                a11 = x1.fma(b, a11);
                a12 = x2.fma(b, a12);
                b = FloatVector.broadcast(S, xb[dq + 2]);
                a21 = x1.fma(b, a21);
                a22 = x2.fma(b, a22);
                b = FloatVector.broadcast(S, xb[dq + 3]);
                a31 = x1.fma(b, a31);
                a32 = x2.fma(b, a32);
            }
            for (int ow = c0; ow < c1; ow++) {
                int xq = xr + ow * L;
                int dq = dr + (ow) * 4;
                FloatVector x0 = FloatVector.fromArray(S, xb, xq);
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + L);
                FloatVector x2 = FloatVector.fromArray(S, xb, xq + 2 * L);
                FloatVector b = FloatVector.broadcast(S, xb[dq]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                a02 = x2.fma(b, a02);
                b = FloatVector.broadcast(S, xb[dq + 1]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                a12 = x2.fma(b, a12);
                b = FloatVector.broadcast(S, xb[dq + 2]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                a22 = x2.fma(b, a22);
                b = FloatVector.broadcast(S, xb[dq + 3]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
                a32 = x2.fma(b, a32);
            }
            if (right) {
                int xq = xr + c1 * L;
                int dq = dr + (c1) * 4;
                FloatVector x0 = FloatVector.fromArray(S, xb, xq);
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + L);
                FloatVector b = FloatVector.broadcast(S, xb[dq]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                b = FloatVector.broadcast(S, xb[dq + 1]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                b = FloatVector.broadcast(S, xb[dq + 2]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                b = FloatVector.broadcast(S, xb[dq + 3]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
            }
            dr += dyRow;
            xr += rowStride;
            if (++oh == rowCount) {
                oh = 0;
                xr += sampleJump;
                dr += dyJump;
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + 1 * L);
        a02.intoArray(part, pOff + 2 * L);
        a10.intoArray(part, pOff + 3 * L);
        a11.intoArray(part, pOff + 4 * L);
        a12.intoArray(part, pOff + 5 * L);
        a20.intoArray(part, pOff + 6 * L);
        a21.intoArray(part, pOff + 7 * L);
        a22.intoArray(part, pOff + 8 * L);
        a30.intoArray(part, pOff + 9 * L);
        a31.intoArray(part, pOff + 10 * L);
        a32.intoArray(part, pOff + 11 * L);
    }

    /**
     * {@link #blockedTile4x3} for 16 vector registers, 2 taps from tap0 (the shapes that
     * {@link #outs} does not give to {@link #blockedTile3x3}); the two offsets may also be one tap in
     * two blocks of input channels (pairs of blocks, {@link DirectConvWeight#blocked}). Of the
     * region, rows [r0, r1) and columns [c0, c1) (no edge columns: a pair is one tap, whose region
     * is exact).
     */
    static void blockedTile4x2(float[] part, int pOff, boolean accumulate, float[] xb, int xOff, int xStride,
                               int[] taps, int tap0, float[] dy, int dOff, int o0, int rows, int spatial,
                               int dyStride, int samples, int outW, int pitch, int[] region, int at) {
        int t0 = taps[tap0];
        int t1 = taps[tap0 + 1];
        int d0 = dOff + Math.min(o0, rows - 1) * spatial;
        int d1 = dOff + Math.min(o0 + 1, rows - 1) * spatial;
        int d2 = dOff + Math.min(o0 + 2, rows - 1) * spatial;
        int d3 = dOff + Math.min(o0 + 3, rows - 1) * spatial;
        FloatVector a00, a01, a10, a11, a20, a21, a30, a31;
        if (accumulate) {
            a00 = FloatVector.fromArray(S, part, pOff);
            a01 = FloatVector.fromArray(S, part, pOff + 1 * L);
            a10 = FloatVector.fromArray(S, part, pOff + 2 * L);
            a11 = FloatVector.fromArray(S, part, pOff + 3 * L);
            a20 = FloatVector.fromArray(S, part, pOff + 4 * L);
            a21 = FloatVector.fromArray(S, part, pOff + 5 * L);
            a30 = FloatVector.fromArray(S, part, pOff + 6 * L);
            a31 = FloatVector.fromArray(S, part, pOff + 7 * L);
        } else {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z;
            a10 = z; a11 = z;
            a20 = z; a21 = z;
            a30 = z; a31 = z;
        }
        int r0 = region[at];
        int rowCount = region[at + 1] - r0;
        int c0 = region[at + 2];
        int c1 = region[at + 3];
        int rowStride = pitch * L;
        int sampleJump = xStride - rowCount * rowStride;
        int dyJump = dyStride - rowCount * outW;
        int xr = xOff + r0 * rowStride;
        int dr = r0 * outW;
        // one loop over the (sample, output row) pairs: a third loop level made C2 spill accumulators
        for (int k = 0, oh = 0, end = samples * rowCount; k < end; k++) {
            for (int ow = c0; ow < c1; ow++) {
                int xq = xr + ow * L;
                int dq = dr + ow;
                FloatVector x0 = FloatVector.fromArray(S, xb, xq + t0);
                FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
                FloatVector b = FloatVector.broadcast(S, dy[d0 + dq]);
                a00 = x0.fma(b, a00);
                a01 = x1.fma(b, a01);
                b = FloatVector.broadcast(S, dy[d1 + dq]);
                a10 = x0.fma(b, a10);
                a11 = x1.fma(b, a11);
                b = FloatVector.broadcast(S, dy[d2 + dq]);
                a20 = x0.fma(b, a20);
                a21 = x1.fma(b, a21);
                b = FloatVector.broadcast(S, dy[d3 + dq]);
                a30 = x0.fma(b, a30);
                a31 = x1.fma(b, a31);
            }
            dr += outW;
            xr += rowStride;
            if (++oh == rowCount) {
                oh = 0;
                xr += sampleJump;
                dr += dyJump;
            }
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + 1 * L);
        a10.intoArray(part, pOff + 2 * L);
        a11.intoArray(part, pOff + 3 * L);
        a20.intoArray(part, pOff + 4 * L);
        a21.intoArray(part, pOff + 5 * L);
        a30.intoArray(part, pOff + 6 * L);
        a31.intoArray(part, pOff + 7 * L);
    }

    /**
     * One channel-blocked tile for 16 vector registers, on a chunk of samples laid side by side
     * (sample-minor: a grid position's samples consecutive, then the next position's): part[pOff +
     * (r·3 + t)·LANES + c] += Σ over rows i in [r0, r1) of the region and steps j in [c0·nb, c1·nb)
     * of xb[dOff + (i·run + j)·3 + r] · xb[xOff + (i·pitch + j)·LANES + taps[tap0 + t] + c]: dy,
     * interleaved by tiles of 3 out channels, lies in the same array as the input (one array base
     * less for C2 to keep in a register); for the 3 out channels r of dy's tile, the 3 taps t from
     * tap0 and the LANES channels c of the block. With nb samples a step is one (output column,
     * sample) pair: run = outW·nb, pitch = the grid's pitch·nb, so an output row of all the chunk's
     * samples is one loop (7 × 7 outputs: rows of 7·nb, not 7). The region ({@link #REGION} ints
     * from {@code at}) has no edge columns for this tile ({@link DirectConvWeight#regions}). Sums in
     * the order (row, column, sample); the tile's part must be written (zeroed before the first call).
     */
    static void blockedTile3x3(float[] part, int pOff, float[] xb, int xOff, int[] taps, int tap0, int dOff,
                               int run, int pitch, int nb, int[] region, int at) {
        int t0 = taps[tap0];
        int t1 = taps[tap0 + 1];
        int t2 = taps[tap0 + 2];
        int from = region[at + 2] * nb;
        int to = region[at + 3] * nb;
        // a call per row, one loop level in each: with the rows in the same method (as with the
        // samples before) C2 kept two of the 9 accumulators on the stack inside the loop, at half the
        // speed
        for (int i = region[at], r1 = region[at + 1]; i < r1; i++) {
            blockedRow3x3(part, pOff, xb, xOff + i * pitch * L, t0, t1, t2, dOff + i * run * 3, from, to);
        }
    }

    /** Steps [from, to) of one row of {@link #blockedTile3x3}. */
    private static void blockedRow3x3(float[] part, int pOff, float[] xb, int xr, int t0, int t1, int t2, int dr,
                                      int from, int to) {
        FloatVector a00 = FloatVector.fromArray(S, part, pOff);
        FloatVector a01 = FloatVector.fromArray(S, part, pOff + 1 * L);
        FloatVector a02 = FloatVector.fromArray(S, part, pOff + 2 * L);
        FloatVector a10 = FloatVector.fromArray(S, part, pOff + 3 * L);
        FloatVector a11 = FloatVector.fromArray(S, part, pOff + 4 * L);
        FloatVector a12 = FloatVector.fromArray(S, part, pOff + 5 * L);
        FloatVector a20 = FloatVector.fromArray(S, part, pOff + 6 * L);
        FloatVector a21 = FloatVector.fromArray(S, part, pOff + 7 * L);
        FloatVector a22 = FloatVector.fromArray(S, part, pOff + 8 * L);
        for (int ow = from; ow < to; ow++) {
            int xq = xr + ow * L;
            int dq = dr + ow * 3;
            FloatVector x0 = FloatVector.fromArray(S, xb, xq + t0);
            FloatVector x1 = FloatVector.fromArray(S, xb, xq + t1);
            FloatVector x2 = FloatVector.fromArray(S, xb, xq + t2);
            FloatVector b = FloatVector.broadcast(S, xb[dq]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            a02 = x2.fma(b, a02);
            b = FloatVector.broadcast(S, xb[dq + 1]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            a12 = x2.fma(b, a12);
            b = FloatVector.broadcast(S, xb[dq + 2]);
            a20 = x0.fma(b, a20);
            a21 = x1.fma(b, a21);
            a22 = x2.fma(b, a22);
        }
        a00.intoArray(part, pOff);
        a01.intoArray(part, pOff + 1 * L);
        a02.intoArray(part, pOff + 2 * L);
        a10.intoArray(part, pOff + 3 * L);
        a11.intoArray(part, pOff + 4 * L);
        a12.intoArray(part, pOff + 5 * L);
        a20.intoArray(part, pOff + 6 * L);
        a21.intoArray(part, pOff + 7 * L);
        a22.intoArray(part, pOff + 8 * L);
    }
}
