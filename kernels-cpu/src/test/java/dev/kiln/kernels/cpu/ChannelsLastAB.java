package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import static dev.kiln.kernels.cpu.AbTiming.median;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link ChannelsLast}'s copies, the scalar
 * loops against the transposes (8 × 8 with {@code -XX:UseAVX=2}, 16 × 16 at AVX-512), for one sample of {@code kiln train cnn}'s layers: pad then store of
 * every block. Prints the bytes allocated per round too, which would show vectors boxed (C2 not
 * intrinsifying the permutes). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java -XX:UseAVX=2 --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ChannelsLastAB [rounds]
 * </pre>
 */
final class ChannelsLastAB {
    private ChannelsLastAB() {
    }

    /** {c, h, w}: 3×3, stride 1, padding 1, c → c channels. */
    private static final int[][] SHAPES = {{16, 28, 28}, {32, 14, 14}, {64, 7, 7}, {64, 56, 56}};

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%s, vector copies %s; us per sample (pad + store, thread CPU time), medians%n",
                Simd.describe(), ChannelsLast.VECTOR);
        for (int[] g : SHAPES) {
            int c = g[0];
            ConvShape s = new ConvShape(1, c, g[1], g[2], c, 3, 3, 1, 1, 1, 1, 1, 1, 1, g[1], g[2]);
            DirectConv.Grid gr = DirectConv.Grid.forward(s);
            int width = DirectConvChannels.vectors(DirectConvKernels.WIDE) * Simd.F32.length();
            float[] x = new float[c * g[1] * g[2]];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            float[] xp = new float[(gr.positions() + 4 * gr.pitch()) * c];
            float[] yp = new float[(gr.positions() + 8) * width];
            float[] y = new float[x.length];
            float[] bias = new float[c];
            Runnable[] paths = {
                () -> {
                    ChannelsLast.padScalar(xp, x, 0, c, s, gr);
                    for (int b = 0; b < c; b += width) {
                        ChannelsLast.storeScalar(y, b * g[1] * g[2], yp, width, Math.min(width, c - b), bias, b, s, gr);
                    }
                },
                () -> {
                    ChannelsLast.pad(xp, x, 0, c, s, gr);
                    for (int b = 0; b < c; b += width) {
                        ChannelsLast.store(y, b * g[1] * g[2], yp, width, Math.min(width, c - b), bias, b, s, gr);
                    }
                },
            };
            int calls = 2000;
            double[][] times = new double[2][rounds];
            long[] bytes = new long[2];
            for (int r = -3; r < rounds; r++) {
                for (int p = 0; p < 2; p++) {
                    long b0 = mx.getCurrentThreadAllocatedBytes();
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) {
                        paths[p].run();
                    }
                    long t1 = mx.getCurrentThreadCpuTime();
                    bytes[p] = mx.getCurrentThreadAllocatedBytes() - b0;
                    if (r >= 0) {
                        times[p][r] = (t1 - t0) / 1e3 / calls;
                    }
                }
            }
            double old = median(times[0]);
            double now = median(times[1]);
            System.out.printf(Locale.ROOT, "%-14s scalar %7.2f us  vector %7.2f us  x %.2f  (bytes allocated, last round: %d / %d)%n",
                    Arrays.toString(g), old, now, old / now, bytes[0], bytes[1]);
        }
    }
}
