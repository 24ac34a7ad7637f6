package dev.kiln.models.cli;

import dev.kiln.layers.Sequential;
import dev.kiln.models.Models;
import dev.kiln.models.nn.Activations;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.models.nn.Norms;
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
    @Range(min = 1, max = Range.WIDTH)
    int[] hidden;

    @Option(names = "--activation", defaultValue = "relu", description = "Activation: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = ActivationNames.class)
    String activation;

    @Option(names = "--norm", defaultValue = "none", description = "Norm after each hidden Linear: none, layernorm, rmsnorm, crmsnorm (default: ${DEFAULT-VALUE}).")
    String norm;

    @Option(names = "--validation", defaultValue = "0", paramLabel = "FRACTION",
            description = "Hold out this fraction of the training set and evaluate on it instead of the test set (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1, maxExclusive = true)
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
        ImageClassifier.Data d = ImageClassifier.load(data, validation, options.seed);
        MlpClassifier.Config mc = new MlpClassifier.Config(d.inFeatures(), hidden, d.classes(), act, norm);
        Sequential model = MlpClassifier.build(mc, new Generator(options.seed));
        return ImageClassifier.train(spec.commandLine().getOut(), spec.commandLine().getErr(), options, data, d, "mlp",
                mc.sizes() + ", " + act + ", norm " + norm, model, Models.toJson(mc), 1e-3, 10, 128, 0, validation);
    }
}
