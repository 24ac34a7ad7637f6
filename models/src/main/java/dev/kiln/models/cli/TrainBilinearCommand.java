package dev.kiln.models.cli;

import dev.kiln.layers.Sequential;
import dev.kiln.models.Models;
import dev.kiln.models.nn.BilinearMlp;
import dev.kiln.models.viz.BilinearReport;
import dev.kiln.tensor.Generator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code kiln train bilinear}: the bilinear MLP and its eigendecomposition report. */
@Command(name = "bilinear", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a bilinear MLP (embed 784->256, bilinear 256->256, head ->10; no nonlinearity) and write its",
            "eigendecomposition report: logits reconstructed from eigenvectors, top-k accuracy, eigenvectors as images.",
            "Defaults are the paper's MNIST setup: AdamW 1e-3, weight decay 0.5, batch 2048, cosine, 20 epochs, input noise 0.4."})
public final class TrainBilinearCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--embed", defaultValue = "256", description = "Embedding width; 0: none (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int embed;

    @Option(names = "--hidden", defaultValue = "256", description = "Bilinear layer width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    int hidden;

    @Option(names = "--noise", defaultValue = "0.4", description = "Std of Gaussian noise added to training inputs (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 100)
    double noise;

    @Option(names = "--validation", defaultValue = "0", paramLabel = "FRACTION", description = "Evaluate on a held-out fraction of train instead of test.")
    @Range(min = 0, max = 1, maxExclusive = true)
    double validation;

    @Option(names = "--eigenvectors", defaultValue = "3", description = "Eigenvectors drawn per class and sign (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 1_000)
    int perClass;

    @Mixin
    TrainOptions train = new TrainOptions();

    @Override
    public Integer call() throws Exception {
        // the paper's settings unless given
        if (!spec.commandLine().getParseResult().hasMatchedOption("--optimizer")) {
            train.optimizer = "adamw";
        }
        if (!spec.commandLine().getParseResult().hasMatchedOption("--weight-decay")) {
            train.weightDecay = 0.5;
        }
        if (!spec.commandLine().getParseResult().hasMatchedOption("--schedule")) {
            train.schedule = "cosine";
        }
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        ImageClassifier.Data d = ImageClassifier.load(data, validation, train.seed);
        BilinearMlp.Config c = new BilinearMlp.Config(d.inFeatures(), embed, hidden, d.classes());
        Sequential model = BilinearMlp.build(c, new Generator(train.seed));
        var r = ImageClassifier.train(out, err, train, data, d, "bilinear",
                "bilinear MLP " + d.inFeatures() + (embed > 0 ? "-" + embed : "") + "-" + hidden + "-" + d.classes()
                        + ", input noise " + noise, model, Models.toJson(c), 1e-3, 20, 2048, noise, validation);
        TrainRunner.summary(out, r, "samples");
        int side = (int) Math.round(Math.sqrt(d.inFeatures()));
        var rep = BilinearReport.write(model, BilinearMlp.decompose(model), d.eval(), r.dir().resolve("eigen"), side,
                d.inFeatures() / side, perClass);
        out.printf(Locale.ROOT, "eigendecomposition: logits reproduced to %.2g (largest logit %.3g)%n", rep.maxLogitError(),
                rep.maxLogit());
        StringBuilder sb = new StringBuilder("top-k eigenvectors per class, " + d.evalSplit() + " accuracy:");
        for (int i = 0; i < rep.ks().length; i++) {
            sb.append(String.format(Locale.ROOT, " k=%d %.1f%%", rep.ks()[i], 100 * rep.accuracy()[i]));
        }
        out.println(sb);
        out.println("report     " + rep.dir().resolve("report.md") + " (eigenvectors.png, topk.png)");
        out.flush();
        return 0;
    }
}
