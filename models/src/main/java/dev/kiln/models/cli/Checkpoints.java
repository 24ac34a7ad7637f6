package dev.kiln.models.cli;

import com.google.gson.JsonObject;
import dev.kiln.layers.Module;
import dev.kiln.models.ConfigJson;
import dev.kiln.models.Models;
import dev.kiln.models.io.Checkpoint;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loading a trained model back from a checkpoint file or a run folder. The checkpoint's
 * configuration may come from anywhere, so it is checked (JSON types, ranges, known model names)
 * and compared with the tensors in the file before a model is built.
 */
final class Checkpoints {
    private Checkpoints() {
    }

    /**
     * A loaded checkpoint: its model, the model's kind, and what the run's data section says
     * (the data set's name, or null; the context window of text models, 64 when not given).
     */
    record Loaded(Path file, Checkpoint checkpoint, JsonObject config, Module model, String kind, String dataset, int block) {
        JsonObject modelConfig() {
            return config.getAsJsonObject("model");
        }
    }

    /** A checkpoint file, or a run folder holding checkpoint.safetensors. */
    static Loaded load(Path fileOrDir) throws IOException {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve(TrainRunner.CHECKPOINT) : fileOrDir;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file);
        }
        Checkpoint c = Checkpoint.load(file);
        try {
            JsonObject config = Models.parse(c.meta("config"));
            JsonObject modelConfig = ConfigJson.object(config, "model", "config");
            String kind = ConfigJson.string(modelConfig, "model", "model");
            JsonObject data = config.has("data") ? ConfigJson.object(config, "data", "config") : new JsonObject();
            String dataset = data.has("dataset") ? ConfigJson.string(data, "dataset", "data") : null;
            int block = data.has("block") ? ConfigJson.integer(data, "block", "data", 1, 1 << 20) : 64;
            // a configuration that describes more than the file holds would build something huge for nothing
            double least = Models.minParameterCount(modelConfig);
            long values = c.model().values().stream().mapToLong(Tensor::numel).sum();
            if (least > values) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "its configuration describes a %s model of at "
                        + "least %.4g parameters, but the file holds %d model values: the configuration does not belong "
                        + "to these tensors", kind, least, values));
            }
            Module model = Models.build(modelConfig, new Generator(0));
            model.loadStateDict(c.model());
            model.eval();
            return new Loaded(file, c, config, model, kind, dataset, block);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint " + file + ": " + e.getMessage(), e);
        }
    }
}
