package dev.kiln.models.cli;

import dev.kiln.autograd.RecycleActivations;
import dev.kiln.layers.Module;
import dev.kiln.models.nn.ConvNet;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.models.nn.ModelDevice;
import dev.kiln.models.train.OpProfile;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.Sgd;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code kiln profile MODEL}: which ops a training step spends its time and allocation on. */
@Command(name = "profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run training steps of a model on generated data and print the top ops by time and by allocation,",
            "each with its share of the step. Every kernel call is a JFR event (dev.kiln.Op: op, shapes, dtype, backend,",
            "duration, bytes allocated), recorded in-process; --jfr keeps the recording for JDK Mission Control.",
            "  mlp: the MLP 784-512-512-10 (ReLU, Adam, cross-entropy), as kiln bench mlp.",
            "  gpt: a small byte-level GPT (GPT-2 layout, AdamW), as kiln bench gpt.",
            "  cnn: the small ResNet of kiln train cnn (widths 16,32,64, SGD with momentum), as kiln bench cnn.",
            "Time the ops do not cover is the Java around the kernels (autograd, views, the optimizer's loop).",
            "Allocation is the JVM heap of this thread (CPU tensors are heap arrays; CUDA memory is not counted).",
            "On CUDA kernels run asynchronously: an op's time is its launch, and waits land on copies to the host."},
        footer = {"", "Example: kiln profile gpt --layers 4 --d-model 256 --steps 10 --by shape"})
public final class ProfileCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "mlp, gpt or cnn.")
    String model;

    @Option(names = "--steps", defaultValue = "20", description = "Recorded training steps (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int steps;

    @Option(names = "--warmup", defaultValue = "50",
            description = "Unrecorded steps first (default: ${DEFAULT-VALUE}). Until C2 compiles the Vector API kernels they run "
                    + "many times slower and allocate an object per vector operation, which the tables would show.")
    @Range(min = 0, max = Range.INT_MAX)
    int warmup;

    @Option(names = "--batch-size", paramLabel = "N", description = "Batch size (default: 128 for mlp and cnn, 8 for gpt).")
    @Range(min = 1, max = Range.BATCH)
    Integer batch;

    @Option(names = "--hidden", split = ",", defaultValue = "512,512", paramLabel = "SIZES",
            description = "mlp: hidden widths (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int[] hidden;

    @Option(names = "--layers", defaultValue = "2", description = "gpt: blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    int layers;

    @Option(names = "--d-model", defaultValue = "128", description = "gpt: width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int dModel;

    @Option(names = "--heads", defaultValue = "4", description = "gpt: heads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int heads;

    @Option(names = "--context", defaultValue = "64", description = "gpt: context in bytes (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int context;

    @Option(names = "--top", defaultValue = "15", paramLabel = "N", description = "Rows per table (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.INT_MAX)
    int top;

    @Option(names = "--by", defaultValue = "op", description = "Group by op, or by op and shapes: op or shape (default: ${DEFAULT-VALUE}).")
    String by;

    @Option(names = "--jfr", paramLabel = "FILE", description = "Also keep the JFR recording in FILE.")
    Path jfr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for the weights and the generated data (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        String kind = model.toLowerCase(Locale.ROOT);
        if (!kind.equals("mlp") && !kind.equals("gpt") && !kind.equals("cnn")) {
            throw new IllegalArgumentException("MODEL: choose mlp, gpt or cnn, got '" + model + "'");
        }
        if (steps < 1 || warmup < 0 || top < 1 || (batch != null && batch < 1)) {
            throw new IllegalArgumentException("need --steps >= 1, --warmup >= 0, --top >= 1 and --batch-size >= 1; got "
                    + steps + ", " + warmup + ", " + top + ", " + batch);
        }
        boolean byShape = switch (by.toLowerCase(Locale.ROOT)) {
            case "op" -> false;
            case "shape" -> true;
            default -> throw new IllegalArgumentException("--by: choose op or shape, got '" + by + "'");
        };
        Device d = device.resolve();
        Generator rng = new Generator(seed);
        Runnable step = switch (kind) {
            case "mlp" -> mlpStep(rng, batch != null ? batch : 128);
            case "cnn" -> cnnStep(rng, batch != null ? batch : 128);
            default -> gptStep(rng, batch != null ? batch : 8);
        };
        out.printf(Locale.ROOT, "backend %s on %s, %s threads; %d warmup steps, then %d recorded%n", Backends.forDevice(d).name(),
                d, System.getProperty("kiln.threads", Integer.toString(Runtime.getRuntime().availableProcessors())), warmup,
                steps);
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        OpProfile p = OpProfile.record(step, steps, byShape, jfr);
        p.print(out, top);
        if (jfr != null) {
            out.println("\nrecording " + jfr + " (jfr print --events dev.kiln.Op " + jfr + ")");
        }
        out.flush();
        return 0;
    }

    private Runnable mlpStep(Generator rng, int n) {
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("--hidden: widths must be >= 1, got " + Arrays.toString(hidden));
            }
        }
        MlpClassifier.Config c = new MlpClassifier.Config(784, hidden, 10, "relu", "none");
        spec.commandLine().getOut().printf(Locale.ROOT, "profile mlp: %s, batch %d, Adam 1e-3, cross-entropy%n", c.sizes(), n);
        Module m = device.place(MlpClassifier.build(c, rng));
        Optimizer opt = Adam.builder(m.parameters()).lr(1e-3).build();
        return step(m, opt, ModelDevice.input(m, Tensor.rand(rng, n, 784)), ModelDevice.input(m, Tensor.randint(rng, 0, 10, n)));
    }

    private Runnable gptStep(Generator rng, int n) {
        Gpt.Config c = Gpt.Config.gpt2(layers, dModel, heads, context);
        spec.commandLine().getOut().printf(Locale.ROOT, "profile gpt: %s, batch %d, AdamW 1e-3, cross-entropy%n", c.describe(), n);
        Module m = device.place(new Gpt(c, rng));
        Optimizer opt = AdamW.builder(m.parameters()).lr(1e-3).weightDecay(0.01).build();
        return step(m, opt, ModelDevice.input(m, Tensor.randint(rng, 0, Gpt.VOCAB, n, context)),
                ModelDevice.input(m, Tensor.randint(rng, 0, Gpt.VOCAB, n * context)));
    }

    private Runnable cnnStep(Generator rng, int n) {
        ConvNet.Config c = new ConvNet.Config("resnet", new int[] {16, 32, 64}, 1, 1, 28, 10);
        spec.commandLine().getOut().printf(Locale.ROOT, "profile cnn: %s, 1x28x28, batch %d, SGD momentum, cross-entropy%n",
                c.describe(), n);
        ConvNet m = device.place(new ConvNet(c, rng));
        m.train();
        Optimizer opt = Sgd.builder(m.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build();
        return step(m, opt, ModelDevice.input(m, Tensor.rand(rng, n, 1, 28, 28)),
                ModelDevice.input(m, Tensor.randint(rng, 0, 10, n)));
    }

    /** Forward, loss, backward, optimizer step, and the loss read back (as a training loop does each step). */
    private static Runnable step(Module m, Optimizer opt, Tensor x, Tensor y) {
        return () -> {
            Tensor loss = m.forward(x).crossEntropy(y);
            try (RecycleActivations r = RecycleActivations.enter()) {
                opt.zeroGrad();
                loss.backward();
            }
            opt.step();
            loss.item();
        };
    }
}
