package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ConvWinograd} against a double-precision loop, forward (with and without bias) and input gradient, on odd
 * output sizes (partial 2 × 2 tiles), padding 0 and 1 (the input gradient then runs padding 2 and 1), batch 1 and 3,
 * groups, channel counts that fill part of a micro-tile or several; the same bits on 1 and 2 threads; and the shapes
 * it refuses.
 *
 * <p>Tolerance: |y − ref| ≤ 2e-6 · Σ|w·x| + 1e-6 per output. The transforms add at most 4 terms at each of two
 * levels per side and scale by ½ exactly, so beside the direct sum's own rounding (about the float ulp, 6e-8, times
 * the square root of the channel count × 9 terms for random signs) they add a few ulps of terms up to 4 × larger:
 * well under 2e-6 of Σ|terms| at 64 channels. A wrong tap, channel or tile is off by about one term, ≥ 1e-3 of
 * Σ|terms| at 576 terms, so the check catches it.
 */
class ConvWinogradTest {

    /** {n, cIn, h, w, cOut, groups, pad}: stride 1, 3×3. */
    private static final int[][] SHAPES = {
        {1, 1, 7, 7, 1, 1, 1},
        {3, 3, 7, 7, 8, 1, 1},
        {1, 16, 5, 9, 17, 1, 1},
        {3, 17, 5, 9, 16, 1, 0},
        {1, 8, 7, 7, 3, 1, 0},
        {3, 32, 7, 7, 32, 1, 1},
        {1, 64, 9, 6, 64, 1, 1},
        {2, 16, 28, 28, 16, 1, 1},
        {3, 34, 5, 9, 6, 2, 1},     // two groups of 17 → 3
        {1, 64, 14, 14, 64, 1, 0},
        {2, 3, 3, 4, 8, 1, 1},      // outputs 3 × 4
        {2, 8, 3, 3, 8, 1, 0},      // one output
    };

    private static ConvShape shape(int[] g) {
        int pad = g[6];
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, 1, 1, pad, pad, 1, 1, g[5], g[2] + 2 * pad - 2,
                g[3] + 2 * pad - 2);
    }

    private static float[] randn(Generator rng, int n) {
        return AbTiming.randn(rng, n);
    }

    /** y and Σ|terms| in double, [2][n·cOut·outH·outW]. */
    static double[][] reference(float[] x, float[] w, float[] b, ConvShape s) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int oh = s.outH();
        int ow = s.outW();
        double[][] r = new double[2][s.n() * s.cOut() * oh * ow];
        for (int n = 0; n < s.n(); n++) {
            for (int o = 0; o < s.cOut(); o++) {
                int g = o / opg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = b == null ? 0 : b[o];
                        double abs = Math.abs(sum);
                        for (int c = 0; c < cpg; c++) {
                            for (int ki = 0; ki < 3; ki++) {
                                int ih = i + ki - s.padH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int kj = 0; kj < 3; kj++) {
                                    int iw = j + kj - s.padW();
                                    if (iw < 0 || iw >= s.w()) {
                                        continue;
                                    }
                                    double t = (double) w[((o * cpg + c) * 3 + ki) * 3 + kj]
                                            * x[((n * s.cIn() + g * cpg + c) * s.h() + ih) * s.w() + iw];
                                    sum += t;
                                    abs += Math.abs(t);
                                }
                            }
                        }
                        int at = ((n * s.cOut() + o) * oh + i) * ow + j;
                        r[0][at] = sum;
                        r[1][at] = abs;
                    }
                }
            }
        }
        return r;
    }

    /** dx and Σ|terms| in double: dx[c, ih, iw] = Σ W[o, c, ki, kj]·dy[o, ih + pad − ki, iw + pad − kj]. */
    static double[][] referenceInputGrad(float[] dy, float[] w, ConvShape s) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        double[][] r = new double[2][s.n() * s.cIn() * s.h() * s.w()];
        for (int n = 0; n < s.n(); n++) {
            for (int o = 0; o < s.cOut(); o++) {
                int g = o / opg;
                for (int i = 0; i < s.outH(); i++) {
                    for (int j = 0; j < s.outW(); j++) {
                        float d = dy[((n * s.cOut() + o) * s.outH() + i) * s.outW() + j];
                        for (int c = 0; c < cpg; c++) {
                            for (int ki = 0; ki < 3; ki++) {
                                int ih = i + ki - s.padH();
                                if (ih < 0 || ih >= s.h()) {
                                    continue;
                                }
                                for (int kj = 0; kj < 3; kj++) {
                                    int iw = j + kj - s.padW();
                                    if (iw < 0 || iw >= s.w()) {
                                        continue;
                                    }
                                    double t = (double) w[((o * cpg + c) * 3 + ki) * 3 + kj] * d;
                                    int at = ((n * s.cIn() + g * cpg + c) * s.h() + ih) * s.w() + iw;
                                    r[0][at] += t;
                                    r[1][at] += Math.abs(t);
                                }
                            }
                        }
                    }
                }
            }
        }
        return r;
    }

    private static void assertClose(String what, float[] got, double[][] ref) {
        for (int i = 0; i < ref[0].length; i++) {
            double tol = 2e-6 * ref[1][i] + 1e-6;
            if (!(Math.abs(got[i] - ref[0][i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + ref[0][i]
                        + " ± " + tol);
            }
        }
    }

    @Test
    void forwardMatchesTheDoubleLoop() {
        assumeTrue(Simd.ENABLED, "vector kernel only");
        var rng = new Generator(41);
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            assertThat(ConvWinograd.applies(s)).as("applies to %s", s).isTrue();
            float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
            float[] w = randn(rng, s.cOut() * s.cInPerGroup() * 9);
            float[] b = randn(rng, s.cOut());
            for (boolean bias : new boolean[] {false, true}) {
                float[] y = new float[s.n() * s.cOut() * s.outH() * s.outW()];
                java.util.Arrays.fill(y, Float.NaN); // every output must be written
                ConvWinograd.forward(y, 0, x, 0, w, 0, bias ? b : null, 0, s);
                assertClose("forward " + s + (bias ? " + bias" : ""), y, reference(x, w, bias ? b : null, s));
            }
        }
    }

    @Test
    void inputGradientMatchesTheDoubleLoop() {
        assumeTrue(Simd.ENABLED, "vector kernel only");
        var rng = new Generator(43);
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            float[] dy = randn(rng, s.n() * s.cOut() * s.outH() * s.outW());
            float[] w = randn(rng, s.cOut() * s.cInPerGroup() * 9);
            // offsets: the kernel must honour them
            float[] dyo = new float[dy.length + 5];
            System.arraycopy(dy, 0, dyo, 5, dy.length);
            float[] wo = new float[w.length + 3];
            System.arraycopy(w, 0, wo, 3, w.length);
            float[] dx = new float[s.n() * s.cIn() * s.h() * s.w() + 7];
            java.util.Arrays.fill(dx, Float.NaN);
            ConvWinograd.backwardInput(dx, 7, dyo, 5, wo, 3, s);
            assertThat(dx[6]).as("before dx").isNaN();
            assertClose("input gradient " + s, java.util.Arrays.copyOfRange(dx, 7, dx.length),
                    referenceInputGrad(dy, w, s));
        }
    }

    @Test
    void sameBitsOnOneAndTwoThreads() {
        assumeTrue(Simd.ENABLED, "vector kernel only");
        var rng = new Generator(47);
        int before = Parallel.threads();
        try {
            for (int[] g : new int[][] {{3, 17, 5, 9, 16, 1, 0}, {4, 16, 28, 28, 16, 1, 1}, {8, 64, 7, 7, 64, 1, 1}}) {
                ConvShape s = shape(g);
                float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
                float[] w = randn(rng, s.cOut() * s.cInPerGroup() * 9);
                float[] b = randn(rng, s.cOut());
                List<float[]> ys = new ArrayList<>();
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    float[] y = new float[s.n() * s.cOut() * s.outH() * s.outW()];
                    ConvWinograd.forward(y, 0, x, 0, w, 0, b, 0, s);
                    ys.add(y);
                }
                assertThat(ys.get(1)).as("2 threads, %s", s).isEqualTo(ys.get(0));
                assertThat(ys.get(2)).as("3 threads, %s", s).isEqualTo(ys.get(0));
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void routesTheLayersItWonOn() {
        ConvShape cnn16 = shape(new int[] {128, 16, 28, 28, 16, 1, 1});
        ConvShape cnn64 = shape(new int[] {128, 64, 7, 7, 64, 1, 1});
        ConvShape resnet64 = shape(new int[] {32, 64, 56, 56, 64, 1, 1});
        ConvShape resnet256 = shape(new int[] {32, 256, 14, 14, 256, 1, 1});
        ConvShape resnet512 = shape(new int[] {32, 512, 7, 7, 512, 1, 1});
        ConvShape stem = shape(new int[] {128, 1, 28, 28, 16, 1, 1});
        boolean on = ConvDispatch.winogradRoute && Simd.ENABLED;
        boolean wide = DirectConvKernels.WIDE;
        assertThat(ConvDispatch.winograd(cnn16)).as("cnn's 16 on 28 × 28").isEqualTo(on && !wide);
        assertThat(ConvDispatch.winograd(cnn64)).as("cnn's 64 on 7 × 7").isEqualTo(on && !wide);
        assertThat(ConvDispatch.winograd(resnet64)).as("ResNet-18's 64 on 56 × 56").isEqualTo(on);
        assertThat(ConvDispatch.winograd(resnet256)).as("ResNet-18's 256 on 14 × 14").isEqualTo(on && !wide);
        assertThat(ConvDispatch.winograd(resnet512)).as("ResNet-18's 512 on 7 × 7").isFalse();
        assertThat(ConvDispatch.winograd(stem)).as("the stem, 1 → 16").isFalse();
        assertThat(ConvDispatch.winograd(ConvDispatch.transposed(stem))).as("the stem's input gradient").isFalse();
    }

    @Test
    void theDispatchMatchesTheDoubleLoopWhereItRoutes() {
        assumeTrue(Simd.ENABLED, "vector kernel only");
        var rng = new Generator(53);
        // 16 → 16 on 14 × 10 and 64 → 64 on 9 × 9: routed with 16 registers; with 32 the other paths run, and must agree
        for (ConvShape s : new ConvShape[] {shape(new int[] {2, 16, 14, 10, 16, 1, 1}), shape(new int[] {1, 64, 9, 9, 64, 1, 1})}) {
            float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
            float[] w = randn(rng, s.cOut() * s.cInPerGroup() * 9);
            float[] b = randn(rng, s.cOut());
            float[] dy = randn(rng, s.n() * s.cOut() * s.outH() * s.outW());
            var y = dev.kiln.tensor.Tensor.zeros(s.n(), s.cOut(), s.outH(), s.outW());
            var dx = dev.kiln.tensor.Tensor.zeros(s.n(), s.cIn(), s.h(), s.w());
            var wt = dev.kiln.tensor.Tensor.of(w, s.cOut(), s.cIn(), 3, 3);
            ConvDispatch.conv2d(y, dev.kiln.tensor.Tensor.of(x, s.n(), s.cIn(), s.h(), s.w()), wt,
                    dev.kiln.tensor.Tensor.of(b, s.cOut()), s);
            ConvDispatch.conv2dBackwardInput(dx, dev.kiln.tensor.Tensor.of(dy, s.n(), s.cOut(), s.outH(), s.outW()), wt, s);
            assertClose("dispatch forward " + s, HostArrays.f(y), reference(x, w, b, s));
            assertClose("dispatch input gradient " + s, HostArrays.f(dx), referenceInputGrad(dy, w, s));
        }
    }

    /**
     * An infinite input: the transforms would turn some of its ±∞ outputs into NaN (∞ − ∞), so the kernel reports
     * them and the dispatch recomputes on a direct path, giving exactly the route-off result (±∞ where the direct
     * sum has them). Each pass and both register widths: the shapes are taken with the route forced.
     */
    @Test
    void anInfiniteInputKeepsTheDirectPathsInfinities() {
        assumeTrue(Simd.ENABLED, "vector kernel only");
        var rng = new Generator(59);
        ConvShape s = shape(new int[] {2, 16, 14, 10, 16, 1, 1});
        float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
        float[] w = randn(rng, s.cOut() * s.cInPerGroup() * 9);
        float[] dy = randn(rng, s.n() * s.cOut() * s.outH() * s.outW());
        x[3 * s.w() + 4] = Float.POSITIVE_INFINITY;
        dy[5 * s.outW() + 2] = Float.NEGATIVE_INFINITY;
        float[] yw = new float[s.n() * s.cOut() * s.outH() * s.outW()];
        assertThat(ConvWinograd.forward(yw, 0, x, 0, w, 0, null, 0, s)).as("forward reports a non-finite output").isFalse();
        assertThat(yw).as("the transforms' NaN (why the dispatch recomputes)").contains(Float.NaN);
        boolean route = ConvDispatch.winogradRoute;
        boolean all = ConvDispatch.winogradAll;
        boolean weight = ConvWinogradWeight.enabled;
        try {
            float[][] on = passes(x, w, dy, s, true);
            float[][] off = passes(x, w, dy, s, false);
            for (int k = 0; k < 3; k++) {
                assertThat(on[k]).as("pass %d with Winograd forced on against off", k).isEqualTo(off[k]);
            }
            assertThat(on[0]).as("forward").contains(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
            assertThat(on[1]).as("input gradient").contains(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        } finally {
            ConvDispatch.winogradRoute = route;
            ConvDispatch.winogradAll = all;
            ConvWinogradWeight.enabled = weight;
        }
    }

    /** The forward, input gradient and weight gradient through the dispatch with every Winograd route on or off. */
    private static float[][] passes(float[] x, float[] w, float[] dy, ConvShape s, boolean winograd) {
        ConvDispatch.winogradRoute = winograd;
        ConvDispatch.winogradAll = winograd;
        ConvWinogradWeight.enabled = winograd;
        var xt = dev.kiln.tensor.Tensor.of(x, s.n(), s.cIn(), s.h(), s.w());
        var wt = dev.kiln.tensor.Tensor.of(w, s.cOut(), s.cIn(), 3, 3);
        var dyt = dev.kiln.tensor.Tensor.of(dy, s.n(), s.cOut(), s.outH(), s.outW());
        var y = dev.kiln.tensor.Tensor.zeros(s.n(), s.cOut(), s.outH(), s.outW());
        var dx = dev.kiln.tensor.Tensor.zeros(s.n(), s.cIn(), s.h(), s.w());
        var dw = dev.kiln.tensor.Tensor.zeros(s.cOut(), s.cIn(), 3, 3);
        ConvDispatch.conv2d(y, xt, wt, null, s);
        ConvDispatch.conv2dBackwardInput(dx, dyt, wt, s);
        ConvDispatch.conv2dBackwardWeight(dw, dyt, xt, s);
        return new float[][] {HostArrays.f(y), HostArrays.f(dx), HostArrays.f(dw)};
    }

    @Test
    void rejectsShapesItCannotCompute() {
        ConvShape strided = new ConvShape(1, 16, 28, 28, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        ConvShape fiveByFive = new ConvShape(1, 16, 28, 28, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1, 28, 28);
        ConvShape dilated = new ConvShape(1, 16, 28, 28, 16, 3, 3, 1, 1, 2, 2, 2, 2, 1, 28, 28);
        for (ConvShape s : new ConvShape[] {strided, fiveByFive, dilated}) {
            assertThat(ConvWinograd.applies(s)).as("applies to %s", s).isFalse();
            assertThatThrownBy(() -> ConvWinograd.forward(new float[1], 0, new float[1], 0, new float[1], 0, null, 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ConvWinograd.forward").hasMessageContaining(s.toString());
            assertThatThrownBy(() -> ConvWinograd.backwardInput(new float[1], 0, new float[1], 0, new float[1], 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ConvWinograd.backwardInput").hasMessageContaining(s.toString());
        }
    }
}
