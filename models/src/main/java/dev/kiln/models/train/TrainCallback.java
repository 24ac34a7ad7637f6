package dev.kiln.models.train;

/**
 * Hooks into {@link Trainer#fit()}: progress display, metrics files, checkpoints. Callbacks run on
 * the training thread in the order they were added; an exception from one stops the run.
 */
public interface TrainCallback {
    /** Before the first step of this fit (after a resume, {@code trainer.step()} may be > 0). */
    default void onStart(Trainer trainer) {
    }

    default void onStep(Trainer trainer, StepEvent event) {
    }

    default void onEval(Trainer trainer, EvalEvent event) {
    }

    /** After the last step (also when the run stopped early). */
    default void onEnd(Trainer trainer) {
    }
}
