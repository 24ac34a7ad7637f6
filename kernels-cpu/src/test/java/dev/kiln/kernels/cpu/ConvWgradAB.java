package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Generator;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.IntConsumer;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;

/**
 * Not a test: an A/B timing in one JVM, interleaved round by round, of {@link DirectConvWeight#blocked} on
 * ResNet-18's 3×3 layers (batch 32) and {@code kiln train cnn}'s (batch 128), under each variant of a switch,
 * with the forward, which none touches, as an A/A. Unlike {@link ConvSwitchAB} it takes the clock as an
 * argument: {@code cpu} (this thread's CPU time on one thread, all threads' on more: a thread spinning at a
 * barrier counts, a parked one does not) or {@code wall} (what load imbalance between threads costs). Medians of
 * the rounds; x = the median of the rounds' variant 0 / variant i. Run after {@code ./mvnw -pl kernels-cpu -am
 * test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWgradAB \
 *   [switch [rounds [threads [cpu|wall [filter]]]]]
 * </pre>
 * Switches: {@code fours}: main (dy by fours float by float, only where it feeds two blocks of input channels or
 * more), vec (those shapes interleaved with vectors, {@link DirectConvWeightCopy#vectorFours}), +one (by fours on
 * one block of 16 input channels too, {@link DirectConvWeight#foursOneBlock}); {@code slices}: the chunks of
 * samples through one pipeline, a parallel loop a chunk, or a chunk a task ({@link DirectConvWeight#slices});
 * {@code all}: main's path (all three off) against all three on.
 */
final class ConvWgradAB {
    private ConvWgradAB() {
    }

    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "fours";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        if (args.length > 2) {
            CpuBackend.setThreads(Integer.parseInt(args[2]));
        }
        boolean cpu = args.length <= 3 || !args[3].equals("wall");
        String filter = args.length > 4 ? args[4] : "";
        String[] variants;
        IntConsumer select;
        switch (which) {
            case "fours" -> {
                variants = new String[] {"main", "vec", "+one"};
                select = v -> {
                    DirectConvWeightCopy.vectorFours = v >= 1 && DirectConvWeightCopy.VECTOR;
                    DirectConvWeight.foursOneBlock = v == 2;
                };
            }
            case "all" -> {
                variants = new String[] {"main", "new"};
                select = v -> {
                    DirectConvWeightCopy.vectorFours = v == 1 && DirectConvWeightCopy.VECTOR;
                    DirectConvWeight.foursOneBlock = v == 1;
                    DirectConvWeight.slices = v == 1;
                };
            }
            case "slices" -> {
                variants = new String[] {"pipelined", "by chunks"};
                select = v -> DirectConvWeight.slices = v == 1;
            }
            default -> throw new IllegalArgumentException("ConvWgradAB: no switch " + which);
        }
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s) (GFLOP/s), medians; x = %s / each%n",
                Simd.describe(), CpuBackend.threads(), rounds, !cpu ? "wall" : CpuBackend.threads() == 1
                        ? "thread CPU time" : "all threads' CPU time", variants[0]);
        var rng = new Generator(1);
        for (int[] g : ConvSwitchAB.RESNET_AND_CNN) {
            if (Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            ConvSwitchAB.Layer l = ConvSwitchAB.layer(rng, g);
            float[] dwa = HostArrays.f(l.dw());
            float[] dya = HostArrays.f(l.dy());
            float[] xa = HostArrays.f(l.x());
            Runnable[] passes = {
                () -> ConvDispatch.conv2d(l.y(), l.x(), l.w(), null, l.s()),
                () -> DirectConvWeight.blocked(dwa, l.dw().offset(), dya, l.dy().offset(), xa, l.x().offset(), l.s(),
                        DirectConvKernels.WIDE, true, true),
            };
            String[] names = {"forward A/A", "weight grad"};
            int calls = (int) Math.max(2, Math.min(20, 2e9 / l.flop()));
            for (int p = 0; p < passes.length; p++) {
                double[][] times = new double[variants.length][rounds];
                for (int r = -2; r < rounds; r++) {
                    for (int v = 0; v < variants.length; v++) {
                        select.accept(v);
                        long t0 = now(cpu);
                        for (int c = 0; c < calls; c++) {
                            passes[p].run();
                        }
                        if (r >= 0) {
                            times[v][r] = (now(cpu) - t0) / 1e6 / calls;
                        }
                    }
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-24s %-11s", Arrays.toString(g), names[p]));
                StringBuilder ratios = new StringBuilder("  x");
                for (int v = 0; v < variants.length; v++) {
                    double ms = median(times[v]);
                    line.append(String.format(Locale.ROOT, "  %s %7.3f (%5.1f)", variants[v], ms, l.flop() / ms / 1e6));
                    if (v > 0) {
                        ratios.append(String.format(Locale.ROOT, " %.2f", AbTiming.medianRatio(times[0], times[v])));
                    }
                }
                System.out.println(line.append(ratios));
            }
            select.accept(variants.length - 1);
        }
    }
}
