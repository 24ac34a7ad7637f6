package dev.kiln.models.cli;

import dev.kiln.kernels.cpu.gemm.CpuInfo;
import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.kernels.cpu.gemm.SgemmPlan;
import dev.kiln.kernels.cpu.gemm.SgemmPlanFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code kiln tune}: measures the GEMM's candidate micro-tiles and blockings on this machine
 * ({@link SgemmPlan#candidates}) within a time budget and writes the fastest as a plan file, which
 * Kiln's GEMM uses from then on (on this CPU, at this vector width). {@code --check} says which plan
 * a file gives, or why it would be ignored.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure GEMM micro-tiles and cache blockings on this machine and write the fastest as a plan.",
            "The plan is used from then on by Kiln on this CPU: from ~/.kiln/plan-<cpu>.json, or the file named by",
            "-Dkiln.gemm.plan=PATH or KILN_GEMM_PLAN. A plan made on another CPU is ignored with a warning."})
public final class TuneCommand implements Callable<Integer> {
    /** Products timed per candidate: a small square, and a transformer-like shape (m × k × n). */
    static final int[][] SHAPES = {{256, 256, 256}, {512, 768, 768}};
    /** A candidate must beat the built-in plan by this much to replace it (timing noise is larger than 0). */
    static final double MARGIN = 1.02;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "60",
            description = "Time for the measurements, at most a minute (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = 60)
    double budget;

    @Option(names = "--plan", paramLabel = "PATH",
            description = "Plan file to write or check (default: ~/.kiln/plan-<cpu>.json).")
    Path plan;

    @Option(names = "--check", description = "Do not measure: say which plan the file gives on this machine.")
    boolean check;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        CpuInfo cpu = CpuInfo.current();
        Path file = plan != null ? plan : SgemmPlan.defaultFile(cpu, System.getProperty("user.home"));
        out.println("tune: " + cpu.key() + ", " + cpu.registers() + " vector registers, L1d " + kib(cpu.l1d())
                + ", L2 " + kib(cpu.l2()) + ", L3 " + kib(cpu.l3()));
        if (check) {
            return check(out, cpu, file);
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

    private int check(PrintWriter out, CpuInfo cpu, Path file) {
        if (!Files.exists(file)) {
            out.println("tune: no plan at " + file + "; the built-in plan is used: " + SgemmPlan.derived(cpu).describe());
            return 0;
        }
        String[] warning = {null};
        SgemmPlan p = SgemmPlanFile.read(file, cpu, w -> warning[0] = w); // a corrupt file: one line, exit 2
        if (p == null) {
            spec.commandLine().getErr().println("tune: " + warning[0]);
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
