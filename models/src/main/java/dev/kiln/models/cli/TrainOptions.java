package dev.kiln.models.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every training command shares. */
public final class TrainOptions {
    @Option(names = "--out", paramLabel = "DIR", description = "Where checkpoint, metrics and plot go (default: runs/<model>).")
    public Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for initialisation and data order (default: ${DEFAULT-VALUE}).")
    @Range
    public long seed = 42;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam, adamw or sgd (default: ${DEFAULT-VALUE}).")
    public String optimizer = "adam";

    @Option(names = "--lr", paramLabel = "RATE", description = "Learning rate (default: the model's).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    public Double lr;

    @Option(names = "--weight-decay", defaultValue = "0", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 100)
    public double weightDecay;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1, maxExclusive = true)
    public double momentum = 0.9;

    @Option(names = "--schedule", defaultValue = "constant",
            description = "Learning-rate schedule after --warmup: constant, cosine (to 0.1), linear (to 0) or exp "
                    + "(x --gamma each epoch) (default: ${DEFAULT-VALUE}).")
    public String schedule = "constant";

    @Option(names = "--gamma", defaultValue = "0.8", description = "Per-epoch decay of --schedule exp (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = 1)
    public double gamma = 0.8;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "STEPS", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = Range.STEPS)
    public long warmup;

    @Option(names = "--clip", defaultValue = "0", paramLabel = "NORM", description = "Clip the gradient norm (0: off).")
    @Range(min = 0, max = 1e9)
    public double clip;

    @Option(names = "--batch-size", paramLabel = "N", description = "Batch size (default: the model's).")
    @Range(min = 1, max = Range.BATCH)
    public Integer batchSize;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training data.")
    @Range(min = 1, max = 1_000_000)
    public Integer epochs;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (instead of --epochs).")
    @Range(min = 1, max = Range.STEPS)
    public Long steps;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS",
            description = "Save a checkpoint every STEPS steps (default: every epoch); one is always saved at the end.")
    @Range(min = 1, max = Range.STEPS)
    public Long checkpointEvery;

    @Option(names = "--resume", description = "Continue the run saved in --out from its checkpoint (same settings; "
            + "--epochs/--steps may grow).")
    public boolean resume;

    @Option(names = "--no-progress", description = "No progress bar (one summary line per epoch instead).")
    public boolean noProgress;
}
