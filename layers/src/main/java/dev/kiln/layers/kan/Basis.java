package dev.kiln.layers.kan;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * A family of univariate functions B_0..B_{n−1} that a {@link KANLinear} edge combines: the edge
 * (input i → output o) computes w_b[o, i]·b(x) + w_s[o, i]·Σ_c C[o, i, c]·B_c(x). Implementations:
 * {@link BSplineBasis} (pykan, efficient-kan; the fused hot path), {@link ChebyshevBasis},
 * {@link GaussianRbfBasis}, and {@link MixedBasis}, which puts several families behind one layer
 * (S-KAN).
 *
 * <p>A basis is an immutable description (family and sizes). Per-input state that training can
 * change, the knots of a B-spline, lives in the layer as its {@code grid} buffer and is handed to
 * {@link #evaluate}; families without such state ignore it.
 */
public interface Basis {

    /** The number of functions per input, n. */
    int size();

    /**
     * The initial per-input state, [in, ...] in the given dtype (the B-spline knots), or null when
     * the family has none.
     */
    Tensor initialGrid(int inFeatures, DType dtype);

    /** The basis values of x [N, in]: [N, in, n]. grid is what {@link #initialGrid} made (possibly updated since), or null. */
    Tensor evaluate(Tensor x, Tensor grid);

    /**
     * Points [P, in] at which a new layer fits its initial small noise (efficient-kan fits it at the
     * grid points); P − 1 divides the noise, as the grid size does in efficient-kan.
     */
    Tensor initPoints(Tensor grid, int inFeatures, DType dtype);

    /** A short description for module summaries, e.g. "BSpline(gridSize=5, order=3, range=[-1, 1])". */
    String describe();
}
