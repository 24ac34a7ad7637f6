package dev.kiln.models.data;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * A data set held in memory as two host tensors whose dim 0 indexes the samples: features
 * (F32) and targets (I32 class labels, or F32 regression targets). Rows are gathered by plain
 * array copies, so batching costs no more than the bytes it moves.
 */
public final class TensorDataset {
    private final Tensor features;
    private final Tensor targets;

    public TensorDataset(Tensor features, Tensor targets) {
        if (features.dim() == 0 || targets.dim() == 0 || features.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("TensorDataset: features " + Shapes.str(features.shape()) + " and targets "
                    + Shapes.str(targets.shape()) + " must have the same size in dim 0");
        }
        if (features.dtype() != DType.F32 || (targets.dtype() != DType.I32 && targets.dtype() != DType.F32)) {
            throw new IllegalArgumentException("TensorDataset: features must be F32 and targets I32 or F32, got "
                    + features.dtype() + " and " + targets.dtype());
        }
        this.features = features.detach().contiguous().to(dev.kiln.tensor.Device.CPU);
        this.targets = targets.detach().contiguous().to(dev.kiln.tensor.Device.CPU);
    }

    public int size() {
        return features.size(0);
    }

    public Tensor features() {
        return features;
    }

    public Tensor targets() {
        return targets;
    }

    /** The samples at these indices, in this order, as one batch. */
    public Batch gather(int[] indices) {
        return gather(indices, 0, indices.length);
    }

    /** The samples at {@code indices[from..to)}. */
    public Batch gather(int[] indices, int from, int to) {
        int n = size();
        for (int i = from; i < to; i++) {
            if (indices[i] < 0 || indices[i] >= n) {
                throw new IllegalArgumentException("TensorDataset.gather: index " + indices[i] + " out of range [0, " + n + ")");
            }
        }
        return new Batch(rows(features, indices, from, to), rows(targets, indices, from, to));
    }

    private static Tensor rows(Tensor t, int[] idx, int from, int to) {
        int[] shape = t.shape();
        int row = shape[0] == 0 ? 0 : t.numel() / shape[0];
        shape[0] = to - from;
        int off = t.offset();
        if (t.dtype() == DType.F32) {
            float[] src = ((CpuStorage) t.storage()).floats();
            float[] out = new float[(to - from) * row];
            for (int i = from; i < to; i++) {
                System.arraycopy(src, off + idx[i] * row, out, (i - from) * row, row);
            }
            return Tensor.wrap(out, shape);
        }
        int[] src = ((CpuStorage) t.storage()).ints();
        int[] out = new int[(to - from) * row];
        for (int i = from; i < to; i++) {
            System.arraycopy(src, off + idx[i] * row, out, (i - from) * row, row);
        }
        return Tensor.wrap(out, shape);
    }

    /** The first {@code n} samples (for quick runs). */
    public TensorDataset head(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("TensorDataset.head: n must be >= 0, got " + n);
        }
        int m = Math.min(n, size());
        int[] idx = new int[m];
        Arrays.setAll(idx, i -> i);
        return subset(idx);
    }

    public TensorDataset subset(int[] indices) {
        Batch b = gather(indices);
        return new TensorDataset(b.input(), b.target());
    }

    /** A seeded random split: [train, validation] with {@code round(fraction·n)} samples in validation. */
    public TensorDataset[] split(double validationFraction, long seed) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("TensorDataset.split: the validation fraction must lie in [0, 1), got "
                    + validationFraction);
        }
        int n = size();
        int nVal = (int) Math.round(validationFraction * n);
        int[] perm = Tensor.randperm(new Generator(seed), n).toIntArray();
        int[] val = Arrays.copyOfRange(perm, 0, nVal);
        int[] train = Arrays.copyOfRange(perm, nVal, n);
        // keep each part in the original order: the split decides membership, loaders decide order
        Arrays.sort(val);
        Arrays.sort(train);
        return new TensorDataset[] {subset(train), subset(val)};
    }

    /** Number of classes when the targets are labels (max + 1), else an error. */
    public int numClasses() {
        if (targets.dtype() != DType.I32) {
            throw new IllegalStateException("TensorDataset.numClasses: targets are " + targets.dtype() + ", not class labels");
        }
        int max = -1;
        for (int v : targets.toIntArray()) {
            max = Math.max(max, v);
        }
        return max + 1;
    }
}
