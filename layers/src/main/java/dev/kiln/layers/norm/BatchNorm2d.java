package dev.kiln.layers.norm;

/** {@code torch.nn.BatchNorm2d} over [N, C, H, W]; see {@link BatchNorm}. Defaults: eps 1e-5, momentum 0.1, affine, trackRunningStats. */
public final class BatchNorm2d extends BatchNorm {

    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    /** momentum null: a cumulative moving average of the batch statistics. */
    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    boolean acceptsDims(int dims) {
        return dims == 4;
    }

    @Override
    String expectedDims() {
        return "4-D [N, C, H, W]";
    }
}
