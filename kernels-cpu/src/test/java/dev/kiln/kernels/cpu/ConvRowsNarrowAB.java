package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;

import java.util.Arrays;
import java.util.Locale;
import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvRowsNarrow} against the path the
 * shape takes without it ({@link DirectConvRows} where {@link ConvDispatch#rows} holds,
 * {@link DirectConvChannels} where {@link ConvDispatch#channels} does, {@link DirectConv} where
 * {@link ConvDispatch#grid} does, else im2col + SGEMM), for the forward and, at stride 1, the input
 * gradient (the forward of dy with the flipped weight) of {@code kiln train cnn}'s 3×3 layers and
 * ResNet-18's. Each round times a few calls of one path then of the other; the medians of the rounds are
 * compared, so a machine loaded by others slows both alike. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}, with {@code -XX:UseAVX=2} for 16 registers:
 * <pre>
 * java -XX:UseAVX=2 --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvRowsNarrowAB [rounds [threads [filter]]]
 * </pre>
 * Times are CPU time (the thread's on one thread, all threads' together on more; wall time with
 * {@code -Dwall=true}). {@code filter}: run only the shapes whose {n, c, h, w, o, stride} list contains it
 * (or one of its {@code |}-separated parts). {@code -Dab.old=rows1}: old is {@link DirectConvRows}' 7 × 1;
 * {@code -Dab.old=narrow}: old is {@link DirectConvRowsNarrow}'s tap-by-tap tiles of 5;
 * {@code -Dab.reuse=false}: new is tap by tap too; {@code -Dab.p=P}: new is tiles of at most P positions.
 * {@code -Dab.old=pack}: both sides {@link DirectConvRowsNarrow}'s tiles, old with the packing before
 * {@link DirectConvRowsNarrow#PACK} (a serial finite check; for the input gradient the flip and transpose on
 * the calling thread first), new with the finite check in parallel and the input gradient packed straight from w.
 * {@code -Dab.old=dispatch}: old is the path without {@link DirectConvRowsNarrow} with the input gradient's
 * {@link ConvDispatch#flipTransposed} timed too, new the row tiles with their own packing from w.
 */
final class ConvRowsNarrowAB {
    private ConvRowsNarrowAB() {
    }

    /** {n, c, h, w, o, stride}: 3×3, padding 1. */
    private static final int[][] SHAPES = {
        {128, 16, 28, 28, 16, 1},
        {128, 32, 14, 14, 32, 1},
        {128, 64, 7, 7, 64, 1},
        {32, 64, 56, 56, 64, 1},
        {32, 128, 28, 28, 128, 1},
        {32, 256, 14, 14, 256, 1},
        {32, 512, 7, 7, 512, 1},
        // kiln train cnn's and ResNet-18's stride-2 3×3 layers
        {128, 16, 28, 28, 32, 2},
        {128, 32, 14, 14, 64, 2},
        {32, 64, 56, 56, 128, 2},
        {32, 128, 28, 28, 256, 2},
        {32, 256, 14, 14, 512, 2},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        if (args.length > 1) {
            CpuBackend.setThreads(Integer.parseInt(args[1]));
        }
        String filter = args.length > 2 ? args[2] : "";
        boolean rows1 = "rows1".equals(System.getProperty("ab.old"));
        boolean narrowOld = "narrow".equals(System.getProperty("ab.old"));
        boolean packOld = "pack".equals(System.getProperty("ab.old"));
        boolean dispatchOld = "dispatch".equals(System.getProperty("ab.old"));
        boolean reuse = !"false".equals(System.getProperty("ab.reuse"));
        int pos = Integer.getInteger("ab.p", reuse ? DirectConvRowsNarrow.REUSE_P : DirectConvRowsNarrow.P);
        // CPU time, which a loaded machine disturbs less than wall time: this thread's on one thread, the
        // process's on more (their sum: the work done, not how evenly it was spread)
        boolean cpu = !Boolean.getBoolean("wall");
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call (%s), medians; x = old / new%n",
                Simd.describe(), CpuBackend.threads(), rounds,
                !cpu ? "wall" : CpuBackend.threads() == 1 ? "thread CPU time" : "all threads' CPU time");
        for (int[] g : SHAPES) {
            if (Arrays.stream(filter.split("\\|")).noneMatch(Arrays.toString(g)::contains)) {
                continue;
            }
            int st = g[5];
            int oh = (g[2] - 1) / st + 1;
            int ow = (g[3] - 1) / st + 1;
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], 3, 3, st, st, 1, 1, 1, 1, 1, oh, ow);
            ConvShape t = ConvDispatch.transposed(s);
            float[] x = randn(rng, s.n() * s.cIn() * s.h() * s.w());
            float[] w = randn(rng, s.cOut() * s.cIn() * 9);
            float[] dy = randn(rng, s.n() * s.cOut() * s.outH() * s.outW());
            float[] wt = new float[w.length];
            ConvDispatch.flipTransposed(wt, w, 0, s);
            float[] y = new float[dy.length];
            float[] dx = new float[x.length];
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * 9 * s.outH() * s.outW();
            float[] wt2 = new float[w.length];
            Runnable[][] passes = dispatchOld ? new Runnable[][] {
                {() -> old(y, x, w, s),
                        () -> DirectConvRowsNarrow.run(y, 0, x, 0, w, 0, null, null, 0, s, pos, reuse, true)},
                {() -> {
                    ConvDispatch.flipTransposed(wt2, w, 0, s);
                    old(dx, dy, wt2, t);
                }, () -> DirectConvRowsNarrow.run(dx, 0, dy, 0, w, 0, s, null, 0, t, pos, reuse, true)},
            } : packOld ? new Runnable[][] {
                {() -> DirectConvRowsNarrow.run(y, 0, x, 0, w, 0, null, null, 0, s, pos, reuse, false),
                        () -> DirectConvRowsNarrow.run(y, 0, x, 0, w, 0, null, null, 0, s, pos, reuse, true)},
                {() -> {
                    serialFlipTransposed(wt, w, s);
                    DirectConvRowsNarrow.run(dx, 0, dy, 0, wt, 0, null, null, 0, t, pos, reuse, false);
                }, () -> DirectConvRowsNarrow.run(dx, 0, dy, 0, w, 0, s, null, 0, t, pos, reuse, true)},
            } : new Runnable[][] {
                {rows1 ? () -> DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s, 1)
                        : narrowOld ? () -> DirectConvRowsNarrow.forward(y, 0, x, 0, w, 0, null, 0, s, 5, false)
                        : () -> old(y, x, w, s),
                        () -> DirectConvRowsNarrow.forward(y, 0, x, 0, w, 0, null, 0, s, pos, reuse)},
                {rows1 ? () -> DirectConvRows.forward(dx, 0, dy, 0, wt, 0, null, 0, t, 1)
                        : narrowOld ? () -> DirectConvRowsNarrow.forward(dx, 0, dy, 0, wt, 0, null, 0, t, 5, false)
                        : () -> old(dx, dy, wt, t),
                        () -> DirectConvRowsNarrow.forward(dx, 0, dy, 0, wt, 0, null, 0, t, pos, reuse)},
            };
            String[] names = {"forward", "input grad"};
            for (int p = 0; p < (st == 1 ? passes.length : 1); p++) {
                double[][] times = new double[2][rounds];
                int calls = (int) Math.max(2, Math.min(20, 2e9 / flop));
                for (int r = -2; r < rounds; r++) { // two warm-up rounds
                    for (int path = 0; path < 2; path++) {
                        long t0 = now(cpu);
                        for (int c = 0; c < calls; c++) {
                            passes[p][path].run();
                        }
                        if (r >= 0) {
                            times[path][r] = (now(cpu) - t0) / 1e6 / calls;
                        }
                    }
                }
                double old = median(times[0]);
                double now = median(times[1]);
                System.out.printf(Locale.ROOT, "%-24s %-10s %-8s old %8.3f ms (%5.1f GFLOP/s)  new %8.3f ms (%5.1f GFLOP/s)  x %.2f%n",
                        Arrays.toString(g), names[p],
                        rows1 ? "rows 7x1" : narrowOld ? "narrow" : packOld ? "pack" : dispatchOld ? oldName(p == 0 ? s : t) + "+flip" : oldName(p == 0 ? s : t), old,
                        flop / old / 1e6, now, flop / now / 1e6, old / now);
            }
        }
    }

    /** {@link ConvDispatch#flipTransposed} as it was before it split over threads. */
    private static void serialFlipTransposed(float[] t, float[] w, ConvShape s) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        for (int o = 0; o < s.cOut(); o++) {
            for (int c = 0; c < cpg; c++) {
                int src = (o * cpg + c) * kk;
                int dst = ((o / opg * cpg + c) * opg + o % opg) * kk;
                for (int tap = 0; tap < kk; tap++) {
                    t[dst + kk - 1 - tap] = w[src + tap];
                }
            }
        }
    }

    private static String oldName(ConvShape s) {
        return ConvDispatch.rows(s) ? "rows" : ConvDispatch.channels(s) ? "channels" : ConvDispatch.grid(s) ? "grid"
                : "im2col";
    }

    private static void old(float[] y, float[] x, float[] w, ConvShape s) {
        if (ConvDispatch.rows(s)) {
            DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s);
        } else if (ConvDispatch.channels(s)) {
            DirectConvChannels.forward(y, 0, x, 0, w, 0, null, 0, s);
        } else if (ConvDispatch.grid(s)) {
            DirectConv.forward(y, 0, x, 0, w, 0, null, 0, s);
        } else {
            ConvDispatch.im2col(y, 0, x, 0, w, 0, null, 0, s);
        }
    }
}
