package dev.kiln.models.cli;

import dev.kiln.models.Models;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.nn.Gpt;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kiln train gpt}: the byte-level GPT on text files. */
@Command(name = "gpt", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a byte-level GPT on text files or folders (default: Kiln's own Java sources).",
            "Every architectural choice is a flag. Unless given, the optimizer is AdamW (lr 1e-3, weight decay 0.01),",
            "with 50 warmup steps, gradient clipping at 1.0 and batches of 16 windows of --context bytes."})
public final class TrainGptCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "0..*", description = "Text files or folders (folders: files with --ext).")
    List<Path> paths;

    @Option(names = "--ext", split = ",", defaultValue = "java,md,txt", description = "File extensions read from folders (default: ${DEFAULT-VALUE}).")
    String[] ext;

    @Mixin
    GptOptions gpt = new GptOptions();

    @Mixin
    TrainOptions train = new TrainOptions();

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        List<Path> p = paths != null && !paths.isEmpty() ? paths : DemoCommand.kilnSources(dev.kiln.models.Cli.home());
        ByteCorpus corpus = ByteCorpus.read(p, ByteCorpus.extensions(ext));
        gptDefaults(spec.commandLine().getParseResult(), train);
        Gpt.Config mc = gpt.config();
        err.println("gpt: " + mc.describe());
        var r = TrainByteLmCommand.ByteLm.train(out, err, train, corpus, new Gpt(mc, new Generator(train.seed)),
                Models.toJson(mc), mc.context(), null, "gpt");
        TrainRunner.summary(out, r, "bytes");
        out.flush();
        return 0;
    }

    /** The GPT's training defaults where the command line did not set them: AdamW 1e-3, wd 0.01, warmup 50, clip 1, batch 16. */
    static void gptDefaults(CommandLine.ParseResult parsed, TrainOptions t) {
        if (!parsed.hasMatchedOption("--optimizer")) {
            t.optimizer = "adamw";
        }
        if (t.lr == null) {
            t.lr = 1e-3;
        }
        if (!parsed.hasMatchedOption("--weight-decay")) {
            t.weightDecay = 0.01;
        }
        if (!parsed.hasMatchedOption("--warmup")) {
            t.warmup = 50;
        }
        if (!parsed.hasMatchedOption("--clip")) {
            t.clip = 1.0;
        }
        if (t.batchSize == null) {
            t.batchSize = 16;
        }
    }
}
