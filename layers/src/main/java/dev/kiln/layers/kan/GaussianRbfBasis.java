package dev.kiln.layers.kan;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.Locale;

/**
 * Gaussian radial basis functions exp(−((x − μ_j)/h)²) with n centres μ_j evenly spaced on
 * [lo, hi] and width h = (hi − lo)/(n − 1) (FastKAN, and one of S-KAN's families; FastKAN's
 * defaults are 8 centres on [−2, 2]). Built from tensor ops. No per-input state.
 */
public final class GaussianRbfBasis implements Basis {
    private final int numCenters;
    private final double lo;
    private final double hi;

    public GaussianRbfBasis(int numCenters, double lo, double hi) {
        if (numCenters < 2) {
            throw new IllegalArgumentException("GaussianRbfBasis: numCenters must be >= 2, got " + numCenters);
        }
        if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo < hi)) {
            throw new IllegalArgumentException("GaussianRbfBasis: the range must be finite with lo < hi, got [" + lo
                    + ", " + hi + "]");
        }
        this.numCenters = numCenters;
        this.lo = lo;
        this.hi = hi;
    }

    public int numCenters() {
        return numCenters;
    }

    /** The distance between neighbouring centres, which is also the width. */
    public double width() {
        return (hi - lo) / (numCenters - 1);
    }

    @Override
    public int size() {
        return numCenters;
    }

    @Override
    public Tensor initialGrid(int inFeatures, DType dtype) {
        return null;
    }

    @Override
    public Tensor evaluate(Tensor x, Tensor grid) {
        double[] c = new double[numCenters];
        for (int j = 0; j < numCenters; j++) {
            c[j] = lo + j * width();
        }
        Tensor centers = Tensor.of(c).to(x.dtype()).to(x.device());
        return x.unsqueeze(-1).sub(centers).div(width()).square().neg().exp();
    }

    /** The centres, [n, in]. */
    @Override
    public Tensor initPoints(Tensor grid, int inFeatures, DType dtype) {
        return spread(numCenters, lo, hi, inFeatures, dtype);
    }

    /** [count, in]: count evenly spaced values from lo to hi in every column. */
    static Tensor spread(int count, double lo, double hi, int inFeatures, DType dtype) {
        double[] v = new double[count * inFeatures];
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < inFeatures; i++) {
                v[p * inFeatures + i] = lo + (hi - lo) * p / (count - 1);
            }
        }
        return Tensor.of(v, count, inFeatures).to(dtype);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "GaussianRbf(numCenters=%d, range=[%s, %s])", numCenters,
                BSplineBasis.num(lo), BSplineBasis.num(hi));
    }

    @Override
    public String toString() {
        return describe();
    }
}
