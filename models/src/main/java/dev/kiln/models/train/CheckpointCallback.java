package dev.kiln.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Saves {@link Trainer#checkpoint} to one file every {@code every} steps and when training ends
 * (atomically: a crash leaves the previous checkpoint intact).
 */
public final class CheckpointCallback implements TrainCallback {
    private static final System.Logger LOG = System.getLogger("dev.kiln.models.train");

    private final Path file;
    private final long every;
    private final Supplier<Map<String, String>> metadata;
    private long lastSaved = -1;

    /** {@code every} ≤ 0 saves only at the end; {@code metadata} adds e.g. the run's configuration. */
    public CheckpointCallback(Path file, long every, Supplier<Map<String, String>> metadata) {
        this.file = file;
        this.every = every;
        this.metadata = metadata;
    }

    @Override
    public void onStep(Trainer trainer, StepEvent e) {
        if (every > 0 && e.step() % every == 0) {
            save(trainer);
        }
    }

    @Override
    public void onEnd(Trainer trainer) {
        if (trainer.step() != lastSaved) {
            save(trainer);
        }
    }

    private void save(Trainer trainer) {
        try {
            trainer.checkpoint(metadata.get()).save(file);
            lastSaved = trainer.step();
            LOG.log(System.Logger.Level.DEBUG, "checkpoint at step " + trainer.step() + " saved to " + file);
        } catch (IOException ex) {
            throw new UncheckedIOException("CheckpointCallback: cannot save " + file, ex);
        }
    }

    public Path file() {
        return file;
    }
}
