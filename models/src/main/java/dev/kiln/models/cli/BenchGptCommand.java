package dev.kiln.models.cli;

import dev.kiln.models.nn.Gpt;
import dev.kiln.models.train.StepTimer;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln bench gpt}: the byte-level GPT's training step, Kiln against PyTorch in one run. */
@Command(name = "gpt", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time one training step of the byte-level GPT (GPT-2 layout: Pre-LN, causal softmax attention, GELU MLP",
            "4d, learned positions; AdamW lr 1e-3, weight decay 0.01; cross-entropy over 256 bytes) on a fixed random batch:",
            "forward, backward, optimizer step. With --torch, tools/torch_gpt_step.py times the same model in PyTorch (2",
            "threads, OMP_WAIT_POLICY=PASSIVE, glibc malloc thresholds raised), in alternating rounds in this one run, and",
            "the ratio is printed. --breakdown also times forward, backward and the optimizer step apart."})
public final class BenchGptCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--layers", defaultValue = "4", description = "Blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    int layers;

    @Option(names = "--d-model", defaultValue = "256", description = "Width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int dModel;

    @Option(names = "--heads", defaultValue = "4", description = "Heads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int heads;

    @Option(names = "--context", defaultValue = "128", description = "Context (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int context;

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.BATCH)
    int batch;

    @Option(names = "--warmup", defaultValue = "10", description = "Untimed steps first, each round (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = Range.INT_MAX)
    int warmup;

    @Option(names = "--steps", defaultValue = "30", description = "Timed steps per round (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds; the best round's median counts (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 10_000)
    int rounds;

    @Option(names = "--breakdown", description = "Also time forward (with the loss), backward and the optimizer step apart.")
    boolean breakdown;

    @Option(names = "--torch", description = "Also time PyTorch with tools/torch_gpt_step.py.")
    boolean torch;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--torch-threads", defaultValue = "2", description = "PyTorch threads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 1_024)
    int torchThreads;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        if (warmup < 0 || steps < 1 || rounds < 1) {
            throw new IllegalArgumentException("bench gpt: need --warmup >= 0, --steps >= 1 and --rounds >= 1");
        }
        Path script = dev.kiln.models.Cli.home().resolve("tools").resolve("torch_gpt_step.py");
        if (torch && !Files.isRegularFile(script)) {
            throw new IllegalArgumentException("bench gpt --torch: " + script.toAbsolutePath()
                    + " not found; run through ./kiln or from Kiln's root");
        }
        Gpt.Config config = Gpt.Config.gpt2(layers, dModel, heads, context);
        out.printf(Locale.ROOT, "GPT %s, batch %d, AdamW: %d rounds of %d warmup + %d timed steps%n", config.describe(), batch,
                rounds, warmup, steps);
        out.printf(Locale.ROOT, "kiln: backend %s, %s threads, Java %s%n", Backends.forDevice(Device.CPU).name(),
                System.getProperty("kiln.threads", Integer.toString(Runtime.getRuntime().availableProcessors())),
                Runtime.version());
        double kilnBest = Double.POSITIVE_INFINITY;
        double torchBest = Double.POSITIVE_INFINITY;
        for (int r = 0; r < rounds; r++) {
            Round k = kilnRound(config);
            kilnBest = Math.min(kilnBest, k.step().medianMs());
            out.printf(Locale.ROOT, "round %d  kiln  median %.3f ms  mean %.3f ms  p10 %.3f  p90 %.3f  (%,d parameters)%n", r + 1,
                    k.step().medianMs(), k.step().meanMs(), k.step().p10Ms(), k.step().p90Ms(), k.parameters());
            if (breakdown) {
                out.printf(Locale.ROOT, "        forward+loss %.3f ms  backward %.3f ms  optimizer %.3f ms (medians)%n",
                        k.forward().medianMs(), k.backward().medianMs(), k.optimizer().medianMs());
            }
            if (torch) {
                List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--layers", Integer.toString(layers),
                        "--d-model", Integer.toString(dModel), "--heads", Integer.toString(heads), "--context",
                        Integer.toString(context), "--batch-size", Integer.toString(batch), "--warmup",
                        Integer.toString(warmup), "--steps", Integer.toString(steps), "--threads",
                        Integer.toString(torchThreads)));
                Map<String, String> t = BenchCommand.runTorch(cmd, "bench gpt --torch");
                double med = Double.parseDouble(t.get("median_ms"));
                torchBest = Math.min(torchBest, med);
                out.printf(Locale.ROOT, "round %d  torch median %.3f ms  mean %s ms  p10 %s  p90 %s  (torch %s, %s threads, %s parameters)%n",
                        r + 1, med, t.get("mean_ms"), t.get("p10_ms"), t.get("p90_ms"), t.get("torch"), t.get("threads"),
                        t.get("parameters"));
            }
        }
        out.printf(Locale.ROOT, "kiln  step %.3f ms (best median of %d rounds)%n", kilnBest, rounds);
        if (torch) {
            out.printf(Locale.ROOT, "torch step %.3f ms (best median of %d rounds)%n", torchBest, rounds);
            out.printf(Locale.ROOT, "kiln/torch = %.2fx (%s)%n", kilnBest / torchBest,
                    kilnBest < torchBest ? String.format(Locale.ROOT, "Kiln %.0f%% faster", 100 * (torchBest / kilnBest - 1))
                            : String.format(Locale.ROOT, "Kiln %.0f%% slower", 100 * (kilnBest / torchBest - 1)));
        }
        out.flush();
        return 0;
    }

    private record Round(StepTimer.Stats step, StepTimer.Stats forward, StepTimer.Stats backward,
                         StepTimer.Stats optimizer, long parameters) {
    }

    private Round kilnRound(Gpt.Config config) {
        Generator rng = new Generator(0);
        Gpt model = new Gpt(config, rng);
        Optimizer opt = AdamW.builder(model.parameters()).lr(1e-3).weightDecay(0.01).build();
        Tensor x = Tensor.randint(rng, 0, Gpt.VOCAB, batch, context);
        Tensor y = Tensor.randint(rng, 0, Gpt.VOCAB, batch * context);
        double[] f = new double[steps];
        double[] b = new double[steps];
        double[] o = new double[steps];
        int[] i = {-warmup};
        Runnable step = () -> {
            long t0 = System.nanoTime();
            Tensor loss = model.forward(x).crossEntropy(y);
            long t1 = System.nanoTime();
            opt.zeroGrad();
            loss.backward();
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
        return new Round(s, StepTimer.stats(f), StepTimer.stats(b), StepTimer.stats(o), model.parameterCount());
    }
}
