package dev.kiln.models.cli;

import dev.kiln.models.data.ByteCorpus;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@code kiln experiment NAME}: the experiments whose tables and plots docs/RESULTS.md records. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run an experiment and write its table (results.md, CSV) and plot (PNG) under runs/.",
        subcommands = {MixLnExperimentCommand.class, GaLoreExperimentCommand.class, SpamExperimentCommand.class,
            CrmsNormExperimentCommand.class, InitExperimentCommand.class, PReluConvExperimentCommand.class,
            PRepBNExperimentCommand.class})
public final class ExperimentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The text the byte-level experiments train on: the given paths, or Kiln's own Java sources. */
    static ByteCorpus corpus(List<Path> paths, java.io.PrintWriter err) throws IOException {
        List<Path> p = paths != null && !paths.isEmpty() ? paths : DemoCommand.kilnSources(dev.kiln.models.Cli.home());
        ByteCorpus c = ByteCorpus.read(p, ByteCorpus.extensions("java", "md", "txt"));
        err.printf("corpus: %,d bytes from %d files%n", c.size(), c.files());
        return c;
    }

    static String fmt(String f, Object... args) {
        return String.format(java.util.Locale.ROOT, f, args);
    }
}
