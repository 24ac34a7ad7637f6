package dev.kiln.models.data;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * Mini-batches over a {@link TensorDataset}, as PyTorch's {@code DataLoader}: each epoch a
 * fresh permutation (when shuffling), then consecutive slices of {@code batchSize}; the last
 * batch is smaller unless {@code dropLast}. The permutation of epoch e comes from a generator
 * seeded with (seed, e), so {@link #batch(long)} is a pure function of the step.
 */
public final class DataLoader implements BatchSource {
    private final TensorDataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    public DataLoader(TensorDataset data, int batchSize, boolean shuffle, boolean dropLast, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("DataLoader: batchSize must be >= 1, got " + batchSize);
        }
        int n = data.size();
        if (n == 0 || (dropLast && n < batchSize)) {
            throw new IllegalArgumentException("DataLoader: " + n + " samples make no batch of " + batchSize
                    + (dropLast ? " with dropLast" : ""));
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
    }

    /** Shuffled, keeping the last partial batch. */
    public DataLoader(TensorDataset data, int batchSize, long seed) {
        this(data, batchSize, true, false, seed);
    }

    @Override
    public long stepsPerEpoch() {
        long n = data.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize; // long: n + batchSize may pass 2^31
    }

    @Override
    public Batch batch(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("DataLoader.batch: step must be >= 0, got " + step);
        }
        long spe = stepsPerEpoch();
        long epoch = step / spe;
        int i = (int) (step % spe);
        int[] order = order(epoch);
        int from = (int) ((long) i * batchSize);
        int to = (int) Math.min((long) from + batchSize, data.size());
        return data.gather(order, from, to);
    }

    /** The sample order of an epoch. */
    public int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            int n = data.size();
            if (shuffle) {
                cachedOrder = Tensor.randperm(epochGenerator(seed, epoch), n).toIntArray();
            } else {
                cachedOrder = new int[n];
                for (int k = 0; k < n; k++) {
                    cachedOrder[k] = k;
                }
            }
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    /** A generator for (seed, epoch): SplitMix64 inside {@link Generator} decorrelates nearby seeds. */
    static Generator epochGenerator(long seed, long epoch) {
        return new Generator(seed * 0x9E3779B97F4A7C15L + epoch);
    }

    public TensorDataset data() {
        return data;
    }

    public int batchSize() {
        return batchSize;
    }
}
