package dev.kiln.models.experiments;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.norm.PRepBN;
import dev.kiln.layers.transformer.NormConversion;
import dev.kiln.models.data.Batch;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.train.StepTimer;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.LrSchedule;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * LayerNorm against SLAB's PRepBN (Guo et al. 2024; docs/formulas/norms.md) in a Pre-norm byte-level
 * GPT: the same model, seed, batches and steps twice, once with LayerNorm and once with
 * {@link PRepBN} (LayerNorm alone for {@code warm} steps, then γ·LN + (1 − γ)·RepBN with γ falling
 * linearly from 1 to 0 over {@code decaySteps} steps). The PRepBN model is then folded
 * ({@link NormConversion#foldPRepBN}): its eval-mode RepBN maps go into the linear maps that read
 * them, so the folded model has no norm at all. Measured: training loss, validation loss (eval mode,
 * which for PRepBN is RepBN alone with the running statistics), that the folded model gives the
 * same logits, and inference speed (tokens/s of a no-grad forward) of the LayerNorm model, the
 * unfolded and the folded PRepBN model, timed in interleaved rounds.
 */
public final class PRepBNExperiment {
    public record Settings(Gpt.Config model, int batch, int steps, double lr, int warm, int decaySteps, int evalEvery,
                           int timingReps, int rounds, long seed) {
    }

    /** One trained model: its curves and final losses. */
    public record Arm(String name, LmTraining.Curves curves, double finalTrainLoss, double valLoss) {
    }

    /** One model's inference: median ms of a [batch, context] no-grad forward (best round) and tokens per second. */
    public record Speed(String name, double forwardMs, double tokensPerSecond) {
    }

    /** gammaAtStep[s]: the γ training step s used (1 during warm-up). */
    public record Result(List<Arm> arms, double[] gammaAtStep, double foldedValLoss, double foldRelDiff, List<Speed> speeds,
                         long lnParameters, long foldedParameters) {
    }

    private PRepBNExperiment() {
    }

    public static Result run(Settings s, ByteCorpus corpus, Consumer<String> progress) {
        if (s.warm() < 0 || s.decaySteps() < 1 || s.steps() < 1 || s.evalEvery() < 1) {
            throw new IllegalArgumentException("experiment prepbn: needs warm >= 0 and decay steps, steps, eval interval >= 1; "
                    + "got " + s.warm() + ", " + s.decaySteps() + ", " + s.steps() + ", " + s.evalEvery());
        }
        LmTraining.Data data = LmTraining.Data.of(corpus, s.batch(), s.model().context(), s.seed(), 8);
        List<Arm> arms = new ArrayList<>();
        Gpt[] models = new Gpt[2];
        double[] gammas = new double[s.steps()];
        String[] norms = {"layernorm", "prepbn"};
        for (int v = 0; v < 2; v++) {
            Gpt m = new Gpt(s.model().withNorm(norms[v], "pre", 0.25), new Generator(s.seed()));
            List<PRepBN> prepbns = new ArrayList<>();
            if (v == 1) {
                PRepBN.schedule(m, s.warm(), s.decaySteps());
                m.modules().stream().filter(x -> x instanceof PRepBN).forEach(x -> prepbns.add((PRepBN) x));
            }
            var opt = AdamW.builder(m.parameters()).lr(s.lr()).weightDecay(0.01).build();
            String name = v == 0 ? "LayerNorm" : "PRepBN";
            Consumer<String> tagged = progress == null ? null : line -> progress.accept(name + ": " + line);
            LmTraining.Curves c = LmTraining.train(m, opt, LrSchedule.cosine(Math.min(50, s.steps() / 10), s.steps(), 0.1),
                    data, s.steps(), s.evalEvery(), 1.0, step -> {
                        if (!prepbns.isEmpty()) {
                            // the forward of this step used γ and then advanced it: read it back from the counters
                            gammas[step] = gammaUsed(prepbns.get(0), step, s.warm(), s.decaySteps());
                        }
                    }, tagged);
            m.eval();
            arms.add(new Arm(name, c, c.lastTrainLoss(20), LmTraining.valLoss(m, data)));
            models[v] = m;
        }
        Gpt prep = models[1];
        Gpt folded = new Gpt(prep.config().withNorm("identity", "pre", 0.25), NormConversion.foldPRepBN(prep.transformer()));
        folded.eval();
        double foldedVal = LmTraining.valLoss(folded, data);
        double diff;
        Batch probe = data.val().batch(0);
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor ref = prep.forward(probe.input());
            diff = ref.sub(folded.forward(probe.input())).abs().max().item() / ref.abs().max().item();
        }
        if (progress != null) {
            progress.accept(String.format(Locale.ROOT, "folded PRepBN: val loss %.6f (unfolded %.6f), max rel logit diff %.2e",
                    foldedVal, arms.get(1).valLoss(), diff));
        }
        List<Speed> speeds = timeInference(new Gpt[] {models[0], prep, folded},
                new String[] {"LayerNorm", "PRepBN (unfolded, eval)", "PRepBN folded"}, probe.input(), s.timingReps(), s.rounds());
        return new Result(arms, gammas, foldedVal, diff, speeds, models[0].parameterCount(), folded.parameterCount());
    }

    /** The γ of a 0-based training step: the official schedule, checked against the layer's counters. */
    static double gammaUsed(PRepBN p, int step, int warm, int decay) {
        if (step < warm) {
            return 1;
        }
        double g = Math.max(0, (double) (decay - (step - warm)) / decay);
        // after this step's forward the layer's γ is the next step's
        double next = p.gamma();
        double expectNext = step + 1 < warm ? 1 : Math.max(0, (double) (decay - (step + 1 - warm)) / decay);
        if (Math.abs(next - expectNext) > 1e-12) {
            throw new IllegalStateException("experiment prepbn: PRepBN's schedule is at gamma " + next + " after step "
                    + (step + 1) + ", expected " + expectNext);
        }
        return g;
    }

    /** Each model's no-grad forward on tokens, in interleaved rounds; the best round's median per model. */
    static List<Speed> timeInference(Gpt[] models, String[] names, Tensor tokens, int reps, int rounds) {
        double[] best = new double[models.length];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        try (NoGrad ignored = NoGrad.enter()) {
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < models.length; i++) {
                    Gpt m = models[i];
                    best[i] = Math.min(best[i], StepTimer.time(() -> m.forward(tokens), 3, reps).medianMs());
                }
            }
        }
        List<Speed> out = new ArrayList<>();
        for (int i = 0; i < models.length; i++) {
            out.add(new Speed(names[i], best[i], tokens.numel() / (best[i] * 1e-3)));
        }
        return out;
    }
}
