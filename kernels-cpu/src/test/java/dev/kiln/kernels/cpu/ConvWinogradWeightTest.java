package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Winograd F(3 × 3, 2 × 2) weight gradient ({@link ConvWinogradWeight}) against a double-precision loop.
 *
 * <p>Tolerance: each weight is a sum of many dy · x products. The float transforms (entries 0, ±½, ±1; two passes
 * of at most 2 terms each) and the float GEMM sums round relative to the magnitudes summed, so a weight's error is
 * a small multiple of ε_f32 · Σ|dy · x| (running sums over a block's tiles grow it like √tiles in practice).
 * 2e-5 · Σ|dy·x| is about 170 ε: loose enough for these sums, yet a wrong tap, sign or tile (an error of one
 * product's size or more) exceeds it by far.
 */
class ConvWinogradWeightTest {

    /** {n, c, h, w, o, padding}: odd sizes (7 × 7, 5 × 9), both paddings, batch 1 and 3, channel counts off a vector. */
    private static final int[][] SHAPES = {
        {1, 1, 7, 7, 1, 1},
        {3, 3, 7, 7, 8, 1},
        {3, 8, 5, 9, 16, 0},
        {1, 16, 5, 9, 16, 1},
        {3, 17, 7, 7, 3, 0},
        {3, 32, 7, 7, 17, 1},
        {1, 64, 5, 9, 32, 1},
        {3, 16, 28, 28, 16, 1},
        {3, 64, 7, 7, 64, 1},
        {1, 3, 3, 3, 5, 0},
        {1, 16, 4, 3, 8, 0},
        {2, 8, 1, 1, 8, 1},
        // many blocks of tile rows per sample (wide channels, a large image); blocks of 16 samples in 5 chunks
        {2, 64, 40, 36, 64, 1},
        {70, 8, 16, 16, 8, 1},
        {1, 128, 7, 7, 128, 1},
    };

    static ConvShape shape(int[] g) {
        return ConvKernelsTest.shape(new int[] {g[0], g[1], g[2], g[3], g[4], 3, 3, 1, 1, g[5], g[5], 1, 1, 1});
    }

    /** dW in double, and Σ|dy · x| per weight. */
    private static double[][] reference(double[] x, double[] dy, ConvShape s) {
        double[] dw = new double[s.cOut() * s.cIn() * 9];
        double[] abs = new double[dw.length];
        for (int n = 0; n < s.n(); n++) {
            for (int o = 0; o < s.cOut(); o++) {
                for (int c = 0; c < s.cIn(); c++) {
                    for (int kh = 0; kh < 3; kh++) {
                        for (int kw = 0; kw < 3; kw++) {
                            double sum = 0;
                            double sa = 0;
                            for (int oh = 0; oh < s.outH(); oh++) {
                                int ih = oh + kh - s.padH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int ow = 0; ow < s.outW(); ow++) {
                                    int iw = ow + kw - s.padW();
                                    if (iw < 0 || iw >= s.w()) {
                                        continue;
                                    }
                                    double p = dy[((n * s.cOut() + o) * s.outH() + oh) * s.outW() + ow]
                                            * x[((n * s.cIn() + c) * s.h() + ih) * s.w() + iw];
                                    sum += p;
                                    sa += Math.abs(p);
                                }
                            }
                            int at = ((o * s.cIn() + c) * 3 + kh) * 3 + kw;
                            dw[at] += sum;
                            abs[at] += sa;
                        }
                    }
                }
            }
        }
        return new double[][] {dw, abs};
    }

    @Test
    void matchesTheReferenceWithinTheSumsRounding() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(33);
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            assertThat(ConvWinogradWeight.applies(s)).as("applies %s", s).isTrue();
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            double[] xv = KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0.3);
            double[] dyv = KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, -0.2);
            Tensor x = input(xv, xShape, Layout.OFFSET);
            Tensor dy = input(dyv, yShape, Layout.OFFSET);
            // the inputs as floats, for the reference
            double[] xf = KernelCheck.values(x);
            double[] dyf = KernelCheck.values(dy);
            double[][] ref = reference(xf, dyf, s);
            Tensor dw = poisoned(s.cOut(), s.cIn(), 3, 3);
            ConvWinogradWeight.weight(HostArrays.f(dw), dw.offset(), HostArrays.f(dy), dy.offset(), HostArrays.f(x),
                    x.offset(), s);
            KernelCheck.assertWrittenExactly("winograd weight " + s, dw);
            double[] got = KernelCheck.values(dw);
            double worst = 0;
            for (int i = 0; i < got.length; i++) {
                double err = Math.abs(got[i] - ref[0][i]);
                assertThat(err).as("%s weight %d: %s vs %s (Σ|dy·x| %s)", s, i, got[i], ref[0][i], ref[1][i])
                        .isLessThanOrEqualTo(2e-5 * ref[1][i] + 1e-30);
                worst = Math.max(worst, err / Math.max(ref[1][i], 1e-30));
            }
            assertThat(worst).as("%s", s).isLessThan(2e-5);
        }
    }

    @Test
    void doesNotDependOnTheThreadCount() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(34);
        ConvShape s = shape(new int[] {100, 8, 16, 16, 8, 1}); // 7 blocks of 16 samples, 7 chunks
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
        int before = Parallel.threads();
        boolean was = ConvWinogradWeight.enabled;
        try {
            ConvWinogradWeight.enabled = true;
            Tensor first = null;
            for (int threads : new int[] {1, 2, 3, 5}) {
                Parallel.setThreads(threads);
                Tensor dw = poisoned(s.cOut(), s.cIn(), 3, 3);
                ConvWinogradWeight.weight(HostArrays.f(dw), dw.offset(), HostArrays.f(dy), dy.offset(),
                        HostArrays.f(x), x.offset(), s);
                KernelCheck.assertWrittenExactly("winograd weight", dw);
                if (first == null) {
                    first = dw;
                } else {
                    KernelCheck.assertBitEqual("threads " + threads, dw, first);
                }
            }
        } finally {
            Parallel.setThreads(before);
            ConvWinogradWeight.enabled = was;
        }
    }

    @Test
    void theDispatchRoutesWideLayersHereAndOverwrites() {
        if (!Simd.ENABLED) {
            return;
        }
        var rng = new Generator(35);
        ConvShape s = shape(new int[] {2, 64, 10, 10, 64, 1});
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
        boolean was = ConvWinogradWeight.enabled;
        try {
            ConvWinogradWeight.enabled = true;
            // 64 channels in and out on 100 positions: routed at 8 lanes and more (AVX2, AVX-512), not at 4
            assertThat(ConvWinogradWeight.routes(s)).as("routes %s at %d lanes", s, Simd.F32.length())
                    .isEqualTo(Simd.F32.length() >= 8);
            assertThat(ConvWinogradWeight.routes(shape(new int[] {2, 64, 10, 10, 64, 2}))).as("padding 2")
                    .isFalse();
            Tensor direct = poisoned(s.cOut(), s.cIn(), 3, 3);
            ConvWinogradWeight.weight(HostArrays.f(direct), direct.offset(), HostArrays.f(dy), dy.offset(),
                    HostArrays.f(x), x.offset(), s);
            // the dispatch overwrites what dw held, like its other weight paths
            Tensor dw = poisoned(s.cOut(), s.cIn(), 3, 3);
            ConvDispatch.conv2dBackwardWeight(dw, dy, x, s);
            KernelCheck.assertWrittenExactly("through the dispatch", dw);
            if (ConvWinogradWeight.routes(s)) {
                KernelCheck.assertBitEqual("through the dispatch", dw, direct);
            }
            ConvWinogradWeight.enabled = false;
            assertThat(ConvWinogradWeight.routes(s)).as("-Dkiln.conv.winogradWeight=false").isFalse();
        } finally {
            ConvWinogradWeight.enabled = was;
        }
    }
}
