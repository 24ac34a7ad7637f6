package dev.kiln.models.cli;

import com.google.gson.JsonObject;
import dev.kiln.layers.Module;
import dev.kiln.models.Models;
import dev.kiln.models.io.Checkpoint;
import dev.kiln.tensor.Generator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loading a trained model back from a checkpoint file or a run folder. */
final class Checkpoints {
    private Checkpoints() {
    }

    record Loaded(Path file, Checkpoint checkpoint, JsonObject config, Module model) {
        JsonObject modelConfig() {
            return config.getAsJsonObject("model");
        }

        JsonObject dataConfig() {
            return config.has("data") ? config.getAsJsonObject("data") : new JsonObject();
        }
    }

    /** A checkpoint file, or a run folder holding checkpoint.safetensors. */
    static Loaded load(Path fileOrDir) throws IOException {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve(TrainRunner.CHECKPOINT) : fileOrDir;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file);
        }
        Checkpoint c = Checkpoint.load(file);
        JsonObject config = Models.parse(c.meta("config"));
        Module model = Models.build(config.getAsJsonObject("model"), new Generator(0));
        model.loadStateDict(c.model());
        model.eval();
        return new Loaded(file, c, config, model);
    }
}
