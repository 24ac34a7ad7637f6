package dev.kiln.models.cli;

import dev.kiln.autograd.RecycleActivations;
import dev.kiln.layers.Sequential;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.models.nn.ModelDevice;
import dev.kiln.models.train.StepTimer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln bench}: times training steps against PyTorch. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time training steps, Kiln against PyTorch on the same machine.",
        subcommands = {BenchCommand.Mlp.class, BenchGptCommand.class, BenchCnnCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code kiln bench mlp}: the Fashion-MNIST MLP's training step. */
    @Command(name = "mlp", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Time one training step of the MLP 784-512-512-10 (ReLU, Adam 1e-3, cross-entropy) on a fixed",
                "random batch: forward, backward, optimizer step. With --torch, tools/torch_mlp_step.py times the same step",
                "in PyTorch (2 threads, OMP_WAIT_POLICY=PASSIVE, glibc malloc thresholds raised), in alternating rounds in",
                "this one run, and the ratio is printed."})
    public static final class Mlp implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
        @Range(min = 1, max = Range.BATCH)
        int batch;

        @Option(names = "--hidden", split = ",", defaultValue = "512,512", description = "Hidden widths (default: ${DEFAULT-VALUE}).")
        @Range(min = 1, max = Range.WIDTH)
        int[] hidden;

        @Option(names = "--warmup", defaultValue = "200", description = "Untimed steps first, each round (default: ${DEFAULT-VALUE}).")
        @Range(min = 0, max = Range.INT_MAX)
        int warmup;

        @Option(names = "--steps", defaultValue = "300", description = "Timed steps per round (default: ${DEFAULT-VALUE}).")
        @Range(min = 1, max = Range.INT_MAX)
        int steps;

        @Option(names = "--rounds", defaultValue = "3", description = "Rounds; the best round's median counts (default: ${DEFAULT-VALUE}).")
        @Range(min = 1, max = 10_000)
        int rounds;

        @CommandLine.Mixin
        DeviceOption device = new DeviceOption();

        @Option(names = "--torch", description = "Also time PyTorch with tools/torch_mlp_step.py.")
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
                throw new IllegalArgumentException("bench mlp: need --warmup >= 0, --steps >= 1 and --rounds >= 1");
            }
            Path script = dev.kiln.models.Cli.home().resolve("tools").resolve("torch_mlp_step.py");
            if (torch && !Files.isRegularFile(script)) {
                throw new IllegalArgumentException("bench mlp --torch: " + script.toAbsolutePath()
                        + " not found; run through ./kiln or from Kiln's root");
            }
            String sizes = 784 + "-" + String.join("-", java.util.Arrays.stream(hidden).mapToObj(Integer::toString).toList()) + "-10";
            out.printf(Locale.ROOT, "MLP %s, batch %d, Adam: %d rounds of %d warmup + %d timed steps%n", sizes, batch, rounds,
                    warmup, steps);
            Device d = device.resolve();
            out.printf(Locale.ROOT, "kiln: backend %s on %s, %s threads, Java %s%n", Backends.forDevice(d).name(), d,
                    System.getProperty("kiln.threads", Integer.toString(Runtime.getRuntime().availableProcessors())),
                    Runtime.version());
            double kilnBest = Double.POSITIVE_INFINITY;
            double torchBest = Double.POSITIVE_INFINITY;
            for (int r = 0; r < rounds; r++) {
                StepTimer.Stats k = kilnRound();
                kilnBest = Math.min(kilnBest, k.medianMs());
                out.printf(Locale.ROOT, "round %d  kiln  median %.3f ms  mean %.3f ms  p10 %.3f  p90 %.3f%n", r + 1, k.medianMs(),
                        k.meanMs(), k.p10Ms(), k.p90Ms());
                if (torch) {
                    Map<String, String> t = torchRound(script);
                    double med = Double.parseDouble(t.get("median_ms"));
                    torchBest = Math.min(torchBest, med);
                    out.printf(Locale.ROOT, "round %d  torch median %.3f ms  mean %s ms  p10 %s  p90 %s  (torch %s, %s threads)%n",
                            r + 1, med, t.get("mean_ms"), t.get("p10_ms"), t.get("p90_ms"), t.get("torch"), t.get("threads"));
                    if (r == 0) {
                        out.println("torch BLAS: " + blasText(t));
                    }
                }
            }
            out.printf(Locale.ROOT, "kiln  step %.3f ms (best median of %d rounds)%n", kilnBest, rounds);
            if (torch) {
                out.printf(Locale.ROOT, "torch step %.3f ms (best median of %d rounds)%n", torchBest, rounds);
                out.printf(Locale.ROOT, "kiln/torch = %.2fx (%s)%n", kilnBest / torchBest,
                        kilnBest < torchBest ? String.format(Locale.ROOT, "Kiln %.0f%% faster", 100 * (torchBest / kilnBest - 1))
                                : String.format(Locale.ROOT, "Kiln %.0f%% slower", 100 * (kilnBest / torchBest - 1)));
            }
            return 0;
        }

        private StepTimer.Stats kilnRound() {
            Generator rng = new Generator(0);
            Sequential model = device.place(MlpClassifier.build(new MlpClassifier.Config(784, hidden, 10, "relu", "none"), rng));
            Optimizer opt = Adam.builder(model.parameters()).lr(1e-3).build();
            Tensor x = ModelDevice.input(model, Tensor.rand(rng, batch, 784));
            Tensor y = ModelDevice.input(model, Tensor.randint(rng, 0, 10, batch));
            Runnable step = () -> {
                Tensor loss = model.forward(x).crossEntropy(y);
                try (RecycleActivations r = RecycleActivations.enter()) {
                    opt.zeroGrad(); // as kiln train's steps: last step's gradients and this step's activations
                    loss.backward(); // go back to the pool
                }
                opt.step();
            };
            return StepTimer.time(step, warmup, steps);
        }

        private Map<String, String> torchRound(Path script) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--batch-size", Integer.toString(batch),
                    "--warmup", Integer.toString(warmup), "--steps", Integer.toString(steps), "--threads",
                    Integer.toString(torchThreads), "--hidden"));
            for (int h : hidden) {
                cmd.add(Integer.toString(h));
            }
            return runTorch(cmd, "bench mlp --torch");
        }
    }

    /**
     * What a PyTorch script reported about its BLAS (tools/torch_blas.py), for the line printed after the
     * first round: "OpenBLAS core SkylakeX (set: OpenBLAS 0.3.21 fell back to Prescott on this CPU), PATH"
     * where OpenBLAS had to be told its core, else the core and why it runs, else the library's kind.
     */
    static String blasText(Map<String, String> t) {
        String blas = t.getOrDefault("blas", "");
        String path = t.getOrDefault("blas_path", "");
        String where = path.isEmpty() ? "" : ", " + path;
        if (blas.isEmpty()) {
            return "not reported";
        }
        if ("openblas".equals(blas) && !t.getOrDefault("blas_core", "").isEmpty()) {
            String note = t.getOrDefault("blas_core_note", "");
            return "OpenBLAS core " + t.get("blas_core") + (note.isEmpty() ? "" : " (" + note + ")") + where;
        }
        return blas + where;
    }

    /** Runs a PyTorch timing script and returns the JSON of its last line as strings. */
    static Map<String, String> runTorch(List<String> cmd, String who) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        int rc = p.waitFor();
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        if (rc != 0 || !last.startsWith("{")) {
            throw new IllegalStateException(who + ": " + String.join(" ", cmd) + " failed (exit " + rc + "):\n"
                    + String.join("\n", lines));
        }
        Map<String, String> m = new java.util.LinkedHashMap<>();
        dev.kiln.models.Models.parse(last).entrySet().forEach(e -> m.put(e.getKey(), e.getValue().getAsString()));
        if ("reference".equals(m.get("blas"))) {
            throw new IllegalStateException(who + ": PyTorch runs its matrix products on the reference BLAS ("
                    + m.get("blas_path") + "), about 20x slower than an optimised one, so a ratio would be meaningless."
                    + " Install OpenBLAS (apt-get install libopenblas0-pthread) and check it is selected with"
                    + " update-alternatives --display libblas.so.3-x86_64-linux-gnu");
        }
        return m;
    }
}
