package dev.kiln.tensor.spi;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.CpuStorage;

/**
 * ReferenceBackend's convolution and pooling: the definitions as plain loops in double precision,
 * the oracle the fast kernels are tested against. Every tensor is contiguous.
 */
final class ReferenceConv {
    private ReferenceConv() {
    }

    private static CpuStorage s(Tensor t) {
        return (CpuStorage) t.storage();
    }

    /** out[b, o, oh, ow] = bias[o] + Σ_{c, i, j} x[b, g·cpg + c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] · weight[o, c, i, j]. */
    static void conv2d(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        CpuStorage xs = s(x);
        CpuStorage ws = s(weight);
        CpuStorage ys = s(out);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        for (int b = 0; b < s.n(); b++) {
            for (int o = 0; o < s.cOut(); o++) {
                int g = o / opg;
                for (int oh = 0; oh < s.outH(); oh++) {
                    for (int ow = 0; ow < s.outW(); ow++) {
                        double acc = bias == null ? 0 : s(bias).get(bias.offset() + o);
                        for (int c = 0; c < cpg; c++) {
                            for (int i = 0; i < s.kH(); i++) {
                                int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int j = 0; j < s.kW(); j++) {
                                    int iw = ow * s.strideW() - s.padW() + j * s.dilationW();
                                    if (iw < 0 || iw >= s.w()) {
                                        continue;
                                    }
                                    acc += xs.get(x.offset() + xIndex(s, b, g * cpg + c, ih, iw))
                                            * ws.get(weight.offset() + ((o * cpg + c) * s.kH() + i) * s.kW() + j);
                                }
                            }
                        }
                        ys.set(out.offset() + ((b * s.cOut() + o) * s.outH() + oh) * s.outW() + ow, acc);
                    }
                }
            }
        }
    }

    /** dx = the adjoint of conv2d in x: each dy[b, o, oh, ow]·weight[o, c, i, j] goes back to the x it read. */
    static void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape s) {
        double[] acc = new double[dx.numel()];
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        forEachTap(s, (b, o, oh, ow, c, ih, iw, i, j) -> {
            int g = o / opg;
            acc[xIndex(s, b, g * cpg + c, ih, iw)] += s(dy).get(dy.offset() + yIndex(s, b, o, oh, ow))
                    * s(weight).get(weight.offset() + ((o * cpg + c) * s.kH() + i) * s.kW() + j);
        });
        write(dx, acc);
    }

    /** dweight[o, c, i, j] = Σ_{b, oh, ow} dy[b, o, oh, ow] · x[b, g·cpg + c, ih, iw] over the taps inside x. */
    static void conv2dBackwardWeight(Tensor dweight, Tensor dy, Tensor x, ConvShape s) {
        double[] acc = new double[dweight.numel()];
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        forEachTap(s, (b, o, oh, ow, c, ih, iw, i, j) -> {
            int g = o / opg;
            acc[((o * cpg + c) * s.kH() + i) * s.kW() + j] += s(dy).get(dy.offset() + yIndex(s, b, o, oh, ow))
                    * s(x).get(x.offset() + xIndex(s, b, g * cpg + c, ih, iw));
        });
        write(dweight, acc);
    }

    /**
     * Max over each window; indices get the flat position ih·w + iw in the input plane, as PyTorch.
     * As PyTorch's CPU kernel: a NaN wins (the last NaN's index), and a window of −∞ reports its first element.
     */
    static void maxPool2d(Tensor out, Tensor indices, Tensor x, PoolWindows p) {
        CpuStorage xs = s(x);
        for (int plane = 0; plane < p.n() * p.c(); plane++) {
            int base = x.offset() + plane * p.h() * p.w();
            for (int oh = 0; oh < p.outH(); oh++) {
                for (int ow = 0; ow < p.outW(); ow++) {
                    int best = p.hStart()[oh] * p.w() + p.wStart()[ow];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih += p.dilationH()) {
                        for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw += p.dilationW()) {
                            double v = xs.get(base + ih * p.w() + iw);
                            if (v > max || Double.isNaN(v)) {
                                max = v;
                                best = ih * p.w() + iw;
                            }
                        }
                    }
                    int o = (plane * p.outH() + oh) * p.outW() + ow;
                    s(out).set(out.offset() + o, max);
                    s(indices).set(indices.offset() + o, best);
                }
            }
        }
    }

    /** Mean over each window, divided by {@link PoolWindows#divisorAt}. */
    static void avgPool2d(Tensor out, Tensor x, PoolWindows p) {
        CpuStorage xs = s(x);
        for (int plane = 0; plane < p.n() * p.c(); plane++) {
            int base = x.offset() + plane * p.h() * p.w();
            for (int oh = 0; oh < p.outH(); oh++) {
                for (int ow = 0; ow < p.outW(); ow++) {
                    double sum = 0;
                    for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih += p.dilationH()) {
                        for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw += p.dilationW()) {
                            sum += xs.get(base + ih * p.w() + iw);
                        }
                    }
                    s(out).set(out.offset() + (plane * p.outH() + oh) * p.outW() + ow, sum / p.divisorAt(oh, ow));
                }
            }
        }
    }

    /** dx = the adjoint of avgPool2d: each dy spread evenly (by the same divisor) over its window. */
    static void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows p) {
        double[] acc = new double[dx.numel()];
        for (int plane = 0; plane < p.n() * p.c(); plane++) {
            int base = plane * p.h() * p.w();
            for (int oh = 0; oh < p.outH(); oh++) {
                for (int ow = 0; ow < p.outW(); ow++) {
                    double g = s(dy).get(dy.offset() + (plane * p.outH() + oh) * p.outW() + ow) / p.divisorAt(oh, ow);
                    for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih += p.dilationH()) {
                        for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw += p.dilationW()) {
                            acc[base + ih * p.w() + iw] += g;
                        }
                    }
                }
            }
        }
        write(dx, acc);
    }

    /**
     * Max over each 3-d window; indices get the flat position id·h·w + ih·w + iw in the input volume,
     * with the 2-d op's rules for NaN and −∞ (windows walked in (id, ih, iw) order).
     */
    static void maxPool3d(Tensor out, Tensor indices, Tensor x, PoolWindows3d p) {
        CpuStorage xs = s(x);
        int hw = p.h() * p.w();
        int o = 0;
        for (int vol = 0; vol < p.n() * p.c(); vol++) {
            int base = x.offset() + vol * p.volume();
            for (int od = 0; od < p.outD(); od++) {
                for (int oh = 0; oh < p.outH(); oh++) {
                    for (int ow = 0; ow < p.outW(); ow++, o++) {
                        int best = p.dStart()[od] * hw + p.hStart()[oh] * p.w() + p.wStart()[ow];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int id = p.dStart()[od]; id < p.dEnd()[od]; id += p.dilationD()) {
                            for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih += p.dilationH()) {
                                for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw += p.dilationW()) {
                                    int at = id * hw + ih * p.w() + iw;
                                    double v = xs.get(base + at);
                                    if (v > max || Double.isNaN(v)) {
                                        max = v;
                                        best = at;
                                    }
                                }
                            }
                        }
                        s(out).set(out.offset() + o, max);
                        s(indices).set(indices.offset() + o, best);
                    }
                }
            }
        }
    }

    /** Mean over each 3-d window, divided by {@link PoolWindows3d#divisorAt}. */
    static void avgPool3d(Tensor out, Tensor x, PoolWindows3d p) {
        CpuStorage xs = s(x);
        int hw = p.h() * p.w();
        int o = 0;
        for (int vol = 0; vol < p.n() * p.c(); vol++) {
            int base = x.offset() + vol * p.volume();
            for (int od = 0; od < p.outD(); od++) {
                for (int oh = 0; oh < p.outH(); oh++) {
                    for (int ow = 0; ow < p.outW(); ow++, o++) {
                        double sum = 0;
                        for (int id = p.dStart()[od]; id < p.dEnd()[od]; id++) {
                            for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                                for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                                    sum += xs.get(base + id * hw + ih * p.w() + iw);
                                }
                            }
                        }
                        s(out).set(out.offset() + o, sum / p.divisorAt(od, oh, ow));
                    }
                }
            }
        }
    }

    /** dx = the adjoint of avgPool3d: each dy spread evenly (by the same divisor) over its window. */
    static void avgPool3dBackward(Tensor dx, Tensor dy, PoolWindows3d p) {
        double[] acc = new double[dx.numel()];
        int hw = p.h() * p.w();
        int o = 0;
        for (int vol = 0; vol < p.n() * p.c(); vol++) {
            int base = vol * p.volume();
            for (int od = 0; od < p.outD(); od++) {
                for (int oh = 0; oh < p.outH(); oh++) {
                    for (int ow = 0; ow < p.outW(); ow++, o++) {
                        double g = s(dy).get(dy.offset() + o) / p.divisorAt(od, oh, ow);
                        for (int id = p.dStart()[od]; id < p.dEnd()[od]; id++) {
                            for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                                for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                                    acc[base + id * hw + ih * p.w() + iw] += g;
                                }
                            }
                        }
                    }
                }
            }
        }
        write(dx, acc);
    }

    @FunctionalInterface
    private interface Tap {
        void accept(int b, int o, int oh, int ow, int c, int ih, int iw, int i, int j);
    }

    /** Every (output position, kernel tap) pair whose input position lies inside x. */
    private static void forEachTap(ConvShape s, Tap tap) {
        for (int b = 0; b < s.n(); b++) {
            for (int o = 0; o < s.cOut(); o++) {
                for (int oh = 0; oh < s.outH(); oh++) {
                    for (int ow = 0; ow < s.outW(); ow++) {
                        for (int c = 0; c < s.cInPerGroup(); c++) {
                            for (int i = 0; i < s.kH(); i++) {
                                int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int j = 0; j < s.kW(); j++) {
                                    int iw = ow * s.strideW() - s.padW() + j * s.dilationW();
                                    if (iw >= 0 && iw < s.w()) {
                                        tap.accept(b, o, oh, ow, c, ih, iw, i, j);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static int xIndex(ConvShape s, int b, int c, int ih, int iw) {
        return ((b * s.cIn() + c) * s.h() + ih) * s.w() + iw;
    }

    private static int yIndex(ConvShape s, int b, int o, int oh, int ow) {
        return ((b * s.cOut() + o) * s.outH() + oh) * s.outW() + ow;
    }

    private static void write(Tensor t, double[] values) {
        for (int i = 0; i < values.length; i++) {
            s(t).set(t.offset() + i, values[i]);
        }
    }
}
