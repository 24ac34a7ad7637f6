package dev.kiln.models.train;

/**
 * What one optimizer step reports: the step just completed (1-based: {@code step} steps are done),
 * the epoch it belonged to, the batch's loss, the learning rate used, items processed in the step
 * (samples or tokens), the step's wall time, and the run's total training time so far (carried
 * over a resume).
 */
public record StepEvent(long step, long totalSteps, long epoch, double loss, double lr, long items,
        double stepSeconds, double elapsedSeconds) {
    /** Items per second of this step. */
    public double itemsPerSecond() {
        return stepSeconds > 0 ? items / stepSeconds : 0;
    }
}
