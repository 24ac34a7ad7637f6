package dev.kiln.models.train;

import java.util.Arrays;

/** Times a step function: untimed warmup, then each timed step separately; robust statistics. */
public final class StepTimer {
    private StepTimer() {
    }

    /** Milliseconds per step: median, mean, 10th and 90th percentiles. */
    public record Stats(double medianMs, double meanMs, double p10Ms, double p90Ms, int steps) {
    }

    public static Stats time(Runnable step, int warmup, int steps) {
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        double[] ms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) * 1e-6;
        }
        return stats(ms);
    }

    public static Stats stats(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(Double.NaN);
        return new Stats(quantile(s, 0.5), mean, quantile(s, 0.1), quantile(s, 0.9), s.length);
    }

    /** Linear interpolation between order statistics (numpy's default). */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
