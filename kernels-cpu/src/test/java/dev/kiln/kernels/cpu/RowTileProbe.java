package dev.kiln.kernels.cpu;

import java.util.Locale;

import static dev.kiln.kernels.cpu.AbTiming.median;
import static dev.kiln.kernels.cpu.AbTiming.now;

/** Not a test: the row tiles alone (channels last against chunks of K), one thread, thread CPU time. */
final class RowTileProbe {
    private RowTileProbe() {
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        int cpg = Integer.parseInt(args[1]);
        int positions = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        CpuBackend.setThreads(1);
        int l = DirectConvKernels.L;
        int k = DirectConvRows.K;
        int pitch = 9;
        int cells = 11 * pitch | 1;
        float[] xl = AbTiming.randn(new dev.kiln.tensor.Generator(1), cells * cpg);
        float[] xc = xl.clone();
        int[] tapsL = new int[9];
        int[] tapsC = new int[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                tapsL[i * 3 + j] = (i * pitch + j) * cpg;
                tapsC[i * 3 + j] = (i * pitch + j) * k;
            }
        }
        float[] wp = AbTiming.randn(new dev.kiln.tensor.Generator(2), 9 * cpg * 2 * l);
        float[] yp = new float[7 * 2 * l];
        int reps = (int) Math.max(1, 2e8 / (9.0 * cpg * 14));
        double[][] t = new double[2][rounds];
        for (int r = -3; r < rounds; r++) {
            for (int p = 0; p < 2; p++) {
                long t0 = now(true);
                for (int i = 0; i < reps; i++) {
                    int row = i % 7 * pitch;
                    if (p == 0) {
                        if (positions == 7) {
                            DirectConvRows.tile7x2(yp, 0, xl, row * cpg, cpg, tapsL, 0, 9, wp, 0);
                        } else {
                            DirectConvRows.tile6x2(yp, 0, xl, row * cpg, cpg, tapsL, 0, 9, wp, 0);
                        }
                    } else if (positions == 7) {
                        DirectConvRows.chunked7x2(yp, 0, xc, row * k, cells * k, cpg, tapsC, 0, 9, wp, 0);
                    } else {
                        DirectConvRows.chunked6x2(yp, 0, xc, row * k, cells * k, cpg, tapsC, 0, 9, wp, 0);
                    }
                }
                if (r >= 0) {
                    t[p][r] = (now(true) - t0) / 1e9;
                }
            }
        }
        double flop = 2.0 * reps * 9 * cpg * positions * 2 * l;
        double rate = ConvTilePeak.fmaRate();
        System.out.printf(Locale.ROOT, "cpg %d, %d positions: channels last %.1f GFLOP/s, chunks %.1f, FMA peak %.1f%n", cpg,
                positions, flop / median(t[0]) / 1e9, flop / median(t[1]) / 1e9, rate);
    }
}
