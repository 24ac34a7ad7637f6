package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.IntConsumer;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: the loop the conv switch A/B harnesses share ({@link ConvChunkedAB}, {@link ConvConstantsAB},
 * {@link ConvFoursAB}, {@link ConvSlideAB}). For each 3×3 layer the filter keeps, each pass runs under every variant of a switch in
 * turn, interleaved round by round in one JVM (two warm-up rounds), timed by CPU time (this thread's on one
 * thread, all threads' on more; wall time with {@code -Dab.wall=true} or {@code -Dwall=true}, as ConvRowsAB);
 * it prints medians and x = variant 0 / variant i. Arguments: [rounds [threads [filter]]], the filter a
 * {@code |}-separated list of substrings of a shape as printed.
 */
final class ConvSwitchAB {
    private ConvSwitchAB() {
    }

    /** ResNet-18's 3×3 layers (batch 32), then kiln train cnn's (batch 128): {n, c, h, w, o, stride}, padding 1. */
    static final int[][] RESNET_AND_CNN = {
        {32, 64, 56, 56, 64, 1},
        {32, 128, 28, 28, 128, 1},
        {32, 256, 14, 14, 256, 1},
        {32, 512, 7, 7, 512, 1},
        {32, 64, 56, 56, 128, 2},
        {32, 128, 28, 28, 256, 2},
        {32, 256, 14, 14, 512, 2},
        {128, 16, 28, 28, 16, 1},
        {128, 16, 28, 28, 32, 2},
        {128, 32, 14, 14, 32, 1},
        {128, 32, 14, 14, 64, 2},
        {128, 64, 7, 7, 64, 1},
    };

    /** One layer's operands, random, and the nominal FLOPs of a pass (all 9 taps). */
    record Layer(ConvShape s, Tensor x, Tensor w, Tensor dy, Tensor y, Tensor dx, Tensor dw, double flop) {
    }

    /** A pass and its name. */
    record Pass(String name, Runnable run) {
    }

    /** The forward, input gradient and weight gradient through {@link ConvDispatch}. */
    static Pass[] dispatchPasses(Layer l) {
        return new Pass[] {
            new Pass("forward", () -> ConvDispatch.conv2d(l.y(), l.x(), l.w(), null, l.s())),
            new Pass("input grad", () -> ConvDispatch.conv2dBackwardInput(l.dx(), l.dy(), l.w(), l.s())),
            new Pass("weight grad", () -> ConvDispatch.conv2dBackwardWeight(l.dw(), l.dy(), l.x(), l.s())),
        };
    }

    /**
     * Times {@code passes} of every layer of {@code shapes} under each of {@code variants} ({@code select.accept(i)}
     * switches to variant i), and leaves the last variant selected (the harnesses list main's default last).
     */
    static void run(String[] args, int[][] shapes, String[] variants, IntConsumer select, Function<Layer, Pass[]> passes) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        String filter = args.length > 2 ? args[2] : "";
        boolean cpu = !Boolean.getBoolean("ab.wall") && !Boolean.getBoolean("wall");
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s time) (GFLOP/s), medians; x = %s / each%n",
                Simd.describe(), CpuBackend.threads(), rounds,
                !cpu ? "wall" : CpuBackend.threads() == 1 ? "thread CPU" : "all threads' CPU",
                variants[0]);
        for (int[] g : shapes) {
            if (Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            Layer l = layer(rng, g);
            int calls = (int) Math.max(2, Math.min(20, 2e9 / l.flop()));
            for (Pass p : passes.apply(l)) {
                double[][] times = new double[variants.length][rounds];
                for (int r = -2; r < rounds; r++) {
                    for (int v = 0; v < variants.length; v++) {
                        select.accept(v);
                        long t0 = now(cpu);
                        for (int c = 0; c < calls; c++) {
                            p.run().run();
                        }
                        if (r >= 0) {
                            times[v][r] = (now(cpu) - t0) / 1e6 / calls;
                        }
                    }
                }
                select.accept(variants.length - 1);
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-24s %-11s", Arrays.toString(g), p.name()));
                StringBuilder ratios = new StringBuilder("  x");
                double base = median(times[0]);
                for (int v = 0; v < variants.length; v++) {
                    double ms = median(times[v]);
                    line.append(String.format(Locale.ROOT, "  %s %8.3f ms (%5.1f)", variants[v], ms, l.flop() / ms / 1e6));
                    if (v > 0) {
                        ratios.append(String.format(Locale.ROOT, " %.2f", base / ms));
                    }
                }
                System.out.println(line.append(ratios));
            }
        }
    }

    static Layer layer(Generator rng, int[] g) {
        int st = g[5];
        ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, st, st, 1, 1, 1, 1, 1, (g[2] - 1) / st + 1,
                (g[3] - 1) / st + 1);
        Tensor x = Tensor.of(randn(rng, s.n() * s.cIn() * s.h() * s.w()), s.n(), s.cIn(), s.h(), s.w());
        Tensor w = Tensor.of(randn(rng, s.cOut() * s.cIn() * 9), s.cOut(), s.cIn(), 3, 3);
        Tensor dy = Tensor.of(randn(rng, s.n() * s.cOut() * s.outH() * s.outW()), s.n(), s.cOut(), s.outH(), s.outW());
        return new Layer(s, x, w, dy, Tensor.zeros(s.n(), s.cOut(), s.outH(), s.outW()),
                Tensor.zeros(s.n(), s.cIn(), s.h(), s.w()), Tensor.zeros(s.cOut(), s.cIn(), 3, 3),
                2.0 * s.n() * s.cOut() * s.cIn() * 9 * s.outH() * s.outW());
    }
}
