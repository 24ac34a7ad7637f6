package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The copies between Kiln's NCHW planes and {@link DirectConvChannels}' channels-last cells: one
 * sample's input into its zero-padded grid of cells, and a block of out channels of the tiles'
 * channels-last output back into NCHW planes (with the bias). They are the price of vectorizing over
 * channels, so they live apart from the tiles, where they can be made faster on their own.
 *
 * <p>With 8 lanes (AVX2) both move 8 channels × 8 positions of a row at a time: 8 vector loads, an
 * 8 × 8 transpose in registers (three butterfly stages of lane permutes and blends) and 8 vector
 * stores, where the scalar loops move each float with a strided load and store of its own. A row or
 * a channel count that is not a multiple of 8 takes a last block overlapping the one before it: the
 * overlap is written twice with the same values. Rows shorter than 8 (7 × 7 planes) go 8 positions of
 * the plane at a time, each to or from its own cell; channel counts under 8 take the scalar loops.
 * With 16 lanes (AVX-512) every plane goes that way, 16 × 16 at a time (its routed layer is 7 × 7).
 */
final class ChannelsLast {
    private ChannelsLast() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /**
     * Whether the copies transpose blocks in registers: with 8 lanes (8 × 8) or 16 (16 × 16), unless
     * {@code -Dkiln.conv.vectorCopies=false} (old and new in A/B runs). 4 lanes keep the scalar loops.
     */
    static final boolean VECTOR = Simd.ENABLED && (L == 8 || L == 16)
            && !"false".equalsIgnoreCase(System.getProperty("kiln.conv.vectorCopies", "true").trim());

    /*
     * The butterfly of an 8 × 8 transpose: at stage h (4, 2, 1) rows r and r + h (r & h == 0) swap
     * their off-diagonal h × h blocks. Row r keeps its lanes j with j & h == 0 and takes row r + h's
     * lane j − h in the others (UP_h, then a blend under HI_h); row r + h takes row r's lane j + h in
     * the lanes j & h == 0 (DOWN_h) and keeps the others. (Stage 8 for 16 lanes.) DirectConvWeightCopy's
     * transposes use them too.
     */
    static final VectorShuffle<Float> UP8 = shift(8, -1);
    static final VectorShuffle<Float> DOWN8 = shift(8, 1);
    static final VectorMask<Float> HI8 = VectorMask.fromLong(S, high(8));
    static final VectorShuffle<Float> UP4 = shift(4, -1);
    static final VectorShuffle<Float> DOWN4 = shift(4, 1);
    static final VectorMask<Float> HI4 = VectorMask.fromLong(S, high(4));
    static final VectorShuffle<Float> UP2 = shift(2, -1);
    static final VectorShuffle<Float> DOWN2 = shift(2, 1);
    static final VectorMask<Float> HI2 = VectorMask.fromLong(S, high(2));
    static final VectorShuffle<Float> UP1 = shift(1, -1);
    static final VectorShuffle<Float> DOWN1 = shift(1, 1);
    static final VectorMask<Float> HI1 = VectorMask.fromLong(S, high(1));

    /** Lane j takes lane j + dir·h where that is the other half of its 2h block, else lane j. */
    private static VectorShuffle<Float> shift(int h, int dir) {
        return VectorShuffle.fromOp(S, j -> {
            boolean high = (j & h) != 0;
            int k = j + dir * h;
            return high == (dir < 0) && k >= 0 && k < L ? k : j;
        });
    }

    /** The lanes j with j &amp; h != 0, as bits. */
    private static long high(int h) {
        long bits = 0;
        for (int j = 0; j < L; j++) {
            if ((j & h) != 0) {
                bits |= 1L << j;
            }
        }
        return bits;
    }

    /**
     * The input of one sample's group, channels last, into its cells: (padH + ih, padW + iw) at cell
     * (padH + ih)·pitch + padW + iw.
     */
    static void pad(float[] xp, float[] xa, int xOff, int channels, ConvShape s, DirectConv.Grid gr) {
        int cols = Math.min(s.w(), gr.pitch() - s.padW());
        int rows = Math.min(s.h(), gr.rows() - s.padH());
        if (VECTOR && L == 8 && channels >= L && cols >= L) {
            padBlocks(xp, xa, xOff, channels, s, gr);
        } else if (VECTOR && channels >= L && cols == s.w() && rows * cols >= L) {
            padShortRows(xp, xa, xOff, channels, s, gr);
        } else {
            padScalar(xp, xa, xOff, channels, s, gr);
        }
    }

    /**
     * {@link #pad}, a channel at a time, so that x is read in order (its first reads, from memory),
     * the cells written a channel apart in cache.
     */
    static void padScalar(float[] xp, float[] xa, int xOff, int channels, ConvShape s, DirectConv.Grid gr) {
        int pitch = gr.pitch();
        int cols = Math.min(s.w(), pitch - s.padW());
        int rows = Math.min(s.h(), gr.rows() - s.padH()); // rows below the last output's reach are not read
        for (int c = 0; c < channels; c++) {
            int src = xOff + c * s.h() * s.w();
            for (int ih = 0; ih < rows; ih++) {
                int d = ((ih + s.padH()) * pitch + s.padW()) * channels + c;
                for (int iw = 0; iw < cols; iw++, d += channels) {
                    xp[d] = xa[src + ih * s.w() + iw];
                }
            }
        }
    }

    /**
     * {@link #pad} in 8 × 8 blocks (8 lanes, channels and cols at least 8): per row of 8 channels,
     * 8 positions at a time, the last block of a row (and of the channels) overlapping the one before.
     */
    private static void padBlocks(float[] xp, float[] xa, int xOff, int channels, ConvShape s, DirectConv.Grid gr) {
        int pitch = gr.pitch();
        int w = s.w();
        int plane = s.h() * w;
        int cols = Math.min(w, pitch - s.padW());
        int rows = Math.min(s.h(), gr.rows() - s.padH());
        for (int c0 = 0; c0 < channels; c0 += L) {
            int c = Math.min(c0, channels - L);
            int src = xOff + c * plane;
            for (int ih = 0; ih < rows; ih++) {
                int cell = (ih + s.padH()) * pitch + s.padW();
                for (int i0 = 0; i0 < cols; i0 += L) {
                    int iw = Math.min(i0, cols - L);
                    transpose8(xa, src + ih * w + iw, plane, xp, (cell + iw) * channels + c, channels, null, 0);
                }
            }
        }
    }

    /**
     * {@link #pad} in 8 × 8 blocks on rows shorter than 8 (7 × 7 planes): 8 consecutive positions of
     * the whole plane at a time, each written to its own cell ({@link #cells}).
     */
    private static void padShortRows(float[] xp, float[] xa, int xOff, int channels, ConvShape s,
                                     DirectConv.Grid gr) {
        int plane = s.h() * s.w();
        int count = Math.min(s.h(), gr.rows() - s.padH()) * s.w();
        int[] cells = cells(count, s.w(), gr.pitch(), s.padH() * gr.pitch() + s.padW());
        for (int c0 = 0; c0 < channels; c0 += L) {
            int c = Math.min(c0, channels - L);
            for (int f0 = 0; f0 < count; f0 += L) {
                int f = Math.min(f0, count - L);
                transposeRows(xa, xOff + c * plane + f, plane, LINE, 0, xp, c, channels, cells, f, null, 0);
            }
        }
    }

    /**
     * Out channels o0 + j, j &lt; count, of one sample from the channels-last tile output: y[j, oh, ow] =
     * yp[(oh·pitch + ow)·width + j] + bias[j].
     */
    static void store(float[] y, int yOff, float[] yp, int width, int count, float[] ba, int bOff, ConvShape s,
                      DirectConv.Grid gr) {
        if (VECTOR && L == 8 && count >= L && s.outW() >= L) {
            storeBlocks(y, yOff, yp, width, count, ba, bOff, s, gr);
        } else if (VECTOR && count >= L && s.outH() * s.outW() >= L) {
            storeShortRows(y, yOff, yp, width, count, ba, bOff, s, gr);
        } else {
            storeScalar(y, yOff, yp, width, count, ba, bOff, s, gr);
        }
    }

    /** {@link #store}, a channel at a time. */
    static void storeScalar(float[] y, int yOff, float[] yp, int width, int count, float[] ba, int bOff, ConvShape s,
                            DirectConv.Grid gr) {
        int outW = s.outW();
        int plane = s.outH() * outW;
        int pitch = gr.pitch();
        for (int j = 0; j < count; j++) {
            int d = yOff + j * plane;
            float bias = ba == null ? 0f : ba[bOff + j];
            for (int oh = 0; oh < s.outH(); oh++) {
                int src = oh * pitch * width + j;
                if (ba == null) {
                    for (int ow = 0; ow < outW; ow++, src += width) {
                        y[d++] = yp[src];
                    }
                } else {
                    for (int ow = 0; ow < outW; ow++, src += width) {
                        y[d++] = yp[src] + bias;
                    }
                }
            }
        }
    }

    /** {@link #store} in 8 × 8 blocks (8 lanes, count and outW at least 8), overlapping as {@link #padBlocks}. */
    private static void storeBlocks(float[] y, int yOff, float[] yp, int width, int count, float[] ba, int bOff,
                                    ConvShape s, DirectConv.Grid gr) {
        int outW = s.outW();
        int plane = s.outH() * outW;
        int pitch = gr.pitch();
        for (int j0 = 0; j0 < count; j0 += L) {
            int j = Math.min(j0, count - L);
            for (int oh = 0; oh < s.outH(); oh++) {
                for (int o0 = 0; o0 < outW; o0 += L) {
                    int ow = Math.min(o0, outW - L);
                    transpose8(yp, (oh * pitch + ow) * width + j, width, y, yOff + j * plane + oh * outW + ow, plane, ba,
                            bOff + j);
                }
            }
        }
    }

    /** {@link #store} in 8 × 8 blocks on rows shorter than 8: as {@link #padShortRows}, the other way. */
    private static void storeShortRows(float[] y, int yOff, float[] yp, int width, int count, float[] ba, int bOff,
                                       ConvShape s, DirectConv.Grid gr) {
        int plane = s.outH() * s.outW();
        int[] cells = cells(plane, s.outW(), gr.pitch(), 0);
        for (int j0 = 0; j0 < count; j0 += L) {
            int j = Math.min(j0, count - L);
            for (int f0 = 0; f0 < plane; f0 += L) {
                int f = Math.min(f0, plane - L);
                transposeRows(yp, j, width, cells, f, y, yOff + j * plane + f, plane, LINE, 0, ba, bOff + j);
            }
        }
    }

    /** 0, 1, ..., 15: the rows of a block that lie a fixed stride apart. */
    private static final int[] LINE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

    /** The last table of {@link #cells} on this thread, reused while the shape stays. */
    private static final ThreadLocal<int[][]> CELLS = ThreadLocal.withInitial(() -> new int[][] {{}, {}});

    /**
     * The cell of each of count positions of a plane whose rows are w long: f ↦ first + (f / w)·pitch + f mod
     * w. Kept per thread with its key (count, w, pitch, first), as pad and store alternate two shapes.
     */
    private static int[] cells(int count, int w, int pitch, int first) {
        int[][] held = CELLS.get();
        for (int i = 0; i < 2; i++) {
            int[] key = held[i];
            if (key.length == 4 + count && key[count] == count && key[count + 1] == w && key[count + 2] == pitch
                    && key[count + 3] == first) {
                return key;
            }
        }
        int[] table = new int[count + 4];
        for (int f = 0; f < count; f++) {
            table[f] = first + f / w * pitch + f % w;
        }
        table[count] = count;
        table[count + 1] = w;
        table[count + 2] = pitch;
        table[count + 3] = first;
        held[1] = held[0];
        held[0] = table;
        return table;
    }

    /** {@link #transpose8Rows} or {@link #transpose16Rows}, by the lanes. */
    private static void transposeRows(float[] src, int sOff, int sStride, int[] sRow, int sAt, float[] dst, int dOff,
                                      int dStride, int[] dRow, int dAt, float[] bias, int bOff) {
        if (L == 8) {
            transpose8Rows(src, sOff, sStride, sRow, sAt, dst, dOff, dStride, dRow, dAt, bias, bOff);
        } else {
            transpose16Rows(src, sOff, sStride, sRow, sAt, dst, dOff, dStride, dRow, dAt, bias, bOff);
        }
    }

    /** {@link #transpose8Rows} for 16 lanes: 16 rows of 16 floats, four butterfly stages. */
    private static void transpose16Rows(float[] src, int sOff, int sStride, int[] sRow, int sAt, float[] dst, int dOff,
                                        int dStride, int[] dRow, int dAt, float[] bias, int bOff) {
        FloatVector r0 = FloatVector.fromArray(S, src, sOff + sRow[sAt] * sStride);
        FloatVector r1 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 1] * sStride);
        FloatVector r2 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 2] * sStride);
        FloatVector r3 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 3] * sStride);
        FloatVector r4 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 4] * sStride);
        FloatVector r5 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 5] * sStride);
        FloatVector r6 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 6] * sStride);
        FloatVector r7 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 7] * sStride);
        FloatVector r8 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 8] * sStride);
        FloatVector r9 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 9] * sStride);
        FloatVector r10 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 10] * sStride);
        FloatVector r11 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 11] * sStride);
        FloatVector r12 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 12] * sStride);
        FloatVector r13 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 13] * sStride);
        FloatVector r14 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 14] * sStride);
        FloatVector r15 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 15] * sStride);
        if (bias != null) {
            FloatVector b = FloatVector.fromArray(S, bias, bOff);
            r0 = r0.add(b);
            r1 = r1.add(b);
            r2 = r2.add(b);
            r3 = r3.add(b);
            r4 = r4.add(b);
            r5 = r5.add(b);
            r6 = r6.add(b);
            r7 = r7.add(b);
            r8 = r8.add(b);
            r9 = r9.add(b);
            r10 = r10.add(b);
            r11 = r11.add(b);
            r12 = r12.add(b);
            r13 = r13.add(b);
            r14 = r14.add(b);
            r15 = r15.add(b);
        }
        FloatVector a0 = r0.blend(r8.rearrange(UP8), HI8);
        FloatVector a8 = r0.rearrange(DOWN8).blend(r8, HI8);
        FloatVector a1 = r1.blend(r9.rearrange(UP8), HI8);
        FloatVector a9 = r1.rearrange(DOWN8).blend(r9, HI8);
        FloatVector a2 = r2.blend(r10.rearrange(UP8), HI8);
        FloatVector a10 = r2.rearrange(DOWN8).blend(r10, HI8);
        FloatVector a3 = r3.blend(r11.rearrange(UP8), HI8);
        FloatVector a11 = r3.rearrange(DOWN8).blend(r11, HI8);
        FloatVector a4 = r4.blend(r12.rearrange(UP8), HI8);
        FloatVector a12 = r4.rearrange(DOWN8).blend(r12, HI8);
        FloatVector a5 = r5.blend(r13.rearrange(UP8), HI8);
        FloatVector a13 = r5.rearrange(DOWN8).blend(r13, HI8);
        FloatVector a6 = r6.blend(r14.rearrange(UP8), HI8);
        FloatVector a14 = r6.rearrange(DOWN8).blend(r14, HI8);
        FloatVector a7 = r7.blend(r15.rearrange(UP8), HI8);
        FloatVector a15 = r7.rearrange(DOWN8).blend(r15, HI8);
        FloatVector b0 = a0.blend(a4.rearrange(UP4), HI4);
        FloatVector b4 = a0.rearrange(DOWN4).blend(a4, HI4);
        FloatVector b1 = a1.blend(a5.rearrange(UP4), HI4);
        FloatVector b5 = a1.rearrange(DOWN4).blend(a5, HI4);
        FloatVector b2 = a2.blend(a6.rearrange(UP4), HI4);
        FloatVector b6 = a2.rearrange(DOWN4).blend(a6, HI4);
        FloatVector b3 = a3.blend(a7.rearrange(UP4), HI4);
        FloatVector b7 = a3.rearrange(DOWN4).blend(a7, HI4);
        FloatVector b8 = a8.blend(a12.rearrange(UP4), HI4);
        FloatVector b12 = a8.rearrange(DOWN4).blend(a12, HI4);
        FloatVector b9 = a9.blend(a13.rearrange(UP4), HI4);
        FloatVector b13 = a9.rearrange(DOWN4).blend(a13, HI4);
        FloatVector b10 = a10.blend(a14.rearrange(UP4), HI4);
        FloatVector b14 = a10.rearrange(DOWN4).blend(a14, HI4);
        FloatVector b11 = a11.blend(a15.rearrange(UP4), HI4);
        FloatVector b15 = a11.rearrange(DOWN4).blend(a15, HI4);
        FloatVector c0 = b0.blend(b2.rearrange(UP2), HI2);
        FloatVector c2 = b0.rearrange(DOWN2).blend(b2, HI2);
        FloatVector c1 = b1.blend(b3.rearrange(UP2), HI2);
        FloatVector c3 = b1.rearrange(DOWN2).blend(b3, HI2);
        FloatVector c4 = b4.blend(b6.rearrange(UP2), HI2);
        FloatVector c6 = b4.rearrange(DOWN2).blend(b6, HI2);
        FloatVector c5 = b5.blend(b7.rearrange(UP2), HI2);
        FloatVector c7 = b5.rearrange(DOWN2).blend(b7, HI2);
        FloatVector c8 = b8.blend(b10.rearrange(UP2), HI2);
        FloatVector c10 = b8.rearrange(DOWN2).blend(b10, HI2);
        FloatVector c9 = b9.blend(b11.rearrange(UP2), HI2);
        FloatVector c11 = b9.rearrange(DOWN2).blend(b11, HI2);
        FloatVector c12 = b12.blend(b14.rearrange(UP2), HI2);
        FloatVector c14 = b12.rearrange(DOWN2).blend(b14, HI2);
        FloatVector c13 = b13.blend(b15.rearrange(UP2), HI2);
        FloatVector c15 = b13.rearrange(DOWN2).blend(b15, HI2);
        c0.blend(c1.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt] * dStride);
        c0.rearrange(DOWN1).blend(c1, HI1).intoArray(dst, dOff + dRow[dAt + 1] * dStride);
        c2.blend(c3.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 2] * dStride);
        c2.rearrange(DOWN1).blend(c3, HI1).intoArray(dst, dOff + dRow[dAt + 3] * dStride);
        c4.blend(c5.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 4] * dStride);
        c4.rearrange(DOWN1).blend(c5, HI1).intoArray(dst, dOff + dRow[dAt + 5] * dStride);
        c6.blend(c7.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 6] * dStride);
        c6.rearrange(DOWN1).blend(c7, HI1).intoArray(dst, dOff + dRow[dAt + 7] * dStride);
        c8.blend(c9.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 8] * dStride);
        c8.rearrange(DOWN1).blend(c9, HI1).intoArray(dst, dOff + dRow[dAt + 9] * dStride);
        c10.blend(c11.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 10] * dStride);
        c10.rearrange(DOWN1).blend(c11, HI1).intoArray(dst, dOff + dRow[dAt + 11] * dStride);
        c12.blend(c13.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 12] * dStride);
        c12.rearrange(DOWN1).blend(c13, HI1).intoArray(dst, dOff + dRow[dAt + 13] * dStride);
        c14.blend(c15.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 14] * dStride);
        c14.rearrange(DOWN1).blend(c15, HI1).intoArray(dst, dOff + dRow[dAt + 15] * dStride);
    }

    /**
     * {@link #transpose8} with the rows anywhere: dst[dOff + dRow[dAt + k]·dStride + i] = src[sOff + sRow[sAt +
     * i]·sStride + k] (+ bias[bOff + k]) for i, k &lt; 8. The row tables are {@link #LINE} for rows a stride
     * apart, {@link #cells} for positions on short rows. A copy of its body rather than its caller for
     * rows a stride apart too: reading the tables made those copies 1.2-1.4× slower.
     */
    private static void transpose8Rows(float[] src, int sOff, int sStride, int[] sRow, int sAt, float[] dst, int dOff,
                                       int dStride, int[] dRow, int dAt, float[] bias, int bOff) {
        FloatVector r0 = FloatVector.fromArray(S, src, sOff + sRow[sAt] * sStride);
        FloatVector r1 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 1] * sStride);
        FloatVector r2 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 2] * sStride);
        FloatVector r3 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 3] * sStride);
        FloatVector r4 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 4] * sStride);
        FloatVector r5 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 5] * sStride);
        FloatVector r6 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 6] * sStride);
        FloatVector r7 = FloatVector.fromArray(S, src, sOff + sRow[sAt + 7] * sStride);
        if (bias != null) {
            FloatVector b = FloatVector.fromArray(S, bias, bOff);
            r0 = r0.add(b);
            r1 = r1.add(b);
            r2 = r2.add(b);
            r3 = r3.add(b);
            r4 = r4.add(b);
            r5 = r5.add(b);
            r6 = r6.add(b);
            r7 = r7.add(b);
        }
        // stage 4: swap the off-diagonal 4 × 4 blocks
        FloatVector t0 = r0.blend(r4.rearrange(UP4), HI4);
        FloatVector t4 = r0.rearrange(DOWN4).blend(r4, HI4);
        FloatVector t1 = r1.blend(r5.rearrange(UP4), HI4);
        FloatVector t5 = r1.rearrange(DOWN4).blend(r5, HI4);
        FloatVector t2 = r2.blend(r6.rearrange(UP4), HI4);
        FloatVector t6 = r2.rearrange(DOWN4).blend(r6, HI4);
        FloatVector t3 = r3.blend(r7.rearrange(UP4), HI4);
        FloatVector t7 = r3.rearrange(DOWN4).blend(r7, HI4);
        // stage 2: the 2 × 2 blocks within each 4 × 4
        r0 = t0.blend(t2.rearrange(UP2), HI2);
        r2 = t0.rearrange(DOWN2).blend(t2, HI2);
        r1 = t1.blend(t3.rearrange(UP2), HI2);
        r3 = t1.rearrange(DOWN2).blend(t3, HI2);
        r4 = t4.blend(t6.rearrange(UP2), HI2);
        r6 = t4.rearrange(DOWN2).blend(t6, HI2);
        r5 = t5.blend(t7.rearrange(UP2), HI2);
        r7 = t5.rearrange(DOWN2).blend(t7, HI2);
        // stage 1: single lanes
        r0.blend(r1.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt] * dStride);
        r0.rearrange(DOWN1).blend(r1, HI1).intoArray(dst, dOff + dRow[dAt + 1] * dStride);
        r2.blend(r3.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 2] * dStride);
        r2.rearrange(DOWN1).blend(r3, HI1).intoArray(dst, dOff + dRow[dAt + 3] * dStride);
        r4.blend(r5.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 4] * dStride);
        r4.rearrange(DOWN1).blend(r5, HI1).intoArray(dst, dOff + dRow[dAt + 5] * dStride);
        r6.blend(r7.rearrange(UP1), HI1).intoArray(dst, dOff + dRow[dAt + 6] * dStride);
        r6.rearrange(DOWN1).blend(r7, HI1).intoArray(dst, dOff + dRow[dAt + 7] * dStride);
    }

    /**
     * dst[dOff + k·dStride + i] = src[sOff + i·sStride + k] (+ bias[bOff + k], added before the
     * transpose, when bias is not null) for i, k &lt; 8: eight rows of 8 floats transposed.
     */
    private static void transpose8(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride,
                                   float[] bias, int bOff) {
        FloatVector r0 = FloatVector.fromArray(S, src, sOff);
        FloatVector r1 = FloatVector.fromArray(S, src, sOff + sStride);
        FloatVector r2 = FloatVector.fromArray(S, src, sOff + 2 * sStride);
        FloatVector r3 = FloatVector.fromArray(S, src, sOff + 3 * sStride);
        FloatVector r4 = FloatVector.fromArray(S, src, sOff + 4 * sStride);
        FloatVector r5 = FloatVector.fromArray(S, src, sOff + 5 * sStride);
        FloatVector r6 = FloatVector.fromArray(S, src, sOff + 6 * sStride);
        FloatVector r7 = FloatVector.fromArray(S, src, sOff + 7 * sStride);
        if (bias != null) {
            FloatVector b = FloatVector.fromArray(S, bias, bOff);
            r0 = r0.add(b);
            r1 = r1.add(b);
            r2 = r2.add(b);
            r3 = r3.add(b);
            r4 = r4.add(b);
            r5 = r5.add(b);
            r6 = r6.add(b);
            r7 = r7.add(b);
        }
        // stage 4: swap the off-diagonal 4 × 4 blocks
        FloatVector t0 = r0.blend(r4.rearrange(UP4), HI4);
        FloatVector t4 = r0.rearrange(DOWN4).blend(r4, HI4);
        FloatVector t1 = r1.blend(r5.rearrange(UP4), HI4);
        FloatVector t5 = r1.rearrange(DOWN4).blend(r5, HI4);
        FloatVector t2 = r2.blend(r6.rearrange(UP4), HI4);
        FloatVector t6 = r2.rearrange(DOWN4).blend(r6, HI4);
        FloatVector t3 = r3.blend(r7.rearrange(UP4), HI4);
        FloatVector t7 = r3.rearrange(DOWN4).blend(r7, HI4);
        // stage 2: the 2 × 2 blocks within each 4 × 4
        r0 = t0.blend(t2.rearrange(UP2), HI2);
        r2 = t0.rearrange(DOWN2).blend(t2, HI2);
        r1 = t1.blend(t3.rearrange(UP2), HI2);
        r3 = t1.rearrange(DOWN2).blend(t3, HI2);
        r4 = t4.blend(t6.rearrange(UP2), HI2);
        r6 = t4.rearrange(DOWN2).blend(t6, HI2);
        r5 = t5.blend(t7.rearrange(UP2), HI2);
        r7 = t5.rearrange(DOWN2).blend(t7, HI2);
        // stage 1: single lanes
        r0.blend(r1.rearrange(UP1), HI1).intoArray(dst, dOff);
        r0.rearrange(DOWN1).blend(r1, HI1).intoArray(dst, dOff + dStride);
        r2.blend(r3.rearrange(UP1), HI1).intoArray(dst, dOff + 2 * dStride);
        r2.rearrange(DOWN1).blend(r3, HI1).intoArray(dst, dOff + 3 * dStride);
        r4.blend(r5.rearrange(UP1), HI1).intoArray(dst, dOff + 4 * dStride);
        r4.rearrange(DOWN1).blend(r5, HI1).intoArray(dst, dOff + 5 * dStride);
        r6.blend(r7.rearrange(UP1), HI1).intoArray(dst, dOff + 6 * dStride);
        r6.rearrange(DOWN1).blend(r7, HI1).intoArray(dst, dOff + 7 * dStride);
    }
}
