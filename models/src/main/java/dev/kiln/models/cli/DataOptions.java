package dev.kiln.models.cli;

import dev.kiln.models.data.IdxImages;
import dev.kiln.models.data.TensorDataset;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Which image data set to read and from where. */
public final class DataOptions {
    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or mnist (default: ${DEFAULT-VALUE}).")
    public String dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder with the IDX files (default: where Debian installs them).")
    public Path data;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training and N test images (quick runs).")
    @Range(min = 1, max = Range.INT_MAX)
    public Integer limit;

    IdxImages.Kind kind() {
        return switch (dataset.toLowerCase(Locale.ROOT)) {
            case "fashion-mnist", "fashion" -> IdxImages.FASHION_MNIST;
            case "mnist" -> IdxImages.MNIST;
            default -> throw new IllegalArgumentException("--dataset: unknown '" + dataset + "'; choose fashion-mnist or mnist");
        };
    }

    String canonicalName() {
        return kind() == IdxImages.MNIST ? "mnist" : "fashion-mnist";
    }

    TensorDataset load(IdxImages.Split split) throws IOException {
        Path dir = IdxImages.locate(kind(), data);
        return IdxImages.load(dir, split, limit != null ? limit : Integer.MAX_VALUE, IdxImages.CLASSES);
    }
}
