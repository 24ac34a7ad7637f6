package dev.kiln.models.data;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A byte-level text corpus: the bytes of files, or of every matching file under folders (in
 * sorted path order, so the corpus is the same on every machine), concatenated. A language
 * model reads it as a sequence of tokens 0..255.
 */
public final class ByteCorpus {
    private final byte[] bytes;
    private final int files;

    public ByteCorpus(byte[] bytes, int files) {
        this.bytes = bytes;
        this.files = files;
    }

    /** Text from a string (tests, prompts). */
    public static ByteCorpus of(String text) {
        return new ByteCorpus(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1);
    }

    /**
     * Reads files and folders; in a folder, every regular file whose name {@code accept}s, skipping
     * hidden entries and {@code target} folders (build output).
     */
    public static ByteCorpus read(List<Path> paths, Predicate<Path> accept) throws IOException {
        List<Path> all = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> Files.isRegularFile(f) && accept.test(f) && !skipped(p, f)).sorted().forEach(all::add);
                }
            } else if (Files.isRegularFile(p)) {
                all.add(p);
            } else {
                throw new IOException("ByteCorpus: " + p + " is neither a file nor a folder");
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Path f : all) {
            try {
                out.write(Files.readAllBytes(f));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        if (out.size() == 0) {
            throw new IOException("ByteCorpus: no text found in " + paths);
        }
        return new ByteCorpus(out.toByteArray(), all.size());
    }

    private static boolean skipped(Path root, Path f) {
        for (Path part : root.relativize(f)) {
            String n = part.toString();
            if (n.startsWith(".") || n.equals("target")) {
                return true;
            }
        }
        return false;
    }

    /** Files by extension, e.g. {@code extensions("java", "md")}. */
    public static Predicate<Path> extensions(String... exts) {
        return p -> {
            String n = p.getFileName().toString();
            for (String e : exts) {
                if (n.endsWith("." + e)) {
                    return true;
                }
            }
            return false;
        };
    }

    public byte[] bytes() {
        return bytes;
    }

    public int size() {
        return bytes.length;
    }

    public int files() {
        return files;
    }

    /** [head, tail]: the first {@code 1 − fraction} of the bytes and the rest (a contiguous split keeps text whole). */
    public ByteCorpus[] split(double validationFraction) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("ByteCorpus.split: the validation fraction must lie in [0, 1), got "
                    + validationFraction);
        }
        int cut = (int) Math.round(bytes.length * (1 - validationFraction));
        return new ByteCorpus[] {new ByteCorpus(java.util.Arrays.copyOfRange(bytes, 0, cut), files),
            new ByteCorpus(java.util.Arrays.copyOfRange(bytes, cut, bytes.length), files)};
    }

    /** I32 tokens of bytes [from, from+length). */
    public Tensor tokens(int from, int length) {
        int[] t = new int[length];
        for (int i = 0; i < length; i++) {
            t[i] = bytes[from + i] & 0xff;
        }
        return Tensor.of(t);
    }

    /**
     * Random windows for next-byte prediction: step s draws {@code batchSize} offsets from a
     * generator seeded with (seed, s) and returns input [B, T] and target [B, T] (the input shifted
     * by one), both I32. An epoch is the number of steps that see about as many tokens as the corpus
     * holds.
     */
    public BatchSource windows(int batchSize, int blockSize, long seed) {
        if (batchSize < 1 || blockSize < 1) {
            throw new IllegalArgumentException("ByteCorpus.windows: batchSize and blockSize must be >= 1, got "
                    + batchSize + " and " + blockSize);
        }
        if (bytes.length < blockSize + 1) {
            throw new IllegalArgumentException("ByteCorpus.windows: the corpus has " + bytes.length
                    + " bytes, fewer than a window of " + (blockSize + 1));
        }
        return new BatchSource() {
            @Override
            public Batch batch(long step) {
                Generator rng = new Generator(seed * 0x9E3779B97F4A7C15L + step);
                int[] x = new int[batchSize * blockSize];
                int[] y = new int[batchSize * blockSize];
                int range = bytes.length - blockSize;
                for (int b = 0; b < batchSize; b++) {
                    int off = rng.nextInt(range);
                    for (int t = 0; t < blockSize; t++) {
                        x[b * blockSize + t] = bytes[off + t] & 0xff;
                        y[b * blockSize + t] = bytes[off + t + 1] & 0xff;
                    }
                }
                return new Batch(Tensor.wrap(x, batchSize, blockSize), Tensor.wrap(y, batchSize, blockSize));
            }

            @Override
            public long stepsPerEpoch() {
                return Math.max(1, bytes.length / ((long) batchSize * blockSize));
            }

            @Override
            public long itemsPerBatch(Batch b) {
                return b.input().numel();
            }
        };
    }
}
