package dev.kiln.models.cli;

import dev.kiln.models.nn.Gpt;
import dev.kiln.models.nn.TextSampler;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kiln generate CHECKPOINT}: samples text from a byte-level language model. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample text from a byte-level language model checkpoint (e.g. the demo's: kiln generate runs/demo).",
            "A GPT with softmax attention samples with its KV cache (one token's forward pass per byte)."})
public final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A checkpoint file or a run folder.")
    Path checkpoint;

    @Option(names = "--prompt", defaultValue = "public ", description = "Text to continue (default: \"${DEFAULT-VALUE}\").")
    String prompt;

    @Option(names = "--length", defaultValue = "400", description = "Bytes to sample (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 10_000_000)
    int length;

    @Option(names = "--temperature", defaultValue = "0.8", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = 1_000)
    double temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Sample among the k likeliest bytes; 0: all (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 256)
    int topK;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @CommandLine.Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        Checkpoints.Loaded l = Checkpoints.load(checkpoint);
        String kind = l.kind();
        if (kind.equals("mlp") || kind.equals("bilinear") || kind.equals("kan") || kind.equals("cnn")) {
            throw new IllegalArgumentException(l.file() + " holds an image classifier (" + kind + "), not a language model");
        }
        device.place(l.model());
        int window = l.block();
        String text = l.model() instanceof Gpt gpt ? gpt.generate(prompt, length, temperature, topK, new Generator(seed))
                : new TextSampler(l.model(), window).sample(prompt, length, temperature, topK, new Generator(seed));
        spec.commandLine().getOut().println(text);
        return 0;
    }
}
