package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvRows} against the path the shape
 * takes without it ({@link DirectConvChannels} where {@link ConvDispatch#channels} holds, {@link DirectConv}
 * where {@link ConvDispatch#grid} does, else im2col + SGEMM), for the forward and, at stride 1, the input
 * gradient (the forward of dy with the flipped weight; at stride 2 {@link DirectConvRows#backwardInputStrided}
 * against {@link DirectConvPhases} or col2im) of {@code kiln train cnn}'s 3×3 layers and ResNet-18's. Each round times a few calls of one path then of the other; the medians of the rounds are
 * compared, so a machine loaded by others slows both alike. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvRowsAB [rounds [threads [filter]]]
 * </pre>
 * Times are CPU time (the thread's on one thread, all threads' together on more; wall time with
 * {@code -Dwall=true}). {@code filter}: run only the shapes whose {n, c, h, w, o, stride} list contains it
 * (or one of its {@code |}-separated parts). {@code -Dab.v=V}: the row tiles with V vectors of out
 * channels instead of {@link DirectConvRows#vectors}'s choice; {@code -Dab.oldv=V}: old is the row tiles
 * with V vectors (two tile widths against each other); {@code -Dab.oldCopies=true}: old is the row tiles
 * with their weights packed and a strided input's cells copied float by float on the calling thread, as
 * before issue 16 (and, for the input gradient, the weights flipped by {@link ConvDispatch#flipTransposed}
 * first), new with {@link DirectConvChannels#oldCopies} off; {@code -Dab.scalarStores=true}: the strided input
 * gradient's old is the row tiles' phases stored one float at a time; {@code -Dab.constants=true}: old is the
 * row tiles with the generic tiles only, new with {@link DirectConvRowTiles}' constant-stride copies.
 */
final class ConvRowsAB {
    private ConvRowsAB() {
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
        int v = Integer.getInteger("ab.v", 0);
        int oldV = Integer.getInteger("ab.oldv", 0);
        boolean oldCopies = Boolean.getBoolean("ab.oldCopies");
        boolean scalarStores = Boolean.getBoolean("ab.scalarStores");
        boolean constants = Boolean.getBoolean("ab.constants");
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
            int vs = v > 0 ? v : DirectConvRows.vectors(DirectConvKernels.WIDE);
            int vt = v > 0 ? v : DirectConvRows.vectors(DirectConvKernels.WIDE);
            Runnable[][] passes = constants ? new Runnable[][] {
                // old: the generic tiles, the channel count a variable; new: DirectConvRowTiles
                {() -> {
                    DirectConvRowTiles.enabled = false;
                    DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s, vs);
                    DirectConvRowTiles.enabled = true;
                }, () -> DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s, vs)},
                {() -> {
                    DirectConvRowTiles.enabled = false;
                    DirectConvRows.backwardInput(dx, 0, dy, 0, w, 0, s, vt);
                    DirectConvRowTiles.enabled = true;
                }, () -> DirectConvRows.backwardInput(dx, 0, dy, 0, w, 0, s, vt)},
            } : oldCopies ? new Runnable[][] {
                // before: the weights packed (and, for dx, flipped by ConvDispatch first) and cells copied float by float
                {() -> {
                    DirectConvChannels.oldCopies = true;
                    DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s, vs);
                    DirectConvChannels.oldCopies = false;
                }, () -> DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s, vs)},
                {() -> {
                    DirectConvChannels.oldCopies = true;
                    ConvDispatch.flipTransposed(wt, w, 0, s);
                    DirectConvRows.forward(dx, 0, dy, 0, wt, 0, null, 0, t, vt);
                    DirectConvChannels.oldCopies = false;
                }, () -> DirectConvRows.backwardInput(dx, 0, dy, 0, w, 0, s, vt)},
            } : new Runnable[][] {
                {oldV > 0 ? () -> DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s, oldV) : () -> old(y, x, w, s),
                        () -> DirectConvRows.forward(y, 0, x, 0, w, 0, null, 0, s, vs)},
                {oldV > 0 ? () -> DirectConvRows.forward(dx, 0, dy, 0, wt, 0, null, 0, t, oldV) : () -> old(dx, dy, wt, t),
                        () -> DirectConvRows.forward(dx, 0, dy, 0, wt, 0, null, 0, t, vt)},
            };
            // the strided input gradient is timed against the path before only
            int count = st == 1 ? 2 : oldCopies || oldV > 0 ? 1 : 2;
            if (count == 2 && st > 1 && !constants) {
                // the strided input gradient: the path before (DirectConvPhases or col2im) against the row
                // tiles on the phases of dx
                Tensor dyT = Tensor.of(dy, s.n(), s.cOut(), s.outH(), s.outW());
                Tensor wT = Tensor.of(w, s.cOut(), s.cIn(), 3, 3);
                Tensor dxT = Tensor.zeros(s.n(), s.cIn(), s.h(), s.w());
                passes[1] = new Runnable[] {() -> {
                    DirectConvRows.rowPhases = scalarStores;
                    DirectConvRows.scatterStores = !scalarStores;
                    ConvDispatch.conv2dBackwardInput(dxT, dyT, wT, s);
                    DirectConvRows.rowPhases = true;
                    DirectConvRows.scatterStores = true;
                }, () -> ConvDispatch.conv2dBackwardInput(dxT, dyT, wT, s)};
            }
            String[] names = {"forward", "input grad"};
            for (int p = 0; p < count; p++) {
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
                        constants ? "variable" : oldCopies ? "copies" : oldV > 0 ? "rows " + oldV
                                : st > 1 && p == 1 ? (scalarStores ? "scalar" : ConvDispatch.phases(s) ? "phases" : "col2im")
                                : oldName(p == 0 ? s : t), old,
                        flop / old / 1e6, now, flop / now / 1e6, old / now);
            }
        }
    }

    private static String oldName(ConvShape s) {
        return ConvDispatch.channels(s) ? "channels" : ConvDispatch.grid(s) ? "grid" : "im2col";
    }

    private static void old(float[] y, float[] x, float[] w, ConvShape s) {
        if (ConvDispatch.channels(s)) {
            DirectConvChannels.forward(y, 0, x, 0, w, 0, null, 0, s);
        } else if (ConvDispatch.grid(s)) {
            DirectConv.forward(y, 0, x, 0, w, 0, null, 0, s);
        } else {
            ConvDispatch.im2col(y, 0, x, 0, w, 0, null, 0, s);
        }
    }
}
