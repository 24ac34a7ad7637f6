package dev.kiln.models.cli;

import dev.kiln.models.Models;
import dev.kiln.models.nn.ConvNet;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code kiln train cnn}: a small ResNet (or a VGG-style net) on Fashion-MNIST or MNIST. */
@Command(name = "cnn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a convolutional classifier on Fashion-MNIST (or MNIST), evaluating on the test set every epoch.",
            "Default: a ResNet of basic blocks, widths 16,32,64, one block per stage, SGD 0.05 with momentum 0.9, "
                + "weight decay 5e-4, cosine schedule, batch 128, 8 epochs, left-right flips (random shifts by --shift)."})
public final class TrainCnnCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--arch", defaultValue = "resnet", description = "resnet (basic blocks with skip connections) or vgg "
            + "(conv-BN-ReLU stages with max pooling) (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--widths", split = ",", defaultValue = "16,32,64", paramLabel = "CHANNELS",
            description = "Channels of each stage; each stage after the first halves the resolution (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 4_096)
    int[] widths;

    @Option(names = "--blocks", defaultValue = "1", paramLabel = "N",
            description = "Per stage: basic blocks (resnet) or conv layers (vgg) (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 64)
    int blocks;

    @Option(names = "--shift", defaultValue = "0", paramLabel = "PIXELS",
            description = "Move each training image by up to this many pixels each way, zero-filled (0: off) (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 14)
    int shift;

    @Option(names = "--flip", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Mirror training images left-right with probability 1/2 (default: on; --no-flip turns it off).")
    boolean flip;

    @Option(names = "--validation", defaultValue = "0", paramLabel = "FRACTION",
            description = "Hold out this fraction of the training set and evaluate on it instead of the test set (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1, maxExclusive = true)
    double validation;

    @Mixin
    TrainOptions train = new TrainOptions();

    /** The defaults of the documented run, where the flags are not given. */
    static void cnnDefaults(CommandLine.ParseResult pr, TrainOptions train) {
        if (!pr.hasMatchedOption("--optimizer")) {
            train.optimizer = "sgd";
        }
        if (!pr.hasMatchedOption("--weight-decay")) {
            train.weightDecay = 5e-4;
        }
        if (!pr.hasMatchedOption("--schedule")) {
            train.schedule = "cosine";
        }
    }

    @Override
    public Integer call() throws Exception {
        String a = arch.toLowerCase(Locale.ROOT);
        if (!ConvNet.ARCHS.contains(a)) {
            throw new IllegalArgumentException("--arch: unknown '" + arch + "'; choose resnet or vgg");
        }
        cnnDefaults(spec.commandLine().getParseResult(), train);
        var out = spec.commandLine().getOut();
        ImageClassifier.Data d = ImageClassifier.load(data, validation, train.seed);
        int side = (int) Math.round(Math.sqrt(d.inFeatures()));
        ConvNet.Config c = new ConvNet.Config(a, widths, blocks, 1, side, d.classes());
        ConvNet model = new ConvNet(c, new Generator(train.seed));
        double defaultLr = train.optimizer.equalsIgnoreCase("sgd") ? 0.05 : 1e-3;
        var r = ImageClassifier.train(out, spec.commandLine().getErr(), train, data, d, "cnn", c.describe(), model,
                Models.toJson(c), defaultLr, 8, 128, 0, validation, shift, flip);
        TrainRunner.summary(out, r, "samples");
        out.flush();
        return 0;
    }
}
