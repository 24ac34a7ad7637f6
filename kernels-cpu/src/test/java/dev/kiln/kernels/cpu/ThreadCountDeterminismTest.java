package dev.kiln.kernels.cpu;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.SgdConfig;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kernel that adds partial results (whole and column reductions, the norms' and PReLU's
 * parameter gradients, batch norm's per-channel sums, attention's dQ, the matrix products, convolution's weight gradient over
 * blocks of samples and its im2col / col2im pieces) gives the same bits on 1, 2, 3 and 5
 * threads, at sizes where the work is split: the splits are fixed pieces added in a fixed order.
 * So do the elementwise kernels (Adam's step, the unary ops), whose ranges end at thread-dependent
 * places: their scalar tails compute as their vector loops.
 */
class ThreadCountDeterminismTest {

    @Test
    void reducingKernelsGiveTheSameBitsOnAnyNumberOfThreads() {
        int before = Parallel.threads();
        try {
            Map<String, Long> one = null;
            for (int threads : new int[] {1, 2, 3, 5, 1}) {
                Parallel.setThreads(threads);
                Map<String, Long> got = run();
                if (one == null) {
                    one = got;
                    continue;
                }
                for (var e : one.entrySet()) {
                    assertThat(got.get(e.getKey())).as("%s on %d threads vs 1", e.getKey(), threads)
                            .isEqualTo(e.getValue());
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** Kernel name to the hash of its outputs' bits. */
    private static Map<String, Long> run() {
        Map<String, Long> out = new LinkedHashMap<>();
        SplittableRandom rng = new SplittableRandom(6);
        Tensor big = KernelBits.values(rng, (1 << 20) + 7, 1);
        for (ReduceOp op : ReduceOp.values()) {
            record(out, "reduce all " + op, () -> reduce(op, big, new int[] {0}, 1));
        }
        // column reductions in each of their three splits: many slabs, wide rows, narrow rows
        Tensor narrow = KernelBits.values(rng, 70000 * 3, 1).view(70000, 3);
        Tensor wide = KernelBits.values(rng, 300 * 1030, 1).view(300, 1030);
        Tensor slabs = KernelBits.values(rng, 3 * 5000 * 7, 1).view(3, 5000, 7);
        Tensor many = KernelBits.values(rng, 40 * 900 * 5, 1).view(40, 900, 5);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX}) {
            record(out, "reduce narrow columns " + op, () -> reduce(op, narrow, new int[] {0}, 1, 3));
            record(out, "reduce wide columns " + op, () -> reduce(op, wide, new int[] {0}, 1, 1030));
            record(out, "reduce few slabs " + op, () -> reduce(op, slabs, new int[] {1}, 3, 1, 7));
            record(out, "reduce many slabs " + op, () -> reduce(op, many, new int[] {1}, 40, 1, 5));
        }

        int rows = 4000;
        int d = 45;
        Tensor x = KernelBits.values(rng, rows * d, 1).view(rows, d);
        Tensor dy = KernelBits.values(rng, rows * d, 1).view(rows, d);
        Tensor w = KernelBits.values(rng, d, 1);
        Tensor b = KernelBits.values(rng, d, 1);
        record(out, "layerNorm and backward", () -> {
            Tensor y = poisoned(rows, d);
            Tensor mean = poisoned(rows);
            Tensor rstd = poisoned(rows);
            CPU.layerNorm(y, mean, rstd, x, w, b, 1e-5);
            Tensor dx = poisoned(rows, d);
            Tensor dw = poisoned(d);
            Tensor db = poisoned(d);
            CPU.layerNormBackward(dx, dw, db, dy, x, mean, rstd, w);
            return new Tensor[] {y, dx, dw, db};
        });
        record(out, "rmsNorm and backward", () -> {
            Tensor y = poisoned(rows, d);
            Tensor rstd = poisoned(rows);
            CPU.rmsNorm(y, rstd, x, w, 1e-5);
            Tensor dx = poisoned(rows, d);
            Tensor dw = poisoned(d);
            CPU.rmsNormBackward(dx, dw, dy, x, rstd, w);
            return new Tensor[] {y, dx, dw};
        });
        // batch norm: channels split over threads, each channel's planes summed by one thread
        Tensor bx = KernelBits.values(rng, 64 * 24 * 196, 1).view(64, 24, 196);
        Tensor bdy = KernelBits.values(rng, 64 * 24 * 196, 1).view(64, 24, 196);
        Tensor bw = KernelBits.values(rng, 24, 1);
        Tensor bb = KernelBits.values(rng, 24, 1);
        record(out, "batchNorm and backward", () -> {
            Tensor y = poisoned(64, 24, 196);
            Tensor mean = poisoned(24);
            Tensor invstd = poisoned(24);
            CPU.batchNorm(y, mean, invstd, bx, bw, bb, 1e-5);
            Tensor dx = poisoned(64, 24, 196);
            Tensor dw = poisoned(24);
            Tensor db = poisoned(24);
            CPU.batchNormBackward(dx, dw, db, bdy, bx, mean, invstd, bw);
            return new Tensor[] {y, mean, invstd, dx, dw, db};
        });
        Tensor px = KernelBits.values(rng, 64 * 8 * 300, 1).view(64, 8, 300);
        Tensor pdy = KernelBits.values(rng, 64 * 8 * 300, 1).view(64, 8, 300);
        Tensor slope = KernelBits.values(rng, 8, 0.1);
        Tensor shared = KernelBits.values(rng, 1, 0.1);
        for (Tensor pw : new Tensor[] {slope, shared}) {
            record(out, "preluBackward " + pw.numel() + " slopes", () -> {
                Tensor dx = poisoned(64, 8, 300);
                Tensor dw = poisoned(pw.numel());
                CPU.preluBackward(dx, dw, pdy, px, pw);
                return new Tensor[] {dx, dw};
            });
        }

        // one batch and head: the backward splits the key blocks, and dQ is a sum over the splits
        for (boolean causal : new boolean[] {false, true}) {
            Tensor q = KernelBits.values(rng, 2 * 300 * 16, 1).view(1, 2, 300, 16);
            Tensor k = KernelBits.values(rng, 300 * 16, 1).view(1, 1, 300, 16);
            Tensor v = KernelBits.values(rng, 300 * 16, 1).view(1, 1, 300, 16);
            Tensor dout = KernelBits.values(rng, 2 * 300 * 16, 1).view(1, 2, 300, 16);
            record(out, "attention and backward" + (causal ? " causal" : ""), () -> {
                Tensor o = Tensor.zeros(1, 2, 300, 16);
                Tensor lse = Tensor.zeros(1, 2, 300);
                CPU.scaledDotProductAttention(o, lse, q, k, v, null, causal, 0.25);
                Tensor dq = Tensor.zeros(q.shape());
                Tensor dk = Tensor.zeros(k.shape());
                Tensor dv = Tensor.zeros(v.shape());
                CPU.scaledDotProductAttentionBackward(dq, dk, dv, null, dout, q, k, v, null, o, lse, causal, 0.25);
                return new Tensor[] {o, lse, dq, dk, dv};
            });
        }
        // a transformer's training shape (whole rows, one head per task) and a float mask with its gradient
        Tensor wq = KernelBits.values(rng, 3 * 4 * 128 * 64, 1).view(3, 4, 128, 64);
        Tensor wk = KernelBits.values(rng, 3 * 4 * 128 * 64, 1).view(3, 4, 128, 64);
        Tensor wv = KernelBits.values(rng, 3 * 4 * 128 * 64, 1).view(3, 4, 128, 64);
        Tensor wdout = KernelBits.values(rng, 3 * 4 * 128 * 64, 1).view(3, 4, 128, 64);
        Tensor wbias = KernelBits.values(rng, 128 * 128, 1).view(128, 128).expand(3, 4, 128, 128);
        for (Tensor bias : new Tensor[] {null, wbias}) {
            record(out, "whole-row attention and backward" + (bias == null ? " causal" : " with a float mask"), () -> {
                Tensor o = Tensor.zeros(3, 4, 128, 64);
                Tensor lse = Tensor.zeros(3, 4, 128);
                CPU.scaledDotProductAttention(o, lse, wq, wk, wv, bias, bias == null, 0.125);
                Tensor dq = Tensor.zeros(wq.shape());
                Tensor dk = Tensor.zeros(wk.shape());
                Tensor dv = Tensor.zeros(wv.shape());
                Tensor dmask = bias == null ? null : Tensor.zeros(3, 4, 128, 128);
                CPU.scaledDotProductAttentionBackward(dq, dk, dv, dmask, wdout, wq, wk, wv, bias, o, lse, bias == null,
                        0.125);
                return bias == null ? new Tensor[] {o, lse, dq, dk, dv} : new Tensor[] {o, lse, dq, dk, dv, dmask};
            });
        }
        // with a float [300, 300] mask and its gradient dS, written tile by tile
        Tensor mq = KernelBits.values(rng, 2 * 300 * 16, 1).view(1, 2, 300, 16);
        Tensor mk = KernelBits.values(rng, 300 * 16, 1).view(1, 1, 300, 16);
        Tensor mvv = KernelBits.values(rng, 300 * 16, 1).view(1, 1, 300, 16);
        Tensor mdout = KernelBits.values(rng, 2 * 300 * 16, 1).view(1, 2, 300, 16);
        Tensor bias = KernelBits.values(rng, 300 * 300, 1).view(300, 300).expand(1, 2, 300, 300);
        record(out, "attention and backward with a float mask", () -> {
            Tensor o = Tensor.zeros(1, 2, 300, 16);
            Tensor lse = Tensor.zeros(1, 2, 300);
            CPU.scaledDotProductAttention(o, lse, mq, mk, mvv, bias, false, 0.25);
            Tensor dq = Tensor.zeros(mq.shape());
            Tensor dk = Tensor.zeros(mk.shape());
            Tensor dv = Tensor.zeros(mvv.shape());
            Tensor dmask = Tensor.zeros(1, 2, 300, 300);
            CPU.scaledDotProductAttentionBackward(dq, dk, dv, dmask, mdout, mq, mk, mvv, bias, o, lse, false, 0.25);
            return new Tensor[] {o, lse, dq, dk, dv, dmask};
        });

        // elementwise work split at thread-dependent points: each element's bits must not depend on
        // whether it fell in a vector or in a range's scalar tail
        int an = (1 << 18) + 5;
        double[] pv = KernelCheck.values(KernelBits.values(rng, an, 1));
        double[] gv = KernelCheck.values(KernelBits.values(rng, an, 1));
        double[] mv = KernelCheck.values(KernelBits.values(rng, an, 0.1));
        double[] vv = KernelCheck.values(KernelBits.values(rng, an, 0.1));
        for (int i = 0; i < an; i++) {
            vv[i] *= vv[i];
        }
        for (AdamConfig.Mode mode : AdamConfig.Mode.values()) {
            for (boolean amsgrad : new boolean[] {false, true}) {
                record(out, "adamStep " + mode + (amsgrad ? " amsgrad" : ""), () -> {
                    Tensor[] t = {fresh(pv), fresh(gv), fresh(mv), fresh(vv), amsgrad ? fresh(vv) : null};
                    CPU.adamStep(t[0], t[1], t[2], t[3], t[4], new AdamConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, 3, mode));
                    return amsgrad ? t : new Tensor[] {t[0], t[2], t[3]};
                });
            }
        }
        for (boolean nesterov : new boolean[] {false, true}) {
            record(out, "sgdStep" + (nesterov ? " nesterov" : ""), () -> {
                Tensor[] t = {fresh(pv), fresh(gv), fresh(mv)};
                CPU.sgdStep(t[0], t[1], t[2], new SgdConfig(0.05, 0.9, 0, 5e-4, nesterov, false));
                return new Tensor[] {t[0], t[2]};
            });
        }
        Tensor ex = KernelBits.values(rng, an, 3);
        for (UnaryOp op : UnaryOp.values()) {
            record(out, "unary " + op, () -> {
                Tensor y = poisoned(an);
                CPU.unary(op, y, ex);
                return new Tensor[] {y};
            });
        }

        // convolution: one sample per block (the weight gradient adds three blocks), stride 2 (input
        // gradient by DirectConvPhaseChannels, with 80 output channels on 15 × 15 dy too at AVX2, by col2im at
        // AVX-512), 1×1 (no patch
        // matrix), the direct kernel of DirectConv (its weight gradient in three chunks of samples), that
        // of DirectConvChannels (72 out channels: two blocks, split over threads for 3 samples; at stride 2
        // through the input's phases; 72 in channels on 14 × 14, in place of im2col), that of DirectConvRows
        // at stride 2 (its input gradient by the phases of dx, at AVX-512), a strided 1×1 of DirectConvPointwise (11
        // samples: its weight gradient's 8 chunks of 1 and 2), DirectConv's weight gradient a chunk of samples a
        // task (300 samples of 8 × 8: 9 chunks or more), the stem's weight gradient by DirectConvWeightStem (40
        // samples: 10 chunks of 4);
        // each with both gradients
        int[][] convs = {{3, 64, 96, 96, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1}, {3, 64, 96, 96, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1},
            {3, 16, 30, 30, 80, 3, 3, 2, 2, 1, 1, 1, 1, 1}, {3, 40, 9, 9, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {3, 40, 19, 19, 72, 3, 3, 2, 2, 1, 1, 1, 1, 1}, {3, 72, 14, 14, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {4, 32, 20, 20, 24, 1, 1, 1, 1, 0, 0, 1, 1, 2}, {10, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {3, 32, 15, 15, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1}, {11, 16, 28, 28, 32, 1, 1, 2, 2, 0, 0, 1, 1, 1},
            {300, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1}, {40, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1}};
        for (int[] g : convs) {
            dev.kiln.tensor.ConvShape cs = new dev.kiln.tensor.ConvShape(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7],
                    g[8], g[9], g[10], g[11], g[12], g[13], (g[2] + 2 * g[9] - g[5]) / g[7] + 1,
                    (g[3] + 2 * g[10] - g[6]) / g[8] + 1);
            int[] xs = {cs.n(), cs.cIn(), cs.h(), cs.w()};
            int[] ws = {cs.cOut(), cs.cInPerGroup(), cs.kH(), cs.kW()};
            int[] ys = {cs.n(), cs.cOut(), cs.outH(), cs.outW()};
            Tensor cx = KernelBits.values(rng, KernelCheck.numel(xs), 1).view(xs);
            Tensor cw = KernelBits.values(rng, KernelCheck.numel(ws), 0.1).view(ws);
            Tensor cb = KernelBits.values(rng, cs.cOut(), 1);
            Tensor cdy = KernelBits.values(rng, KernelCheck.numel(ys), 1).view(ys);
            record(out, "conv2d and backward " + cs, () -> {
                Tensor y = poisoned(ys);
                CPU.conv2d(y, cx, cw, cb, cs);
                Tensor dx = poisoned(xs);
                CPU.conv2dBackwardInput(dx, cdy, cw, cs);
                Tensor dw = poisoned(ws);
                CPU.conv2dBackwardWeight(dw, cdy, cx, cs);
                return new Tensor[] {y, dx, dw};
            });
        }

        // split by rows and by columns, and the shared-B path of large products
        int[][] products = {{300, 200, 150}, {64, 300, 700}, {520, 512, 530}};
        for (int[] p : products) {
            Tensor a = KernelBits.values(rng, p[0] * p[1], 1).view(p[0], p[1]);
            Tensor m = KernelBits.values(rng, p[1] * p[2], 1).view(p[1], p[2]);
            record(out, "matmul " + p[0] + "x" + p[1] + "x" + p[2], () -> {
                Tensor c = poisoned(p[0], p[2]);
                CPU.matmul(c, a, m);
                return new Tensor[] {c};
            });
        }
        // the fused linear: its product and the bias and GELU pass split by rows
        Tensor lx = KernelBits.values(rng, 600 * 130, 1).view(600, 130);
        Tensor lw = KernelBits.values(rng, 300 * 130, 1).view(300, 130);
        Tensor lb = KernelBits.values(rng, 300, 1);
        record(out, "linear and GELU", () -> {
            Tensor y = poisoned(600, 300);
            Tensor pre = poisoned(600, 300);
            CPU.linear(y, pre, lx, lw, lb, UnaryOp.GELU);
            return new Tensor[] {y, pre};
        });
        return out;
    }

    private static Tensor fresh(double[] values) {
        return KernelCheck.input(values, new int[] {values.length}, KernelCheck.Layout.CONTIGUOUS);
    }

    private static Tensor[] reduce(ReduceOp op, Tensor x, int[] dims, int... outShape) {
        Tensor y = poisoned(outShape);
        CPU.reduce(op, y, x, dims);
        return new Tensor[] {y};
    }

    private static void record(Map<String, Long> out, String name, Supplier<Tensor[]> kernel) {
        long h = 1;
        for (Tensor t : kernel.get()) {
            h = h * 0x9E3779B97F4A7C15L + KernelBits.hash(t);
        }
        out.put(name, h);
    }
}
