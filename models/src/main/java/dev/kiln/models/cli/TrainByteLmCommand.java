package dev.kiln.models.cli;

import com.google.gson.JsonObject;
import dev.kiln.layers.loss.CrossEntropyLoss;
import dev.kiln.models.Models;
import dev.kiln.models.data.ByteCorpus;
import dev.kiln.models.data.BatchSource;
import dev.kiln.models.nn.ByteMlpLm;
import dev.kiln.models.train.Evaluator;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kiln train bytelm}: the byte-level MLP language model on text files. */
@Command(name = "bytelm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a byte-level MLP language model (Bengio et al. 2003) on text files or folders.")
public final class TrainByteLmCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Text files or folders (folders: files with --ext).")
    List<Path> paths;

    @Option(names = "--ext", split = ",", defaultValue = "java,md,txt", description = "File extensions read from folders (default: ${DEFAULT-VALUE}).")
    String[] ext;

    @Option(names = "--context", defaultValue = "16", description = "Bytes of context (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int context;

    @Option(names = "--embed", defaultValue = "24", description = "Embedding width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int embed;

    @Option(names = "--hidden", defaultValue = "512", description = "Hidden width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int hidden;

    @Option(names = "--block", defaultValue = "64", description = "Bytes per training window (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    int block;

    @Mixin
    TrainOptions train = new TrainOptions();

    @Override
    public Integer call() throws Exception {
        ByteCorpus corpus = ByteCorpus.read(paths, ByteCorpus.extensions(ext));
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        ByteMlpLm.Config mc = new ByteMlpLm.Config(context, embed, hidden);
        var r = ByteLm.train(out, err, train, corpus, new ByteMlpLm(mc, new Generator(train.seed)), Models.toJson(mc), block,
                null, "bytelm");
        TrainRunner.summary(out, r, "bytes");
        out.flush();
        return 0;
    }

    /**
     * Next-byte training of any byte-level language model, shared by train bytelm and the demo: the
     * model maps I32 [B, T] to logits [B·T, 256]; {@code modelConfig} is what {@link Models#build}
     * rebuilds it from. 90% of the corpus trains, the last 10% is held out.
     */
    static final class ByteLm {
        private ByteLm() {
        }

        static TrainRunner.Result train(java.io.PrintWriter out, java.io.PrintWriter err, TrainOptions o, ByteCorpus corpus,
                dev.kiln.layers.Module model, JsonObject modelConfig, int block, java.time.Duration timeLimit, String kind)
                throws java.io.IOException {
            ByteCorpus[] parts = corpus.split(0.1);
            int batch = o.batchSize != null ? o.batchSize : 32;
            BatchSource trainData = parts[0].windows(batch, block, o.seed);
            BatchSource valData = parts[1].windows(batch, block, o.seed + 1);
            CrossEntropyLoss ce = new CrossEntropyLoss();
            Evaluator eval = m -> {
                double sum = 0;
                int n = 8;
                for (int i = 0; i < n; i++) {
                    var b = valData.batch(i);
                    sum += ce.forward(m.forward(b.input()), b.target().reshape(-1)).item();
                }
                double loss = sum / n;
                return java.util.Map.of("loss", loss, "bits_per_byte", loss / Math.log(2));
            };
            JsonObject dataConfig = new JsonObject();
            dataConfig.addProperty("corpus_bytes", corpus.size());
            dataConfig.addProperty("corpus_files", corpus.files());
            dataConfig.addProperty("batch_size", batch);
            dataConfig.addProperty("block", block);
            err.printf("corpus: %,d bytes from %d files (%,d for training, %,d held out)%n", corpus.size(), corpus.files(),
                    parts[0].size(), parts[1].size());
            long evalEvery = Math.max(1, Math.min(trainData.stepsPerEpoch(), 200));
            var spec = new TrainRunner.Spec(kind, model, (logits, target) -> ce.forward(logits, target.reshape(-1)), trainData,
                    eval, evalEvery, modelConfig, dataConfig, 3e-3, 1, "bytes", timeLimit);
            return TrainRunner.run(out, err, o, spec);
        }
    }
}
