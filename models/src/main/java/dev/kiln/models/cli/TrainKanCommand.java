package dev.kiln.models.cli;

import dev.kiln.layers.kan.KAN;
import dev.kiln.models.Models;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code kiln train kan}: a KAN classifier on Fashion-MNIST or MNIST. */
@Command(name = "kan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a KAN classifier (B-spline KAN layers, efficient-kan's form) on Fashion-MNIST or MNIST.",
            "Defaults follow the KAN MNIST setup: widths 784,64,10, AdamW 1e-3, weight decay 1e-4, lr x0.8 per epoch, 10 epochs."})
public final class TrainKanCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--widths", split = ",", defaultValue = "784,64,10", description = "Layer widths (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int[] widths;

    @Option(names = "--grid-size", defaultValue = "5", description = "Grid intervals G (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 1_000)
    int gridSize;

    @Option(names = "--spline-order", defaultValue = "3", description = "B-spline order k (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 10)
    int splineOrder;

    @Option(names = "--validation", defaultValue = "0", paramLabel = "FRACTION", description = "Evaluate on a held-out fraction of train instead of test.")
    @Range(min = 0, max = 1, maxExclusive = true)
    double validation;

    @Mixin
    TrainOptions train = new TrainOptions();

    @Override
    public Integer call() throws Exception {
        var pr = spec.commandLine().getParseResult();
        if (!pr.hasMatchedOption("--optimizer")) {
            train.optimizer = "adamw";
        }
        if (!pr.hasMatchedOption("--weight-decay")) {
            train.weightDecay = 1e-4;
        }
        if (!pr.hasMatchedOption("--schedule")) {
            train.schedule = "exp";
        }
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        ImageClassifier.Data d = ImageClassifier.load(data, validation, train.seed);
        if (widths.length < 2 || widths[0] != d.inFeatures()) {
            throw new IllegalArgumentException("--widths must start with the input size " + d.inFeatures() + ", got "
                    + Arrays.toString(widths));
        }
        KAN model = KAN.builder(widths).gridSize(gridSize).splineOrder(splineOrder).build(new Generator(train.seed));
        var r = ImageClassifier.train(out, err, train, data, d, "kan", "KAN " + Arrays.toString(widths) + ", G " + gridSize
                + ", k " + splineOrder, model, Models.kanJson(widths, gridSize, splineOrder), 1e-3, 10, 64, 0, validation);
        TrainRunner.summary(out, r, "samples");
        out.flush();
        return 0;
    }
}
