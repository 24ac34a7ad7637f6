package dev.kiln.models.cli;

import com.google.gson.JsonObject;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.loss.CrossEntropyLoss;
import dev.kiln.models.Models;
import dev.kiln.models.data.DataLoader;
import dev.kiln.models.data.IdxImages;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.nn.Activations;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.models.nn.Norms;
import dev.kiln.models.train.ClassifierEvaluator;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code kiln train mlp}: an MLP classifier on Fashion-MNIST or MNIST. */
@Command(name = "mlp", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an MLP classifier on Fashion-MNIST (or MNIST), evaluating on the test set every epoch.",
            "The baseline: kiln train mlp --hidden 512,512 --activation relu --epochs 10 (Adam 1e-3, batch 128)."})
public final class TrainMlpCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--hidden", split = ",", defaultValue = "512,512", paramLabel = "SIZES",
            description = "Hidden layer widths, comma-separated (default: ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--activation", defaultValue = "relu", description = "Activation: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = ActivationNames.class)
    String activation;

    @Option(names = "--norm", defaultValue = "none", description = "Norm after each hidden Linear: none, layernorm, rmsnorm, crmsnorm (default: ${DEFAULT-VALUE}).")
    String norm;

    @Option(names = "--validation", defaultValue = "0", paramLabel = "FRACTION",
            description = "Hold out this fraction of the training set and evaluate on it instead of the test set (default: ${DEFAULT-VALUE}).")
    double validation;

    @Mixin
    TrainOptions train = new TrainOptions();

    static final class ActivationNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Activations.names().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var r = run(activation, train);
        TrainRunner.summary(out, r, "samples");
        out.flush();
        return 0;
    }

    /** Trains one MLP with this activation and these training options (the activation sweep calls it too). */
    TrainRunner.Result run(String act, TrainOptions options) throws java.io.IOException {
        Norms.create(norm, 1);
        TensorDataset trainSet = data.load(IdxImages.Split.TRAIN);
        TensorDataset evalSet;
        String evalSplit;
        if (validation > 0) {
            TensorDataset[] parts = trainSet.split(validation, options.seed);
            trainSet = parts[0];
            evalSet = parts[1];
            evalSplit = "validation";
        } else {
            evalSet = data.load(IdxImages.Split.TEST);
            evalSplit = "test";
        }
        int batch = options.batchSize != null ? options.batchSize : 128;
        MlpClassifier.Config mc = new MlpClassifier.Config(trainSet.features().size(1), hidden,
                Math.max(10, trainSet.numClasses()), act, norm);
        Sequential model = MlpClassifier.build(mc, new Generator(options.seed));
        DataLoader loader = new DataLoader(trainSet, batch, true, false, options.seed);
        JsonObject dataConfig = new JsonObject();
        dataConfig.addProperty("dataset", data.canonicalName());
        dataConfig.addProperty("batch_size", batch);
        dataConfig.addProperty("validation", validation);
        if (data.limit != null) {
            dataConfig.addProperty("limit", data.limit);
        }
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        err.printf("%s %s, %s, norm %s: %d training images, %d %s images%n", data.canonicalName(), mc.sizes(), act,
                norm, trainSet.size(), evalSet.size(), evalSplit);
        var s = new TrainRunner.Spec("mlp", model, new CrossEntropyLoss(), loader, new ClassifierEvaluator(evalSet, 1000),
                loader.stepsPerEpoch(), Models.toJson(mc), dataConfig, 1e-3, 10, "samples", null);
        return TrainRunner.run(out, err, options, s);
    }
}
