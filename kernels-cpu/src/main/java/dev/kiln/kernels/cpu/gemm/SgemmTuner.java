package dev.kiln.kernels.cpu.gemm;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What {@code kiln tune} does: measures the GEMM's candidate micro-tiles and blockings on this
 * machine ({@link SgemmPlan#candidates}) within a time budget and writes the fastest as a plan file,
 * which the GEMM uses from then on (on this CPU, at this vector width). It lives here, beside the
 * GEMM, so that the command line needs this module only at run time.
 */
public final class SgemmTuner {
    /** Products timed per candidate: a small square, and a transformer-like shape (m × k × n). */
    static final int[][] SHAPES = {{256, 256, 256}, {512, 768, 768}};
    /** A candidate must beat the built-in plan by this much to replace it (timing noise is larger than 0). */
    static final double MARGIN = 1.02;

    private SgemmTuner() {
    }

    /**
     * Measures within {@code budget} seconds and writes the fastest plan to {@code plan} (null: the
     * default file of this CPU), or with {@code check} only says which plan that file gives here.
     * Returns the exit code: 0.
     */
    public static int run(double budget, Path plan, boolean check, PrintWriter out, PrintWriter err) throws java.io.IOException {
        CpuInfo cpu = CpuInfo.current();
        Path file = plan != null ? plan : SgemmPlan.defaultFile(cpu, System.getProperty("user.home"));
        out.println("tune: " + cpu.key() + ", " + cpu.registers() + " vector registers, L1d " + kib(cpu.l1d())
                + ", L2 " + kib(cpu.l2()) + ", L3 " + kib(cpu.l3()));
        if (check) {
            return check(out, err, cpu, file);
        }
        List<SgemmPlan> candidates = SgemmPlan.candidates(cpu);
        double[] best = measure(candidates, budget);
        int winner = 0; // the built-in plan, unless a candidate is clearly faster
        for (int i = 1; i < candidates.size(); i++) {
            if (best[i] > best[winner] * MARGIN) {
                winner = i;
            }
        }
        for (int i = 0; i < candidates.size(); i++) {
            out.printf(Locale.ROOT, "  %-38s %7.1f GFLOP/s%s%s%n", candidates.get(i).describe(), best[i],
                    i == 0 ? "  (built-in)" : "", i == winner ? "  <- chosen" : "");
        }
        SgemmPlanFile.write(file, candidates.get(winner), cpu, best[winner],
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        out.println("tune: wrote " + file.toAbsolutePath());
        out.println(plan == null
                ? "tune: Kiln uses it from now on on this CPU (-Dkiln.gemm.plan=none: the built-in plan)"
                : "tune: use it with -Dkiln.gemm.plan=" + file + " or KILN_GEMM_PLAN=" + file);
        return 0;
    }

    private static int check(PrintWriter out, PrintWriter err, CpuInfo cpu, Path file) {
        if (!Files.exists(file)) {
            out.println("tune: no plan at " + file + "; the built-in plan is used: " + SgemmPlan.derived(cpu).describe());
            return 0;
        }
        String[] warning = {null};
        SgemmPlan p = SgemmPlanFile.read(file, cpu, w -> warning[0] = w); // a corrupt file: one line, exit 2
        if (p == null) {
            err.println("tune: " + warning[0]);
            out.println("tune: the built-in plan is used: " + SgemmPlan.derived(cpu).describe());
        } else {
            out.println("tune: " + file + " applies to this machine: " + p.describe());
        }
        return 0;
    }

    /**
     * The best single-threaded rate of each candidate (geometric mean over {@link #SHAPES}), the
     * candidates interleaved round after round so that each sees the same load. At least one round
     * runs whatever the budget.
     */
    static double[] measure(List<SgemmPlan> candidates, double seconds) {
        float[][] a = new float[SHAPES.length][];
        float[][] b = new float[SHAPES.length][];
        float[][] c = new float[SHAPES.length][];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int s = 0; s < SHAPES.length; s++) {
            int m = SHAPES[s][0];
            int k = SHAPES[s][1];
            int n = SHAPES[s][2];
            a[s] = new float[m * k];
            b[s] = new float[k * n];
            c[s] = new float[m * n];
            for (int i = 0; i < a[s].length; i++) {
                a[s][i] = (float) rnd.nextDouble(-1, 1);
            }
            for (int i = 0; i < b[s].length; i++) {
                b[s][i] = (float) rnd.nextDouble(-1, 1);
            }
        }
        double[][] bestSeconds = new double[candidates.size()][SHAPES.length];
        for (double[] row : bestSeconds) {
            java.util.Arrays.fill(row, Double.MAX_VALUE);
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            for (int p = 0; p < candidates.size(); p++) {
                for (int s = 0; s < SHAPES.length; s++) {
                    int m = SHAPES[s][0];
                    int k = SHAPES[s][1];
                    int n = SHAPES[s][2];
                    long t = System.nanoTime();
                    Sgemm.sgemm(c[s], 0, n, a[s], 0, k, 1, b[s], 0, n, 1, m, n, k, candidates.get(p), 1);
                    bestSeconds[p][s] = Math.min(bestSeconds[p][s], (System.nanoTime() - t) * 1e-9);
                }
            }
        } while (System.nanoTime() < end);
        double[] rate = new double[candidates.size()];
        for (int p = 0; p < candidates.size(); p++) {
            double log = 0;
            for (int s = 0; s < SHAPES.length; s++) {
                log += Math.log(2.0 * SHAPES[s][0] * SHAPES[s][1] * SHAPES[s][2] / bestSeconds[p][s] / 1e9);
            }
            rate[p] = Math.exp(log / SHAPES.length);
        }
        return rate;
    }

    private static String kib(int bytes) {
        return bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }
}
