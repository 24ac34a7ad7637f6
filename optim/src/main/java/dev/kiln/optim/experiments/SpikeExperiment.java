package dev.kiln.optim.experiments;

import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Spam;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * SPAM against AdamW when gradient spikes hit (docs/formulas/optimizers.md's claim to reproduce): a
 * multi-output linear regression trained with minibatches, where on a few steps the gradients of
 * a few coordinates are multiplied by 10³. SPAM (defaults: θc = 5000, ΔT = 500, W = 150, Na = 20)
 * is compared with AdamW in the Hugging Face convention, which is SPAM's update without resets
 * and clipping, so without spikes the two runs coincide. Both also run without spikes, so each
 * curve can be read against its own clean baseline.
 *
 * <p>What to expect: SPAM clips exactly the spiked coordinates (g² > θc·v there, nowhere else),
 * and its loss returns to the clean curve; AdamW's second moment of the spiked coordinates grows
 * by about 10⁶·(1 − β2) = 10³, which shrinks their steps about 30-fold for roughly 1/(1 − β2)
 * steps, so its loss stays above the clean curve.
 *
 * <p>{@code main} prints one CSV row per step: the four loss curves (full-data MSE after the
 * step), the coordinates spiked on that step and those SPAM clipped. Arguments (all optional):
 * steps, seed.
 */
public final class SpikeExperiment {
    private SpikeExperiment() {
    }

    /**
     * The experiment's settings: steps, the regression's size (features → outputs, samples), the
     * minibatch size, the learning rate of both optimizers, the scale of the true weights (signal)
     * and of the label noise, the seed, the 0-based steps that get spikes, how many coordinates
     * each spike hits and the factor. Coordinates are flat indices into W (features × outputs),
     * then b.
     */
    public record Config(int steps, int features, int outputs, int samples, int batch, double lr, double signal,
                         double noise, long seed, int[] spikeSteps, int coordinatesPerSpike, double spikeFactor) {

        /**
         * 1000 steps of a 16→4 regression (weights N(0, 1), label noise N(0, 1), 512 samples), batch
         * 32, lr 1e-2, spikes ×1000 on 3 random coordinates at steps 301 and 601, seed 1.
         */
        public static Config defaults() {
            return new Config(1000, 16, 4, 512, 32, 1e-2, 1, 1, 1, new int[] {300, 600}, 3, 1000);
        }

        public Config withSteps(int n, int[] spikes) {
            return new Config(n, features, outputs, samples, batch, lr, signal, noise, seed, spikes, coordinatesPerSpike,
                    spikeFactor);
        }
    }

    /**
     * The curves (loss after each step) and, per step, the coordinates spiked, those SPAM clipped
     * in the spiked and in the clean run, and for each spiked coordinate its margin g²/(θc·v): the
     * spiked gradient squared over the clipping bound from SPAM's second moment before the step.
     * SPAM clips a coordinate exactly when its margin exceeds 1; a spiked coordinate whose raw
     * gradient happened to be within a few percent of zero (relative to its history) stays below.
     */
    public record Result(Config config, double[] adamwLoss, double[] spamLoss, double[] adamwCleanLoss,
                         double[] spamCleanLoss, List<int[]> spiked, List<int[]> clipped, List<int[]> cleanClipped,
                         List<double[]> spikeMargins) {

        /** A coordinate's name: "W[i,j]" or "b[j]". */
        public String name(int flat) {
            int w = config.features() * config.outputs();
            return flat < w ? "W[" + flat / config.outputs() + "," + flat % config.outputs() + "]" : "b[" + (flat - w) + "]";
        }

        /** The loss a run keeps above its clean baseline at the last step, for AdamW and SPAM. */
        public double[] finalExcess() {
            int last = adamwLoss.length - 1;
            return new double[] {adamwLoss[last] - adamwCleanLoss[last], spamLoss[last] - spamCleanLoss[last]};
        }
    }

    public static Result run(Config c) {
        var rng = new Generator(c.seed());
        Tensor x = Tensor.randn(rng, c.samples(), c.features());
        Tensor wTrue = Tensor.randn(rng, c.features(), c.outputs()).mul(c.signal());
        Tensor bTrue = Tensor.randn(rng, c.outputs());
        Tensor y = x.matmul(wTrue).add(bTrue).add(Tensor.randn(rng, c.samples(), c.outputs()).mul(c.noise()));
        int coords = c.features() * c.outputs() + c.outputs();
        List<int[]> spiked = new ArrayList<>();
        for (int s = 0; s < c.steps(); s++) {
            spiked.add(new int[0]);
        }
        for (int s : c.spikeSteps()) {
            int[] chosen = Arrays.copyOf(Tensor.randperm(rng, coords).toIntArray(), c.coordinatesPerSpike());
            Arrays.sort(chosen);
            spiked.set(s, chosen);
        }
        List<int[]> none = new ArrayList<>();
        for (int s = 0; s < c.steps(); s++) {
            none.add(new int[0]);
        }
        Run adamw = train(c, x, y, spiked, false);
        Run spam = train(c, x, y, spiked, true);
        Run adamwClean = train(c, x, y, none, false);
        Run spamClean = train(c, x, y, none, true);
        return new Result(c, adamw.loss, spam.loss, adamwClean.loss, spamClean.loss, spiked, spam.clipped,
                spamClean.clipped, spam.margins);
    }

    private record Run(double[] loss, List<int[]> clipped, List<double[]> margins) {
    }

    private static Run train(Config c, Tensor x, Tensor y, List<int[]> spiked, boolean useSpam) {
        Tensor w = Tensor.zeros(c.features(), c.outputs()).requiresGrad(true);
        Tensor b = Tensor.zeros(c.outputs()).requiresGrad(true);
        List<Tensor> params = List.of(w, b);
        Optimizer opt = useSpam
                ? Spam.builder(params).lr(c.lr()).recordClipping(true).build()
                : AdamW.builder(params).lr(c.lr()).weightDecay(0).convention(AdamW.Convention.HUGGING_FACE).build();
        var batches = new Generator(c.seed() + 1000); // the same minibatches in every run
        double[] loss = new double[c.steps()];
        List<int[]> clipped = new ArrayList<>();
        List<double[]> margins = new ArrayList<>();
        int wSize = c.features() * c.outputs();
        for (int s = 0; s < c.steps(); s++) {
            Tensor idx = Tensor.randint(batches, 0, c.samples(), c.batch());
            opt.zeroGrad();
            x.indexSelect(0, idx).matmul(w).add(b).mseLoss(y.indexSelect(0, idx)).backward();
            if (spiked.get(s).length > 0) {
                float[] fw = new float[wSize];
                float[] fb = new float[c.outputs()];
                Arrays.fill(fw, 1);
                Arrays.fill(fb, 1);
                for (int flat : spiked.get(s)) {
                    if (flat < wSize) {
                        fw[flat] = (float) c.spikeFactor();
                    } else {
                        fb[flat - wSize] = (float) c.spikeFactor();
                    }
                }
                w.setGrad(w.grad().mul(Tensor.of(fw, c.features(), c.outputs())));
                b.setGrad(b.grad().mul(Tensor.of(fb)));
            }
            margins.add(opt instanceof Spam spam ? margins(spam, w, b, spiked.get(s), wSize) : new double[0]);
            opt.step();
            if (opt instanceof Spam spam) {
                clipped.add(clippedCoordinates(spam.lastClipMask(w), spam.lastClipMask(b), wSize));
            }
            loss[s] = x.matmul(w.detach()).add(b.detach()).mseLoss(y).item();
        }
        return new Run(loss, clipped, margins);
    }

    /** g²/(θc·v) of each spiked coordinate, from the gradient and SPAM's second moment before the step. */
    private static double[] margins(Spam spam, Tensor w, Tensor b, int[] coords, int wSize) {
        double[] out = new double[coords.length];
        if (coords.length == 0) {
            return out;
        }
        double threshold = spam.schedule().threshold();
        double[] gw = w.grad().toDoubleArray();
        double[] gb = b.grad().toDoubleArray();
        double[] vw = spam.state(w).get("exp_avg_sq").toDoubleArray();
        double[] vb = spam.state(b).get("exp_avg_sq").toDoubleArray();
        for (int i = 0; i < coords.length; i++) {
            int k = coords[i];
            double g = k < wSize ? gw[k] : gb[k - wSize];
            double v = k < wSize ? vw[k] : vb[k - wSize];
            out[i] = g * g / (threshold * v);
        }
        return out;
    }

    private static int[] clippedCoordinates(Tensor maskW, Tensor maskB, int wSize) {
        List<Integer> out = new ArrayList<>();
        boolean[] mw = maskW.toBooleanArray();
        boolean[] mb = maskB.toBooleanArray();
        for (int i = 0; i < mw.length; i++) {
            if (mw[i]) {
                out.add(i);
            }
        }
        for (int i = 0; i < mb.length; i++) {
            if (mb[i]) {
                out.add(wSize + i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Writes the CSV: step, the four losses, spiked and clipped coordinates (';'-separated names). */
    public static void writeCsv(Result r, PrintStream out) {
        out.println("step,adamw_loss,spam_loss,adamw_clean_loss,spam_clean_loss,spiked,spam_clipped");
        for (int s = 0; s < r.adamwLoss().length; s++) {
            out.printf(Locale.ROOT, "%d,%.9g,%.9g,%.9g,%.9g,%s,%s%n", s + 1, r.adamwLoss()[s], r.spamLoss()[s],
                    r.adamwCleanLoss()[s], r.spamCleanLoss()[s], names(r, r.spiked().get(s)), names(r, r.clipped().get(s)));
        }
    }

    private static String names(Result r, int[] coords) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < coords.length; i++) {
            sb.append(i > 0 ? ";" : "").append(r.name(coords[i]));
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        Config c = Config.defaults();
        if (args.length > 0) {
            int steps = Integer.parseInt(args[0]);
            c = c.withSteps(steps, Arrays.stream(c.spikeSteps()).filter(s -> s < steps).toArray());
        }
        if (args.length > 1) {
            c = new Config(c.steps(), c.features(), c.outputs(), c.samples(), c.batch(), c.lr(), c.signal(), c.noise(),
                    Long.parseLong(args[1]), c.spikeSteps(), c.coordinatesPerSpike(), c.spikeFactor());
        }
        Result r = run(c);
        writeCsv(r, System.out);
        double[] excess = r.finalExcess();
        System.err.printf(Locale.ROOT, "final loss above the clean run: AdamW %.4g, SPAM %.4g%n", excess[0], excess[1]);
        for (int s : c.spikeSteps()) {
            System.err.printf(Locale.ROOT, "step %d: spiked %s (margins g²/(θc·v) %s), SPAM clipped %s%n", s + 1,
                    names(r, r.spiked().get(s)), Arrays.toString(r.spikeMargins().get(s)), names(r, r.clipped().get(s)));
        }
    }
}
