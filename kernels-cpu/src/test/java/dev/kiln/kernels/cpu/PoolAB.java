package dev.kiln.kernels.cpu;

import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import static dev.kiln.kernels.cpu.AbTiming.median;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of average pooling on {@code kiln train cnn}'s
 * global pooling ([128, 64, 7, 7] to 1 × 1) and a 2 × 2 window: {@link PoolDispatch#avgPool2d} and
 * its backward against the loops they replaced (a plane at a time, kept here), on one thread (its
 * CPU time); medians of the rounds' ratios, old / new. Run after {@code ./mvnw -pl kernels-cpu -am
 * test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -Dkiln.threads=1 -cp kernels-cpu/target/classes:\
 *   kernels-cpu/target/test-classes:tensor/target/classes dev.kiln.kernels.cpu.PoolAB [rounds]
 * </pre>
 */
final class PoolAB {
    private PoolAB() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int[] shape = {128, 64, 7, 7};
        PoolWindows[] windows = {
            PoolOps.adaptivePool2dWindows("ab", shape, new int[] {1, 1}),
            PoolOps.avgPool2dWindows("ab", shape, new int[] {2}, new int[] {2}, new int[] {0}, false, true, null),
        };
        var rng = new java.util.Random(1);
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; CPU ms per call, medians; x = old / new%n",
                Simd.describe(), CpuBackend.threads(), rounds);
        Tensor x = Tensor.zeros(shape);
        float[] xa = HostArrays.f(x);
        for (int i = 0; i < xa.length; i++) {
            xa[i] = (float) rng.nextGaussian();
        }
        for (PoolWindows p : windows) {
            int[] yShape = {p.n(), p.c(), p.outH(), p.outW()};
            Tensor y = Tensor.zeros(yShape);
            Tensor dx = Tensor.zeros(shape);
            Runnable[][] pairs = {
                {() -> oldForward(HostArrays.f(y), xa, p), () -> PoolDispatch.avgPool2d(y, x, p)},
                {() -> oldBackward(HostArrays.f(dx), HostArrays.f(y), p), () -> PoolDispatch.avgPool2dBackward(dx, y, p)},
            };
            String[] names = {"forward", "backward"};
            for (int k = 0; k < 2; k++) {
                double[][] t = new double[2][rounds];
                for (int r = -3; r < rounds; r++) {
                    for (int path = 0; path < 2; path++) {
                        long t0 = bean.getCurrentThreadCpuTime();
                        for (int c = 0; c < 20; c++) {
                            pairs[k][path].run();
                        }
                        if (r >= 0) {
                            t[path][r] = (bean.getCurrentThreadCpuTime() - t0) / 1e6 / 20;
                        }
                    }
                }
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = t[0][r] / t[1][r];
                }
                System.out.printf(Locale.ROOT, "%s -> %dx%d %-8s old %7.3f ms  new %7.3f ms  x %.2f%n",
                        Arrays.toString(shape), p.outH(), p.outW(), names[k], median(t[0]), median(t[1]),
                        median(ratio));
            }
        }
    }

    /** PoolDispatch.avgPool2d before: a plane at a time, one chain of adds per window. */
    private static void oldForward(float[] y, float[] xa, PoolWindows p) {
        int plane = p.h() * p.w();
        int outPlane = p.outH() * p.outW();
        for (int pl = 0; pl < p.n() * p.c(); pl++) {
            int base = pl * plane;
            int o = pl * outPlane;
            for (int oh = 0; oh < p.outH(); oh++) {
                for (int ow = 0; ow < p.outW(); ow++, o++) {
                    float sum = 0;
                    for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                        for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                            sum += xa[base + ih * p.w() + iw];
                        }
                    }
                    y[o] = (float) (sum / p.divisorAt(oh, ow));
                }
            }
        }
    }

    /** PoolDispatch.avgPool2dBackward before: zero the plane, add each window's share. */
    private static void oldBackward(float[] g, float[] dya, PoolWindows p) {
        int plane = p.h() * p.w();
        int outPlane = p.outH() * p.outW();
        for (int pl = 0; pl < p.n() * p.c(); pl++) {
            int base = pl * plane;
            Arrays.fill(g, base, base + plane, 0f);
            int o = pl * outPlane;
            for (int oh = 0; oh < p.outH(); oh++) {
                for (int ow = 0; ow < p.outW(); ow++, o++) {
                    float share = (float) (dya[o] / p.divisorAt(oh, ow));
                    for (int ih = p.hStart()[oh]; ih < p.hEnd()[oh]; ih++) {
                        for (int iw = p.wStart()[ow]; iw < p.wEnd()[ow]; iw++) {
                            g[base + ih * p.w() + iw] += share;
                        }
                    }
                }
            }
        }
    }
}
