package dev.kiln.bench.lab;

import dev.kiln.bench.OpenBlas;
import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.tensor.Generator;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A/B runs of lab versions (and OpenBLAS, as {@code openblas}) in one JVM, interleaved round by
 * round so that each candidate sees the same load: on a shared machine the absolute figures drift,
 * the ratios between neighbours in time much less. Each candidate is checked against
 * ReferenceBackend first. Prints, per shape and candidate, the best and the median GFLOP/s over the
 * rounds.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:UseAVX=2 -cp benchmarks-jmh/target/benchmarks.jar \
 *     dev.kiln.bench.lab.GemmLabAB v5,v7,openblas 256,1024,4096x768x3072 1 5 0.4 cpu
 * </pre>
 * Arguments: candidates, shapes ("n" or "MxKxN"), threads, rounds, seconds per candidate and round,
 * and optionally {@code cpu}: time each call by the calling thread's CPU time instead of the wall
 * clock, which on a loaded machine leaves out the time the thread was descheduled (1 thread only:
 * other threads' time is not counted). OpenBLAS follows the environment (OPENBLAS_CORETYPE=Haswell
 * forces its AVX2 kernels).
 */
public final class GemmLabAB {
    private GemmLabAB() {
    }

    public static void main(String[] args) {
        String[] names = args.length > 0 ? args[0].split(",") : new String[] {"v5", "openblas"};
        String[] shapes = args.length > 1 ? args[1].split(",") : new String[] {"256", "1024"};
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        double seconds = args.length > 4 ? Double.parseDouble(args[4]) : 0.4;
        boolean cpu = args.length > 5 && args[5].equals("cpu");
        if (cpu && threads != 1) {
            System.err.println("GemmLabAB: cpu timing counts the calling thread only; use 1 thread, got " + threads);
            System.exit(2);
        }
        OpenBlas blas = null;
        for (String name : names) {
            if (name.equals("openblas")) {
                blas = OpenBlas.load();
                blas.setThreads(threads);
                System.out.println("# " + blas.library + ": " + blas.config());
            } else {
                GemmLab.check(name, threads);
            }
        }
        System.out.println("# threads " + threads + " (pool " + Parallel.threads() + "), rounds " + rounds
                + ", species " + GemmLab.S + ", cpu " + System.getProperty("os.arch")
                + (cpu ? ", timed by thread CPU time" : ", timed by the wall clock"));
        for (String shape : shapes) {
            int[] s = parse(shape);
            int m = s[0];
            int k = s[1];
            int n = s[2];
            Generator g = new Generator(3);
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            float[] c = new float[m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = g.nextFloat() - 0.5f;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = g.nextFloat() - 0.5f;
            }
            Arena arena = Arena.ofConfined();
            MemorySegment sa = arena.allocate((long) a.length * 4, 64);
            MemorySegment sb = arena.allocate((long) b.length * 4, 64);
            MemorySegment sc = arena.allocate((long) c.length * 4, 64);
            MemorySegment.copy(a, 0, sa, ValueLayout.JAVA_FLOAT, 0, a.length);
            MemorySegment.copy(b, 0, sb, ValueLayout.JAVA_FLOAT, 0, b.length);
            double flops = 2.0 * m * n * k;
            List<double[]> rates = new ArrayList<>();
            for (String ignored : names) {
                rates.add(new double[rounds]);
            }
            for (int r = 0; r < rounds; r++) {
                for (int v = 0; v < names.length; v++) {
                    Runnable call;
                    if (names[v].equals("openblas")) {
                        OpenBlas bl = blas;
                        call = () -> bl.sgemm(OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, m, n, k, sa, k, sb, n, sc, n);
                    } else {
                        GemmLab.Version version = GemmLab.version(names[v], threads);
                        call = () -> version.run(c, a, b, m, n, k);
                    }
                    rates.get(v)[r] = flops / best(call, seconds, cpu) / 1e9;
                }
            }
            for (int v = 0; v < names.length; v++) {
                double[] x = rates.get(v).clone();
                Arrays.sort(x);
                System.out.printf("%-14s %-10s best %7.1f  median %7.1f GFLOP/s%n", shape, names[v], x[x.length - 1],
                        x[x.length / 2]);
            }
            arena.close();
        }
    }

    /**
     * The fastest of repeated calls within about {@code seconds} of wall time, in seconds per call,
     * each call timed by the wall clock or by this thread's CPU time.
     */
    private static double best(Runnable call, double seconds, boolean cpu) {
        call.run();
        double best = Double.MAX_VALUE;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            long t = cpu ? THREAD_TIME.getCurrentThreadCpuTime() : System.nanoTime();
            call.run();
            long spent = (cpu ? THREAD_TIME.getCurrentThreadCpuTime() : System.nanoTime()) - t;
            best = Math.min(best, spent * 1e-9);
        } while (System.nanoTime() < end);
        return best;
    }

    private static final ThreadMXBean THREAD_TIME = ManagementFactory.getThreadMXBean();

    static int[] parse(String shape) {
        String[] p = shape.split("x");
        if (p.length == 1) {
            int n = Integer.parseInt(p[0]);
            return new int[] {n, n, n};
        }
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }
}
