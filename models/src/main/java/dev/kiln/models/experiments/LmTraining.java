package dev.kiln.models.experiments;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Module;
import dev.kiln.models.data.Batch;
import dev.kiln.models.data.BatchSource;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.optim.ClipGrad;
import dev.kiln.optim.LrSchedule;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Scheduler;
import dev.kiln.tensor.Tensor;

import java.util.function.Consumer;

/**
 * The experiments' training loop for byte-level language models: step s trains on the batch of
 * step s (a pure function of the seed, so every arm of an experiment sees the same batches), with
 * an optional hook between backward and the optimizer step (to read gradients), gradient
 * clipping, a schedule, and the validation loss every {@code evalEvery} steps on fixed held-out
 * windows. Prints nothing.
 */
public final class LmTraining {
    /** What a run measured: the training loss per step, the validation loss at the eval steps, wall time. */
    public record Curves(double[] trainLoss, long[] evalSteps, double[] valLoss, double seconds) {
        /** Mean training loss over the last k steps. */
        public double lastTrainLoss(int k) {
            int n = trainLoss.length;
            double s = 0;
            for (int i = Math.max(0, n - k); i < n; i++) {
                s += trainLoss[i];
            }
            return s / Math.min(k, n);
        }

        public double finalValLoss() {
            return valLoss[valLoss.length - 1];
        }
    }

    /** Training and held-out windows from one corpus (the last 10% held out), as {@code kiln train gpt}. */
    public record Data(BatchSource train, BatchSource val, int valBatches) {
        public static Data of(ByteCorpus corpus, int batch, int context, long seed, int valBatches) {
            ByteCorpus[] parts = corpus.split(0.1);
            return new Data(parts[0].windows(batch, context, seed), parts[1].windows(batch, context, seed + 1), valBatches);
        }
    }

    private LmTraining() {
    }

    /** Mean next-byte cross-entropy over the fixed validation batches. */
    public static double valLoss(Module model, Data data) {
        boolean was = model.isTraining();
        model.eval();
        try (NoGrad ignored = NoGrad.enter()) {
            double sum = 0;
            for (int i = 0; i < data.valBatches(); i++) {
                Batch b = data.val().batch(i);
                sum += model.forward(b.input()).crossEntropy(b.target().reshape(-1)).item();
            }
            return sum / data.valBatches();
        } finally {
            model.train(was);
        }
    }

    /**
     * Trains for {@code steps} steps; {@code afterBackward} (may be null) sees the step index after
     * backward and before clipping; clip 0 means none.
     */
    public static Curves train(Module model, Optimizer opt, LrSchedule schedule, Data data, int steps, int evalEvery,
                               double clip, StepHook afterBackward, Consumer<String> progress) {
        Scheduler scheduler = new Scheduler(opt, schedule);
        double[] loss = new double[steps];
        int evals = (steps + evalEvery - 1) / evalEvery;
        long[] evalSteps = new long[evals];
        double[] val = new double[evals];
        int e = 0;
        long t0 = System.nanoTime();
        model.train();
        for (int s = 0; s < steps; s++) {
            Batch b = data.train().batch(s);
            Tensor l = model.forward(b.input()).crossEntropy(b.target().reshape(-1));
            opt.zeroGrad();
            l.backward();
            if (afterBackward != null) {
                afterBackward.accept(s);
            }
            if (clip > 0) {
                ClipGrad.clipGradNorm(opt.params(), clip);
            }
            opt.step();
            scheduler.step();
            loss[s] = l.item();
            if ((s + 1) % evalEvery == 0 || s == steps - 1) {
                evalSteps[e] = s + 1;
                val[e] = valLoss(model, data);
                if (progress != null) {
                    progress.accept(String.format(java.util.Locale.ROOT, "step %d/%d  train loss %.4f  val loss %.4f  %.0f s",
                            s + 1, steps, loss[s], val[e], (System.nanoTime() - t0) * 1e-9));
                }
                e++;
            }
        }
        return new Curves(loss, java.util.Arrays.copyOf(evalSteps, e), java.util.Arrays.copyOf(val, e),
                (System.nanoTime() - t0) * 1e-9);
    }

    /** Called with the 0-based step after backward. */
    @FunctionalInterface
    public interface StepHook {
        void accept(int step);
    }
}
