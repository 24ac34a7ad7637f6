package dev.kiln.models.cli;

import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.experiments.GaLoreExperiment;
import dev.kiln.models.experiments.GaLoreExperiment.Arm;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.viz.LinePlot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import static dev.kiln.models.cli.ExperimentCommand.fmt;

/** {@code kiln experiment galore}: GaLore against AdamW on the byte-level GPT at equal steps. */
@Command(name = "galore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"GaLore against full-rank AdamW on the byte-level GPT: same model, seed, batches and steps; GaLore projects",
            "the blocks' attention and feed-forward weights (the official recipe). Reports the validation losses and the",
            "optimizer state in bytes; writes curves.csv, results.md and galore.png to --out."})
public final class GaLoreExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", paramLabel = "PATH", description = "Text files or folders (default: Kiln's */src/main/java).")
    List<Path> corpus;

    @Option(names = "--out", defaultValue = "runs/galore", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--layers", defaultValue = "4", description = "Blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    int layers;

    @Option(names = "--d-model", defaultValue = "128", description = "Width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int dModel;

    @Option(names = "--heads", defaultValue = "4", description = "Heads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int heads;

    @Option(names = "--context", defaultValue = "64", description = "Context (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int context;

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.BATCH)
    int batch;

    @Option(names = "--steps", defaultValue = "600", description = "Steps per optimizer (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--eval-every", defaultValue = "100", description = "Validation every N steps (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int evalEvery;

    @Option(names = "--adamw-lr", defaultValue = "1e-3", description = "AdamW's learning rate (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    double adamwLr;

    @Option(names = "--galore-lr", defaultValue = "1e-2", description = "GaLore's learning rate, all groups, as the official scripts (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    double galoreLr;

    @Option(names = "--rank", paramLabel = "R", description = "GaLore rank (default: d-model/4).")
    @Range(min = 1, max = Range.WIDTH)
    Integer rank;

    @Option(names = "--update-proj-gap", defaultValue = "200", description = "Projector recomputed every T steps (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int gap;

    @Option(names = "--scale", defaultValue = "0.25", description = "GaLore's alpha (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = 1_000)
    double scale;

    @Option(names = "--warmup", defaultValue = "60", description = "Warmup steps, then cosine to 0.1x (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = Range.INT_MAX)
    int warmup;

    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clipping; 0: off (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1e9)
    double clip;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        ByteCorpus text = ExperimentCommand.corpus(corpus, err);
        warmup = Math.min(warmup, steps / 2); // short runs (tests) keep a schedule that fits
        Gpt.Config model = Gpt.Config.gpt2(layers, dModel, heads, context);
        int r = rank != null ? rank : Math.max(1, dModel / 4);
        var s = new GaLoreExperiment.Settings(model, batch, steps, evalEvery, adamwLr, galoreLr, r, gap, scale, warmup, clip,
                seed);
        List<Arm> arms = GaLoreExperiment.run(s, text, err::println);
        Files.createDirectories(out);
        StringBuilder c = new StringBuilder("step,adamw_train_loss,galore_train_loss\n");
        for (int t = 0; t < steps; t++) {
            c.append(fmt("%d,%.6f,%.6f%n", t + 1, arms.get(0).curves().trainLoss()[t], arms.get(1).curves().trainLoss()[t]));
        }
        AtomicFiles.writeString(out.resolve("curves.csv"), c);
        Arm a = arms.get(0);
        Arm g = arms.get(1);
        double gap = (g.curves().finalValLoss() - a.curves().finalValLoss()) / a.curves().finalValLoss();
        StringBuilder md = new StringBuilder("# GaLore against AdamW\n\n");
        md.append(fmt("Byte-level GPT: %s (%,d parameters); %,d corpus bytes (10%% held out); batch %d x %d bytes, %d steps "
                        + "each, warmup %d then cosine to 0.1x, clip %s, seed %d. AdamW (PyTorch convention) lr %s; GaLore "
                        + "(Hugging Face AdamW inside) lr %s, rank %d, T %d, alpha %s on the blocks' attention and "
                        + "feed-forward weights, plain AdamW on the rest.%n%n", model.describe(), a.parameters(), text.size(),
                batch, context, steps, warmup, clip, seed, adamwLr, galoreLr, r, this.gap, scale));
        md.append("| optimizer | val loss | train loss (last 50) | optimizer state | state of the projected matrices | time |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Arm x : arms) {
            md.append(fmt("| %s | %.4f | %.4f | %,d bytes | %,d bytes | %.0f s |%n", x.optimizer().equals("adamw") ? "AdamW" : "GaLore",
                    x.curves().finalValLoss(), x.curves().lastTrainLoss(50), x.stateBytes(), x.matrixStateBytes(),
                    x.curves().seconds()));
        }
        md.append(fmt("%nGaLore's validation loss is %+.2f%% relative to AdamW's (the claim: within 5%%). Optimizer state: "
                        + "%.1f%% less in total, %.1f%% less for the projected matrices (AdamW holds 2·m·n floats per matrix, "
                        + "%,d bytes here; GaLore 2·r·max(m, n) moments plus an r·min(m, n) projector).%n", 100 * gap,
                100 * (1 - (double) g.stateBytes() / a.stateBytes()), 100 * (1 - (double) g.matrixStateBytes() / g.matrixAdamBytes()),
                g.matrixAdamBytes()));
        AtomicFiles.writeString(out.resolve("results.md"), md);
        double[] x = new double[steps];
        for (int t = 0; t < steps; t++) {
            x[t] = t + 1;
        }
        LinePlot plot = new LinePlot().panel("GaLore against AdamW: " + model.describe(), "step", "loss", false);
        for (int k = 0; k < 2; k++) {
            Arm arm = arms.get(k);
            String n = k == 0 ? "AdamW" : "GaLore";
            plot.series(n + " train (EMA)", x, LinePlot.ema(arm.curves().trainLoss(), 0.05), k, false, false);
            plot.series(n + " val", java.util.Arrays.stream(arm.curves().evalSteps()).asDoubleStream().toArray(),
                    arm.curves().valLoss(), k, true, true);
        }
        plot.save(out.resolve("galore.png"));
        o.print(md);
        o.println("plot       " + out.resolve("galore.png"));
        o.flush();
        return 0;
    }
}
