package dev.kiln.tensor;

import dev.kiln.tensor.spi.ReferenceBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The B-spline basis op on the reference backend: closed forms, partition of unity, edges and errors. */
class SplinesTest {

    /** The cardinal cubic B-spline on knots 0..4 and its derivative, piece by piece. */
    private static double cardinalCubic(double u) {
        if (u < 0 || u >= 4) {
            return 0;
        }
        if (u < 1) {
            return u * u * u / 6;
        }
        if (u < 2) {
            return (-3 * u * u * u + 12 * u * u - 12 * u + 4) / 6;
        }
        if (u < 3) {
            return (3 * u * u * u - 24 * u * u + 60 * u - 44) / 6;
        }
        return (4 - u) * (4 - u) * (4 - u) / 6;
    }

    private static double cardinalCubicDerivative(double u) {
        if (u < 0 || u >= 4) {
            return 0;
        }
        if (u < 1) {
            return u * u / 2;
        }
        if (u < 2) {
            return (-9 * u * u + 24 * u - 12) / 6;
        }
        if (u < 3) {
            return (9 * u * u - 48 * u + 60) / 6;
        }
        return -(4 - u) * (4 - u) / 2;
    }

    @Test
    void uniformCubicBasisIsTheShiftedCardinalSpline() {
        // knots t_j = −1 + (j − 3)·0.4, j = 0..11: G = 5 intervals on [−1, 1], 8 cubic functions
        int g = 5;
        int k = 3;
        double h = 0.4;
        double[] t = new double[g + 2 * k + 1];
        for (int j = 0; j < t.length; j++) {
            t[j] = -1 + (j - k) * h;
        }
        Tensor grid = Tensor.of(t, 1, t.length);
        double[] xs = new double[201];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = -2.5 + 5.0 * i / (xs.length - 1); // covers both margins, hits every knot
        }
        Tensor b = Splines.bsplineBasis(Tensor.of(xs, xs.length, 1), grid, k);
        assertThat(b.shape()).containsExactly(xs.length, 1, g + k);
        double[] v = b.toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < g + k; j++) {
                double u = (xs[i] - t[j]) / h;
                assertThat(v[i * (g + k) + j]).as("B_%d(%s)", j, xs[i]).isCloseTo(cardinalCubic(u), within(1e-12));
            }
        }
    }

    @Test
    void theSavedDerivativeIsTheCardinalSplinesDerivative() {
        double h = 0.5;
        double[] t = new double[12];
        for (int j = 0; j < t.length; j++) {
            t[j] = -2.5 + j * h;
        }
        double[] xs = {-2.4, -1.3, -0.77, 0.1, 0.6, 1.9, 2.9};
        double[] dy = new double[xs.length * 8];
        java.util.Arrays.fill(dy, 1);
        // with dy = e_j the backward returns dB_j/dx; here check the row sums and single entries
        Tensor grid = Tensor.of(t, 1, 12);
        for (int j = 0; j < 8; j++) {
            double[] e = new double[xs.length * 8];
            for (int i = 0; i < xs.length; i++) {
                e[i * 8 + j] = 1;
            }
            Tensor derivative = derivative(Tensor.of(xs, xs.length, 1), grid, 3);
            Tensor dx = Splines.bsplineBasisBackward(Tensor.of(e, xs.length, 1, 8), derivative);
            for (int i = 0; i < xs.length; i++) {
                double expected = cardinalCubicDerivative((xs[i] - t[j]) / h) / h;
                assertThat(dx.toDoubleArray()[i]).as("dB_%d/dx at %s", j, xs[i]).isCloseTo(expected, within(1e-12));
            }
        }
    }

    /** dB/dx through the backend contract directly (the tensor module has no autograd to record it). */
    private static Tensor derivative(Tensor x, Tensor grid, int order) {
        int rows = x.numel() / grid.size(0);
        int n = grid.size(1) - 1 - order;
        Tensor out = Tensor.zeros(DType.F64, rows, grid.size(0), n);
        Tensor der = Tensor.zeros(DType.F64, rows, grid.size(0), n);
        ReferenceBackend.INSTANCE.bsplineBasis(out, der, x.contiguous(), grid.contiguous(), order);
        return der;
    }

    @Test
    void insideTheGridTheBasisSumsToOneAndItsDerivativeToZero() {
        Generator rng = new Generator(3);
        for (int order = 0; order <= 4; order++) {
            // irregular knots; the partition of unity holds on [t_order, t_{K−1−order})
            int knots = 6 + 2 * order + 1;
            double[] t = new double[knots];
            t[0] = -1.3;
            for (int j = 1; j < knots; j++) {
                t[j] = t[j - 1] + 0.05 + rng.nextDouble();
            }
            double lo = t[order];
            double hi = t[knots - 1 - order];
            double[] xs = new double[50];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = lo + (hi - lo) * i / xs.length;
            }
            Tensor x = Tensor.of(xs, xs.length, 1);
            Tensor grid = Tensor.of(t, 1, knots);
            Tensor sums = Splines.bsplineBasis(x, grid, order).sum(-1);
            for (double s : sums.toDoubleArray()) {
                assertThat(s).isCloseTo(1.0, within(1e-12));
            }
            Tensor dsum = derivative(x, grid, order).sum(-1);
            for (double s : dsum.toDoubleArray()) {
                assertThat(s).isCloseTo(0.0, within(1e-9));
            }
        }
    }

    @Test
    void orderZeroIsTheHalfOpenIndicatorAndOutsideIsZero() {
        Tensor grid = Tensor.of(new double[] {0, 1, 2, 3}, 1, 4);
        Tensor b = Splines.bsplineBasis(Tensor.of(new double[] {0, 0.5, 1, 2.999, 3, -0.001, 7}, 7, 1), grid, 0);
        assertThat(b.toDoubleArray()).containsExactly(
                1, 0, 0,
                1, 0, 0,
                0, 1, 0,
                0, 0, 1,
                0, 0, 0,
                0, 0, 0,
                0, 0, 0);
    }

    @Test
    void nanPropagatesAndInfinitiesAreOutside() {
        Tensor grid = Tensor.of(new double[] {-3, -2, -1, 0, 1, 2, 3}, 1, 7);
        Tensor b = Splines.bsplineBasis(Tensor.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY}, 3, 1), grid, 2);
        double[] v = b.toDoubleArray();
        for (int j = 0; j < 4; j++) {
            assertThat(v[j]).isNaN();
            assertThat(v[4 + j]).isZero();
            assertThat(v[8 + j]).isZero();
        }
    }

    @Test
    void repeatedKnotsDropTheEmptySpansTerms() {
        // a double knot at 1: the cubic pieces lose one degree of continuity there but stay finite
        Tensor grid = Tensor.of(new double[] {-3, -2, -1, 0, 1, 1, 2, 3, 4, 5}, 1, 10);
        double[] xs = {-1.5, 0.5, 0.999, 1, 1.5, 3.5};
        Tensor b = Splines.bsplineBasis(Tensor.of(xs, xs.length, 1), grid, 3);
        for (double v : b.toDoubleArray()) {
            assertThat(v).isFinite().isBetween(0.0, 1.0);
        }
        // on [t_3, t_6) = [0, 2) the functions still sum to one
        double[] sums = b.sum(-1).toDoubleArray();
        assertThat(sums[1]).isCloseTo(1.0, within(1e-12));
        assertThat(sums[4]).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void leadingDimsAreKeptAndEmptyInputsWork() {
        Tensor grid = Tensor.of(new float[] {-1, 0, 1, 2, 3, -2, -1, 0, 1, 2}, 2, 5);
        assertThat(Splines.bsplineBasis(Tensor.zeros(3, 4, 2), grid, 1).shape()).containsExactly(3, 4, 2, 3);
        assertThat(Splines.bsplineBasis(Tensor.zeros(2), grid, 1).shape()).containsExactly(2, 3);
        assertThat(Splines.bsplineBasis(Tensor.zeros(0, 2), grid, 1).shape()).containsExactly(0, 2, 3);
        // a transposed (non-contiguous) input gives the same values as its contiguous copy
        Tensor x = Tensor.of(new float[] {-0.5f, 0.25f, 1.5f, -1.5f, 0.75f, 0.1f}, 2, 3).t();
        assertThat(Splines.bsplineBasis(x, grid, 1).toFloatArray())
                .containsExactly(Splines.bsplineBasis(x.contiguous(), grid, 1).toFloatArray());
    }

    @Test
    void badArgumentsAreRejectedWithTheirShapes() {
        Tensor grid = Tensor.of(new float[] {-1, 0, 1, 2, 3}, 1, 5);
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.zeros(4, 3), grid, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("bsplineBasis: x [4, 3]");
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.zeros(DType.F64, 4, 1), grid, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("bsplineBasis: dtypes differ");
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.of(new int[] {1, 2}, 2, 1), grid, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floating-point");
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.zeros(4, 1), grid, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs at least 6");
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.zeros(4, 1), grid, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("order must be >= 0");
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.zeros(4, 5), Tensor.zeros(5), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grid must be 2-D");
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.zeros(4, 1), Tensor.of(new float[] {0, 1, 0.5f, 2}, 1, 4), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("decrease at 2");
        assertThatThrownBy(() -> Splines.bsplineBasis(Tensor.zeros(4, 1), Tensor.of(new float[] {0, 1, Float.NaN, 2}, 1, 4), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be finite");
        assertThatThrownBy(() -> Splines.bsplineBasisBackward(Tensor.zeros(2, 3), Tensor.zeros(2, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("bsplineBasisBackward: dy [2, 3]");
    }
}
