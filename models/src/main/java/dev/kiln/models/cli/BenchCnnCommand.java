package dev.kiln.models.cli;

import dev.kiln.models.nn.ConvNet;
import dev.kiln.models.nn.ModelDevice;
import dev.kiln.models.train.StepTimer;
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
import java.util.Map;
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
                List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--arch", a, "--blocks",
                        Integer.toString(blocks), "--batch-size", Integer.toString(batch), "--warmup", Integer.toString(warmup),
                        "--steps", Integer.toString(steps), "--threads", Integer.toString(torchThreads), "--widths"));
                for (int w : widths) {
                    cmd.add(Integer.toString(w));
                }
                Map<String, String> t = BenchCommand.runTorch(cmd, "bench cnn --torch");
                double med = Double.parseDouble(t.get("median_ms"));
                torchBest = Math.min(torchBest, med);
                out.printf(Locale.ROOT, "round %d  torch median %.3f ms  mean %s ms  p10 %s  p90 %s  (torch %s, %s threads, "
                        + "oneDNN %s, %s parameters)%n", r + 1, med, t.get("mean_ms"), t.get("p10_ms"), t.get("p90_ms"),
                        t.get("torch"), t.get("threads"), t.get("mkldnn"), t.get("parameters"));
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

    private Round kilnRound(ConvNet.Config config) {
        Generator rng = new Generator(0);
        ConvNet model = device.place(new ConvNet(config, rng));
        model.train();
        Optimizer opt = Sgd.builder(model.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build();
        Tensor x = ModelDevice.input(model, Tensor.rand(rng, batch, 1, 28, 28));
        Tensor y = ModelDevice.input(model, Tensor.randint(rng, 0, 10, batch));
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
