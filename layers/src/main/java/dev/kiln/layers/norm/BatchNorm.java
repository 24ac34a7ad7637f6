package dev.kiln.layers.norm;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * What BatchNorm1d and BatchNorm2d share, as PyTorch's {@code _BatchNorm}: weight (1) and bias (0)
 * per channel when affine, exempt from weight decay; buffers running_mean (0), running_var (1) and
 * num_batches_tracked (I32; PyTorch's is int64) when trackRunningStats. In training the batch
 * statistics normalise and update the running ones with momentum, or, with momentum null, with
 * 1/num_batches_tracked (a cumulative average, as PyTorch); in eval the running ones normalise
 * (without trackRunningStats the batch statistics always do).
 */
public abstract class BatchNorm extends Module {
    private final int numFeatures;
    private final double eps;
    private final Double momentum;
    private final boolean trackRunningStats;
    private final Parameter weight;
    private final Parameter bias;

    BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        String name = getClass().getSimpleName();
        if (numFeatures < 1) {
            throw new IllegalArgumentException(name + ": numFeatures must be >= 1, got " + numFeatures);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException(name + ": eps must be >= 0, got " + eps);
        }
        if (momentum != null && !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(name + ": momentum must be in [0, 1] or null, got " + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.trackRunningStats = trackRunningStats;
        this.weight = affine ? registerParameter("weight", new Parameter(Tensor.ones(numFeatures)).noWeightDecay()) : null;
        this.bias = affine ? registerParameter("bias", new Parameter(Tensor.zeros(numFeatures)).noWeightDecay()) : null;
        if (trackRunningStats) {
            registerBuffer("running_mean", Tensor.zeros(numFeatures));
            registerBuffer("running_var", Tensor.ones(numFeatures));
            registerBuffer("num_batches_tracked", Tensor.scalar(0, DType.I32));
        }
    }

    /** Whether x has the dims this layer takes (the message names them otherwise). */
    abstract boolean acceptsDims(int dims);

    abstract String expectedDims();

    @Override
    public Tensor forward(Tensor x) {
        return normalize(x, false);
    }

    /**
     * {@code forward(x).relu()} as one op ({@link Functional#batchNormRelu}): the same values and
     * gradients, bit for bit, with one pass less over memory each way. {@link dev.kiln.layers.Sequential}
     * takes it for a BatchNorm followed by a ReLU.
     */
    public Tensor forwardRelu(Tensor x) {
        return normalize(x, true);
    }

    private Tensor normalize(Tensor x, boolean relu) {
        Inputs.requireFloat(this, x);
        if (!acceptsDims(x.dim()) || x.size(1) != numFeatures) {
            throw new IllegalArgumentException(describe() + ": expected a " + expectedDims() + " input with "
                    + numFeatures + " channels at dim 1, got " + Shapes.str(x.shape()));
        }
        if (weight != null) {
            Inputs.requireDType(describe(), x, weight.dtype());
        }
        double factor = momentum == null ? 0 : momentum;
        if (isTraining() && trackRunningStats) {
            Tensor count = buffer("num_batches_tracked");
            int tracked = (int) count.item() + 1;
            setBuffer("num_batches_tracked", Tensor.scalar(tracked, DType.I32).to(count.device()));
            if (momentum == null) {
                factor = 1.0 / tracked;
            }
        }
        Tensor rm = trackRunningStats ? buffer("running_mean") : null;
        Tensor rv = trackRunningStats ? buffer("running_var") : null;
        boolean useBatch = isTraining() || !trackRunningStats;
        Tensor w = weight == null ? null : weight.tensor();
        Tensor b = bias == null ? null : bias.tensor();
        return relu ? Functional.batchNormRelu(x, rm, rv, w, b, useBatch, factor, eps)
                : Functional.batchNorm(x, rm, rv, w, b, useBatch, factor, eps);
    }

    public int numFeatures() {
        return numFeatures;
    }

    public double eps() {
        return eps;
    }

    /** The gain, or null when not affine. */
    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when not affine. */
    public Parameter bias() {
        return bias;
    }

    /** The running mean, or null without trackRunningStats. */
    public Tensor runningMean() {
        return trackRunningStats ? buffer("running_mean") : null;
    }

    /** The running (unbiased) variance, or null without trackRunningStats. */
    public Tensor runningVar() {
        return trackRunningStats ? buffer("running_var") : null;
    }

    /** Training steps counted so far (0 without trackRunningStats). */
    public int numBatchesTracked() {
        return trackRunningStats ? (int) buffer("num_batches_tracked").item() : 0;
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", trackRunningStats=" + trackRunningStats;
    }
}
