package dev.kiln.models.cli;

import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.experiments.PRepBNExperiment;
import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.viz.LinePlot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import static dev.kiln.models.cli.ExperimentCommand.fmt;

/** {@code kiln experiment prepbn}: LayerNorm against SLAB's PRepBN in a byte-level GPT, and inference after folding. */
@Command(name = "prepbn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a Pre-norm byte-level GPT twice with the same seed, batches and steps: LayerNorm, and PRepBN",
            "(LayerNorm moving to BatchNorm + alpha*x, gamma from 1 to 0; SLAB, Guo et al. 2024). Folds the trained",
            "PRepBN model's BatchNorm into the linear layers after it, checks the logits agree, and times inference",
            "(tokens/s) of the three models. Writes results.md, loss.csv, speed.csv and prepbn.png to --out."})
public final class PRepBNExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", paramLabel = "PATH", description = "Text files or folders (default: Kiln's */src/main/java).")
    List<Path> corpus;

    @Option(names = "--out", defaultValue = "runs/prepbn", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--layers", defaultValue = "4", description = "Blocks (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 2, max = Range.BATCH)
    int batch;

    @Option(names = "--steps", defaultValue = "1200", description = "Training steps per model (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--lr", defaultValue = "1e-3", description = "AdamW peak learning rate, cosine schedule (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    double lr;

    @Option(names = "--warm", defaultValue = "0", description = "PRepBN: steps of LayerNorm alone before the decay (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = Range.INT_MAX)
    int warm;

    @Option(names = "--decay-steps", paramLabel = "N", description = "PRepBN: steps over which gamma falls from 1 to 0 (default: 3/4 of the steps after --warm).")
    @Range(min = 1, max = Range.INT_MAX)
    Integer decaySteps;

    @Option(names = "--eval-every", defaultValue = "100", description = "Steps between validation losses (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int evalEvery;

    @Option(names = "--reps", defaultValue = "20", description = "Timed forwards per model and round (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 10_000)
    int reps;

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved timing rounds; the best round's median counts (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 10_000)
    int rounds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        int decay = decaySteps != null ? decaySteps : Math.max(1, (steps - Math.min(warm, steps)) * 3 / 4);
        Gpt.Config model = Gpt.Config.gpt2(layers, dModel, heads, context);
        ByteCorpus text = ExperimentCommand.corpus(corpus, err);
        var s = new PRepBNExperiment.Settings(model, batch, steps, lr, warm, decay, evalEvery, reps, rounds, seed);
        err.printf("prepbn: %s, AdamW %s (cosine), batch %d, %d steps, PRepBN warm %d then gamma 1 -> 0 over %d steps, seed %d%n",
                model.describe(), lr, batch, steps, warm, decay, seed);
        PRepBNExperiment.Result r = PRepBNExperiment.run(s, text, err::println);
        Files.createDirectories(out);
        var ln = r.arms().get(0);
        var pb = r.arms().get(1);

        StringBuilder loss = new StringBuilder("step,layernorm_train_loss,prepbn_train_loss,prepbn_gamma\n");
        for (int t = 0; t < steps; t++) {
            loss.append(fmt("%d,%.6f,%.6f,%.6f%n", t + 1, ln.curves().trainLoss()[t], pb.curves().trainLoss()[t],
                    r.gammaAtStep()[t]));
        }
        AtomicFiles.writeString(out.resolve("loss.csv"), loss);
        StringBuilder speed = new StringBuilder("model,forward_ms,tokens_per_second\n");
        for (var sp : r.speeds()) {
            speed.append(fmt("%s,%.4f,%.1f%n", sp.name(), sp.forwardMs(), sp.tokensPerSecond()));
        }
        AtomicFiles.writeString(out.resolve("speed.csv"), speed);

        StringBuilder md = new StringBuilder("# LayerNorm against PRepBN (SLAB) in a byte-level GPT\n\n");
        md.append(fmt("%s; AdamW (lr %s, cosine, weight decay 0.01), batch %d x %d bytes, %d steps, seed %d, both models on "
                        + "the same batches. PRepBN: LayerNorm alone for %d steps, then gamma*LN + (1-gamma)*RepBN with gamma "
                        + "from 1 to 0 over %d steps (0 after). Validation: eval mode (PRepBN is then RepBN alone, on its "
                        + "running statistics), %d held-out batches.%n%n", model.describe().replace("layernorm pre-ln", "pre-norm"),
                lr, batch, context, steps, seed, warm, decay, 8));
        md.append("| model | train loss (last 20 steps) | val loss | parameters (inference) |\n|---|---:|---:|---:|\n");
        md.append(fmt("| LayerNorm | %.4f | %.4f | %,d |%n", ln.finalTrainLoss(), ln.valLoss(), r.lnParameters()));
        md.append(fmt("| PRepBN | %.4f | %.4f | |%n", pb.finalTrainLoss(), pb.valLoss()));
        md.append(fmt("| PRepBN folded | | %.4f | %,d |%n", r.foldedValLoss(), r.foldedParameters()));
        md.append(fmt("%nFold: max relative difference of the logits, folded against unfolded (eval): %.2e.%n%n", r.foldRelDiff()));
        md.append(fmt("Inference: no-grad forward of %d x %d bytes, best of %d interleaved rounds of %d (median):%n%n", batch,
                context, rounds, reps));
        md.append("| model | forward | tokens/s | vs LayerNorm |\n|---|---:|---:|---:|\n");
        double base = r.speeds().get(0).tokensPerSecond();
        for (var sp : r.speeds()) {
            md.append(fmt("| %s | %.2f ms | %,.0f | %.3fx |%n", sp.name(), sp.forwardMs(), sp.tokensPerSecond(),
                    sp.tokensPerSecond() / base));
        }
        md.append("\n").append(verdict(r)).append("\n");
        AtomicFiles.writeString(out.resolve("results.md"), md);

        double[] x = new double[steps];
        for (int t = 0; t < steps; t++) {
            x[t] = t + 1;
        }
        LinePlot plot = new LinePlot().panel("training loss (EMA)", "step", "loss", false);
        plot.series("LayerNorm", x, LinePlot.ema(ln.curves().trainLoss(), 0.05), 0, false, false);
        plot.series("PRepBN", x, LinePlot.ema(pb.curves().trainLoss(), 0.05), 1, false, false);
        plot.panel("validation loss (eval mode) and PRepBN's gamma", "step", "loss / gamma", false);
        plot.series("LayerNorm val", toDouble(ln.curves().evalSteps()), ln.curves().valLoss(), 0, false, true);
        plot.series("PRepBN val", toDouble(pb.curves().evalSteps()), pb.curves().valLoss(), 1, false, true);
        plot.series("gamma", x, r.gammaAtStep(), 5, true, false);
        plot.save(out.resolve("prepbn.png"));
        o.print(md);
        o.println("plot       " + out.resolve("prepbn.png"));
        o.flush();
        return 0;
    }

    private static double[] toDouble(long[] v) {
        return Arrays.stream(v).asDoubleStream().toArray();
    }

    /**
     * SLAB's claims on this scale: PRepBN's loss close to LayerNorm's, and the folded model faster at
     * inference (a ratio within 5% is called no clear difference: single timings on a shared machine
     * vary more than that).
     */
    static String verdict(PRepBNExperiment.Result r) {
        double dLoss = r.arms().get(1).valLoss() - r.arms().get(0).valLoss();
        double speedup = r.speeds().get(2).tokensPerSecond() / r.speeds().get(0).tokensPerSecond();
        return fmt("SLAB (Guo et al. 2024) reports PRepBN at LayerNorm's accuracy or better, with lower inference latency once "
                        + "BatchNorm is folded.%n%n"
                        + "- Loss: PRepBN's val loss is %+.4f against LayerNorm's (%s).%n"
                        + "- Speed: the folded PRepBN model runs at %.3fx LayerNorm's tokens/s (%s).%n",
                dLoss, Math.abs(dLoss) <= 0.02 ? "reproduced: within 0.02" : dLoss < 0 ? "reproduced: lower" : "not reproduced: higher",
                speedup, speedup > 1.05 ? "faster" : speedup < 0.95 ? "slower" : "within 5%: no clear difference");
    }
}
