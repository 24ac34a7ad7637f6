package dev.kiln.models.cli;

import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.experiments.NormPlacementExperiment;
import dev.kiln.models.experiments.NormPlacementExperiment.Arm;
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

/** {@code kiln experiment mix-ln}: Pre-LN, Post-LN and Mix-LN on the same byte-level GPT and budget. */
@Command(name = "mix-ln", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Mix-LN against Pre-LN and Post-LN: the same byte-level GPT, seed, batches and budget with only the norm",
            "placement changed. Records each block's gradient norm every step (before clipping) and the validation loss;",
            "writes gradnorms.csv, curves.csv, val.csv, results.md and mix-ln.png to --out."})
public final class MixLnExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", paramLabel = "PATH", description = "Text files or folders (default: Kiln's */src/main/java).")
    List<Path> corpus;

    @Option(names = "--out", defaultValue = "runs/mix-ln", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--layers", defaultValue = "8", description = "Blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    int layers;

    @Option(names = "--d-model", defaultValue = "64", description = "Width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int dModel;

    @Option(names = "--heads", defaultValue = "4", description = "Heads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int heads;

    @Option(names = "--context", defaultValue = "64", description = "Context (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int context;

    @Option(names = "--norm", defaultValue = "layernorm", description = "Norm type (default: ${DEFAULT-VALUE}).")
    String norm;

    @Option(names = "--alpha", defaultValue = "0.25", description = "Mix-LN's alpha: floor(alpha*L) Post-LN blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1)
    double alpha;

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.BATCH)
    int batch;

    @Option(names = "--steps", defaultValue = "600", description = "Steps per arm (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--eval-every", defaultValue = "100", description = "Validation every N steps (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int evalEvery;

    @Option(names = "--lr", defaultValue = "1e-3", description = "AdamW peak learning rate (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    double lr;

    @Option(names = "--warmup", defaultValue = "60", description = "Warmup steps, then cosine to 0.1x (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = Range.INT_MAX)
    int warmup;

    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clipping after the norms are recorded; 0: off (default: ${DEFAULT-VALUE}).")
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
        Gpt.Config base = new Gpt.Config(layers, dModel, heads, heads, context, 4 * dModel, norm, "pre", alpha, "softmax", "mlp",
                "learned", true);
        var s = new NormPlacementExperiment.Settings(base, batch, steps, evalEvery, lr, warmup, clip, seed);
        err.printf("mix-ln: %s, batch %d, %d steps per arm, AdamW %s (warmup %d, cosine), clip %s, seed %d%n",
                base.describe(), batch, steps, lr, warmup, clip, seed);
        List<Arm> arms = NormPlacementExperiment.run(s, text, List.of("pre", "post", "mix"), alpha, err::println);
        Files.createDirectories(out);
        write(arms, s, text);
        o.print(Files.readString(out.resolve("results.md")));
        o.println("plot       " + out.resolve("mix-ln.png"));
        o.flush();
        return 0;
    }

    private static String label(Arm a) {
        return switch (a.placement()) {
            case "pre" -> "Pre-LN";
            case "post" -> "Post-LN";
            default -> "Mix-LN";
        };
    }

    private void write(List<Arm> arms, NormPlacementExperiment.Settings s, ByteCorpus text) throws Exception {
        int layersN = s.base().layers();
        StringBuilder g = new StringBuilder("layer");
        arms.forEach(a -> g.append(',').append(a.placement()).append("_mean,").append(a.placement()).append("_late"));
        g.append('\n');
        for (int i = 0; i < layersN; i++) {
            g.append(i);
            for (Arm a : arms) {
                g.append(fmt(",%.6g,%.6g", a.meanGradNorm()[i], a.lateGradNorm()[i]));
            }
            g.append('\n');
        }
        AtomicFiles.writeString(out.resolve("gradnorms.csv"), g);
        StringBuilder c = new StringBuilder("step");
        arms.forEach(a -> c.append(',').append(a.placement()).append("_train_loss"));
        c.append('\n');
        for (int t = 0; t < s.steps(); t++) {
            c.append(t + 1);
            for (Arm a : arms) {
                c.append(fmt(",%.6f", a.curves().trainLoss()[t]));
            }
            c.append('\n');
        }
        AtomicFiles.writeString(out.resolve("curves.csv"), c);
        StringBuilder v = new StringBuilder("step");
        arms.forEach(a -> v.append(',').append(a.placement()).append("_val_loss"));
        v.append('\n');
        long[] evalSteps = arms.get(0).curves().evalSteps();
        for (int e = 0; e < evalSteps.length; e++) {
            v.append(evalSteps[e]);
            for (Arm a : arms) {
                v.append(fmt(",%.6f", a.curves().valLoss()[e]));
            }
            v.append('\n');
        }
        AtomicFiles.writeString(out.resolve("val.csv"), v);

        StringBuilder md = new StringBuilder();
        md.append("# Mix-LN against Pre-LN and Post-LN\n\n");
        md.append(fmt("Byte-level GPT: %s; %,d corpus bytes (10%% held out); batch %d x %d bytes, %d steps per arm, "
                        + "AdamW lr %s (warmup %d, cosine to 0.1x), clip %s, seed %d; Mix-LN alpha %s (%d Post-LN blocks of %d).%n%n",
                s.base().describe(), text.size(), s.batch(), s.base().context(), s.steps(), s.lr(), s.warmup(), s.clip(),
                s.seed(), arms.get(0).config().mixAlpha(), dev.kiln.layers.transformer.TransformerLM.mixLnPostBlocks(
                        arms.get(0).config().mixAlpha(), layersN), layersN));
        md.append("| placement | val loss | train loss (last 50) | grad-norm CV across layers | max/min | late CV | late max/min | time |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Arm a : arms) {
            md.append(fmt("| %s | %.4f | %.4f | %.3f | %.2f | %.3f | %.2f | %.0f s |%n", label(a), a.curves().finalValLoss(),
                    a.curves().lastTrainLoss(50), NormPlacementExperiment.cv(a.meanGradNorm()),
                    NormPlacementExperiment.maxOverMin(a.meanGradNorm()), NormPlacementExperiment.cv(a.lateGradNorm()),
                    NormPlacementExperiment.maxOverMin(a.lateGradNorm()), a.curves().seconds()));
        }
        md.append("\nPer-layer gradient norm (all of a block's parameters, before clipping), mean over all steps:\n\n| layer |");
        arms.forEach(a -> md.append(' ').append(label(a)).append(" |"));
        md.append("\n|---|");
        arms.forEach(a -> md.append("---:|"));
        md.append('\n');
        for (int i = 0; i < layersN; i++) {
            md.append("| ").append(i).append(" |");
            for (Arm a : arms) {
                md.append(fmt(" %.4f |", a.meanGradNorm()[i]));
            }
            md.append('\n');
        }
        md.append("\nCV is the standard deviation of the per-layer norms over their mean (0: perfectly even); \"late\" uses the "
                + "last quarter of the steps only.\n");
        AtomicFiles.writeString(out.resolve("results.md"), md);

        double[] layerAxis = new double[layersN];
        for (int i = 0; i < layersN; i++) {
            layerAxis[i] = i;
        }
        LinePlot plot = new LinePlot().panel("per-layer gradient norm (mean over steps)", "layer", "gradient norm", true);
        for (int k = 0; k < arms.size(); k++) {
            plot.series(label(arms.get(k)), layerAxis, arms.get(k).meanGradNorm(), k, false, true);
        }
        plot.panel("loss", "step", "loss", false);
        double[] stepAxis = new double[s.steps()];
        for (int t = 0; t < s.steps(); t++) {
            stepAxis[t] = t + 1;
        }
        double[] ev = java.util.Arrays.stream(evalSteps).asDoubleStream().toArray();
        for (int k = 0; k < arms.size(); k++) {
            Arm a = arms.get(k);
            plot.series(label(a) + " train (EMA)", stepAxis, LinePlot.ema(a.curves().trainLoss(), 0.05), k, false, false);
            plot.series(label(a) + " val", ev, a.curves().valLoss(), k, true, true);
        }
        plot.save(out.resolve("mix-ln.png"));
    }
}
