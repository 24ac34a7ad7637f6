package dev.kiln.layers.kan;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Grid update and refinement when samples lie outside the grid's interior [t_k, t_{G+k}], as the
 * inputs of a hidden layer do while it trains: the edges' curves on the interior must survive.
 */
class KANLinearOutsideGridTest {
    private final Generator rng = new Generator(11);

    /** A 1 → 1 layer whose output is its spline curve alone (no base branch, no scale), G intervals on [−1, 1]. */
    private static KANLinear splineOnly(int g, Generator rng) {
        return KANLinear.builder(1, 1).gridSize(g).dtype(DType.F64).baseActivation(null)
                .enableStandaloneScaleSpline(false).build(rng);
    }

    private static void setCurve(KANLinear layer, Tensor x, Tensor y) {
        try (NoGrad ignored = NoGrad.enter()) {
            layer.splineWeight().tensor().copy_(layer.curve2coeff(x, y.unsqueeze(2)));
        }
    }

    private static Tensor column(double lo, double hi, int n) {
        return Tensor.linspace(lo, hi, n).to(DType.F64).unsqueeze(1);
    }

    /** The rows of x [N, 1] with |x| ≤ 1 (the interior of a grid on [−1, 1]). */
    private static Tensor interior(Tensor x) {
        double[] v = x.toDoubleArray();
        return Tensor.of(java.util.Arrays.stream(v).filter(t -> Math.abs(t) <= 1).toArray()).to(DType.F64).unsqueeze(1);
    }

    private static double rms(Tensor d) {
        return Math.sqrt(d.square().mean().item());
    }

    /**
     * The update's coefficients are the least-squares fit of the old outputs over the whole batch: no
     * other coefficients do better there, the fit to the interior samples alone included; and the
     * interior, where the curve was trained, moves no more than the batch does on average.
     */
    @Test
    void anUpdateOnSamplesOutsideTheGridMovesTheInteriorNoMoreThanTheLeastSquaresError() {
        for (double span : new double[] {1.3, 1.6, 2.5}) {
            KANLinear layer = splineOnly(5, rng);
            Tensor pts = column(-1, 1, 200);
            setCurve(layer, pts, pts.mul(2).tanh().add(pts.square()));
            Tensor x = Tensor.rand(new Generator(3), 1000, 1).mul(2 * span).sub(span).to(DType.F64);
            Tensor inside = interior(x);
            Tensor before = layer.forward(x); // the spline alone, its tail outside [−1, 1] included
            Tensor beforeInside = layer.forward(inside);
            layer.updateGrid(x);
            double batch = rms(layer.forward(x).sub(before));
            double interior = rms(layer.forward(inside).sub(beforeInside));
            assertThat(interior).as("span %s", span).isLessThanOrEqualTo(batch);
            Tensor fitted = layer.splineWeight().tensor().clone();
            setCurve(layer, inside, beforeInside); // the same knots fitted to the interior samples only
            double interiorOnly = rms(layer.forward(x).sub(before));
            assertThat(batch).as("span %s", span).isLessThan(interiorOnly);
            for (int trial = 0; trial < 5; trial++) {
                try (NoGrad ignored = NoGrad.enter()) {
                    layer.splineWeight().tensor().copy_(fitted.add(Tensor.randn(rng, 1, 1, 8).to(DType.F64).mul(1e-3)));
                }
                assertThat(rms(layer.forward(x).sub(before))).isGreaterThan(batch);
            }
        }
    }

    /**
     * Refining G → 2G keeps every knot, the extension knots included, so the coarse curves lie in the
     * fine spline space: the refined layer computes what the coarse one did on every input, also on
     * samples in the tails outside the interior and beyond the grid.
     */
    @Test
    void refiningToAMultipleIsExactOnSamplesInsideAndOutsideTheGrid() {
        KANLinear coarse = KANLinear.builder(2, 3).gridSize(4).dtype(DType.F64).build(rng);
        try (NoGrad ignored = NoGrad.enter()) {
            coarse.splineWeight().tensor().copy_(Tensor.randn(rng, 3, 2, 7).to(DType.F64)); // an arbitrary spline
        }
        Tensor x = Tensor.rand(rng, 300, 2).mul(5).sub(2.5).to(DType.F64); // 60% outside [−1, 1], some beyond ±2.5
        for (Tensor samples : new Tensor[] {x, null}) {
            KANLinear fine = samples == null ? coarse.refine(8) : coarse.refine(8, samples);
            assertThat(fine.gridSize()).isEqualTo(8);
            assertThat(fine.forward(x).sub(coarse.forward(x)).abs().max().item()).isLessThan(1e-10);
            // the extension knots are the coarse grid's
            double[] g = coarse.grid().toDoubleArray();
            double[] f = fine.grid().toDoubleArray();
            assertThat(f[0]).isEqualTo(g[0]);
            assertThat(f[14]).isEqualTo(g[10]);
            assertThat(f[7]).isEqualTo(g[5]); // an interior knot kept
        }
    }

    @Test
    void refiningToAnyGridSizeFollowsTheTailsOfAHiddenLayersInputs() {
        KANLinear coarse = splineOnly(3, rng);
        Tensor pts = column(-1, 1, 60);
        setCurve(coarse, pts, pts.mul(Math.PI).tanh());
        Tensor x = Tensor.rand(rng, 1000, 1).mul(3.2).sub(1.6).to(DType.F64); // inputs that drifted past the grid
        Tensor y = coarse.forward(x);
        double scale = rms(y);
        KANLinear fine = coarse.refine(10, x); // 3 → 10 keeps no inner knot: a least-squares fit
        assertThat(rms(fine.forward(x).sub(y))).isLessThan(0.05 * scale);
    }
}
