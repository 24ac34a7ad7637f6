package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Generator;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;

/**
 * Not a test: an A/B timing in one JVM, interleaved round by round, of {@link ConvDispatch#conv2dBackwardWeight} with
 * {@link ConvWinogradWeight} off (main's route) against {@link ConvWinogradWeight#weight} called directly, on the stride-1 layers of {@link ConvSwitchAB#RESNET_AND_CNN}
 * (ResNet-18's at batch 32, kiln train cnn's at batch 128). Clock as {@link ConvWgradAB}'s: {@code cpu} (this
 * thread's CPU time on one thread, all threads' on more) or {@code wall}. Medians of the rounds; x = the median of
 * the rounds' main / new; GFLOP/s are the direct loop's nominal FLOPs over the time. Run after {@code ./mvnw -pl
 * kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWinogradWeightAB \
 *   [rounds [threads [cpu|wall [filter]]]]
 * </pre>
 */
final class ConvWinogradWeightAB {
    private ConvWinogradWeightAB() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        boolean cpu = args.length <= 2 || !args[2].equals("wall");
        String filter = args.length > 3 ? args[3] : "";
        String[] variants = {"main", "winograd"};
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s) (GFLOP/s), medians; x = main / new%n",
                Simd.describe(), CpuBackend.threads(), rounds, !cpu ? "wall" : CpuBackend.threads() == 1
                        ? "thread CPU time" : "all threads' CPU time");
        var rng = new Generator(1);
        for (int[] g : ConvSwitchAB.RESNET_AND_CNN) {
            if (g[5] != 1 || Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            ConvSwitchAB.Layer l = ConvSwitchAB.layer(rng, g);
            Runnable pass = () -> ConvDispatch.conv2dBackwardWeight(l.dw(), l.dy(), l.x(), l.s());
            // the kernel itself, whether or not the dispatch routes the shape to it
            Runnable wino = () -> ConvWinogradWeight.weight(HostArrays.f(l.dw()), l.dw().offset(), HostArrays.f(l.dy()),
                    l.dy().offset(), HostArrays.f(l.x()), l.x().offset(), l.s());
            int calls = (int) Math.max(2, Math.min(20, 2e9 / l.flop()));
            int nv = variants.length;
            double[][] times = new double[nv][rounds];
            float[][] out = new float[nv][];
            for (int r = -2; r < rounds; r++) {
                for (int v = 0; v < nv; v++) {
                    ConvWinogradWeight.enabled = !variants[v].equals("main");
                    long t0 = now(cpu);
                    for (int c = 0; c < calls; c++) {
                        (v == 0 ? pass : wino).run();
                    }
                    if (r >= 0) {
                        times[v][r] = (now(cpu) - t0) / 1e6 / calls;
                    }
                    out[v] = HostArrays.f(l.dw()).clone();
                }
            }
            double diff = 0;
            double scale = 0;
            for (int i = 0; i < out[0].length; i++) {
                diff = Math.max(diff, Math.abs(out[0][i] - out[nv - 1][i]));
                scale = Math.max(scale, Math.abs(out[0][i]));
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-24s", Arrays.toString(g)));
            StringBuilder ratios = new StringBuilder("  x");
            for (int v = 0; v < nv; v++) {
                double ms = median(times[v]);
                line.append(String.format(Locale.ROOT, "  %s %8.3f (%5.1f)", variants[v], ms, l.flop() / ms / 1e6));
                if (v > 0) {
                    ratios.append(String.format(Locale.ROOT, " %.2f", AbTiming.medianRatio(times[0], times[v])));
                }
            }
            line.append(ratios).append(String.format(Locale.ROOT, "  max|diff|/max|dW| %.1e", diff / scale));
            System.out.println(line);
        }
        ConvWinogradWeight.enabled = true;
    }
}
