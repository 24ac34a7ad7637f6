package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static dev.kiln.kernels.cpu.AbTiming.median;

/**
 * Not a test: an A/B timing of the convolution paths in one JVM, interleaved (im2col + SGEMM, or the
 * old direct loop where the patch is small, against {@link DirectConv}; col2im against
 * {@link DirectConvPhases} for the strided input gradients), for the forward, input and
 * weight gradients of {@code kiln train cnn}'s layers and ResNet-18's first stage. Each round times
 * a few calls of one path then of the other; the medians of the rounds are compared, so a machine
 * loaded by others slows both alike. Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvPathAB [rounds]
 * </pre>
 */
final class ConvPathAB {
    private ConvPathAB() {
    }

    /** {n, c, h, w, o, k, pad, stride}. */
    private static final int[][] SHAPES = {
        {128, 1, 28, 28, 16, 3, 1, 1},
        {128, 16, 28, 28, 16, 3, 1, 1},
        {128, 16, 28, 28, 32, 3, 1, 2},
        {128, 32, 14, 14, 32, 3, 1, 1},
        {128, 32, 14, 14, 64, 3, 1, 2},
        {128, 64, 7, 7, 64, 3, 1, 1},
        {32, 64, 56, 56, 64, 3, 1, 1},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call, medians; x = old / new%n", Simd.describe(),
                CpuBackend.threads(), rounds);
        for (int[] g : SHAPES) {
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], g[5], g[5], g[7], g[7], g[6], g[6], 1, 1, 1,
                    (g[2] + 2 * g[6] - g[5]) / g[7] + 1, (g[3] + 2 * g[6] - g[5]) / g[7] + 1);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cIn(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 1, 0), wShape, Layout.CONTIGUOUS);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.CONTIGUOUS);
            Tensor y = poisoned(yShape);
            Tensor dx = poisoned(xShape);
            Tensor dw = poisoned(wShape);
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * s.kH() * s.kW() * s.outH() * s.outW();
            Runnable[][] passes = {
                {() -> {
                    if (s.patch() <= ConvDispatch.DIRECT_MAX_PATCH) {
                        ConvDispatch.direct(y, x, w, null, s);
                    } else {
                        ConvDispatch.im2col(y, x, w, null, s);
                    }
                }, () -> ConvDispatch.grid(y, x, w, null, s)},
                {() -> ConvDispatch.conv2dBackwardInput(dx, dy, w, s, false),
                    () -> ConvDispatch.conv2dBackwardInput(dx, dy, w, s, true)},
                {() -> ConvDispatch.conv2dBackwardWeight(dw, dy, x, s, false),
                    () -> ConvDispatch.conv2dBackwardWeight(dw, dy, x, s, true)},
            };
            String[] names = {"forward", "input grad", "weight grad"};
            for (int p = 0; p < passes.length; p++) {
                double[][] t = new double[2][rounds];
                int calls = (int) Math.max(2, Math.min(20, 2e9 / flop));
                for (int r = -2; r < rounds; r++) { // two warm-up rounds
                    for (int path = 0; path < 2; path++) {
                        long t0 = System.nanoTime();
                        for (int c = 0; c < calls; c++) {
                            passes[p][path].run();
                        }
                        if (r >= 0) {
                            t[path][r] = (System.nanoTime() - t0) / 1e6 / calls;
                        }
                    }
                }
                double old = median(t[0]);
                double now = median(t[1]);
                System.out.printf(Locale.ROOT, "%-34s %-11s old %8.3f ms (%5.1f GFLOP/s)  new %8.3f ms (%5.1f GFLOP/s)  x %.2f%n",
                        Arrays.toString(g), names[p], old, flop / old / 1e6, now, flop / now / 1e6, old / now);
            }
        }
    }
}
