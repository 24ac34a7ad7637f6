package dev.kiln.models.io;

import dev.kiln.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint in one safetensors file: the model's state dict under "model.KEY", the
 * optimizer's under "optim.KEY", other training state (the learning-rate scheduler) under
 * "train.KEY", and string metadata (step, epoch, the run's configuration as JSON) in
 * {@code __metadata__}. PyTorch reads it with {@code safetensors.torch.load_file}; strip the
 * "model." prefix to get a state dict. Written atomically.
 */
public record Checkpoint(Map<String, Tensor> model, Map<String, Tensor> optim, Map<String, Tensor> train,
        Map<String, String> metadata) {
    public static final String FORMAT = "kiln-checkpoint-1";
    static final String MODEL = "model.";
    static final String OPTIM = "optim.";
    static final String TRAIN = "train.";

    public Checkpoint {
        model = Collections.unmodifiableMap(new LinkedHashMap<>(model));
        optim = Collections.unmodifiableMap(new LinkedHashMap<>(optim));
        train = Collections.unmodifiableMap(new LinkedHashMap<>(train));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A metadata value, or an error naming the missing key. */
    public String meta(String key) {
        String v = metadata.get(key);
        if (v == null) {
            throw new IllegalArgumentException("Checkpoint: the metadata has no '" + key + "'; it has " + metadata.keySet());
        }
        return v;
    }

    public void save(Path path) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        model.forEach((k, v) -> all.put(MODEL + k, v));
        optim.forEach((k, v) -> all.put(OPTIM + k, v));
        train.forEach((k, v) -> all.put(TRAIN + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.putAll(metadata);
        Safetensors.write(path, all, meta);
    }

    /**
     * Reads a checkpoint written by {@link #save}. A file that is not valid safetensors, or whose
     * tensors carry no known section prefix, is an {@link Safetensors.InvalidFileException}.
     */
    public static Checkpoint load(Path path) throws IOException {
        Safetensors.Contents c = Safetensors.read(path);
        Map<String, Tensor> model = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        Map<String, Tensor> train = new LinkedHashMap<>();
        for (var e : c.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith(MODEL)) {
                model.put(k.substring(MODEL.length()), e.getValue());
            } else if (k.startsWith(OPTIM)) {
                optim.put(k.substring(OPTIM.length()), e.getValue());
            } else if (k.startsWith(TRAIN)) {
                train.put(k.substring(TRAIN.length()), e.getValue());
            } else {
                throw new Safetensors.InvalidFileException("Checkpoint.load: " + path + ": tensor '" + k
                        + "' has none of the prefixes model., optim., train.; is this a Kiln checkpoint?");
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        String format = meta.remove("format");
        if (!FORMAT.equals(format)) {
            throw new Safetensors.InvalidFileException("Checkpoint.load: " + path + ": metadata 'format' is " + format
                    + ", expected " + FORMAT + " (a plain safetensors file? read it with Safetensors.read)");
        }
        return new Checkpoint(model, optim, train, meta);
    }
}
