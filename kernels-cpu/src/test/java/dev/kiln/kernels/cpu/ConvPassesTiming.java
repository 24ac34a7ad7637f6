package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;

/**
 * Not a test: the three passes of ResNet-18's 3×3 layers (batch 32; stride 1, then stride 2) as {@link ConvDispatch} routes
 * them today, each timed alone (forward, input gradient, weight gradient), to set beside PyTorch's
 * ({@code tools/torch_conv_passes.py}). Wall time, or CPU time with {@code -Dcpu=true}; medians and bests of
 * the rounds. After each pass of a round this thread runs register-only FMAs for a moment ({@link
 * ConvTilePeak#fmaRate}); "of FMAs" is the median of the pass's rate over that one's (per thread), which a host
 * loaded by others moves much less than the times themselves. Run after {@code ./mvnw -pl kernels-cpu -am test-compile} ({@code -XX:UseAVX=2} for AVX2):
 * <pre>
 * java -XX:UseAVX=2 --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvPassesTiming [rounds [threads [filter]]]
 * </pre>
 */
final class ConvPassesTiming {
    private ConvPassesTiming() {
    }

    /** {n, c, h, w, o, k, stride}: padding k / 2. */
    private static final int[][] SHAPES = {
        {32, 64, 56, 56, 64, 3, 1},
        {32, 128, 28, 28, 128, 3, 1},
        {32, 256, 14, 14, 256, 3, 1},
        {32, 512, 7, 7, 512, 3, 1},
        {32, 64, 56, 56, 128, 3, 2},
        {32, 128, 28, 28, 256, 3, 2},
        {32, 256, 14, 14, 512, 3, 2},
    };

    /** kiln train cnn's layers at batch 128 ({@code -Dshapes=cnn}): the stem, the 3×3 layers, the strided ones. */
    private static final int[][] CNN = {
        {128, 1, 28, 28, 16, 3, 1},
        {128, 16, 28, 28, 16, 3, 1},
        {128, 16, 28, 28, 32, 3, 2},
        {128, 16, 28, 28, 32, 1, 2},
        {128, 32, 14, 14, 32, 3, 1},
        {128, 32, 14, 14, 64, 3, 2},
        {128, 32, 14, 14, 64, 1, 2},
        {128, 64, 7, 7, 64, 3, 1},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        String filter = args.length > 2 ? args[2] : "";
        boolean cpu = Boolean.getBoolean("cpu");
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s)%n", Simd.describe(),
                CpuBackend.threads(), rounds, cpu ? "CPU" : "wall");
        for (int[] g : "cnn".equals(System.getProperty("shapes")) ? CNN : SHAPES) {
            if (Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            int k = g[5];
            int st = g[6];
            int oh = (g[2] + 2 * (k / 2) - k) / st + 1;
            int ow = (g[3] + 2 * (k / 2) - k) / st + 1;
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], k, k, st, st, k / 2, k / 2, 1, 1, 1, oh, ow);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cIn(), k, k};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.05, 0), wShape, Layout.CONTIGUOUS);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.CONTIGUOUS);
            Tensor y = poisoned(yShape);
            Tensor dx = poisoned(xShape);
            Tensor dw = poisoned(wShape);
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * k * k * s.outH() * s.outW();
            String[] names = {"forward", "input grad", "weight grad"};
            Runnable[] passes = {
                () -> ConvDispatch.conv2d(y, x, w, null, s),
                () -> ConvDispatch.conv2dBackwardInput(dx, dy, w, s),
                () -> ConvDispatch.conv2dBackwardWeight(dw, dy, x, s),
            };
            double[][] times = new double[3][rounds];
            double[][] rates = new double[3][rounds];
            int calls = (int) Math.max(2, Math.min(20, 1e9 / flop));
            for (int r = -2; r < rounds; r++) {
                for (int p = 0; p < 3; p++) {
                    long t0 = now(cpu);
                    for (int c = 0; c < calls; c++) {
                        passes[p].run();
                    }
                    if (r >= 0) {
                        times[p][r] = (now(cpu) - t0) / 1e6 / calls;
                        rates[p][r] = ConvTilePeak.fmaRate();
                    }
                }
            }
            for (int p = 0; p < 3; p++) {
                double med = median(times[p]);
                double best = Arrays.stream(times[p]).min().orElseThrow();
                double[] share = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    // wall time on more threads: per thread; CPU time is their sum already
                    double perThread = cpu ? 1 : CpuBackend.threads();
                    share[r] = flop / times[p][r] / 1e6 / perThread / rates[p][r];
                }
                System.out.printf(Locale.ROOT,
                        "%-24s %-11s best %8.3f ms (%6.1f GFLOP/s)  median %8.3f ms (%6.1f)  of FMAs %.2f (%.1f GFLOP/s)%n",
                        Arrays.toString(g), names[p], best, flop / best / 1e6, med, flop / med / 1e6, median(share),
                        median(rates[p]));
            }
        }
    }
}
