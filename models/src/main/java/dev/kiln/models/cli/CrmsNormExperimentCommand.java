package dev.kiln.models.cli;

import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.experiments.CrmsNormExperiment;
import dev.kiln.models.nn.Gpt;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import static dev.kiln.models.cli.ExperimentCommand.fmt;

/** {@code kiln experiment crmsnorm}: a trained Pre-LN GPT converted to Pre-RMSNorm and Pre-CRMSNorm. */
@Command(name = "crmsnorm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a Pre-LN byte-level GPT briefly, converts it exactly to Pre-RMSNorm and Pre-CRMSNorm, and checks",
            "the outputs agree (F32, and F64 to 1e-9), counts the stream's features (d against d-1) and times the norms",
            "(LayerNorm, RMSNorm, CRMSNorm on the activations' shape). Writes results.md, norms.csv and norms.png to --out."})
public final class CrmsNormExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", paramLabel = "PATH", description = "Text files or folders (default: Kiln's */src/main/java).")
    List<Path> corpus;

    @Option(names = "--out", defaultValue = "runs/crmsnorm", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--layers", defaultValue = "4", description = "Blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    int layers;

    @Option(names = "--d-model", defaultValue = "256", description = "Width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int dModel;

    @Option(names = "--heads", defaultValue = "4", description = "Heads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int heads;

    @Option(names = "--context", defaultValue = "128", description = "Context (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int context;

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.BATCH)
    int batch;

    @Option(names = "--train-steps", defaultValue = "100", description = "Training steps of the Pre-LN model (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int trainSteps;

    @Option(names = "--reps", defaultValue = "30", description = "Timed repetitions per round (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 10_000)
    int reps;

    @Option(names = "--rounds", defaultValue = "3", description = "Timing rounds; the best round's median counts (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 10_000)
    int rounds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        ByteCorpus text = ExperimentCommand.corpus(corpus, err);
        Gpt.Config model = Gpt.Config.gpt2(layers, dModel, heads, context);
        var s = new CrmsNormExperiment.Settings(model, batch, trainSteps, 1e-3, reps, rounds, seed);
        err.println("crmsnorm: training Pre-LN " + model.describe() + " for " + trainSteps + " steps");
        CrmsNormExperiment.Result r = CrmsNormExperiment.run(s, text, err::println);
        Files.createDirectories(out);
        StringBuilder md = new StringBuilder("# Pre-LN -> Pre-RMSNorm -> Pre-CRMSNorm\n\n");
        md.append(fmt("A Pre-LN byte-level GPT (%s) trained for %d steps (AdamW 1e-3, batch %d; final train loss %.4f), then "
                        + "converted exactly (layers' NormConversion). Logits compared on one held-out batch of %d x %d bytes; "
                        + "the F64 column converts the same trained weights in float64.%n%n", model.describe(), trainSteps, batch,
                r.trainedLoss(), batch, context));
        md.append("| model | stream features | parameters | val loss | max rel. logit diff (F32) | (F64) | forward (inference) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (var v : r.variants()) {
            md.append(fmt("| %s | %d | %,d | %.6f | %.2e | %.2e | %.2f ms |%n", v.name(), v.streamDim(), v.parameters(),
                    v.valLoss(), v.relDiffF32(), v.relDiffF64(), v.forwardMs()));
        }
        md.append(fmt("%nThe norm alone on the activations' shape [%d, d = %d] (CRMSNorm on [%d, %d]), best round's median of %d "
                + "runs, %d interleaved rounds:%n%n", r.rows(), dModel, r.rows(), dModel - 1, reps, rounds));
        md.append("| norm | features | forward | forward + backward |\n|---|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder("norm,features,forward_ms,forward_backward_ms\n");
        for (var n : r.norms()) {
            md.append(fmt("| %s | %d | %.3f ms | %.3f ms |%n", n.norm(), n.features(), n.forwardMs(), n.forwardBackwardMs()));
            csv.append(fmt("%s,%d,%.4f,%.4f%n", n.norm(), n.features(), n.forwardMs(), n.forwardBackwardMs()));
        }
        AtomicFiles.writeString(out.resolve("results.md"), md);
        AtomicFiles.writeString(out.resolve("norms.csv"), csv);
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title("norm time on [" + r.rows() + ", d]")
                .xAxisTitle("norm").yAxisTitle("ms").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> names = r.norms().stream().map(CrmsNormExperiment.NormTiming::norm).toList();
        chart.addSeries("forward", names, r.norms().stream().map(n -> (Number) n.forwardMs()).toList());
        chart.addSeries("forward + backward", names, r.norms().stream().map(n -> (Number) n.forwardBackwardMs()).toList());
        AtomicFiles.writeStream(out.resolve("norms.png"), os -> BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG));
        o.print(md);
        o.println("plot       " + out.resolve("norms.png"));
        o.flush();
        return 0;
    }
}
