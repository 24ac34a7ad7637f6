package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Generator;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** The clock, statistics and inputs the A/B timing harnesses of this package share (not tests). */
final class AbTiming {
    private AbTiming() {
    }

    /**
     * Nanoseconds: wall time, or with {@code cpu} the CPU time of this thread (one thread) or of all
     * the JVM's threads summed (the process's CPU clock ticks too coarsely for a call of a few ms).
     */
    static long now(boolean cpu) {
        if (!cpu) {
            return System.nanoTime();
        }
        var mx = ManagementFactory.getThreadMXBean();
        if (CpuBackend.threads() == 1) {
            return mx.getCurrentThreadCpuTime();
        }
        long sum = 0;
        for (long id : mx.getAllThreadIds()) {
            sum += Math.max(0, mx.getThreadCpuTime(id));
        }
        return sum;
    }

    static double median(double[] a) {
        double[] c = a.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    /** The median of the rounds' ratios a[i] / b[i] (each round times both back to back). */
    static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = a[i] / b[i];
        }
        return median(r);
    }

    /** n standard normal floats. */
    static float[] randn(Generator rng, int n) {
        double[] d = KernelCheck.randn(rng, n, 1, 0);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
