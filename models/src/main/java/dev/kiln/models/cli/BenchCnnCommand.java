package dev.kiln.models.cli;

import dev.kiln.models.nn.ConvNet;
import dev.kiln.models.nn.ModelDevice;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Sgd;
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

/** {@code kiln bench cnn}: the training step of {@code kiln train cnn}'s model, Kiln against PyTorch in one run. */
@Command(name = "cnn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time one training step of kiln train cnn's model (default: the ResNet 16-32-64 with one basic block",
            "per stage; SGD lr 0.05, momentum 0.9, weight decay 5e-4; cross-entropy over 10 classes) on a fixed random",
            "batch of 1x28x28 images in training mode: forward, backward, optimizer step. With --torch,",
            "tools/torch_cnn_step.py times the same network in PyTorch (2 threads, OMP_WAIT_POLICY=PASSIVE, glibc malloc",
            "thresholds raised; its convolutions on oneDNN), in alternating rounds in this one run, and the ratio is",
            "printed. --breakdown also times forward, backward and the optimizer step apart."})
public final class BenchCnnCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--arch", defaultValue = "resnet", description = "resnet or vgg (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--widths", split = ",", defaultValue = "16,32,64", paramLabel = "CHANNELS",
            description = "Channels of each stage (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 4_096)
    int[] widths;

    @Option(names = "--blocks", defaultValue = "1", paramLabel = "N",
            description = "Per stage: basic blocks (resnet) or conv layers (vgg) (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 64)
    int blocks;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 65_536)
    int batch;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed steps first, each round (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = Range.INT_MAX)
    int warmup;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps per round (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds; the best round's median counts (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 10_000)
    int rounds;

    @Option(names = "--breakdown", description = "Also time forward (with the loss), backward and the optimizer step apart.")
    boolean breakdown;

    @CommandLine.Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--torch", description = "Also time PyTorch with tools/torch_cnn_step.py.")
    boolean torch;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--torch-threads", defaultValue = "2", description = "PyTorch threads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 1_024)
    int torchThreads;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        String a = arch.toLowerCase(Locale.ROOT);
        if (!ConvNet.ARCHS.contains(a)) {
            throw new IllegalArgumentException("bench cnn: --arch: unknown '" + arch + "'; choose resnet or vgg");
        }
        Path script = dev.kiln.models.Cli.home().resolve("tools").resolve("torch_cnn_step.py");
        if (torch && !Files.isRegularFile(script)) {
            throw new IllegalArgumentException("bench cnn --torch: " + script.toAbsolutePath()
                    + " not found; run through ./kiln or from Kiln's root");
        }
        ConvNet.Config config = new ConvNet.Config(a, widths, blocks, 1, 28, 10);
        out.printf(Locale.ROOT, "CNN %s, 1x28x28, batch %d, SGD momentum: %d rounds of %d warmup + %d timed steps%n",
                config.describe(), batch, rounds, warmup, steps);
        Device d = device.resolve();
        out.printf(Locale.ROOT, "kiln: backend %s on %s, %s threads, Java %s%n", Backends.forDevice(d).name(), d,
                System.getProperty("kiln.threads", Integer.toString(Runtime.getRuntime().availableProcessors())),
                Runtime.version());
        List<String> cmd = null;
        if (torch) {
            cmd = new ArrayList<>(List.of(python, script.toString(), "--arch", a, "--blocks",
                    Integer.toString(blocks), "--batch-size", Integer.toString(batch), "--warmup", Integer.toString(warmup),
                    "--steps", Integer.toString(steps), "--threads", Integer.toString(torchThreads), "--widths"));
            for (int w : widths) {
                cmd.add(Integer.toString(w));
            }
        }
        StepBench.compare(out, rounds, breakdown, () -> kilnRound(config), 
                cmd, "bench cnn --torch", t -> "oneDNN " + t.get("mkldnn") + ", ");
        return 0;
    }

    private StepBench.Round kilnRound(ConvNet.Config config) {
        Generator rng = new Generator(0);
        ConvNet model = device.place(new ConvNet(config, rng));
        model.train();
        Optimizer opt = Sgd.builder(model.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build();
        Tensor x = ModelDevice.input(model, Tensor.rand(rng, batch, 1, 28, 28));
        Tensor y = ModelDevice.input(model, Tensor.randint(rng, 0, 10, batch));
        return StepBench.time(() -> model.forward(x).crossEntropy(y), opt, model.parameterCount(), warmup, steps);
    }
}
