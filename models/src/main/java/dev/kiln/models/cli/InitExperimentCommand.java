package dev.kiln.models.cli;

import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.data.IdxImages;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.experiments.InitExperiment;
import dev.kiln.models.experiments.InitExperiment.Arm;
import dev.kiln.models.viz.LinePlot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import static dev.kiln.models.cli.ExperimentCommand.fmt;

/** {@code kiln experiment init}: He against Xavier initialisation in a 30-layer plain ReLU MLP. */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"He against Xavier initialisation in a deep plain ReLU MLP on Fashion-MNIST: the mean square of every",
            "layer's pre-activation at initialisation, then SGD training from each start. Writes results.md,",
            "meansquare.csv, loss.csv and init.png to --out."})
public final class InitExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--out", defaultValue = "runs/init", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--depth", defaultValue = "30", description = "Hidden Linear+ReLU layers (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    int depth;

    @Option(names = "--width", defaultValue = "256", description = "Hidden width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int width;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.BATCH)
    int batch;

    @Option(names = "--steps", defaultValue = "1500", description = "SGD steps per initialisation (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--lr", defaultValue = "0.01", description = "SGD learning rate (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1, maxExclusive = true)
    double momentum;

    @Option(names = "--probe", defaultValue = "1000", description = "Training images the mean squares are measured on (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int probe;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (depth < 2 || width < 1 || batch < 1 || steps < 1 || probe < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "experiment init: --depth must be >= 2 and --width, "
                    + "--batch-size, --steps, --probe >= 1; got " + depth + ", " + width + ", " + batch + ", " + steps + ", " + probe);
        }
        TensorDataset train = data.load(IdxImages.Split.TRAIN);
        TensorDataset test = data.load(IdxImages.Split.TEST);
        err.printf("init: %s, %d x (Linear %d + ReLU) + Linear, SGD lr %s momentum %s, batch %d, %d steps, seed %d%n",
                data.canonicalName(), depth, width, lr, momentum, batch, steps, seed);
        var s = new InitExperiment.Settings(depth, width, batch, steps, lr, momentum, probe, seed);
        List<Arm> arms = InitExperiment.run(s, train, test, err::println);
        Files.createDirectories(out);

        StringBuilder csv = new StringBuilder("layer,he_mean_square,xavier_mean_square\n");
        for (int i = 0; i < depth; i++) {
            csv.append(fmt("%d,%.6e,%.6e%n", i + 1, arms.get(0).meanSquare()[i], arms.get(1).meanSquare()[i]));
        }
        AtomicFiles.writeString(out.resolve("meansquare.csv"), csv);
        StringBuilder loss = new StringBuilder("step,he_train_loss,xavier_train_loss\n");
        for (int t = 0; t < steps; t++) {
            loss.append(fmt("%d,%.6f,%.6f%n", t + 1, arms.get(0).trainLoss()[t], arms.get(1).trainLoss()[t]));
        }
        AtomicFiles.writeString(out.resolve("loss.csv"), loss);

        StringBuilder md = new StringBuilder("# He against Xavier initialisation\n\n");
        md.append(fmt("%s, a plain MLP of %d hidden layers (Linear %d + ReLU; biases 0) and a Linear head; pre-activation "
                        + "mean squares at initialisation on %d training images; then SGD (lr %s, momentum %s), batch %d, "
                        + "%d steps, seed %d, from each start.%n%n", data.canonicalName(), depth, width, probe, lr, momentum,
                batch, steps, seed));
        md.append(fmt("| init | mean square, layer 1 | layer %d | ratio | log2 ratio | train loss (last 100) | test accuracy |%n",
                depth));
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Arm a : arms) {
            md.append(fmt("| %s | %.3e | %.3e | %.3e | %.1f | %.4f | %.2f%% |%n", a.init().equals("he") ? "He (Kaiming normal)"
                    : "Xavier (Glorot normal)", a.meanSquare()[0], a.meanSquare()[depth - 1], a.ratio(),
                    Math.log(a.ratio()) / Math.log(2), tailMean(a.trainLoss(), 100), 100 * a.testAccuracy()));
        }
        md.append(fmt("%nExpected from the variance argument: He keeps the ratio near 1; Xavier halves it at every ReLU, "
                + "2^-%d = %.2e across %d layers. A loss of ln 10 = 2.3026 is chance.%n", depth - 1, Math.pow(2, -(depth - 1)), depth));
        AtomicFiles.writeString(out.resolve("results.md"), md);

        double[] layers = new double[depth];
        for (int i = 0; i < depth; i++) {
            layers[i] = i + 1;
        }
        double[] x = new double[steps];
        for (int t = 0; t < steps; t++) {
            x[t] = t + 1;
        }
        LinePlot plot = new LinePlot().panel("pre-activation mean square at initialisation", "layer", "mean square", true);
        plot.series("He", layers, arms.get(0).meanSquare(), 0, false, true);
        plot.series("Xavier", layers, arms.get(1).meanSquare(), 1, false, true);
        plot.panel("training loss (EMA), " + depth + "-layer ReLU MLP", "step", "loss", false);
        plot.series("He", x, LinePlot.ema(arms.get(0).trainLoss(), 0.05), 0, false, false);
        plot.series("Xavier", x, LinePlot.ema(arms.get(1).trainLoss(), 0.05), 1, false, false);
        plot.save(out.resolve("init.png"));
        o.print(md);
        o.println("plot       " + out.resolve("init.png"));
        o.flush();
        return 0;
    }

    private static double tailMean(double[] v, int n) {
        int from = Math.max(0, v.length - n);
        double s = 0;
        for (int i = from; i < v.length; i++) {
            s += v[i];
        }
        return s / (v.length - from);
    }
}
