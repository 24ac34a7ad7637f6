package dev.kiln.models.cli;

import dev.kiln.autograd.RecycleActivations;
import dev.kiln.models.train.StepTimer;
import dev.kiln.optim.Optimizer;
import dev.kiln.tensor.Tensor;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What {@code kiln bench gpt} and {@code kiln bench cnn} share: one training step timed with its
 * parts (forward with the loss, backward, optimizer), and rounds of Kiln and PyTorch alternating,
 * the best round's median of each side counting.
 */
final class StepBench {
    private StepBench() {
    }

    /** One round of Kiln: the step's statistics, its parts' medians and the model's size. */
    record Round(StepTimer.Stats step, StepTimer.Stats forward, StepTimer.Stats backward,
                 StepTimer.Stats optimizer, long parameters) {
    }

    /** Times {@code steps} steps of loss → backward → optimizer step after {@code warmup} untimed ones. */
    static Round time(Supplier<Tensor> loss, Optimizer opt, long parameters, int warmup, int steps) {
        double[] f = new double[steps];
        double[] b = new double[steps];
        double[] o = new double[steps];
        int[] i = {-warmup};
        Runnable step = () -> {
            long t0 = System.nanoTime();
            Tensor l = loss.get();
            long t1 = System.nanoTime();
            try (RecycleActivations r = RecycleActivations.enter()) {
                opt.zeroGrad(); // nor the last step's gradients
                l.backward(); // nothing reads the step's activations afterwards
            }
            long t2 = System.nanoTime();
            opt.step();
            long t3 = System.nanoTime();
            if (i[0] >= 0) {
                f[i[0]] = (t1 - t0) * 1e-6;
                b[i[0]] = (t2 - t1) * 1e-6;
                o[i[0]] = (t3 - t2) * 1e-6;
            }
            i[0]++;
        };
        StepTimer.Stats s = StepTimer.time(step, warmup, steps);
        return new Round(s, StepTimer.stats(f), StepTimer.stats(b), StepTimer.stats(o), parameters);
    }

    /**
     * {@code rounds} rounds of {@code kiln}, each followed by the PyTorch script {@code torchCmd}
     * (null: Kiln only), then the best medians and their ratio. {@code torchExtra} adds what a
     * script reports beyond the common fields (e.g. "oneDNN true, ").
     */
    static void compare(PrintWriter out, int rounds, boolean breakdown, Supplier<Round> kiln, List<String> torchCmd,
                        String who, Function<Map<String, String>, String> torchExtra) throws Exception {
        double kilnBest = Double.POSITIVE_INFINITY;
        double torchBest = Double.POSITIVE_INFINITY;
        for (int r = 0; r < rounds; r++) {
            Round k = kiln.get();
            kilnBest = Math.min(kilnBest, k.step().medianMs());
            out.printf(Locale.ROOT, "round %d  kiln  median %.3f ms  mean %.3f ms  p10 %.3f  p90 %.3f  (%,d parameters)%n", r + 1,
                    k.step().medianMs(), k.step().meanMs(), k.step().p10Ms(), k.step().p90Ms(), k.parameters());
            if (breakdown) {
                out.printf(Locale.ROOT, "        forward+loss %.3f ms  backward %.3f ms  optimizer %.3f ms (medians)%n",
                        k.forward().medianMs(), k.backward().medianMs(), k.optimizer().medianMs());
            }
            if (torchCmd != null) {
                Map<String, String> t = BenchCommand.runTorch(torchCmd, who);
                double med = Double.parseDouble(t.get("median_ms"));
                torchBest = Math.min(torchBest, med);
                out.printf(Locale.ROOT, "round %d  torch median %.3f ms  mean %s ms  p10 %s  p90 %s  (torch %s, %s threads, "
                        + "%s%s parameters)%n", r + 1, med, t.get("mean_ms"), t.get("p10_ms"), t.get("p90_ms"),
                        t.get("torch"), t.get("threads"), torchExtra.apply(t), t.get("parameters"));
                if (r == 0) {
                    out.println("torch BLAS: " + BenchCommand.blasText(t));
                }
            }
        }
        out.printf(Locale.ROOT, "kiln  step %.3f ms (best median of %d rounds)%n", kilnBest, rounds);
        if (torchCmd != null) {
            out.printf(Locale.ROOT, "torch step %.3f ms (best median of %d rounds)%n", torchBest, rounds);
            out.printf(Locale.ROOT, "kiln/torch = %.2fx (%s)%n", kilnBest / torchBest,
                    kilnBest < torchBest ? String.format(Locale.ROOT, "Kiln %.0f%% faster", 100 * (torchBest / kilnBest - 1))
                            : String.format(Locale.ROOT, "Kiln %.0f%% slower", 100 * (kilnBest / torchBest - 1)));
        }
        out.flush();
    }
}
