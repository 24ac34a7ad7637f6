package dev.kiln.layers.norm;

/** {@code torch.nn.BatchNorm1d} over [N, C] or [N, C, L]; see {@link BatchNorm}. Defaults: eps 1e-5, momentum 0.1, affine, trackRunningStats. */
public final class BatchNorm1d extends BatchNorm {

    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    /** momentum null: a cumulative moving average of the batch statistics. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    boolean acceptsDims(int dims) {
        return dims == 2 || dims == 3;
    }

    @Override
    String expectedDims() {
        return "2-D [N, C] or 3-D [N, C, L]";
    }
}
