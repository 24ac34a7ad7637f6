package dev.kiln.models.experiments;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Module;
import dev.kiln.layers.norm.CRMSNorm;
import dev.kiln.layers.norm.LayerNorm;
import dev.kiln.layers.norm.RMSNorm;
import dev.kiln.layers.transformer.NormConversion;
import dev.kiln.layers.transformer.TransformerLM;
import dev.kiln.models.data.Batch;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.train.StepTimer;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.LrSchedule;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Pre-LN → Pre-RMSNorm → Pre-CRMSNorm on a trained byte-level GPT (docs/formulas/norms.md, Jiang et al.
 * 2023): trains a Pre-LN model briefly, converts it both ways ({@link NormConversion}), and
 * measures (1) that the outputs are the same: logits on held-out windows in F32 and, for the same
 * weights in F64, to 1e-9 relative; (2) the features the stream stores (d against d − 1) and the
 * parameter counts; (3) the norm's own speed: LayerNorm(d), RMSNorm(d) and CRMSNorm(d − 1) on
 * the activations' shape [B·T, d], forward and forward + backward, in interleaved rounds, and the
 * inference forward of the three whole models.
 */
public final class CrmsNormExperiment {
    public record Settings(Gpt.Config model, int batch, int trainSteps, double lr, int timingReps, int rounds, long seed) {
    }

    /** One model: its name, stream width, parameters, held-out loss, and max relative logit difference to Pre-LN (F32, F64). */
    public record Variant(String name, int streamDim, long parameters, double valLoss, double relDiffF32, double relDiffF64,
                          double forwardMs) {
    }

    /** One norm's timing: median ms of forward and of forward + backward (best round). */
    public record NormTiming(String norm, int features, double forwardMs, double forwardBackwardMs) {
    }

    public record Result(double trainedLoss, List<Variant> variants, List<NormTiming> norms, int rows) {
    }

    private CrmsNormExperiment() {
    }

    public static Result run(Settings s, ByteCorpus corpus, Consumer<String> progress) {
        Gpt.Config c = s.model().withNorm("layernorm", "pre", 0.25);
        LmTraining.Data data = LmTraining.Data.of(corpus, s.batch(), c.context(), s.seed(), 4);
        Gpt ln = new Gpt(c, new Generator(s.seed()));
        var opt = AdamW.builder(ln.parameters()).lr(s.lr()).weightDecay(0.01).build();
        LmTraining.Curves curves = LmTraining.train(ln, opt, LrSchedule.cosine(Math.min(20, s.trainSteps() / 10),
                s.trainSteps(), 0.1), data, s.trainSteps(), Math.max(1, s.trainSteps()), 1.0, null, progress);
        ln.eval();

        // the same trained weights in F64, converted in F64
        Gpt ln64 = new Gpt(c, new Generator(0));
        ln64.loadStateDict(ln.stateDict());
        ln64.to(DType.F64);

        List<Variant> variants = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter()) {
            Batch probe = data.val().batch(0);
            Tensor ref32 = ln.forward(probe.input());
            Tensor ref64 = ln64.forward(probe.input());
            String[] names = {"Pre-LN", "Pre-RMSNorm", "Pre-CRMSNorm"};
            for (int v = 0; v < 3; v++) {
                Gpt m32 = v == 0 ? ln : new Gpt(c.withNorm(v == 1 ? "rmsnorm" : "crmsnorm", "pre", 0.25),
                        convert(ln.transformer(), v));
                Gpt m64 = v == 0 ? ln64 : new Gpt(m32.config(), convert(ln64.transformer(), v));
                m32.eval();
                m64.eval();
                double d32 = relDiff(m32.forward(probe.input()), ref32);
                double d64 = relDiff(m64.forward(probe.input()), ref64);
                double val = LmTraining.valLoss(m32, data);
                Gpt timed = m32;
                StepTimer.Stats fwd = StepTimer.time(() -> timed.forward(probe.input()), 3, s.timingReps());
                variants.add(new Variant(names[v], m32.transformer().config().streamDim(), m32.parameterCount(), val, d32, d64,
                        fwd.medianMs()));
                if (progress != null) {
                    progress.accept(String.format(java.util.Locale.ROOT, "%s: stream %d, val loss %.6f, max rel diff %.2e (F32) %.2e (F64)",
                            names[v], m32.transformer().config().streamDim(), val, d32, d64));
                }
            }
        }
        int rows = s.batch() * c.context();
        List<NormTiming> norms = timeNorms(c.dModel(), rows, s.timingReps(), s.rounds(), s.seed());
        return new Result(curves.lastTrainLoss(10), variants, norms, rows);
    }

    private static TransformerLM convert(TransformerLM preLn, int v) {
        return v == 1 ? NormConversion.toPreRmsNorm(preLn) : NormConversion.toPreCrmsNorm(preLn);
    }

    /** max |a − b| / max |b|. */
    static double relDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item() / b.abs().max().item();
    }

    /** The three norms on [rows, d] activations (CRMSNorm on [rows, d − 1]), in interleaved rounds; the best round's medians. */
    public static List<NormTiming> timeNorms(int d, int rows, int reps, int rounds, long seed) {
        Generator rng = new Generator(seed);
        Module[] norms = {new LayerNorm(d), new RMSNorm(d), new CRMSNorm(d - 1)};
        String[] names = {"LayerNorm", "RMSNorm", "CRMSNorm"};
        int[] features = {d, d, d - 1};
        Tensor full = Tensor.randn(rng, rows, d);
        Tensor[] inputs = {full, full, full.narrow(1, 0, d - 1).contiguous()};
        Tensor dy = Tensor.randn(rng, rows, d);
        double[] fwd = new double[3];
        double[] both = new double[3];
        java.util.Arrays.fill(fwd, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(both, Double.POSITIVE_INFINITY);
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < 3; i++) {
                Module n = norms[i];
                Tensor x = inputs[i];
                Tensor g = features[i] == d ? dy : dy.narrow(1, 0, d - 1).contiguous();
                StepTimer.Stats f;
                try (NoGrad ignored = NoGrad.enter()) {
                    f = StepTimer.time(() -> n.forward(x), 5, reps);
                }
                Tensor xg = x.detach().requiresGrad(true);
                StepTimer.Stats fb = StepTimer.time(() -> {
                    n.zeroGrad();
                    xg.zeroGrad();
                    n.forward(xg).backward(g);
                }, 5, reps);
                fwd[i] = Math.min(fwd[i], f.medianMs());
                both[i] = Math.min(both[i], fb.medianMs());
            }
        }
        List<NormTiming> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            out.add(new NormTiming(names[i], features[i], fwd[i], both[i]));
        }
        return out;
    }
}
