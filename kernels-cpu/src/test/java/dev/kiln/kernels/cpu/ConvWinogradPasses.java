package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;

import java.util.Locale;

/**
 * Not a test: {@link ConvWinograd}'s passes timed one by one on one thread (thread CPU time), block by block over a
 * whole call's blocks, for one layer: java ... ConvWinogradPasses n c h w o [reps].
 */
final class ConvWinogradPasses {
    private ConvWinogradPasses() {
    }

    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]);
        int c = Integer.parseInt(a[1]);
        int h = Integer.parseInt(a[2]);
        int w = Integer.parseInt(a[3]);
        int o = Integer.parseInt(a[4]);
        int reps = a.length > 5 ? Integer.parseInt(a[5]) : 10;
        ConvShape s = new ConvShape(n, c, h, w, o, 3, 3, 1, 1, 1, 1, 1, 1, 1, h, w);
        var rng = new Generator(1);
        float[] x = AbTiming.randn(rng, n * c * h * w);
        float[] wt = AbTiming.randn(rng, o * c * 9);
        float[] y = new float[n * o * h * w];
        ConvWinograd.Plan p = ConvWinograd.Plan.of(s);
        float[] u = new float[p.weightFloats()];
        float[] v = new float[16 * p.vx()];
        float[] m = new float[16 * p.ms()];
        float[] rows = new float[2 * p.cpg() * p.segmentRows() * p.rl()]; float[] line = new float[2 * p.rl()];
        float[] out = new float[4 * p.btp()];
        ConvWinograd.transformWeights(u, wt, 0, false, p);
        double[] t = new double[3];
        for (int r = -3; r < reps; r++) {
            for (int phase = 0; phase < 3; phase++) {
                long t0 = AbTiming.now(true);
                for (int b = 0; b < p.blocks(); b++) {
                    int first = b * p.perBlock();
                    int count = Math.min(p.perBlock(), p.strips() - first);
                    switch (phase) {
                        case 0 -> ConvWinograd.inputTransform(v, rows, line, x, 0, p, 0, first, count);
                        case 1 -> {
                            if (ConvWinograd.OT == 8) {
                                ConvWinograd.gemm8x2(m, v, u, p, 0);
                            } else {
                                ConvWinograd.gemm4x2(m, v, u, p, 0);
                            }
                        }
                        default -> ConvWinograd.outputTransform(y, 0, m, out, null, 0, p, 0, first, count);
                    }
                }
                if (r >= 0) {
                    t[phase] += (AbTiming.now(true) - t0) / 1e6 / reps;
                }
            }
        }
        double flop = 2.0 * 16 * p.cpg() * p.opad() * p.btp() * p.blocks();
        System.out.printf(Locale.ROOT, "%s %s: %s; input %.3f ms, gemm %.3f ms (%.1f GFLOP/s), output %.3f ms%n",
                Simd.describe(), java.util.Arrays.toString(a), p, t[0], t[1], flop / t[1] / 1e6, t[2]);
    }
}
