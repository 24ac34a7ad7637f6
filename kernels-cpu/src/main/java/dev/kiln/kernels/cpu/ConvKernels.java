package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * F32 convolution kernels. im2col and col2im: one sample's channels of one group unrolled into (or
 * folded back from) a patch matrix whose row (c, i, j) holds, for every output position, the input
 * that kernel tap reads (zero in the padding); rows are {@code ld} apart, so several samples can
 * sit side by side in one matrix and share one GEMM. And a direct forward kernel for small patches
 * (few input channels per group, e.g. an image's first layer or a depthwise convolution), where a
 * GEMM with an inner dimension of a few dozen wastes its blocking.
 */
final class ConvKernels {
    private ConvKernels() {
    }

    /**
     * col[r·ld + colOff + oh·outW + ow] = x[c0 + c, ih, iw] for the rows r = (c, i, j) of the patch
     * with c in [cLo, cHi) (the group's channels, so threads can take disjoint row ranges).
     */
    static void im2col(float[] col, int colOff, int ld, float[] x, int xOff, ConvShape s, int c0, int cLo, int cHi) {
        im2col(col, colOff, ld, x, xOff, s, c0, cLo, cHi, 0, s.outH());
    }

    /**
     * As above for the output rows oh in [ohLo, ohHi) only, written from column
     * colOff + (oh − ohLo)·outW on: the patch matrix of one band of output rows.
     */
    static void im2col(float[] col, int colOff, int ld, float[] x, int xOff, ConvShape s, int c0, int cLo, int cHi,
                       int ohLo, int ohHi) {
        int plane = s.h() * s.w();
        int row = cLo * s.kH() * s.kW();
        // stride 1 and output rows as wide as the input's: a tap reads x at one fixed offset from
        // its output position, so the rows it reads inside x are one contiguous copy
        boolean shifted = s.strideH() == 1 && s.strideW() == 1 && s.outW() == s.w();
        for (int c = cLo; c < cHi; c++) {
            int base = xOff + (c0 + c) * plane;
            for (int i = 0; i < s.kH(); i++) {
                for (int j = 0; j < s.kW(); j++, row++) {
                    int dst = row * ld + colOff;
                    int colShift = j * s.dilationW() - s.padW();
                    // the output columns whose input column lies inside x: iw = ow·stride + colShift in [0, w)
                    int owLo = firstInside(colShift, s.strideW());
                    int owHi = Math.min(s.outW(), lastInside(colShift, s.strideW(), s.w()) + 1);
                    if (shifted) {
                        shiftedTap(col, dst, x, base, s, i * s.dilationH() - s.padH(), colShift, owLo, owHi, ohLo, ohHi);
                        continue;
                    }
                    for (int oh = ohLo; oh < ohHi; oh++, dst += s.outW()) {
                        int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                        if (ih < 0 || ih >= s.h() || owLo >= owHi) {
                            Arrays.fill(col, dst, dst + s.outW(), 0f);
                            continue;
                        }
                        Arrays.fill(col, dst, dst + owLo, 0f);
                        int src = base + ih * s.w() + owLo * s.strideW() + colShift;
                        if (s.strideW() == 1) {
                            System.arraycopy(x, src, col, dst + owLo, owHi - owLo);
                        } else {
                            for (int ow = owLo; ow < owHi; ow++, src += s.strideW()) {
                                col[dst + ow] = x[src];
                            }
                        }
                        Arrays.fill(col, dst + owHi, dst + s.outW(), 0f);
                    }
                }
            }
        }
    }

    /**
     * One patch row of a stride-1 convolution whose output rows are the input's width: output
     * (oh, ow) reads x[oh + rowShift, ow + colShift], so the rows inside x are one copy of
     * x[(ohA + rowShift)·w + owLo + colShift ...] (a flat shift), after which the columns that
     * fell outside a row (ow < owLo or ow ≥ owHi, wrapped in from the neighbouring row) and the
     * rows outside x are zeroed. Writes exactly what the row-by-row loop writes.
     */
    private static void shiftedTap(float[] col, int dst, float[] x, int base, ConvShape s, int rowShift, int colShift,
                                   int owLo, int owHi, int ohLo, int ohHi) {
        int w = s.w();
        // output rows whose input row lies inside x: ih = oh + rowShift in [0, h)
        int ohA = Math.max(ohLo, -rowShift);
        int ohB = Math.min(ohHi, s.h() - rowShift);
        if (ohA >= ohB || owLo >= owHi) {
            Arrays.fill(col, dst, dst + (ohHi - ohLo) * w, 0f);
            return;
        }
        Arrays.fill(col, dst, dst + (ohA - ohLo) * w + owLo, 0f);
        int from = dst + (ohA - ohLo) * w + owLo;
        int len = (ohB - ohA - 1) * w + (owHi - owLo);
        System.arraycopy(x, base + (ohA + rowShift) * w + owLo + colShift, col, from, len);
        if (owLo > 0 || owHi < w) {
            for (int oh = ohA; oh < ohB - 1; oh++) {
                // the end of row oh and the start of row oh + 1 read the neighbouring input row
                int at = dst + (oh - ohLo) * w;
                Arrays.fill(col, at + owHi, at + w + owLo, 0f);
            }
        }
        Arrays.fill(col, dst + (ohB - 1 - ohLo) * w + owHi, dst + (ohHi - ohLo) * w, 0f);
    }

    /**
     * The adjoint of {@link #im2col}: dx[c0 + c, ih, iw] += col[r·ld + colOff + oh·outW + ow] over the
     * taps that read it, for c in [cLo, cHi) (each channel's plane is written by its own rows only).
     * Taps are added in (i, j, oh) order whatever the vector width.
     */
    static void col2im(float[] dx, int dxOff, float[] col, int colOff, int ld, ConvShape s, int c0, int cLo, int cHi) {
        col2im(dx, dxOff, col, colOff, ld, s, c0, cLo, cHi, 0, s.outH());
    }

    /** As above for the output rows oh in [ohLo, ohHi) only, read from column colOff + (oh − ohLo)·outW on. */
    static void col2im(float[] dx, int dxOff, float[] col, int colOff, int ld, ConvShape s, int c0, int cLo, int cHi,
                       int ohLo, int ohHi) {
        int plane = s.h() * s.w();
        int row = cLo * s.kH() * s.kW();
        for (int c = cLo; c < cHi; c++) {
            int base = dxOff + (c0 + c) * plane;
            for (int i = 0; i < s.kH(); i++) {
                for (int j = 0; j < s.kW(); j++, row++) {
                    int src = row * ld + colOff;
                    int colShift = j * s.dilationW() - s.padW();
                    int owLo = firstInside(colShift, s.strideW());
                    int owHi = Math.min(s.outW(), lastInside(colShift, s.strideW(), s.w()) + 1);
                    for (int oh = ohLo; oh < ohHi; oh++, src += s.outW()) {
                        int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                        if (ih < 0 || ih >= s.h()) {
                            continue;
                        }
                        int d = base + ih * s.w() + owLo * s.strideW() + colShift;
                        if (s.strideW() == 1) {
                            addRow(dx, d, col, src + owLo, owHi - owLo);
                        } else {
                            for (int ow = owLo; ow < owHi; ow++, d += s.strideW()) {
                                dx[d] += col[src + ow];
                            }
                        }
                    }
                }
            }
        }
    }

    /** dst[d + t] += src[sOff + t] for t in [0, len): a contiguous row of col2im (each element one add). */
    private static void addRow(float[] dst, int d, float[] src, int sOff, int len) {
        int t = 0;
        if (Simd.ENABLED) {
            for (int up = len / L * L; t < up; t += L) {
                FloatVector.fromArray(S, dst, d + t).add(FloatVector.fromArray(S, src, sOff + t)).intoArray(dst, d + t);
            }
        }
        for (; t < len; t++) {
            dst[d + t] += src[sOff + t];
        }
    }

    /** The first ow >= 0 with ow·stride + shift >= 0. */
    private static int firstInside(int shift, int stride) {
        return shift >= 0 ? 0 : (-shift + stride - 1) / stride;
    }

    /** The last ow with ow·stride + shift < w (−1 when none). */
    private static int lastInside(int shift, int stride, int w) {
        int limit = w - 1 - shift;
        return limit < 0 ? -1 : limit / stride;
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /**
     * Direct forward for output rows r in [r0, r1), r = sample·cOut + o: each output row starts at
     * the bias and adds, tap by tap in (c, i, j) order, weight × the input row that tap reads,
     * vectorised along the output row when strideW is 1. Every element sums its taps in the same
     * order with fused multiply-adds, whatever the vector width.
     */
    static void directForward(float[] y, int yOff, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
                              ConvShape s, int r0, int r1) {
        int plane = s.h() * s.w();
        int outW = s.outW();
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        for (int r = r0; r < r1; r++) {
            int n = r / s.cOut();
            int o = r % s.cOut();
            int c0 = (o / opg) * cpg;
            float b = bias == null ? 0f : bias[bOff + o];
            int rowBase = yOff + r * s.outH() * outW;
            Arrays.fill(y, rowBase, rowBase + s.outH() * outW, b);
            for (int c = 0; c < cpg; c++) {
                int xBase = xOff + (n * s.cIn() + c0 + c) * plane;
                for (int i = 0; i < s.kH(); i++) {
                    for (int j = 0; j < s.kW(); j++) {
                        float wv = w[wOff + ((o * cpg + c) * s.kH() + i) * s.kW() + j];
                        int colShift = j * s.dilationW() - s.padW();
                        int owLo = firstInside(colShift, s.strideW());
                        int owHi = Math.min(outW, lastInside(colShift, s.strideW(), s.w()) + 1);
                        if (owLo >= owHi) {
                            continue;
                        }
                        for (int oh = 0; oh < s.outH(); oh++) {
                            int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                            if (ih < 0 || ih >= s.h()) {
                                continue;
                            }
                            int dst = rowBase + oh * outW;
                            int src = xBase + ih * s.w() + colShift;
                            axpyRow(y, dst, x, src, s.strideW(), wv, owLo, owHi);
                        }
                    }
                }
            }
        }
    }

    /** y[dst + ow] = fma(wv, x[src + ow·stride], y[dst + ow]) for ow in [lo, hi). */
    private static void axpyRow(float[] y, int dst, float[] x, int src, int stride, float wv, int lo, int hi) {
        int ow = lo;
        if (stride == 1 && Simd.ENABLED) {
            FloatVector wvec = FloatVector.broadcast(S, wv);
            for (int up = lo + (hi - lo) / L * L; ow < up; ow += L) {
                FloatVector xv = FloatVector.fromArray(S, x, src + ow);
                FloatVector yv = FloatVector.fromArray(S, y, dst + ow);
                xv.fma(wvec, yv).intoArray(y, dst + ow);
            }
        }
        for (; ow < hi; ow++) {
            y[dst + ow] = Math.fma(x[src + ow * stride], wv, y[dst + ow]);
        }
    }
}
