package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.medianRatio;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of the strided forward's ways on ResNet-18's and
 * {@code kiln train cnn}'s stride-2 3×3 layers: "before" (the phase cells copied float by float at AVX2
 * or gathered at AVX-512, {@code -Dkiln.conv.transposedCells=false}, {@code -Dkiln.conv.tapColumns=false}),
 * "copies" (the phases copied by register transposes), "columns" ({@link TapColumns}' cells, also
 * transposed, whether they pay or not) on {@link DirectConvChannels}, and "route" ({@link ConvDispatch#gridForward} or im2col + SGEMM as {@link ConvDispatch#conv2d} picks, all
 * switches on) and "im2col". Each round times a few calls of each way back to back; the medians of the
 * rounds' ratios to "before" are printed, so a machine loaded by others slows every way alike. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector [-XX:UseAVX=2] -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvStridedAB [rounds [threads [filter]]]
 * </pre>
 * "before" is the channel tiles where {@link ConvDispatch#channels} holds (or the row tiles where {@link
 * ConvDispatch#rows} does), else im2col + SGEMM. CPU time (this thread's on one thread, all threads' on
 * more; wall time with {@code -Dwall=true}). {@code filter}: only the shapes whose {n, c, h, w, o} list
 * contains it (or one of its {@code |}-separated parts).
 */
final class ConvStridedAB {
    private ConvStridedAB() {
    }

    /** {n, c, h, w, o}: 3×3, stride 2, padding 1. */
    private static final int[][] SHAPES = {
        {32, 64, 56, 56, 128},
        {32, 128, 28, 28, 256},
        {32, 256, 14, 14, 512},
        {128, 32, 14, 14, 64},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        String filter = args.length > 2 ? args[2] : "";
        boolean cpu = !Boolean.getBoolean("wall");
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s), medians; x = before / way%n",
                Simd.describe(), CpuBackend.threads(), rounds,
                !cpu ? "wall" : CpuBackend.threads() == 1 ? "thread CPU time" : "all threads' CPU time");
        for (int[] g : SHAPES) {
            if (Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, 2, 2, 1, 1, 1, 1, 1,
                    (g[2] - 1) / 2 + 1, (g[3] - 1) / 2 + 1);
            float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
            float[] w = randn(rng, s.cOut() * s.cIn() * 9);
            float[] y = new float[s.n() * s.cOut() * s.outH() * s.outW()];
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * 9 * s.outH() * s.outW();
            // the old routing: the tiles where they held, else im2col
            set(false, false);
            boolean direct = ConvDispatch.rows(s) || ConvDispatch.channels(s);
            boolean wide = DirectConvKernels.WIDE;
            String[] names = {"before", "copies", "columns", "route", "im2col"};
            Runnable[] ways = {
                () -> {
                    set(false, false);
                    if (direct) {
                        ConvDispatch.gridForward(y, 0, x, 0, w, 0, null, 0, s);
                    } else {
                        ConvDispatch.im2col(y, 0, x, 0, w, 0, null, 0, s);
                    }
                },
                () -> {
                    set(true, false);
                    DirectConvChannels.forward(y, 0, x, 0, w, 0, null, 0, s, wide, s.cInPerGroup(), false);
                },
                () -> {
                    set(true, true);
                    DirectConvChannels.forward(y, 0, x, 0, w, 0, null, 0, s, wide, s.cInPerGroup(), true);
                },
                () -> {
                    set(true, true);
                    if (ConvDispatch.grid(s) || ConvDispatch.channels(s) || ConvDispatch.rows(s)) {
                        ConvDispatch.gridForward(y, 0, x, 0, w, 0, null, 0, s);
                    } else {
                        ConvDispatch.im2col(y, 0, x, 0, w, 0, null, 0, s);
                    }
                },
                () -> ConvDispatch.im2col(y, 0, x, 0, w, 0, null, 0, s),
            };
            double[][] times = new double[ways.length][rounds];
            int calls = (int) Math.max(2, Math.min(10, 1e9 / flop));
            for (int r = -2; r < rounds; r++) { // two warm-up rounds
                for (int k = 0; k < ways.length; k++) {
                    long t0 = now(cpu);
                    for (int c = 0; c < calls; c++) {
                        ways[k].run();
                    }
                    if (r >= 0) {
                        times[k][r] = (now(cpu) - t0) / 1e6 / calls;
                    }
                }
            }
            set(true, true);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-22s", Arrays.toString(g)));
            for (int k = 0; k < ways.length; k++) {
                double ms = median(times[k]);
                line.append(String.format(Locale.ROOT, "  %s %.2f ms (%.0f GF/s, x %.2f)", names[k], ms, flop / ms / 1e6,
                        medianRatio(times[0], times[k])));
            }
            System.out.println(line);
        }
    }

    private static void set(boolean transposed, boolean columns) {
        DirectConvChannels.transposedCells = transposed;
        TapColumns.enabled = columns;
    }
}
