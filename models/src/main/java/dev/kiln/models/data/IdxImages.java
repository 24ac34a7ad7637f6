package dev.kiln.models.data;

import dev.kiln.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MNIST-format image classification sets (MNIST, Fashion-MNIST): the four IDX files
 * {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
 * {@code t10k-labels-idx1-ubyte}, each plain or gzipped ({@code .gz}); the original MNIST spelling
 * with a dot ({@code train-images.idx3-ubyte}) is accepted too. Images become F32 rows of
 * height·width pixels scaled to [0, 1] (torchvision's {@code ToTensor}), labels I32.
 */
public final class IdxImages {
    /** A data set's name, where Debian installs it, and how to get it. */
    public record Kind(String name, Path defaultDir, String howToGet) {
    }

    public static final Kind FASHION_MNIST = new Kind("Fashion-MNIST", Path.of("/usr/share/datasets/fashion-mnist"),
            "install Debian's package (apt-get install dataset-fashion-mnist), or download the four IDX files "
                    + "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                    + "t10k-labels-idx1-ubyte.gz) from the Fashion-MNIST repository and pass their folder with --data");
    public static final Kind MNIST = new Kind("MNIST", Path.of("/usr/share/datasets/mnist"),
            "download the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                    + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from the MNIST database and pass their "
                    + "folder with --data");

    /** How many classes MNIST and Fashion-MNIST have. */
    public static final int CLASSES = 10;

    public enum Split {
        TRAIN("train"), TEST("t10k");

        final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    private IdxImages() {
    }

    /**
     * The folder to read: {@code explicit} when given (it must hold the files), else the kind's
     * default folder when it holds them, else an IOException that says how to get the data.
     */
    public static Path locate(Kind kind, Path explicit) throws IOException {
        if (explicit != null) {
            if (find(explicit, Split.TRAIN, "images", 3) == null && find(explicit, Split.TEST, "images", 3) == null) {
                throw new IOException(kind.name() + ": no IDX files (train-images-idx3-ubyte[.gz], ...) in " + explicit
                        + "; to get them, " + kind.howToGet());
            }
            return explicit;
        }
        if (Files.isDirectory(kind.defaultDir()) && find(kind.defaultDir(), Split.TRAIN, "images", 3) != null) {
            return kind.defaultDir();
        }
        throw new IOException(kind.name() + " was not found: no --data folder was given and " + kind.defaultDir()
                + " does not hold it; to get it, " + kind.howToGet());
    }

    /** Reads one split from a folder. */
    public static TensorDataset load(Path dir, Split split) throws IOException {
        return load(dir, split, Integer.MAX_VALUE, 256);
    }

    /**
     * Reads the first {@code limit} images of a split (reading no further into the files), and
     * refuses a label outside {@code [0, classes)}: a corrupt label would otherwise widen the model.
     */
    public static TensorDataset load(Path dir, Split split, int limit, int classes) throws IOException {
        Path images = require(dir, split, "images", 3);
        Path labels = require(dir, split, "labels", 1);
        Idx.Array im = Idx.read(images, limit);
        Idx.Array lb = Idx.read(labels, limit);
        if (im.shape().length != 3 || lb.shape().length != 1) {
            throw new IOException("idx: expected images [n, h, w] and labels [n], got " + java.util.Arrays.toString(im.shape())
                    + " in " + images + " and " + java.util.Arrays.toString(lb.shape()) + " in " + labels);
        }
        int n = im.shape()[0];
        if (lb.shape()[0] != n) {
            throw new IOException("idx: " + images + " holds " + n + " images but " + labels + " holds " + lb.shape()[0] + " labels");
        }
        int pixels = im.shape()[1] * im.shape()[2];
        float[] x = new float[n * pixels];
        byte[] d = im.data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (d[i] & 0xff) / 255f;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = lb.data()[i] & 0xff;
            if (y[i] >= classes) {
                throw new IOException("idx: " + labels + ": label " + y[i] + " at index " + i + " is outside the " + classes
                        + " classes (0 to " + (classes - 1) + "); the file is corrupt");
            }
        }
        return new TensorDataset(Tensor.wrap(x, n, pixels),
                Tensor.of(y));
    }

    private static Path require(Path dir, Split split, String what, int rank) throws IOException {
        Path p = find(dir, split, what, rank);
        if (p == null) {
            throw new IOException("idx: no " + split.prefix + "-" + what + "-idx" + rank + "-ubyte[.gz] in " + dir);
        }
        return p;
    }

    private static Path find(Path dir, Split split, String what, int rank) {
        List<String> names = new ArrayList<>();
        for (String base : new String[] {split.prefix + "-" + what + "-idx" + rank + "-ubyte",
                split.prefix + "-" + what + ".idx" + rank + "-ubyte"}) {
            names.add(base);
            names.add(base + ".gz");
        }
        for (String name : names) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
