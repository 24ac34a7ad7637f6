package dev.kiln.models.data;

/**
 * Where a training loop gets its batches. {@link #batch(long)} must be a pure function of the
 * global step (and the source's seed): a run resumed at step s then sees exactly the batches an
 * uninterrupted run would, with no shuffling state to save.
 */
public interface BatchSource {
    /** The batch for global step {@code step} (0-based). */
    Batch batch(long step);

    /** Steps that make one pass over the data (an epoch). */
    long stepsPerEpoch();

    /** Elements the model consumes per step, for throughput (samples, or tokens for a language model). */
    default long itemsPerBatch(Batch b) {
        return b.size();
    }
}
