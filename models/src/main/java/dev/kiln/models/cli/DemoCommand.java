package dev.kiln.models.cli;

import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.nn.Gpt;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code kiln demo}: trains a small byte-level GPT on Kiln's own Java sources for about two
 * minutes, then samples from it with the KV cache. No download, no data set.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small byte-level GPT on Kiln's own sources (about two minutes), then sample it.",
            "Prints generated text, the final loss, and where the checkpoint and loss plot were saved. No download."})
public final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "120", description = "Training time budget (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = 1e7)
    double seconds;

    @Option(names = "--steps", description = "Train for exactly this many steps instead of a time budget.")
    @Range(min = 1, max = Range.STEPS)
    Long steps;

    @Option(names = "--corpus", paramLabel = "PATH", description = "Text files or folders (default: Kiln's */src/main/java).")
    List<Path> corpus;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Option(names = "--length", defaultValue = "300", description = "Bytes to generate at the end (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 10_000_000)
    int length;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Option(names = "--layers", defaultValue = "4", description = "Model: transformer blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    int layers;

    @Option(names = "--d-model", defaultValue = "128", description = "Model: width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int dModel;

    @Option(names = "--heads", defaultValue = "4", description = "Model: attention heads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int heads;

    @Option(names = "--context", defaultValue = "64", description = "Model: bytes of context, the training window (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int context;

    @Option(names = "--batch-size", defaultValue = "16", description = "Windows per batch (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.BATCH)
    int batchSize;

    @Option(names = "--lr", defaultValue = "2e-3", description = "AdamW learning rate after 50 warmup steps (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    double lr;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        List<Path> paths = corpus != null ? corpus : kilnSources(dev.kiln.models.Cli.home());
        ByteCorpus text = ByteCorpus.read(paths, ByteCorpus.extensions("java"));
        TrainOptions t = new TrainOptions();
        t.out = out;
        t.seed = seed;
        t.optimizer = "adamw";
        t.lr = lr;
        t.weightDecay = 0.01;
        t.schedule = "constant";
        t.warmup = 50;
        t.clip = 1.0;
        t.batchSize = batchSize;
        t.noProgress = noProgress;
        // a time budget: plan a generous number of steps and stop when the time is up
        Duration limit = steps != null ? null : Duration.ofMillis((long) (seconds * 1000));
        t.steps = steps != null ? steps : Math.max(1, (long) (seconds * 50));
        t.checkpointEvery = 500L;
        Gpt.Config mc = Gpt.Config.gpt2(layers, dModel, heads, context);
        err.println("demo: byte-level GPT, " + mc.describe());
        var r = TrainByteLmCommand.ByteLm.train(o, err, t, text, new Gpt(mc, new Generator(seed)),
                dev.kiln.models.Models.toJson(mc), context, limit, "demo");
        String sample = ((Gpt) r.trainer().model()).generate("public ", length, 0.8, 40, new Generator(seed));
        o.println();
        o.println("---- generated (prompt \"public \", temperature 0.8, top-k 40) ----");
        o.println(sample);
        o.println("----");
        TrainRunner.summary(o, r, "bytes");
        o.printf(Locale.ROOT, "sample more with: ./kiln generate %s --prompt \"class \"%n", r.dir());
        o.flush();
        return 0;
    }

    /** Every {@code src/main/java} folder one level under Kiln's root. */
    static List<Path> kilnSources(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.toAbsolutePath())) {
            s.sorted().forEach(m -> {
                Path src = m.resolve("src/main/java");
                if (Files.isDirectory(src)) {
                    out.add(src);
                }
            });
        }
        if (out.isEmpty()) {
            throw new IOException("demo: no */src/main/java folders under " + root.toAbsolutePath()
                    + "; run through ./kiln (it sets kiln.home) or pass --corpus");
        }
        return out;
    }
}
