package dev.kiln.optim;

/**
 * {@link Spam}'s optimizer-wide settings: the spike threshold θc (0 turns clipping off), the
 * steps ΔT between momentum resets, the warmup W after each reset, the steps Na without clipping
 * at the start of training and of each reset period, and the seed of the sparse-momentum masks.
 * Defaults ({@link #DEFAULTS}): θc 5000, ΔT 500, W 150, Na 20, seed 0.
 */
public record SpamSchedule(double threshold, int deltaT, int warmupSteps, int gradAccuSteps, int seed)
        implements Settings {
    public static final SpamSchedule DEFAULTS = new SpamSchedule(5000, 500, 150, 20, 0);

    @Override
    public void check(String opt) {
        Options.nonNegative(opt, "threshold", threshold);
        if (deltaT < 1) {
            throw new IllegalArgumentException(opt + ": deltaT (ΔT, the steps between momentum resets) must be >= 1, "
                    + "got " + deltaT);
        }
        Options.nonNegative(opt, "warmup_steps", warmupSteps);
        Options.nonNegative(opt, "grad_accu_steps", gradAccuSteps);
    }

    public SpamSchedule withThreshold(double threshold) {
        return new SpamSchedule(threshold, deltaT, warmupSteps, gradAccuSteps, seed);
    }

    public SpamSchedule withDeltaT(int deltaT) {
        return new SpamSchedule(threshold, deltaT, warmupSteps, gradAccuSteps, seed);
    }

    public SpamSchedule withWarmupSteps(int warmupSteps) {
        return new SpamSchedule(threshold, deltaT, warmupSteps, gradAccuSteps, seed);
    }

    public SpamSchedule withGradAccuSteps(int gradAccuSteps) {
        return new SpamSchedule(threshold, deltaT, warmupSteps, gradAccuSteps, seed);
    }

    public SpamSchedule withSeed(int seed) {
        return new SpamSchedule(threshold, deltaT, warmupSteps, gradAccuSteps, seed);
    }
}
