package dev.kiln.models.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kiln train MODEL [options]}: one subcommand per model. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model; writes a checkpoint, CSV metrics and a loss plot to --out.",
        subcommands = {TrainMlpCommand.class, TrainActivationsCommand.class, TrainBilinearCommand.class, TrainKanCommand.class, TrainKanFitCommand.class, TrainCnnCommand.class,
            TrainByteLmCommand.class, TrainGptCommand.class})
public final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
