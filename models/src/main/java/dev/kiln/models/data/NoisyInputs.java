package dev.kiln.models.data;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * Adds Gaussian noise N(0, σ²) to the inputs of another source's batches (the bilinear MLP's
 * training augmentation). The noise of step s comes from a generator seeded with (seed, s), so
 * the source stays a pure function of the step.
 */
public final class NoisyInputs implements BatchSource {
    private final BatchSource source;
    private final double sigma;
    private final long seed;

    public NoisyInputs(BatchSource source, double sigma, long seed) {
        if (!(sigma >= 0)) {
            throw new IllegalArgumentException("NoisyInputs: sigma must be >= 0, got " + sigma);
        }
        this.source = source;
        this.sigma = sigma;
        this.seed = seed;
    }

    @Override
    public Batch batch(long step) {
        Batch b = source.batch(step);
        if (sigma == 0) {
            return b;
        }
        Generator rng = new Generator(~seed * 0x9E3779B97F4A7C15L + step);
        float[] x = b.input().contiguous().toFloatArray();
        for (int i = 0; i < x.length; i++) {
            x[i] += (float) (sigma * rng.nextGaussian());
        }
        int[] shape = b.input().shape();
        return new Batch(Tensor.wrap(x, shape), b.target());
    }

    @Override
    public long stepsPerEpoch() {
        return source.stepsPerEpoch();
    }

    @Override
    public long itemsPerBatch(Batch b) {
        return source.itemsPerBatch(b);
    }
}
