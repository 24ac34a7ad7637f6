package dev.kiln.models.cli;

import dev.kiln.models.nn.Gpt;
import dev.kiln.models.nn.ModelDevice;
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

    @CommandLine.Mixin
    DeviceOption device = new DeviceOption();

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
        Device d = device.resolve();
        out.printf(Locale.ROOT, "kiln: backend %s on %s, %s threads, Java %s%n", Backends.forDevice(d).name(), d,
                System.getProperty("kiln.threads", Integer.toString(Runtime.getRuntime().availableProcessors())),
                Runtime.version());
        List<String> cmd = null;
        if (torch) {
            cmd = new ArrayList<>(List.of(python, script.toString(), "--layers", Integer.toString(layers),
                    "--d-model", Integer.toString(dModel), "--heads", Integer.toString(heads), "--context",
                    Integer.toString(context), "--batch-size", Integer.toString(batch), "--warmup",
                    Integer.toString(warmup), "--steps", Integer.toString(steps), "--threads",
                    Integer.toString(torchThreads)));
        }
        StepBench.compare(out, rounds, breakdown, () -> kilnRound(config), 
                cmd, "bench gpt --torch", t -> "");
        return 0;
    }

    private StepBench.Round kilnRound(Gpt.Config config) {
        Generator rng = new Generator(0);
        Gpt model = device.place(new Gpt(config, rng));
        Optimizer opt = AdamW.builder(model.parameters()).lr(1e-3).weightDecay(0.01).build();
        Tensor x = ModelDevice.input(model, Tensor.randint(rng, 0, Gpt.VOCAB, batch, context));
        Tensor y = ModelDevice.input(model, Tensor.randint(rng, 0, Gpt.VOCAB, batch * context));
        return StepBench.time(() -> model.forward(x).crossEntropy(y), opt, model.parameterCount(), warmup, steps);
    }
}
