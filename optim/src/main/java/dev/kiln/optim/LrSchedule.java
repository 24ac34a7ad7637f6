package dev.kiln.optim;

/**
 * A learning-rate schedule: the factor that multiplies each parameter group's base learning rate
 * after {@code step} scheduler steps (PyTorch's {@code LambdaLR} lambda; step 0 is the first
 * optimizer step). Use it with a {@link Scheduler}, or read {@link #lr(long, double)} directly.
 */
@FunctionalInterface
public interface LrSchedule {

    double factor(long step);

    /** base · factor(step). */
    default double lr(long step, double base) {
        return base * factor(step);
    }

    /** Always 1. */
    static LrSchedule constant() {
        return step -> 1.0;
    }

    /**
     * Linear warmup from 0, then constant: step/W while step &lt; W, else 1 (Hugging Face's
     * {@code get_constant_schedule_with_warmup}; the first step has factor 0 when W > 0).
     */
    static LrSchedule linearWarmup(long warmupSteps) {
        requireNonNegative("linearWarmup", "warmupSteps", warmupSteps);
        return step -> step < warmupSteps ? (double) step / Math.max(1, warmupSteps) : 1.0;
    }

    /**
     * Linear warmup over W steps, then a cosine from 1 down to {@code minFactor} at
     * {@code totalSteps}, staying there afterwards: the schedule of GaLore's pre-training code
     * ({@code get_cyclical_cosine_schedule_with_min_lr} with one cycle): step/W during warmup, then
     * min + (1 − min)·½(1 + cos(π·p)) with p = (step − W)/(total − W). The official code lets p
     * pass 1 (the factor rises again); here p stops at 1.
     */
    static LrSchedule cosine(long warmupSteps, long totalSteps, double minFactor) {
        requireNonNegative("cosine", "warmupSteps", warmupSteps);
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("cosine: totalSteps " + totalSteps + " must exceed warmupSteps " + warmupSteps);
        }
        if (!(minFactor >= 0 && minFactor <= 1)) {
            throw new IllegalArgumentException("cosine: minFactor must lie in [0, 1], got " + minFactor);
        }
        return step -> {
            if (step < warmupSteps) {
                return (double) step / Math.max(1, warmupSteps);
            }
            double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
            return minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }

    /**
     * Linear warmup over W steps, then linear decay to 0 at {@code totalSteps} (Hugging Face's
     * {@code get_linear_schedule_with_warmup}).
     */
    static LrSchedule linear(long warmupSteps, long totalSteps) {
        requireNonNegative("linear", "warmupSteps", warmupSteps);
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("linear: totalSteps " + totalSteps + " must exceed warmupSteps " + warmupSteps);
        }
        return step -> step < warmupSteps ? (double) step / Math.max(1, warmupSteps)
                : Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }

    private static void requireNonNegative(String op, String what, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(op + ": " + what + " must be >= 0, got " + v);
        }
    }
}
