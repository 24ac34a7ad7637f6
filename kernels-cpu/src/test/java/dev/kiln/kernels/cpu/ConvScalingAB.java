package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;

import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.randn;

/**
 * Not a test: the wall-time scaling from one thread to two of the routed forward of ResNet-18's 128- and
 * 256-channel 3×3 layers, stride 1 and stride 2 (batch 32), the layers interleaved within each round (each
 * layer two calls on one thread, then two on two), so that a spell of load from elsewhere hits them alike
 * rather than whichever layer ran then. Prints each layer's median of the rounds' ratios (one thread's wall
 * time over two's), their maximum and the rounds. Only meaningful with both cores free. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector [-XX:UseAVX=2] -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvScalingAB [rounds]
 * </pre>
 */
final class ConvScalingAB {
    private ConvScalingAB() {
    }

    /** {c, h (= w), stride, o}: 3×3, padding 1. */
    private static final int[][] SHAPES = {{128, 28, 1, 128}, {128, 28, 2, 256}, {256, 14, 1, 256}, {256, 14, 2, 512}};

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        var rng = new Generator(1);
        int k = SHAPES.length;
        ConvShape[] ss = new ConvShape[k];
        float[][] xs = new float[k][];
        float[][] ws = new float[k][];
        float[][] ys = new float[k][];
        for (int i = 0; i < k; i++) {
            int[] g = SHAPES[i];
            int out = (g[1] - 1) / g[2] + 1;
            ss[i] = new ConvShape(32, g[0], g[1], g[1], g[3], 3, 3, g[2], g[2], 1, 1, 1, 1, 1, out, out);
            xs[i] = randn(rng, 32 * g[0] * g[1] * g[1]);
            ws[i] = randn(rng, g[3] * g[0] * 9);
            ys[i] = new float[32 * g[3] * out * out];
        }
        double[][] scale = new double[k][rounds];
        for (int r = -2; r < rounds; r++) { // two warm-up rounds
            for (int i = 0; i < k; i++) {
                double[] wall = new double[2];
                for (int th = 1; th <= 2; th++) {
                    CpuBackend.setThreads(th);
                    long t0 = System.nanoTime();
                    for (int c = 0; c < 2; c++) {
                        ConvDispatch.gridForward(ys[i], 0, xs[i], 0, ws[i], 0, null, 0, ss[i]);
                    }
                    wall[th - 1] = (System.nanoTime() - t0) / 2e6;
                }
                if (r >= 0) {
                    scale[i][r] = wall[0] / wall[1];
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s, %d rounds; wall time, one thread / two%n", Simd.describe(), rounds);
        for (int i = 0; i < k; i++) {
            System.out.printf(Locale.ROOT, "%-18s median %.2f, max %.2f, rounds %s%n", Arrays.toString(SHAPES[i]),
                    median(scale[i]), Arrays.stream(scale[i]).max().orElse(0),
                    Arrays.toString(Arrays.stream(scale[i]).map(v -> Math.round(v * 100) / 100.0).toArray()));
        }
    }
}
