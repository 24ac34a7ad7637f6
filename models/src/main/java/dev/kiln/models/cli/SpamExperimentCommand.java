package dev.kiln.models.cli;

import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.viz.LinePlot;
import dev.kiln.optim.experiments.SpikeExperiment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

import static dev.kiln.models.cli.ExperimentCommand.fmt;

/** {@code kiln experiment spam}: SPAM against AdamW when gradient spikes hit ({@link SpikeExperiment}). */
@Command(name = "spam", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"SPAM against AdamW (Hugging Face convention) under injected gradient spikes (x1000 on a few coordinates",
            "at two steps) on a minibatch linear regression, each also run without spikes. Writes spikes.csv (optim's",
            "SpikeExperiment), results.md and spam.png (both curves and their clean baselines) to --out."})
public final class SpamExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/spam", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--steps", defaultValue = "1000", description = "Steps (default: ${DEFAULT-VALUE}; spikes at 301 and 601 when they fit).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Override
    public Integer call() throws Exception {
        var o = spec.commandLine().getOut();
        if (steps < 1) {
            throw new IllegalArgumentException("experiment spam: --steps must be >= 1, got " + steps);
        }
        SpikeExperiment.Config d = SpikeExperiment.Config.defaults();
        SpikeExperiment.Config c = d.withSteps(steps, Arrays.stream(d.spikeSteps()).filter(s -> s < steps).toArray());
        c = new SpikeExperiment.Config(c.steps(), c.features(), c.outputs(), c.samples(), c.batch(), c.lr(), c.signal(),
                c.noise(), seed, c.spikeSteps(), c.coordinatesPerSpike(), c.spikeFactor());
        long t0 = System.nanoTime();
        SpikeExperiment.Result r = SpikeExperiment.run(c);
        double secs = (System.nanoTime() - t0) * 1e-9;
        Files.createDirectories(out);
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(csv, true, StandardCharsets.UTF_8)) {
            SpikeExperiment.writeCsv(r, ps);
        }
        AtomicFiles.write(out.resolve("spikes.csv"), csv.toByteArray());

        StringBuilder md = new StringBuilder("# SPAM against AdamW under gradient spikes\n\n");
        md.append(fmt("Linear regression %d -> %d, %d samples, minibatch %d, lr %s for both, %d steps, seed %d; at steps %s "
                        + "the gradients of %d random coordinates are multiplied by %s. SPAM: defaults (threshold 5000, "
                        + "DeltaT 500, warmup 150). AdamW: Hugging Face convention, no weight decay (SPAM's update without "
                        + "resets and clipping). Ran in %.1f s.%n%n", c.features(), c.outputs(), c.samples(), c.batch(), c.lr(),
                c.steps(), c.seed(), Arrays.toString(Arrays.stream(c.spikeSteps()).map(s -> s + 1).toArray()),
                c.coordinatesPerSpike(), c.spikeFactor(), secs));
        md.append("| step | spiked coordinates | SPAM clipped | margins g^2/(threshold*v) |\n|---:|---|---|---|\n");
        for (int s : c.spikeSteps()) {
            md.append(fmt("| %d | %s | %s | %s |%n", s + 1, names(r, r.spiked().get(s)), names(r, r.clipped().get(s)),
                    Arrays.toString(Arrays.stream(r.spikeMargins().get(s)).mapToObj(m -> fmt("%.3g", m)).toArray())));
        }
        long cleanClips = r.cleanClipped().stream().mapToLong(a -> a.length).sum();
        long otherClips = 0;
        for (int s = 0; s < c.steps(); s++) {
            final int step = s;
            if (Arrays.stream(c.spikeSteps()).noneMatch(x -> x == step)) {
                otherClips += r.clipped().get(s).length;
            }
        }
        int last = c.steps() - 1;
        double[] excess = r.finalExcess();
        md.append(fmt("%nCoordinates SPAM clipped on other steps: %d (in the run without spikes: %d).%n%n", otherClips, cleanClips));
        md.append("| run | final loss | its clean run | excess over clean |\n|---|---:|---:|---:|\n");
        md.append(fmt("| AdamW | %.6g | %.6g | %.4g |%n", r.adamwLoss()[last], r.adamwCleanLoss()[last], excess[0]));
        md.append(fmt("| SPAM | %.6g | %.6g | %.4g |%n", r.spamLoss()[last], r.spamCleanLoss()[last], excess[1]));
        for (int s : c.spikeSteps()) {
            int w = Math.min(last, s + 100);
            md.append(fmt("%n100 steps after the spike at step %d: AdamW %.6g (clean %.6g), SPAM %.6g (clean %.6g).", s + 1,
                    r.adamwLoss()[w], r.adamwCleanLoss()[w], r.spamLoss()[w], r.spamCleanLoss()[w]));
        }
        md.append('\n');
        AtomicFiles.writeString(out.resolve("results.md"), md);

        int from = Math.max(0, Math.min(c.steps() - 1, Arrays.stream(c.spikeSteps()).min().orElse(0) - 50));
        double[] x = new double[c.steps() - from];
        double[][] curves = {r.adamwLoss(), r.spamLoss(), r.adamwCleanLoss(), r.spamCleanLoss()};
        double[][] zoom = new double[4][c.steps() - from];
        double[] adamExcess = new double[c.steps() - from];
        double[] spamExcess = new double[c.steps() - from];
        for (int s = from; s < c.steps(); s++) {
            x[s - from] = s + 1;
            for (int k = 0; k < 4; k++) {
                zoom[k][s - from] = curves[k][s];
            }
            adamExcess[s - from] = r.adamwLoss()[s] - r.adamwCleanLoss()[s];
            spamExcess[s - from] = r.spamLoss()[s] - r.spamCleanLoss()[s];
        }
        String spikes = Arrays.toString(Arrays.stream(c.spikeSteps()).map(s -> s + 1).toArray());
        new LinePlot().panel("loss from step " + (from + 1) + " (spikes x" + (long) c.spikeFactor() + " at steps " + spikes + ")",
                        "step", "full-data MSE", false)
                .series("AdamW", x, zoom[0], 1, false, false)
                .series("SPAM", x, zoom[1], 0, false, false)
                .series("AdamW, no spikes", x, zoom[2], 1, true, false)
                .series("SPAM, no spikes", x, zoom[3], 0, true, false)
                .panel("loss above the same optimizer's run without spikes", "step", "MSE - clean MSE", false)
                .series("AdamW", x, adamExcess, 1, false, false)
                .series("SPAM", x, spamExcess, 0, false, false)
                .save(out.resolve("spam.png"));
        o.print(md);
        o.println("csv        " + out.resolve("spikes.csv"));
        o.println("plot       " + out.resolve("spam.png"));
        o.flush();
        return 0;
    }

    private static String names(SpikeExperiment.Result r, int[] coords) {
        return coords.length == 0 ? "none" : String.join(", ", Arrays.stream(coords).mapToObj(r::name).toList());
    }
}
