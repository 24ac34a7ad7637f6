package dev.kiln.models.experiments;

import dev.kiln.layers.Parameter;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.nn.Gpt;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.LrSchedule;
import dev.kiln.optim.Optimizer;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Mix-LN against Pre-LN and Post-LN (docs/formulas/norms.md's claim): the same byte-level GPT, seed,
 * batches, optimizer and budget, with only the norm placement changed. Each step, before
 * clipping, the gradient norm of every block (all its parameters together) is recorded; the
 * claim is that Mix-LN's per-layer norms are more even across depth than Pre-LN's (whose deep
 * layers get small gradients), and that its validation loss is no worse than Pre-LN's and better
 * than Post-LN's at the same budget.
 */
public final class NormPlacementExperiment {
    /** The shared setup; {@code base}'s placement is replaced by each arm's. */
    public record Settings(Gpt.Config base, int batch, int steps, int evalEvery, double lr, int warmup, double clip,
                           long seed) {
    }

    /**
     * One arm: its placement ("pre", "post", "mix"), its curves, and per block the gradient norm
     * averaged over all steps and over the last quarter of the steps.
     */
    public record Arm(String placement, Gpt.Config config, LmTraining.Curves curves, double[] meanGradNorm,
                      double[] lateGradNorm) {
    }

    private NormPlacementExperiment() {
    }

    public static List<Arm> run(Settings s, ByteCorpus corpus, List<String> placements, double alpha,
                                Consumer<String> progress) {
        LmTraining.Data data = LmTraining.Data.of(corpus, s.batch(), s.base().context(), s.seed(), 8);
        List<Arm> arms = new ArrayList<>();
        for (String p : placements) {
            Gpt.Config c = s.base().withNorm(s.base().norm(), p, alpha);
            Gpt model = new Gpt(c, new Generator(s.seed()));
            Optimizer opt = AdamW.builder(model.parameters()).lr(s.lr()).weightDecay(0.01).build();
            LrSchedule schedule = LrSchedule.cosine(s.warmup(), s.steps(), 0.1);
            int layers = c.layers();
            List<List<Parameter>> blocks = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                List<Parameter> ps = new ArrayList<>();
                for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                    if (e.getKey().startsWith("transformer.h." + i + ".")) {
                        ps.add(e.getValue());
                    }
                }
                blocks.add(ps);
            }
            double[] sum = new double[layers];
            double[] late = new double[layers];
            int lateFrom = s.steps() - Math.max(1, s.steps() / 4);
            if (progress != null) {
                progress.accept(p + ": " + c.describe());
            }
            LmTraining.Curves curves = LmTraining.train(model, opt, schedule, data, s.steps(), s.evalEvery(), s.clip(),
                    step -> {
                        for (int i = 0; i < layers; i++) {
                            double g = Math.sqrt(squaredNorm(blocks.get(i)));
                            sum[i] += g;
                            if (step >= lateFrom) {
                                late[i] += g;
                            }
                        }
                    }, progress == null ? null : line -> progress.accept(p + " " + line));
            for (int i = 0; i < layers; i++) {
                sum[i] /= s.steps();
                late[i] /= s.steps() - lateFrom;
            }
            arms.add(new Arm(p, c, curves, sum, late));
        }
        return arms;
    }

    static double squaredNorm(List<Parameter> params) {
        double s = 0;
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g != null) {
                s += g.square().sum().item();
            }
        }
        return s;
    }

    /** Coefficient of variation (std/mean): 0 when every layer's norm is the same. */
    public static double cv(double[] v) {
        double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
        double var = java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).average().orElse(Double.NaN);
        return Math.sqrt(var) / mean;
    }

    /** The largest layer norm over the smallest. */
    public static double maxOverMin(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN) / java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }
}
