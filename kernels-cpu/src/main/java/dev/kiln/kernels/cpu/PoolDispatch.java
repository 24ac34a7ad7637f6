package dev.kiln.kernels.cpu;

import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.HostArrays.REF;
import static dev.kiln.kernels.cpu.HostArrays.f;
import static dev.kiln.kernels.cpu.HostArrays.f32;
import static dev.kiln.kernels.cpu.HostArrays.ints;

/**
 * CpuBackend's F32 pooling: the windows of {@link PoolWindows} walked per (sample, channel) plane
 * (of {@link PoolWindows3d} per volume),
 * planes split over threads (each plane's result is computed the same way whatever the split).
 * Windows are short and strided, so these are scalar loops; other dtypes run the reference loops.
 */
final class PoolDispatch {
    private PoolDispatch() {
    }

    /** Input elements per task before a loop is split over threads. */
    private static final int GRAIN = 1 << 14;

    static void maxPool2d(Tensor out, Tensor indices, Tensor x, PoolWindows p) {
        if (!f32(out, x)) {
            REF.maxPool2d(out, indices, x, p);
            return;
        }
        float[] y = f(out);
        int[] idx = ints(indices);
        float[] xa = f(x);
        int plane = p.h() * p.w();
        int outPlane = p.outH() * p.outW();
        Parallel.forRange(p.n() * p.c(), HostArrays.rowGrain(plane, GRAIN), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int base = x.offset() + pl * plane;
                int o = pl * outPlane;
                for (int oh = 0; oh < p.outH(); oh++) {
                    for (int ow = 0; ow < p.outW(); ow++, o++) {
                        // as PyTorch's CPU kernel: a NaN wins, an all −∞ window reports its first element
                        int best = p.hStart()[oh] * p.w() + p.wStart()[ow];
                        float max = Float.NEGATIVE_INFINITY;
                        for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih += p.dilationH()) {
                            int row = ih * p.w();
                            for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw += p.dilationW()) {
                                float v = xa[base + row + iw];
                                if (v > max || Float.isNaN(v)) {
                                    max = v;
                                    best = row + iw;
                                }
                            }
                        }
                        y[out.offset() + o] = max;
                        idx[indices.offset() + o] = best;
                    }
                }
            }
        });
    }

    /**
     * Planes in parallel; four planes at a time, each window's four sums side by side (four
     * independent chains of adds rather than one, the order within a plane unchanged: 1.8× on
     * {@code kiln train cnn}'s global pooling of [128, 64, 7, 7], 2.3× with 2 × 2 windows; one thread,
     * AVX2, PoolAB).
     */
    static void avgPool2d(Tensor out, Tensor x, PoolWindows p) {
        if (!f32(out, x)) {
            REF.avgPool2d(out, x, p);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        int plane = p.h() * p.w();
        int outPlane = p.outH() * p.outW();
        Parallel.forRange(p.n() * p.c(), HostArrays.rowGrain(plane, GRAIN), (lo, hi) -> {
            int pl = lo;
            for (; pl + 4 <= hi; pl += 4) {
                avgPool4(y, out.offset() + pl * outPlane, outPlane, xa, x.offset() + pl * plane, plane, p);
            }
            for (; pl < hi; pl++) {
                int base = x.offset() + pl * plane;
                int o = out.offset() + pl * outPlane;
                for (int oh = 0; oh < p.outH(); oh++) {
                    for (int ow = 0; ow < p.outW(); ow++, o++) {
                        float sum = 0;
                        for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                            for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                                sum += xa[base + ih * p.w() + iw];
                            }
                        }
                        y[o] = (float) (sum / p.divisorAt(oh, ow));
                    }
                }
            }
        });
    }

    /** Four consecutive planes of {@link #avgPool2d}, each summed in the same order as alone. */
    private static void avgPool4(float[] y, int o, int outPlane, float[] xa, int base, int plane, PoolWindows p) {
        for (int oh = 0; oh < p.outH(); oh++) {
            for (int ow = 0; ow < p.outW(); ow++, o++) {
                float s0 = 0;
                float s1 = 0;
                float s2 = 0;
                float s3 = 0;
                for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                    for (int iw = p.wStart()[ow], i = base + ih * p.w() + iw; iw < p.wEnd()[ow]; iw++, i++) {
                        s0 += xa[i];
                        s1 += xa[i + plane];
                        s2 += xa[i + 2 * plane];
                        s3 += xa[i + 3 * plane];
                    }
                }
                double d = p.divisorAt(oh, ow);
                y[o] = (float) (s0 / d);
                y[o + outPlane] = (float) (s1 / d);
                y[o + 2 * outPlane] = (float) (s2 / d);
                y[o + 3 * outPlane] = (float) (s3 / d);
            }
        }
    }

    /** Planes in parallel, each plane's outputs in order (Backend.maxPoolBackward's contract). */
    static void maxPoolBackward(Tensor dx, Tensor dy, Tensor indices) {
        if (!f32(dx, dy)) {
            REF.maxPoolBackward(dx, dy, indices);
            return;
        }
        float[] g = f(dx);
        float[] d = f(dy);
        int[] ix = ints(indices);
        int inPlane = dx.size(1);
        int outPlane = dy.size(1);
        Parallel.forRange(dx.size(0), HostArrays.rowGrain(outPlane, GRAIN), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int base = dx.offset() + p * inPlane;
                int o = dy.offset() + p * outPlane;
                int io = indices.offset() + p * outPlane;
                for (int k = 0; k < outPlane; k++) {
                    g[base + ix[io + k]] += d[o + k];
                }
            }
        });
    }

    /**
     * Planes in parallel. A window that is the whole plane (global pooling, {@code kiln train cnn}'s
     * last layer) fills it with its share, 0 + share as the general loop adds it (so −0 becomes +0):
     * 4.2-4.6× the loop on [128, 64, 7, 7] (one thread, AVX2, PoolAB).
     */
    static void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows p) {
        if (!f32(dx, dy)) {
            REF.avgPool2dBackward(dx, dy, p);
            return;
        }
        float[] g = f(dx);
        float[] dya = f(dy);
        int plane = p.h() * p.w();
        int outPlane = p.outH() * p.outW();
        boolean global = outPlane == 1 && p.hStart()[0] == 0 && p.hEnd()[0] == p.h() && p.wStart()[0] == 0
                && p.wEnd()[0] == p.w();
        Parallel.forRange(p.n() * p.c(), HostArrays.rowGrain(plane, GRAIN), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int base = dx.offset() + pl * plane;
                int o = dy.offset() + pl * outPlane;
                if (global) {
                    Arrays.fill(g, base, base + plane, 0f + (float) (dya[o] / p.divisorAt(0, 0)));
                    continue;
                }
                Arrays.fill(g, base, base + plane, 0f);
                for (int oh = 0; oh < p.outH(); oh++) {
                    for (int ow = 0; ow < p.outW(); ow++, o++) {
                        float share = (float) (dya[o] / p.divisorAt(oh, ow));
                        for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                            for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                                g[base + ih * p.w() + iw] += share;
                            }
                        }
                    }
                }
            }
        });
    }

    // ---- 3-d: the same loops with a depth dim, (sample, channel) volumes split over threads ----

    static void maxPool3d(Tensor out, Tensor indices, Tensor x, PoolWindows3d p) {
        if (!f32(out, x)) {
            REF.maxPool3d(out, indices, x, p);
            return;
        }
        float[] y = f(out);
        int[] idx = ints(indices);
        float[] xa = f(x);
        int hw = p.h() * p.w();
        Parallel.forRange(p.n() * p.c(), HostArrays.rowGrain(p.volume(), GRAIN), (lo, hi) -> {
            for (int vol = lo; vol < hi; vol++) {
                int base = x.offset() + vol * p.volume();
                int o = vol * p.outVolume();
                for (int od = 0; od < p.outD(); od++) {
                    for (int oh = 0; oh < p.outH(); oh++) {
                        for (int ow = 0; ow < p.outW(); ow++, o++) {
                            // as maxPool2d: a NaN wins, an all −∞ window reports its first element
                            int best = p.dStart()[od] * hw + p.hStart()[oh] * p.w() + p.wStart()[ow];
                            float max = Float.NEGATIVE_INFINITY;
                            for (int id = p.dStart()[od]; id < p.dEnd()[od]; id += p.dilationD()) {
                                for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih += p.dilationH()) {
                                    int row = id * hw + ih * p.w();
                                    for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw += p.dilationW()) {
                                        float v = xa[base + row + iw];
                                        if (v > max || Float.isNaN(v)) {
                                            max = v;
                                            best = row + iw;
                                        }
                                    }
                                }
                            }
                            y[out.offset() + o] = max;
                            idx[indices.offset() + o] = best;
                        }
                    }
                }
            }
        });
    }

    static void avgPool3d(Tensor out, Tensor x, PoolWindows3d p) {
        if (!f32(out, x)) {
            REF.avgPool3d(out, x, p);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        int hw = p.h() * p.w();
        Parallel.forRange(p.n() * p.c(), HostArrays.rowGrain(p.volume(), GRAIN), (lo, hi) -> {
            for (int vol = lo; vol < hi; vol++) {
                int base = x.offset() + vol * p.volume();
                int o = out.offset() + vol * p.outVolume();
                for (int od = 0; od < p.outD(); od++) {
                    for (int oh = 0; oh < p.outH(); oh++) {
                        for (int ow = 0; ow < p.outW(); ow++, o++) {
                            float sum = 0;
                            for (int id = p.dStart()[od]; id < p.dEnd()[od]; id++) {
                                for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                                    int row = base + id * hw + ih * p.w();
                                    for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                                        sum += xa[row + iw];
                                    }
                                }
                            }
                            y[o] = (float) (sum / p.divisorAt(od, oh, ow));
                        }
                    }
                }
            }
        });
    }

    static void avgPool3dBackward(Tensor dx, Tensor dy, PoolWindows3d p) {
        if (!f32(dx, dy)) {
            REF.avgPool3dBackward(dx, dy, p);
            return;
        }
        float[] g = f(dx);
        float[] dya = f(dy);
        int hw = p.h() * p.w();
        Parallel.forRange(p.n() * p.c(), HostArrays.rowGrain(p.volume(), GRAIN), (lo, hi) -> {
            for (int vol = lo; vol < hi; vol++) {
                int base = dx.offset() + vol * p.volume();
                Arrays.fill(g, base, base + p.volume(), 0f);
                int o = dy.offset() + vol * p.outVolume();
                for (int od = 0; od < p.outD(); od++) {
                    for (int oh = 0; oh < p.outH(); oh++) {
                        for (int ow = 0; ow < p.outW(); ow++, o++) {
                            float share = (float) (dya[o] / p.divisorAt(od, oh, ow));
                            for (int id = p.dStart()[od]; id < p.dEnd()[od]; id++) {
                                for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                                    int row = base + id * hw + ih * p.w();
                                    for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                                        g[row + iw] += share;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
