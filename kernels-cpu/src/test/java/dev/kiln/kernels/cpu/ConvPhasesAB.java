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
import static dev.kiln.kernels.cpu.AbTiming.medianRatio;
import static dev.kiln.kernels.cpu.AbTiming.now;

/**
 * Not a test: an A/B timing of the strided input gradient's paths in one JVM, interleaved, as
 * {@link ConvWeightAB} times the weight gradient's: col2im (W·dy folded back), {@link DirectConvPhases}'
 * positional tiles, {@link DirectConvPhaseChannels}' channel tiles and, with 32 registers, the row tiles'
 * phases ({@link DirectConvRows#backwardInputStrided}), on {@code kiln train cnn}'s two
 * stride-2 layers (batch 128) and ResNet-18's (batch 32) with {@code resnet}. Medians of the rounds
 * and of the rounds' ratios; with {@code -Dkiln.threads=1} the thread's CPU time. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile} (add {@code -XX:UseAVX=2} for 16 registers):
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvPhasesAB [rounds] [cnn|resnet]
 * </pre>
 */
final class ConvPhasesAB {
    private ConvPhasesAB() {
    }

    /** {n, c, h, w, o, k, pad, stride}. */
    private static final int[][] CNN = {
        {128, 16, 28, 28, 32, 3, 1, 2},
        {128, 32, 14, 14, 64, 3, 1, 2},
    };

    private static final int[][] RESNET = {
        {32, 64, 56, 56, 128, 3, 1, 2},
        {32, 128, 28, 28, 256, 3, 1, 2},
        {32, 256, 14, 14, 512, 3, 1, 2},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        boolean resnet = args.length > 1 && args[1].equals("resnet");
        var rng = new Generator(1);
        boolean cpu = CpuBackend.threads() == 1;
        System.out.printf(Locale.ROOT, "%s, %s registers, %d threads, %d rounds; %s ms per call, medians (GFLOP/s)%n",
                Simd.describe(), DirectConvKernels.WIDE ? "32" : "16", CpuBackend.threads(), rounds, cpu ? "CPU" : "wall");
        for (int[] g : resnet ? RESNET : CNN) {
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], g[5], g[5], g[7], g[7], g[6], g[6], 1, 1, 1,
                    (g[2] + 2 * g[6] - g[5]) / g[7] + 1, (g[3] + 2 * g[6] - g[5]) / g[7] + 1);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cIn(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.CONTIGUOUS);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.CONTIGUOUS);
            Tensor dx = poisoned(xShape);
            float[] dxa = HostArrays.f(dx);
            float[] dya = HostArrays.f(dy);
            float[] wa = HostArrays.f(w);
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * s.kH() * s.kW() * s.outH() * s.outW();
            Runnable[] paths = {
                () -> ConvDispatch.conv2dBackwardInput(dx, dy, w, s, false),
                () -> DirectConvPhases.backwardInput(dxa, dx.offset(), dya, dy.offset(), wa, w.offset(), s),
                () -> DirectConvPhaseChannels.backwardInput(dxa, dx.offset(), dya, dy.offset(), wa, w.offset(), s),
                () -> DirectConvRows.backwardInputStrided(dxa, dx.offset(), dya, dy.offset(), wa, w.offset(), s),
            };
            String[] names = {"col2im", "phases", "channels", "rows"};
            if (!DirectConvKernels.WIDE || !DirectConvRows.phasesFit(s)) { // the row tiles' phases need 32 registers
                paths = Arrays.copyOf(paths, 3);
            }
            double[][] t = new double[paths.length][rounds];
            int calls = (int) Math.max(2, Math.min(20, 2e9 / flop));
            for (int r = -2; r < rounds; r++) { // two warm-up rounds
                for (int p = 0; p < paths.length; p++) {
                    long t0 = now(cpu);
                    for (int c = 0; c < calls; c++) {
                        paths[p].run();
                    }
                    if (r >= 0) {
                        t[p][r] = (now(cpu) - t0) / 1e6 / calls;
                    }
                }
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-30s", Arrays.toString(g)));
            for (int p = 0; p < paths.length; p++) {
                double m = median(t[p]);
                line.append(String.format(Locale.ROOT, "  %s %7.2f (%5.1f)", names[p], m, flop / m / 1e6));
            }
            line.append(String.format(Locale.ROOT, "  phases/channels %.3f  col2im/channels %.3f",
                    medianRatio(t[1], t[2]), medianRatio(t[0], t[2])));
            if (paths.length > 3) {
                line.append(String.format(Locale.ROOT, "  rows/channels %.3f", medianRatio(t[3], t[2])));
            }
            System.out.println(line);
        }
    }
}
