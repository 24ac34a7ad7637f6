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
 * Not a test: an A/B timing of the weight gradient's paths in one JVM, interleaved: im2col + SGEMM,
 * {@link DirectConvWeight}'s positional tiles (on {@code kiln train cnn}'s layers only: on
 * ResNet-18's they are several times slower), its channel-blocked tiles on every tap and position
 * with the scalar copy in ({@code -Dkiln.conv.weightRows=false -Dkiln.conv.weightCopies=false})
 * and the same tiles only where their taps read input ({@link DirectConvWeight#regions}) with
 * {@link DirectConvWeightCopy}'s transposing copy in, on {@code kiln train cnn}'s 3×3 layers and
 * ResNet-18's at batch 32. With {@code -Dab=copies} the "blocked" path skips the padding too, so
 * that only the copy differs; with {@code -Dab=ends} it is the rows path with its zeroing and
 * copy-out on the calling thread ({@link DirectConvWeight#PARALLEL_ENDS}). Each round times a few calls of each path in turn;
 * the medians of the rounds are compared, so a machine loaded by others slows all alike. With
 * {@code -Dkiln.threads=1} it counts the thread's CPU time rather than wall time. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile} (add {@code -XX:UseAVX=2} for the 16-register tiles):
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWeightAB [rounds] [cnn|resnet] [batch]
 * </pre>
 */
final class ConvWeightAB {
    private ConvWeightAB() {
    }

    /** {n, c, h, w, o, k, pad, stride}. */
    private static final int[][] CNN = {
        {128, 16, 28, 28, 16, 3, 1, 1},
        {128, 16, 28, 28, 32, 3, 1, 2},
        {128, 32, 14, 14, 32, 3, 1, 1},
        {128, 32, 14, 14, 64, 3, 1, 2},
        {128, 64, 7, 7, 64, 3, 1, 1},
    };

    private static final int[][] RESNET = {
        {32, 64, 56, 56, 64, 3, 1, 1},
        {32, 64, 56, 56, 128, 3, 1, 2},
        {32, 128, 28, 28, 128, 3, 1, 1},
        {32, 128, 28, 28, 256, 3, 1, 2},
        {32, 256, 14, 14, 256, 3, 1, 1},
        {32, 256, 14, 14, 512, 3, 1, 2},
        {32, 512, 7, 7, 512, 3, 1, 1},
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        boolean resnet = args.length > 1 && args[1].equals("resnet");
        var rng = new Generator(1);
        // on one thread the calling thread's CPU time: time others' processes take the core from it is not counted
        boolean cpu = CpuBackend.threads() == 1;
        System.out.printf(Locale.ROOT, "%s, %s registers, %d threads, %d rounds; %s ms per call, medians (GFLOP/s)%n",
                Simd.describe(), DirectConvKernels.WIDE ? "32" : "16", CpuBackend.threads(), rounds, cpu ? "CPU" : "wall");
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        for (int[] g0 : resnet ? RESNET : CNN) {
            int[] g = g0.clone();
            if (batch > 0) {
                g[0] = batch;
            }
            ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], g[5], g[5], g[7], g[7], g[6], g[6], 1, 1, 1,
                    (g[2] + 2 * g[6] - g[5]) / g[7] + 1, (g[3] + 2 * g[6] - g[5]) / g[7] + 1);
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cIn(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.CONTIGUOUS);
            Tensor dw = poisoned(wShape);
            float[] dwa = HostArrays.f(dw);
            float[] dya = HostArrays.f(dy);
            float[] xa = HostArrays.f(x);
            double flop = 2.0 * s.n() * s.cOut() * s.cIn() * s.kH() * s.kW() * s.outH() * s.outW();
            boolean wide = DirectConvKernels.WIDE;
            // -Dab=copies: "blocked" skips the padding too, with the scalar copy in
            boolean ab = "copies".equals(System.getProperty("ab"));
            // -Dab=ends: "blocked" is rows with its zeroing and copy-out on the calling thread, as before
            boolean ends = "ends".equals(System.getProperty("ab"));
            Runnable[] all = {
                () -> ConvDispatch.conv2dBackwardWeight(dw, dy, x, s, false),
                () -> DirectConvWeight.positional(dwa, dw.offset(), dya, dy.offset(), xa, x.offset(), s),
                ends ? () -> DirectConvWeight.blocked(dwa, dw.offset(), dya, dy.offset(), xa, x.offset(), s, wide, true,
                        true, false)
                        : () -> DirectConvWeight.blocked(dwa, dw.offset(), dya, dy.offset(), xa, x.offset(), s, wide, ab,
                        false),
                () -> DirectConvWeight.blocked(dwa, dw.offset(), dya, dy.offset(), xa, x.offset(), s, wide, true, true),
            };
            String[] allNames = {"im2col", "positional", "blocked", "rows"};
            Runnable[] paths = resnet ? new Runnable[] {all[0], all[2], all[3]} : all;
            String[] names = resnet ? new String[] {allNames[0], allNames[2], allNames[3]} : allNames;
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
            // rows against the blocked tiles on every tap and against im2col, medians of the rounds'
            // ratios (a round times them back to back): above 1 rows is faster
            line.append(String.format(Locale.ROOT, "  blocked/rows %.3f  im2col/rows %.3f",
                    medianRatio(t[paths.length - 2], t[paths.length - 1]), medianRatio(t[0], t[paths.length - 1])));
            System.out.println(line);
        }
    }
}
