package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import java.util.Arrays;

/**
 * im2col and col2im for F32 convolution: one sample's channels of one group unrolled into (or
 * folded back from) a patch matrix whose row (c, i, j) holds, for every output position, the input
 * that kernel tap reads (zero in the padding). Rows are {@code ld} apart, so several samples can
 * sit side by side in one matrix and share one GEMM.
 */
final class ConvKernels {
    private ConvKernels() {
    }

    /** col[r·ld + colOff + oh·outW + ow] = x[c0 + c, ih, iw] for row r = (c, i, j) of the patch. */
    static void im2col(float[] col, int colOff, int ld, float[] x, int xOff, ConvShape s, int c0) {
        int plane = s.h() * s.w();
        int row = 0;
        for (int c = 0; c < s.cInPerGroup(); c++) {
            int base = xOff + (c0 + c) * plane;
            for (int i = 0; i < s.kH(); i++) {
                for (int j = 0; j < s.kW(); j++, row++) {
                    int dst = row * ld + colOff;
                    int colShift = j * s.dilationW() - s.padW();
                    // the output columns whose input column lies inside x: iw = ow·stride + colShift in [0, w)
                    int owLo = firstInside(colShift, s.strideW());
                    int owHi = Math.min(s.outW(), lastInside(colShift, s.strideW(), s.w()) + 1);
                    for (int oh = 0; oh < s.outH(); oh++, dst += s.outW()) {
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

    /** The adjoint of {@link #im2col}: dx[c0 + c, ih, iw] += col[r·ld + colOff + oh·outW + ow] over the taps that read it. */
    static void col2im(float[] dx, int dxOff, float[] col, int colOff, int ld, ConvShape s, int c0) {
        int plane = s.h() * s.w();
        int row = 0;
        for (int c = 0; c < s.cInPerGroup(); c++) {
            int base = dxOff + (c0 + c) * plane;
            for (int i = 0; i < s.kH(); i++) {
                for (int j = 0; j < s.kW(); j++, row++) {
                    int src = row * ld + colOff;
                    int colShift = j * s.dilationW() - s.padW();
                    int owLo = firstInside(colShift, s.strideW());
                    int owHi = Math.min(s.outW(), lastInside(colShift, s.strideW(), s.w()) + 1);
                    for (int oh = 0; oh < s.outH(); oh++, src += s.outW()) {
                        int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                        if (ih < 0 || ih >= s.h()) {
                            continue;
                        }
                        int d = base + ih * s.w() + owLo * s.strideW() + colShift;
                        for (int ow = owLo; ow < owHi; ow++, d += s.strideW()) {
                            dx[d] += col[src + ow];
                        }
                    }
                }
            }
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
}
