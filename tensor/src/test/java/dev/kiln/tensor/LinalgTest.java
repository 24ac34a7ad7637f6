package dev.kiln.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LinalgTest {

    // ------------------------------------------------------------------ helpers on row-major double[]

    private static double[] matmul(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double aip = a[i * k + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b[p * n + j];
                }
            }
        }
        return c;
    }

    private static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t[j * m + i] = a[i * n + j];
            }
        }
        return t;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        assertThat(a.length).isEqualTo(b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    private static double maxAbs(double[] a) {
        double d = 0;
        for (double v : a) {
            d = Math.max(d, Math.abs(v));
        }
        return d;
    }

    /** max |XᵀX − I| for an m×k matrix X with (supposedly) orthonormal columns. */
    private static double orthoError(double[] x, int m, int k) {
        double[] g = matmul(transpose(x, m, k), x, k, m, k);
        for (int i = 0; i < k; i++) {
            g[i * k + i] -= 1;
        }
        return maxAbs(g);
    }

    private static Tensor randomF64(Generator rng, int m, int n) {
        return Tensor.randn(rng, m, n).to(DType.F64);
    }

    /** A random m×n matrix of the given rank (product of m×r and r×n Gaussians). */
    private static Tensor lowRank(Generator rng, int m, int n, int r) {
        return randomF64(rng, m, r).matmul(randomF64(rng, r, n));
    }

    private static void checkSvd(Tensor a, double tol) {
        int m = a.size(0);
        int n = a.size(1);
        int k = Math.min(m, n);
        Linalg.Svd svd = Linalg.svd(a);
        assertThat(svd.u().shape()).containsExactly(m, k);
        assertThat(svd.s().shape()).containsExactly(k);
        assertThat(svd.vh().shape()).containsExactly(k, n);
        assertThat(svd.u().dtype()).isEqualTo(a.dtype());
        double[] u = svd.u().toDoubleArray();
        double[] s = svd.s().toDoubleArray();
        double[] vh = svd.vh().toDoubleArray();
        double scale = Math.max(1, k == 0 ? 0 : s[0]);
        for (int i = 0; i < k; i++) {
            assertThat(s[i]).isGreaterThanOrEqualTo(0);
            if (i > 0) {
                assertThat(s[i]).isLessThanOrEqualTo(s[i - 1]);
            }
        }
        double[] us = u.clone();
        for (int r = 0; r < m; r++) {
            for (int i = 0; i < k; i++) {
                us[r * k + i] *= s[i];
            }
        }
        double[] rec = matmul(us, vh, m, k, n);
        assertThat(maxAbsDiff(rec, a.toDoubleArray())).isLessThan(tol * scale);
        assertThat(orthoError(u, m, k)).isLessThan(tol);
        assertThat(orthoError(transpose(vh, k, n), n, k)).isLessThan(tol);
        // sign convention: the largest-magnitude entry of each U column is positive
        for (int i = 0; i < k; i++) {
            double best = 0;
            for (int r = 0; r < m; r++) {
                if (Math.abs(u[r * k + i]) > Math.abs(best)) {
                    best = u[r * k + i];
                }
            }
            assertThat(best).isPositive();
        }
    }

    // ------------------------------------------------------------------ svd

    @ParameterizedTest
    @CsvSource({"1,1", "5,3", "3,5", "8,8", "40,7", "7,40", "33,33", "64,17", "2,9"})
    void svdReconstructsAndIsOrthonormal(int m, int n) {
        checkSvd(randomF64(new Generator(m * 100 + n), m, n), 1e-12);
    }

    @ParameterizedTest
    @CsvSource({"10,10,3", "30,12,5", "12,30,5", "20,20,1", "9,4,2"})
    void svdOfRankDeficientMatricesIsStillOrthonormal(int m, int n, int r) {
        Tensor a = lowRank(new Generator(7 + m + n + r), m, n, r);
        checkSvd(a, 1e-12);
        double[] s = Linalg.svdvals(a).toDoubleArray();
        for (int i = r; i < s.length; i++) {
            assertThat(s[i]).isLessThan(1e-12 * s[0]);
        }
        assertThat(s[r - 1]).isGreaterThan(1e-6 * s[0]);
    }

    @Test
    void svdOfZeroAndOrthogonalMatrices() {
        checkSvd(Tensor.zeros(DType.F64, 6, 4), 1e-14);
        assertThat(Linalg.svdvals(Tensor.zeros(DType.F64, 6, 4)).toDoubleArray()).containsOnly(0.0);
        // an orthogonal matrix: every singular value is 1 (a fully degenerate spectrum)
        Tensor q = Linalg.qr(randomF64(new Generator(3), 12, 12)).q();
        checkSvd(q, 1e-12);
        assertThat(Linalg.svdvals(q).toDoubleArray()).containsOnly(java.util.stream.DoubleStream.generate(() -> 1.0).limit(12).toArray(), within(1e-12));
    }

    @Test
    void svdOfKnownSmallMatrices() {
        // diag(3, -2): singular values 3 and 2
        Linalg.Svd d = Linalg.svd(Tensor.of(new double[] {3, 0, 0, -2}, 2, 2));
        assertThat(d.s().toDoubleArray()).containsExactly(new double[] {3, 2}, within(1e-15));
        // [[3, 2, 2], [2, 3, -2]]: singular values 5 and 3, first right vector (1, 1, 0)/√2
        Linalg.Svd w = Linalg.svd(Tensor.of(new double[] {3, 2, 2, 2, 3, -2}, 2, 3));
        assertThat(w.s().toDoubleArray()).containsExactly(new double[] {5, 3}, within(1e-14));
        double h = Math.sqrt(0.5);
        double[] wu = w.u().toDoubleArray();
        // U = [[h, h], [h, −h]] up to the sign of its second column (its two entries tie in magnitude)
        assertThat(new double[] {wu[0], wu[2], Math.abs(wu[1]), wu[1] * wu[3]})
                .containsExactly(new double[] {h, h, h, -0.5}, within(1e-14));
        assertThat(w.vh().toDoubleArray()).startsWith(new double[] {h, h, 0}, within(1e-14));
        // a rank-one outer product
        Linalg.Svd r1 = Linalg.svd(Tensor.of(new double[] {1, 2, 2, 4, 3, 6}, 3, 2));
        assertThat(r1.s().toDoubleArray()).containsExactly(new double[] {Math.sqrt(70), 0}, within(1e-13));
    }

    @Test
    void svdRecoversAKnownSpectrumAndItsVectors() {
        var rng = new Generator(21);
        int m = 30;
        int n = 6;
        double[] sigma = {100, 10, 1, 0.1, 1e-3, 1e-6};
        double[] q1 = Linalg.qr(randomF64(rng, m, n)).q().toDoubleArray();
        double[] q2 = Linalg.qr(randomF64(rng, n, n)).q().toDoubleArray();
        double[] scaled = q1.clone();
        for (int r = 0; r < m; r++) {
            for (int i = 0; i < n; i++) {
                scaled[r * n + i] *= sigma[i];
            }
        }
        Tensor a = Tensor.of(matmul(scaled, transpose(q2, n, n), m, n, n), m, n);
        Linalg.Svd svd = Linalg.svd(a);
        assertThat(svd.s().toDoubleArray()).containsExactly(sigma, within(1e-13 * 100));
        double[] u = svd.u().toDoubleArray();
        double[] vh = svd.vh().toDoubleArray();
        for (int i = 0; i < n; i++) {
            double du = 0;
            double dv = 0;
            for (int r = 0; r < m; r++) {
                du += u[r * n + i] * q1[r * n + i];
            }
            for (int c = 0; c < n; c++) {
                dv += vh[i * n + c] * q2[c * n + i];
            }
            // the same vectors up to one shared sign
            assertThat(Math.abs(du)).isCloseTo(1, within(1e-9));
            assertThat(du * dv).isCloseTo(1, within(1e-9));
        }
    }

    @Test
    void svdKeepsF32AndIsAccurateToF32() {
        Tensor a = Tensor.randn(new Generator(11), 30, 20);
        Linalg.Svd svd = Linalg.svd(a);
        assertThat(svd.u().dtype()).isEqualTo(DType.F32);
        assertThat(svd.s().dtype()).isEqualTo(DType.F32);
        checkSvd(a, 1e-5);
    }

    @Test
    void svdOfEmptyMatrices() {
        Linalg.Svd svd = Linalg.svd(Tensor.zeros(DType.F64, 0, 3));
        assertThat(svd.u().shape()).containsExactly(0, 0);
        assertThat(svd.s().shape()).containsExactly(0);
        assertThat(svd.vh().shape()).containsExactly(0, 3);
    }

    @Test
    void svdMatchesTheSpectrumOfEigh() {
        Tensor a = randomF64(new Generator(5), 15, 9);
        double[] s = Linalg.svdvals(a).toDoubleArray();
        double[] ev = Linalg.eigvalsh(a.t().matmul(a)).toDoubleArray();
        for (int i = 0; i < 9; i++) {
            assertThat(s[i] * s[i]).isCloseTo(ev[8 - i], within(1e-10 * s[0] * s[0]));
        }
    }

    // ------------------------------------------------------------------ eigh

    private static void checkEigh(Tensor a, double tol) {
        int n = a.size(0);
        Linalg.Eigh e = Linalg.eigh(a);
        double[] w = e.eigenvalues().toDoubleArray();
        double[] v = e.eigenvectors().toDoubleArray();
        for (int i = 1; i < n; i++) {
            assertThat(w[i]).isGreaterThanOrEqualTo(w[i - 1]);
        }
        assertThat(orthoError(v, n, n)).isLessThan(tol);
        double[] vw = v.clone();
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                vw[r * n + c] *= w[c];
            }
        }
        double[] rec = matmul(vw, transpose(v, n, n), n, n, n);
        double scale = Math.max(1, maxAbs(w));
        assertThat(maxAbsDiff(rec, a.toDoubleArray())).isLessThan(tol * scale);
    }

    @ParameterizedTest
    @CsvSource({"1", "2", "3", "7", "20", "64"})
    void eighOfRandomSymmetricMatrices(int n) {
        Tensor b = randomF64(new Generator(n), n, n);
        checkEigh(b.add(b.t()), 1e-12);
    }

    @Test
    void eighOfKnownAndDegenerateMatrices() {
        Linalg.Eigh e = Linalg.eigh(Tensor.of(new double[] {2, 1, 1, 2}, 2, 2));
        assertThat(e.eigenvalues().toDoubleArray()).containsExactly(new double[] {1, 3}, within(1e-15));
        double h = Math.sqrt(0.5);
        // columns: (−1, 1)/√2 flipped to have its largest entry positive, then (1, 1)/√2
        assertThat(Math.abs(e.eigenvectors().toDoubleArray()[0])).isCloseTo(h, within(1e-15));
        checkEigh(Tensor.eye(5).to(DType.F64), 1e-14);
        checkEigh(Tensor.zeros(DType.F64, 4, 4), 1e-14);
        // a projector of rank 2: eigenvalues 0, 0, 0, 1, 1 (repeated)
        Tensor q = Linalg.qr(randomF64(new Generator(9), 5, 2)).q();
        Tensor p = q.matmul(q.t());
        checkEigh(p, 1e-12);
        assertRejects(() -> Linalg.eigvalsh(Tensor.zeros(2, 3)), "eigvalsh", "square", "[2, 3]");
        assertThat(Linalg.eigvalsh(p).toDoubleArray()).containsExactly(new double[] {0, 0, 0, 1, 1}, within(1e-12));
        // a positive semi-definite Gram matrix of rank 3
        Tensor g = lowRank(new Generator(4), 10, 10, 3);
        checkEigh(g.matmul(g.t()), 1e-10);
    }

    @Test
    void eighReadsOnlyTheLowerTriangle() {
        double[] lower = {4, 99, 1, 3};   // the 99 above the diagonal must be ignored
        Linalg.Eigh e = Linalg.eigh(Tensor.of(lower, 2, 2));
        Linalg.Eigh sym = Linalg.eigh(Tensor.of(new double[] {4, 1, 1, 3}, 2, 2));
        assertThat(e.eigenvalues().toDoubleArray()).containsExactly(sym.eigenvalues().toDoubleArray(), within(0.0));
    }

    // ------------------------------------------------------------------ qr

    @ParameterizedTest
    @CsvSource({"1,1", "6,4", "4,6", "10,10", "50,3"})
    void qrReconstructsWithOrthonormalQAndTriangularR(int m, int n) {
        Tensor a = randomF64(new Generator(31 * m + n), m, n);
        checkQr(a);
    }

    @Test
    void qrOfRankDeficientMatrix() {
        checkQr(lowRank(new Generator(2), 8, 6, 2));
        checkQr(Tensor.zeros(DType.F64, 3, 3));
    }

    private static void checkQr(Tensor a) {
        int m = a.size(0);
        int n = a.size(1);
        int k = Math.min(m, n);
        Linalg.Qr qr = Linalg.qr(a);
        double[] q = qr.q().toDoubleArray();
        double[] r = qr.r().toDoubleArray();
        assertThat(qr.q().shape()).containsExactly(m, k);
        assertThat(qr.r().shape()).containsExactly(k, n);
        assertThat(orthoError(q, m, k)).isLessThan(1e-13);
        for (int i = 0; i < k; i++) {
            assertThat(r[i * n + i]).isGreaterThanOrEqualTo(0);
            for (int j = 0; j < Math.min(i, n); j++) {
                assertThat(r[i * n + j]).isEqualTo(0);
            }
        }
        assertThat(maxAbsDiff(matmul(q, r, m, k, n), a.toDoubleArray())).isLessThan(1e-13 * Math.max(1, maxAbs(r)));
    }

    // ------------------------------------------------------------------ lstsq

    @Test
    void lstsqSolvesOverdeterminedSystemsLikeTheNormalEquations() {
        var rng = new Generator(8);
        Tensor a = randomF64(rng, 20, 4);
        Tensor b = randomF64(rng, 20, 2);
        Tensor x = Linalg.lstsq(a, b);
        assertThat(x.shape()).containsExactly(4, 2);
        // the residual is orthogonal to the columns of A
        Tensor residual = a.matmul(x).sub(b);
        assertThat(maxAbs(a.t().matmul(residual).toDoubleArray())).isLessThan(1e-12);
        Tensor x1 = Linalg.lstsq(a, b.select(1, 0).contiguous());
        assertThat(x1.shape()).containsExactly(4);
        assertThat(maxAbsDiff(x1.toDoubleArray(), x.select(1, 0).contiguous().toDoubleArray())).isLessThan(1e-13);
    }

    @Test
    void lstsqGivesTheMinimumNormSolution() {
        // underdetermined: x + y = 2 has minimum-norm solution (1, 1)
        Tensor x = Linalg.lstsq(Tensor.of(new double[] {1, 1}, 1, 2), Tensor.of(new double[] {2}));
        assertThat(x.toDoubleArray()).containsExactly(new double[] {1, 1}, within(1e-14));
        // rank-deficient square: [[1, 1], [1, 1]] x = [2, 2] → (1, 1) as well
        Tensor y = Linalg.lstsq(Tensor.of(new double[] {1, 1, 1, 1}, 2, 2), Tensor.of(new double[] {2, 2}));
        assertThat(y.toDoubleArray()).containsExactly(new double[] {1, 1}, within(1e-14));
        // an exactly solvable full-rank square system
        Tensor z = Linalg.lstsq(Tensor.of(new double[] {2, 1, 1, 3}, 2, 2), Tensor.of(new double[] {3, 5}));
        assertThat(z.toDoubleArray()).containsExactly(new double[] {0.8, 1.4}, within(1e-14));
    }

    // ------------------------------------------------------------------ errors

    @Test
    void badInputsFailClearly() {
        assertThatThrownBy(() -> Linalg.svd(Tensor.zeros(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("svd: expected a 2-D matrix, got shape [3]");
        assertThatThrownBy(() -> Linalg.qr(Tensor.zeros(2, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("qr: expected a 2-D matrix");
        assertThatThrownBy(() -> Linalg.eigh(Tensor.zeros(2, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("eigh: expected a square matrix, got shape [2, 3]");
        assertThatThrownBy(() -> Linalg.svd(Tensor.of(new float[] {1, Float.NaN, 0, 1}, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("svd: the input contains NaN");
        assertThatThrownBy(() -> Linalg.eigh(Tensor.of(new float[] {1, 0, Float.POSITIVE_INFINITY, 1}, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("eigh: the input contains Infinity");
        assertThatThrownBy(() -> Linalg.svd(Tensor.of(new int[] {1, 2, 3, 4}, 2, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("svd: expected an F32 or F64 matrix, got I32");
        assertThatThrownBy(() -> Linalg.lstsq(Tensor.zeros(3, 2), Tensor.zeros(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("lstsq: A [3, 2] has 3 rows but B [4] has 4");
        assertThatThrownBy(() -> Linalg.lstsq(Tensor.zeros(3, 2), Tensor.zeros(DType.F64, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("lstsq: dtypes differ");
    }
}
