package dev.kiln.layers.kan;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Splines;
import dev.kiln.tensor.Tensor;

import java.util.Locale;

/**
 * B-splines of order k on a grid of G intervals over [lo, hi] (docs/formulas/kan.md; pykan, efficient-kan):
 * step h = (hi − lo)/G, knots t_j = lo + (j − k)·h for j = 0..G + 2k (k extension knots on each
 * side), G + k functions per input by Cox–de Boor with half-open order-0 intervals, zero outside
 * the extended grid. Evaluation is the fused {@link Splines#bsplineBasis} op (values and dB/dx in
 * one pass); {@link #composed} is the same recursion written with tensor ops, the unfused
 * baseline for tests and benchmarks.
 */
public final class BSplineBasis implements Basis {
    private final int gridSize;
    private final int order;
    private final double lo;
    private final double hi;

    /** G intervals on [lo, hi], order k (k = 3 is cubic). */
    public BSplineBasis(int gridSize, int order, double lo, double hi) {
        if (gridSize < 1) {
            throw new IllegalArgumentException("BSplineBasis: gridSize must be >= 1, got " + gridSize);
        }
        if (order < 0) {
            throw new IllegalArgumentException("BSplineBasis: order must be >= 0, got " + order);
        }
        if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo < hi)) {
            throw new IllegalArgumentException("BSplineBasis: the grid range must be finite with lo < hi, got [" + lo
                    + ", " + hi + "]");
        }
        this.gridSize = gridSize;
        this.order = order;
        this.lo = lo;
        this.hi = hi;
    }

    /** efficient-kan's defaults: G = 5, cubic, [−1, 1]. */
    public BSplineBasis() {
        this(5, 3, -1, 1);
    }

    public int gridSize() {
        return gridSize;
    }

    public int order() {
        return order;
    }

    public double lo() {
        return lo;
    }

    public double hi() {
        return hi;
    }

    /** The same order and range with another grid size. */
    public BSplineBasis withGridSize(int newGridSize) {
        return new BSplineBasis(newGridSize, order, lo, hi);
    }

    @Override
    public int size() {
        return gridSize + order;
    }

    /** The number of knots per input, G + 2k + 1. */
    public int knots() {
        return gridSize + 2 * order + 1;
    }

    @Override
    public Tensor initialGrid(int inFeatures, DType dtype) {
        return uniformGrid(inFeatures, gridSize, order, lo, hi, dtype);
    }

    /** Knots lo + (j − k)·h, j = 0..G + 2k, h = (hi − lo)/G, the same row for every input: [in, G + 2k + 1]. */
    public static Tensor uniformGrid(int inFeatures, int gridSize, int order, double lo, double hi, DType dtype) {
        int knots = gridSize + 2 * order + 1;
        double h = (hi - lo) / gridSize;
        double[] v = new double[inFeatures * knots];
        for (int i = 0; i < inFeatures; i++) {
            for (int j = 0; j < knots; j++) {
                v[i * knots + j] = lo + (j - order) * h;
            }
        }
        return Tensor.of(v, inFeatures, knots).to(dtype);
    }

    @Override
    public Tensor evaluate(Tensor x, Tensor grid) {
        return Splines.bsplineBasis(x, grid, order);
    }

    /** The interior knots t_k..t_{G+k} of each input, [G + 1, in] (efficient-kan's grid points). */
    @Override
    public Tensor initPoints(Tensor grid, int inFeatures, DType dtype) {
        return grid.narrow(1, order, gridSize + 1).t().contiguous().to(dtype);
    }

    /**
     * The unfused baseline: Cox–de Boor over the whole grid with broadcast tensor ops, as
     * efficient-kan writes it (order-0 indicators on [N, in, K − 1], then k rounds of
     * left·B[..., :−1] + right·B[..., 1:]). Same values as {@link #evaluate} where no knot span is
     * empty (an empty span divides 0 by 0 here); its gradient comes from autograd through every step.
     */
    public static Tensor composed(Tensor x, Tensor grid, int order) {
        int knots = grid.size(1);
        Tensor xe = x.unsqueeze(-1);
        Tensor bases = xe.ge(grid.narrow(1, 0, knots - 1)).to(x.dtype())
                .mul(xe.lt(grid.narrow(1, 1, knots - 1)).to(x.dtype()));
        for (int p = 1; p <= order; p++) {
            int n = knots - 1 - p;
            Tensor tj = grid.narrow(1, 0, n);
            Tensor tjp = grid.narrow(1, p, n);
            Tensor tj1 = grid.narrow(1, 1, n);
            Tensor tjp1 = grid.narrow(1, p + 1, n);
            Tensor left = xe.sub(tj).div(tjp.sub(tj));
            Tensor right = tjp1.sub(xe).div(tjp1.sub(tj1));
            int last = bases.dim() - 1;
            bases = left.mul(bases.narrow(last, 0, n)).add(right.mul(bases.narrow(last, 1, n)));
        }
        return bases;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "BSpline(gridSize=%d, order=%d, range=[%s, %s])", gridSize, order, num(lo), num(hi));
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    @Override
    public String toString() {
        return describe();
    }
}
