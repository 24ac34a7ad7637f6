package dev.kiln.layers.kan;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Chebyshev polynomials of the first kind on tanh-squashed input, T_0..T_d(tanh x) (ChebyKAN, and one
 * of S-KAN's families): T_0 = 1, T_1 = t, T_{n+1} = 2t·T_n − T_{n−1}. The recurrence is used
 * rather than cos(n·acos t), whose derivative is infinite at t = ±1. Built from tensor ops, so
 * autograd differentiates it. No per-input state.
 */
public final class ChebyshevBasis implements Basis {
    private final int degree;

    public ChebyshevBasis(int degree) {
        if (degree < 0) {
            throw new IllegalArgumentException("ChebyshevBasis: degree must be >= 0, got " + degree);
        }
        this.degree = degree;
    }

    public int degree() {
        return degree;
    }

    @Override
    public int size() {
        return degree + 1;
    }

    @Override
    public Tensor initialGrid(int inFeatures, DType dtype) {
        return null;
    }

    @Override
    public Tensor evaluate(Tensor x, Tensor grid) {
        Tensor t = x.tanh();
        List<Tensor> terms = new ArrayList<>(degree + 1);
        terms.add(Tensor.onesLike(t));
        if (degree >= 1) {
            terms.add(t);
        }
        for (int n = 2; n <= degree; n++) {
            terms.add(t.mul(terms.get(n - 1)).mul(2).sub(terms.get(n - 2)));
        }
        return Tensor.stack(terms, -1);
    }

    /** degree + 1 evenly spaced points on [−1, 1] (at least two). */
    @Override
    public Tensor initPoints(Tensor grid, int inFeatures, DType dtype) {
        return GaussianRbfBasis.spread(Math.max(degree + 1, 2), -1, 1, inFeatures, dtype);
    }

    @Override
    public String describe() {
        return "Chebyshev(degree=" + degree + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
