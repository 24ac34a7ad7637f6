package dev.kiln.models.cli;

import dev.kiln.models.data.IdxImages;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.experiments.PReluConvExperiment;
import dev.kiln.models.experiments.PReluConvExperiment.Arm;
import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.viz.LinePlot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import static dev.kiln.models.cli.ExperimentCommand.fmt;

/** {@code kiln experiment prelu-conv}: the PReLU slopes a deep plain convnet learns, channel-shared and channel-wise. */
@Command(name = "prelu-conv", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A deep plain convnet (3x3 convs, PReLU after each, no BatchNorm; He init for slope 0.25; SGD with",
            "momentum, no weight decay on the slopes) trained twice on Fashion-MNIST (or generated gratings with",
            "--synthetic): channel-shared and channel-wise slopes. Reports the learned slope per layer (the mean over",
            "channels for channel-wise) as He et al. 2015 Table 1. Writes results.md, slopes.csv, loss.csv and slopes.png."})
public final class PReluConvExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--synthetic", paramLabel = "N", description = "Train on N generated grating images (and N/5 test images) instead of --dataset.")
    @Range(min = 10, max = 1_000_000)
    Integer synthetic;

    @Option(names = "--out", defaultValue = "runs/prelu-conv", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--widths", split = ",", defaultValue = "16,32,64", description = "Channels of each stage, 1 to 4 stages (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 4096)
    int[] widths;

    @Option(names = "--convs-per-stage", defaultValue = "2", description = "3x3 conv layers per stage, each followed by PReLU (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 64)
    int convsPerStage;

    @Option(names = "--fc", defaultValue = "128", description = "Width of the hidden fully connected layer (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int fc;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.BATCH)
    int batch;

    @Option(names = "--steps", defaultValue = "1500", description = "SGD steps per arm (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--lr", defaultValue = "0.01", description = "SGD learning rate (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = Range.LR)
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1, maxExclusive = true)
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "5e-4", description = "L2 weight decay on conv and fc weights; never on the slopes (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1)
    double weightDecay;

    @Option(names = "--probe-every", defaultValue = "50", description = "Steps between two readings of the slopes (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int probeEvery;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (widths.length < 1 || widths.length > 4) {
            throw new CommandLine.ParameterException(spec.commandLine(), "experiment prelu-conv: --widths takes 1 to 4 stages "
                    + "(each halves the 28x28 image), got " + widths.length);
        }
        TensorDataset train;
        TensorDataset test;
        String dataName;
        if (synthetic != null) {
            train = PReluConvExperiment.gratings(synthetic, seed);
            test = PReluConvExperiment.gratings(Math.max(10, synthetic / 5), seed + 1);
            dataName = "generated gratings (" + synthetic + " training images)";
        } else {
            train = data.load(IdxImages.Split.TRAIN);
            test = data.load(IdxImages.Split.TEST);
            dataName = data.canonicalName();
        }
        var s = new PReluConvExperiment.Settings(widths, convsPerStage, fc, batch, steps, lr, momentum, weightDecay, probeEvery, seed);
        String net = describe(s);
        err.printf("prelu-conv: %s, %s, SGD lr %s momentum %s weight decay %s (not on slopes), batch %d, %d steps, seed %d%n",
                dataName, net, lr, momentum, weightDecay, batch, steps, seed);
        List<Arm> arms = PReluConvExperiment.run(s, train, test, err::println);
        Files.createDirectories(out);
        List<String> names = s.layerNames();
        Arm shared = arms.get(0);
        Arm wise = arms.get(1);

        StringBuilder csv = new StringBuilder("layer,channels,shared,channelwise_mean,channelwise_min,channelwise_max\n");
        for (int i = 0; i < names.size(); i++) {
            csv.append(fmt("%s,%d,%.6f,%.6f,%.6f,%.6f%n", names.get(i), channels(s, i), shared.mean()[i], wise.mean()[i],
                    wise.min()[i], wise.max()[i]));
        }
        AtomicFiles.writeString(out.resolve("slopes.csv"), csv);
        StringBuilder loss = new StringBuilder("step,shared_train_loss,channelwise_train_loss\n");
        for (int t = 0; t < steps; t++) {
            loss.append(fmt("%d,%.6f,%.6f%n", t + 1, shared.trainLoss()[t], wise.trainLoss()[t]));
        }
        AtomicFiles.writeString(out.resolve("loss.csv"), loss);

        StringBuilder md = new StringBuilder("# Learned PReLU slopes in a deep plain convnet\n\n");
        md.append(fmt("%s; %s; weights He-initialised for slope 0.25, biases 0, slopes initialised to 0.25; SGD (lr %s, "
                + "momentum %s, weight decay %s on weights, none on slopes), batch %d, %d steps, seed %d, both arms on the "
                + "same batches.%n%n", dataName, net, lr, momentum, weightDecay, batch, steps, seed));
        md.append("| layer | channels | channel-shared | channel-wise (mean) | channel-wise (min .. max) |\n");
        md.append("|---|---:|---:|---:|---:|\n");
        for (int i = 0; i < names.size(); i++) {
            md.append(fmt("| %s | %d | %.3f | %.3f | %.3f .. %.3f |%n", names.get(i), channels(s, i), shared.mean()[i],
                    wise.mean()[i], wise.min()[i], wise.max()[i]));
        }
        md.append(fmt("%n| arm | train loss (last 100) | test accuracy | time |%n|---|---:|---:|---:|%n"));
        for (Arm a : arms) {
            md.append(fmt("| %s | %.4f | %.2f%% | %.0f s |%n", a.name(), tailMean(a.trainLoss(), 100), 100 * a.testAccuracy(),
                    a.seconds()));
        }
        md.append("\n").append(verdict(s, arms)).append("\n");
        AtomicFiles.writeString(out.resolve("results.md"), md);

        double[] layerX = new double[names.size()];
        for (int i = 0; i < layerX.length; i++) {
            layerX[i] = i + 1;
        }
        LinePlot plot = new LinePlot().panel("learned PReLU slope per layer (1.." + (names.size() - 1) + " conv, "
                + names.size() + " fc1)", "layer", "slope", false);
        plot.series("channel-shared", layerX, shared.mean(), 0, false, true);
        plot.series("channel-wise (mean)", layerX, wise.mean(), 1, false, true);
        plot.series("channel-wise (min)", layerX, wise.min(), 1, true, false);
        plot.series("channel-wise (max)", layerX, wise.max(), 1, true, false);
        plot.panel("channel-wise slopes during training (mean per layer)", "step", "slope", false);
        double[] px = Arrays.stream(wise.probeSteps()).asDoubleStream().toArray();
        for (int i = 0; i < names.size(); i++) {
            double[] y = new double[px.length];
            for (int p = 0; p < px.length; p++) {
                y[p] = wise.meanAtProbe()[p][i];
            }
            plot.series(names.get(i), px, y, i, i == names.size() - 1, false);  // fc1 dashed: the palette has 6 colours
        }
        plot.save(out.resolve("slopes.png"));
        o.print(md);
        o.println("plot       " + out.resolve("slopes.png"));
        o.flush();
        return 0;
    }

    private static String describe(PReluConvExperiment.Settings s) {
        StringBuilder b = new StringBuilder();
        for (int w : s.widths()) {
            b.append(s.convsPerStage()).append(" x conv3x3-").append(w).append(" + PReLU, maxpool 2; ");
        }
        return b.append("fc ").append(s.fc()).append(" + PReLU, linear classifier").toString();
    }

    private static int channels(PReluConvExperiment.Settings s, int layer) {
        int convs = s.widths().length * s.convsPerStage();
        return layer < convs ? s.widths()[layer / s.convsPerStage()] : s.fc();
    }

    /**
     * The paper's two observations, checked on the numbers. (1) The first conv layer's slope ends
     * well above 0 and above the deeper conv layers' (0.68 shared, 0.60 channel-wise in its Table 1):
     * here, above its initial 0.25 and above the mean of the deeper conv layers, in both arms.
     * (2) In the channel-wise arm the conv slopes fall with depth: the last stage's mean below the
     * first's and a negative Spearman rank correlation of slope against depth; "weakly" when no
     * layer's mean moved 0.1 from its initial 0.25.
     */
    static String verdict(PReluConvExperiment.Settings s, List<Arm> arms) {
        int convs = s.widths().length * s.convsPerStage();
        double[] shared = Arrays.copyOf(arms.get(0).mean(), convs);
        double[] wise = Arrays.copyOf(arms.get(1).mean(), convs);
        double sharedDeeper = convs > 1 ? mean(Arrays.copyOfRange(shared, 1, convs)) : Double.NaN;
        double wiseDeeper = convs > 1 ? mean(Arrays.copyOfRange(wise, 1, convs)) : Double.NaN;
        int k = s.convsPerStage();
        double early = mean(Arrays.copyOfRange(wise, 0, k));
        double late = mean(Arrays.copyOfRange(wise, convs - k, convs));
        double rho = spearman(wise);
        double moved = Arrays.stream(wise).map(a -> Math.abs(a - 0.25)).max().orElse(0);
        boolean firstHolds = shared[0] > 0.25 && wise[0] > 0.25 && shared[0] > sharedDeeper && wise[0] > wiseDeeper;
        boolean depthHolds = late < early && rho < 0;
        return fmt("Paper (He et al. 2015, Table 1): the first conv layer's slopes are well above 0 (0.681 shared, 0.596 "
                        + "channel-wise) and above the deeper layers', and in the channel-wise model deeper conv layers in "
                        + "general have smaller slopes. All slopes here start at 0.25.%n%n"
                        + "- First conv layer: %.3f shared (the deeper conv layers' mean %.3f), %.3f channel-wise (%.3f): %s.%n"
                        + "- Channel-wise conv slopes against depth: first stage mean %.3f, last stage mean %.3f, Spearman rank "
                        + "correlation with depth %.2f, largest move of a layer's mean from 0.25: %.3f: %s.%n",
                shared[0], sharedDeeper, wise[0], wiseDeeper, firstHolds ? "reproduced" : "not reproduced",
                early, late, rho, moved, !depthHolds ? "not reproduced"
                        : moved < 0.1 ? "weakly reproduced (the direction holds; the slopes barely moved)" : "reproduced");
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    /** Spearman's rank correlation of v against its index (ties get their mean rank). */
    static double spearman(double[] v) {
        int n = v.length;
        if (n < 2) {
            return Double.NaN;
        }
        double[] ranks = ranks(v);
        double[] idx = new double[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i + 1;
        }
        double mr = mean(ranks);
        double mi = mean(idx);
        double num = 0;
        double dr = 0;
        double di = 0;
        for (int i = 0; i < n; i++) {
            num += (ranks[i] - mr) * (idx[i] - mi);
            dr += (ranks[i] - mr) * (ranks[i] - mr);
            di += (idx[i] - mi) * (idx[i] - mi);
        }
        return dr == 0 ? 0 : num / Math.sqrt(dr * di);
    }

    private static double[] ranks(double[] v) {
        int n = v.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            for (int q = i; q <= j; q++) {
                r[order[q]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return r;
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
