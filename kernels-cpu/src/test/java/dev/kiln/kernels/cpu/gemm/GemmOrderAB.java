package dev.kiln.kernels.cpu.gemm;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * Not a test: the 4 × 2 kernel nest alone over one packed A block and one packed B block, in both
 * orders of {@link Sgemm}'s macro-kernel (B panel by B panel down the columns of C tiles; A panel by A
 * panel along their rows), with C a block that stays in L2 and with C the next block of a 4096 × 3072
 * C at each call (out of L2, as in a large product). Candidates are interleaved in one JVM, each timed
 * by this thread's CPU time, best of the rounds. The figures behind {@code Sgemm}'s order rule on a mesh
 * L3 (BENCHMARKS-notes, "Issue 12: AVX2 tiles of 12 accumulators on the Xeon"). Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:UseAVX=2 -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes \
 *   dev.kiln.kernels.cpu.gemm.GemmOrderAB "208,512,352;224,576,448" [rounds]
 * </pre>
 * Blocks are "mc,kc,nc" (mc a multiple of 4, nc of two vectors), separated by ';'.
 */
final class GemmOrderAB {
    private static final int NR = 2 * SgemmKernel.LANES;
    private static final int BIG_M = 4096;
    private static final int BIG_N = 3072;

    private GemmOrderAB() {
    }

    /** B panel by B panel: one B panel against every A micro-panel, down a column of C tiles. */
    private static void bPanels(float[] c, int cOff, int ldc, float[] ap, float[] bp, int mc, int nc, int kc) {
        for (int j0 = 0; j0 < nc; j0 += NR) {
            for (int i0 = 0; i0 < mc; i0 += 4) {
                SgemmKernel.kernel4x2(c, cOff + i0 * ldc + j0, ldc, ap, i0 * kc, bp, j0 * kc, kc, true);
            }
        }
    }

    /** A panel by A panel: one A micro-panel against every B panel, along a row of C tiles. */
    private static void aPanels(float[] c, int cOff, int ldc, float[] ap, float[] bp, int mc, int nc, int kc) {
        for (int i0 = 0; i0 < mc; i0 += 4) {
            for (int j0 = 0; j0 < nc; j0 += NR) {
                SgemmKernel.kernel4x2(c, cOff + i0 * ldc + j0, ldc, ap, i0 * kc, bp, j0 * kc, kc, true);
            }
        }
    }

    public static void main(String[] args) {
        if (!SgemmKernel.VECTOR) {
            System.err.println("GemmOrderAB: the vector kernels are off (-Dkiln.simd=scalar)");
            System.exit(2);
        }
        String[] blocks = args.length > 0 ? args[0].split(";") : new String[] {"208,512,352", "224,576,448"};
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        float[] big = new float[BIG_M * BIG_N];
        int next = 0;
        String[] names = {"C in L2, B panels outside", "C in L2, A panels outside",
            "C out of L2, B panels outside", "C out of L2, A panels outside"};
        for (String block : blocks) {
            int[] d = Arrays.stream(block.split(",")).mapToInt(Integer::parseInt).toArray();
            int mc = d[0];
            int kc = d[1];
            int nc = d[2];
            if (mc % 4 != 0 || nc % NR != 0 || mc > BIG_M || nc > BIG_N) {
                throw new IllegalArgumentException("GemmOrderAB: block " + block + " needs mc a multiple of 4 (<= "
                        + BIG_M + ") and nc a multiple of " + NR + " (<= " + BIG_N + ")");
            }
            float[] ap = new float[mc * kc];
            float[] bp = new float[kc * nc];
            float[] c = new float[mc * nc];
            Arrays.fill(ap, 0.001f);
            Arrays.fill(bp, 0.002f);
            int perRow = BIG_N / nc;
            int blocksOfC = perRow * (BIG_M / mc);
            double flops = 2.0 * mc * nc * kc;
            int calls = Math.max(1, (int) (2e9 / flops));
            double[] best = new double[names.length];
            for (int r = -1; r < rounds; r++) { // round -1 warms up: C2 compiles the kernel and both nests
                for (int v = 0; v < names.length; v++) {
                    long bestT = Long.MAX_VALUE;
                    for (int rep = 0; rep < 5; rep++) {
                        long t0 = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < calls; i++) {
                            int b = next++ % blocksOfC;
                            int off = (b / perRow) * mc * BIG_N + (b % perRow) * nc;
                            switch (v) {
                                case 0 -> bPanels(c, 0, nc, ap, bp, mc, nc, kc);
                                case 1 -> aPanels(c, 0, nc, ap, bp, mc, nc, kc);
                                case 2 -> bPanels(big, off, BIG_N, ap, bp, mc, nc, kc);
                                default -> aPanels(big, off, BIG_N, ap, bp, mc, nc, kc);
                            }
                        }
                        bestT = Math.min(bestT, mx.getCurrentThreadCpuTime() - t0);
                    }
                    if (r >= 0) {
                        best[v] = Math.max(best[v], flops * calls / bestT);
                    }
                }
            }
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "mc %d kc %d nc %d:", mc, kc, nc));
            for (int v = 0; v < names.length; v++) {
                sb.append(String.format(Locale.ROOT, "  %s %.1f", names[v], best[v]));
            }
            System.out.println(sb.append(" GFLOP/s"));
        }
    }
}
