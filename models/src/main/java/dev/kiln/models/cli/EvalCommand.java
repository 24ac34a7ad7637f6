package dev.kiln.models.cli;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.loss.CrossEntropyLoss;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.data.IdxImages;
import dev.kiln.models.data.TensorDataset;
import dev.kiln.models.nn.ModelDevice;
import dev.kiln.models.train.ClassifierEvaluator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln eval CHECKPOINT}: measures a trained model. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a checkpoint (a file, or a run folder such as runs/mlp).",
            "A classifier on its data set's test split (loss, accuracy); a language model on --text (loss, bits per byte).",
            "The model is rebuilt from the checkpoint's own configuration."})
public final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A checkpoint file or a run folder (e.g. runs/mlp).")
    Path checkpoint;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--split", defaultValue = "test", description = "Classifiers: test or train (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--text", paramLabel = "PATH", description = "Language models: text files or folders to score.")
    List<Path> text;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        Checkpoints.Loaded l = Checkpoints.load(checkpoint);
        String kind = l.kind();
        device.place(l.model());
        out.printf(Locale.ROOT, "%s: %s model, step %s%n", l.file(), kind, l.checkpoint().metadata().getOrDefault("step", "?"));
        if (kind.equals("mlp") || kind.equals("bilinear") || kind.equals("kan") || kind.equals("cnn")) {
            if (l.dataset() == null) {
                throw new IllegalArgumentException(l.file() + " names no data set in its configuration (a kan-fit regressor? "
                        + "its test RMSE is in rmse.csv beside it)");
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption("--dataset")) {
                data.dataset = l.dataset();
            }
            IdxImages.Split s = switch (split.toLowerCase(Locale.ROOT)) {
                case "test" -> IdxImages.Split.TEST;
                case "train" -> IdxImages.Split.TRAIN;
                default -> throw new IllegalArgumentException("--split: choose test or train, got " + split);
            };
            TensorDataset d = data.load(s);
            Map<String, Double> m = NoGrad.run(() -> new ClassifierEvaluator(d, 1000).evaluate(l.model()));
            out.printf(Locale.ROOT, "%s %s (%d images): loss %.4f, accuracy %.2f%%%n", data.canonicalName(), split, d.size(),
                    m.get("loss"), 100 * m.get("accuracy"));
            return 0;
        }
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a " + kind + " checkpoint is scored on text: pass --text FILE_OR_FOLDER");
        }
        ByteCorpus corpus = ByteCorpus.read(text, ByteCorpus.extensions("java", "md", "txt", "py", "c", "h"));
        int block = l.block();
        int windows = Math.max(1, Math.min(256, corpus.size() / (block + 1)));
        CrossEntropyLoss ce = new CrossEntropyLoss();
        double sum = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int w = 0; w < windows; w++) {
                int from = (int) ((long) w * (corpus.size() - block - 1) / windows);
                var x = corpus.tokens(from, block).reshape(1, block);
                var y = corpus.tokens(from + 1, block);
                sum += ce.forward(l.model().forward(ModelDevice.input(l.model(), x)), ModelDevice.input(l.model(), y)).item();
            }
        }
        double loss = sum / windows;
        out.printf(Locale.ROOT, "text: %,d bytes, %d windows of %d: loss %.4f, %.3f bits per byte%n", corpus.size(), windows,
                block, loss, loss / Math.log(2));
        return 0;
    }
}
