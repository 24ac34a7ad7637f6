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
            for (int pl = lo; pl < hi; pl++) {
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

    static void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows p) {
        if (!f32(dx, dy)) {
            REF.avgPool2dBackward(dx, dy, p);
            return;
        }
        float[] g = f(dx);
        float[] dya = f(dy);
        int plane = p.h() * p.w();
        int outPlane = p.outH() * p.outW();
        Parallel.forRange(p.n() * p.c(), HostArrays.rowGrain(plane, GRAIN), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int base = dx.offset() + pl * plane;
                Arrays.fill(g, base, base + plane, 0f);
                int o = dy.offset() + pl * outPlane;
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
