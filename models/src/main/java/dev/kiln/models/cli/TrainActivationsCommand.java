package dev.kiln.models.cli;

import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.nn.Activations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code kiln train activations}: the same MLP and budget once per activation, then a table of
 * test accuracy and loss (Markdown and CSV) in the sweep's folder.
 */
@Command(name = "activations", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the MLP once per activation on the same budget and tabulate test accuracy and loss.",
            "Writes --out/<activation>/ for each run and --out/activations.md and activations.csv."})
public final class TrainActivationsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--activations", split = ",", defaultValue = "all",
            description = "Comma-separated activation names, or all (default: ${DEFAULT-VALUE}).")
    List<String> activations;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--hidden", split = ",", defaultValue = "512,512", description = "Hidden widths (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int[] hidden;

    @Option(names = "--norm", defaultValue = "none", description = "Norm after each hidden Linear (default: ${DEFAULT-VALUE}).")
    String norm;

    @Mixin
    TrainOptions train = new TrainOptions();

    @Override
    public Integer call() throws Exception {
        List<String> names = new ArrayList<>();
        if (activations.size() == 1 && activations.get(0).equals("all")) {
            Activations.names().forEach(names::add);
        } else {
            for (String a : activations) {
                Activations.create(a, 1); // fail before training anything
                names.add(a);
            }
        }
        Path root = train.out != null ? train.out : Path.of("runs", "activations");
        var out = spec.commandLine().getOut();
        TrainMlpCommand mlp = new TrainMlpCommand();
        mlp.spec = spec;
        mlp.data = data;
        mlp.hidden = hidden;
        mlp.norm = norm;
        mlp.validation = 0;
        StringBuilder md = new StringBuilder();
        StringBuilder csv = new StringBuilder("activation,test_accuracy,test_loss,final_train_loss,steps,seconds\n");
        md.append("| activation | test accuracy | test loss | final train loss | time |\n|---|---|---|---|---|\n");
        for (String a : names) {
            TrainOptions o = copy(train);
            o.out = root.resolve(a);
            var r = mlp.run(a, o);
            double acc = r.lastEval() == null ? Double.NaN : r.lastEval().metrics().get("accuracy");
            double loss = r.lastEval() == null ? Double.NaN : r.lastEval().metrics().get("loss");
            out.printf(Locale.ROOT, "%-14s test accuracy %.2f%%  test loss %.4f  (%s)%n", a, 100 * acc, loss,
                    ProgressCallback.clock(r.trainer().elapsedSeconds()));
            out.flush();
            md.append(String.format(Locale.ROOT, "| %s | %.2f%% | %.4f | %.4f | %s |%n", a, 100 * acc, loss,
                    r.trainer().lastLoss(), ProgressCallback.clock(r.trainer().elapsedSeconds())));
            csv.append(String.format(Locale.ROOT, "%s,%.6f,%.6f,%.6f,%d,%.1f%n", a, acc, loss, r.trainer().lastLoss(),
                    r.trainer().step(), r.trainer().elapsedSeconds()));
            // rewritten after every run, so a long sweep's partial table is never lost
            AtomicFiles.write(root.resolve("activations.md"), md.toString().getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(root.resolve("activations.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        }
        out.println();
        out.print(md);
        out.println("table " + root.resolve("activations.md") + ", " + root.resolve("activations.csv"));
        return 0;
    }

    private static TrainOptions copy(TrainOptions t) {
        TrainOptions o = new TrainOptions();
        o.seed = t.seed;
        o.optimizer = t.optimizer;
        o.lr = t.lr;
        o.weightDecay = t.weightDecay;
        o.momentum = t.momentum;
        o.schedule = t.schedule;
        o.gamma = t.gamma;
        o.warmup = t.warmup;
        o.clip = t.clip;
        o.batchSize = t.batchSize;
        o.epochs = t.epochs;
        o.steps = t.steps;
        o.checkpointEvery = t.checkpointEvery;
        o.resume = t.resume;
        o.noProgress = t.noProgress;
        return o;
    }
}
