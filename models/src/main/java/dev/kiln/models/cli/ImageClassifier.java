package dev.kiln.models.cli;

import com.google.gson.JsonObject;
import dev.kiln.layers.Module;
import dev.kiln.layers.loss.CrossEntropyLoss;
import dev.kiln.models.data.BatchSource;
import dev.kiln.models.data.DataLoader;
import dev.kiln.models.data.IdxImages;
import dev.kiln.models.data.NoisyInputs;
import dev.kiln.models.data.RandomShift;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.train.ClassifierEvaluator;

import java.io.IOException;
import java.io.PrintWriter;

/** What the image classifiers (mlp, bilinear, kan) share: data, evaluation on the test or a validation split, training. */
final class ImageClassifier {
    private ImageClassifier() {
    }

    /** The training images and those evaluated on (the test split, or a held-out fraction of train). */
    record Data(TensorDataset train, TensorDataset eval, String evalSplit) {
        int inFeatures() {
            return train.features().size(1);
        }

        int classes() {
            return Math.max(10, train.numClasses());
        }
    }

    static Data load(DataOptions data, double validation, long seed) throws IOException {
        TensorDataset train = data.load(IdxImages.Split.TRAIN);
        if (validation > 0) {
            TensorDataset[] parts = train.split(validation, seed);
            return new Data(parts[0], parts[1], "validation");
        }
        return new Data(train, data.load(IdxImages.Split.TEST), "test");
    }

    /** Trains with cross-entropy, evaluating every epoch; {@code noise} > 0 adds N(0, noise²) to the training inputs. */
    static TrainRunner.Result train(PrintWriter out, PrintWriter err, TrainOptions o, DataOptions data, Data d, String kind,
            String description, Module model, JsonObject modelConfig, double defaultLr, int defaultEpochs, int defaultBatch,
            double noise, double validation) throws IOException {
        return train(out, err, o, data, d, kind, description, model, modelConfig, defaultLr, defaultEpochs, defaultBatch, noise,
                validation, 0, false);
    }

    /**
     * As above, and with {@code shift} > 0 or {@code flip} each training image moves by up to
     * {@code shift} pixels and is mirrored with probability ½ ({@link RandomShift}; square one-channel images).
     */
    static TrainRunner.Result train(PrintWriter out, PrintWriter err, TrainOptions o, DataOptions data, Data d, String kind,
            String description, Module model, JsonObject modelConfig, double defaultLr, int defaultEpochs, int defaultBatch,
            double noise, double validation, int shift, boolean flip) throws IOException {
        int batch = o.batchSize != null ? o.batchSize : defaultBatch;
        DataLoader loader = new DataLoader(d.train(), batch, true, false, o.seed);
        BatchSource source = noise > 0 ? new NoisyInputs(loader, noise, o.seed) : loader;
        if (shift > 0 || flip) {
            int side = (int) Math.round(Math.sqrt(d.inFeatures()));
            source = new RandomShift(source, 1, side, side, shift, flip, o.seed);
        }
        JsonObject dataConfig = new JsonObject();
        dataConfig.addProperty("dataset", data.canonicalName());
        dataConfig.addProperty("batch_size", batch);
        dataConfig.addProperty("validation", validation);
        if (noise > 0) {
            dataConfig.addProperty("input_noise", noise);
        }
        if (shift > 0 || flip) {
            dataConfig.addProperty("shift", shift);
            dataConfig.addProperty("flip", flip);
        }
        if (data.limit != null) {
            dataConfig.addProperty("limit", data.limit);
        }
        err.printf("%s %s: %d training images, %d %s images%n", data.canonicalName(), description, d.train().size(),
                d.eval().size(), d.evalSplit());
        var spec = new TrainRunner.Spec(kind, model, new CrossEntropyLoss(), source, new ClassifierEvaluator(d.eval(), 1000),
                loader.stepsPerEpoch(), modelConfig, dataConfig, defaultLr, defaultEpochs, "samples", null);
        return TrainRunner.run(out, err, o, spec);
    }
}
