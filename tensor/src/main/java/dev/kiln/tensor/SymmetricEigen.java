package dev.kiln.tensor;

import java.util.Arrays;

/**
 * Symmetric eigendecomposition in float64 (Golub and Van Loan, Matrix Computations, §8.3):
 * Householder reduction to tridiagonal form T = Qᵀ·A·Q, then implicit QR steps with Wilkinson
 * shifts on T, each Givens rotation also applied to Q's columns. Q is kept as column arrays so
 * every rotation runs over contiguous memory.
 */
final class SymmetricEigen {
    private static final double EPS = 0x1.0p-52;
    private static final int MAX_ITERATIONS_PER_VALUE = 60;

    private SymmetricEigen() {
    }

    /** Eigenvalues ascending; eigenvectors [n, n] row-major with one eigenvector per column. */
    record Result(double[] values, double[] vectors) {
    }

    static Result compute(double[][] rows, int n) {
        // the symmetric matrix from the lower triangle, as PyTorch's UPLO='L'
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = rows[i][j];
                a[j][i] = rows[i][j];
            }
        }
        double[][] q = new double[n][n]; // q[j] is column j of Q
        for (int i = 0; i < n; i++) {
            q[i][i] = 1;
        }
        double[] d = new double[n];
        double[] e = new double[Math.max(n - 1, 0)];
        tridiagonalize(a, q, d, e, n);
        diagonalize(d, e, q, n);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(d[x], d[y]));
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int c = 0; c < n; c++) {
            double[] col = q[order[c]];
            values[c] = d[order[c]];
            int best = 0;
            for (int r = 1; r < n; r++) {
                if (Math.abs(col[r]) > Math.abs(col[best])) {
                    best = r;
                }
            }
            double sign = col[best] < 0 ? -1 : 1;
            for (int r = 0; r < n; r++) {
                vectors[r * n + c] = sign * col[r];
            }
        }
        return new Result(values, vectors);
    }

    /** A ← Hᵀ·A·H for Householder H_k zeroing column k below the subdiagonal; Q ← Q·H_k. */
    private static void tridiagonalize(double[][] a, double[][] q, double[] d, double[] e, int n) {
        for (int k = 0; k + 2 < n; k++) {
            int len = n - k - 1;
            double[] v = new double[len];
            double scale = 0;
            for (int i = 0; i < len; i++) {
                v[i] = a[k + 1 + i][k];
                scale = Math.max(scale, Math.abs(v[i]));
            }
            if (scale == 0) {
                continue;
            }
            double norm = 0;
            for (int i = 0; i < len; i++) {
                double t = v[i] / scale;
                norm += t * t;
            }
            norm = scale * Math.sqrt(norm);
            double alpha = v[0] > 0 ? -norm : norm;
            v[0] -= alpha;
            double vv = JacobiSvd.dot(v, v);
            if (vv == 0) {
                continue;
            }
            double beta = 2 / vv;
            // trailing block S = A[k+1.., k+1..]: p = β·S·v, w = p − (β/2)(pᵀv)·v, S ← S − v·wᵀ − w·vᵀ
            double[] p = new double[len];
            for (int i = 0; i < len; i++) {
                double[] row = a[k + 1 + i];
                double s = 0;
                for (int j = 0; j < len; j++) {
                    s += row[k + 1 + j] * v[j];
                }
                p[i] = beta * s;
            }
            double kk = 0.5 * beta * JacobiSvd.dot(p, v);
            for (int i = 0; i < len; i++) {
                p[i] -= kk * v[i];
            }
            for (int i = 0; i < len; i++) {
                double[] row = a[k + 1 + i];
                double vi = v[i];
                double wi = p[i];
                for (int j = 0; j < len; j++) {
                    row[k + 1 + j] -= vi * p[j] + wi * v[j];
                }
            }
            a[k + 1][k] = alpha;
            a[k][k + 1] = alpha;
            for (int i = 1; i < len; i++) {
                a[k + 1 + i][k] = 0;
                a[k][k + 1 + i] = 0;
            }
            // Q[:, k+1..] ← Q[:, k+1..]·(I − β v vᵀ): s = Q[:, k+1..]·v, then column k+1+j −= β v_j s
            double[] s = new double[n];
            for (int j = 0; j < len; j++) {
                double vj = v[j];
                double[] col = q[k + 1 + j];
                for (int r = 0; r < n; r++) {
                    s[r] += col[r] * vj;
                }
            }
            for (int j = 0; j < len; j++) {
                double f = beta * v[j];
                double[] col = q[k + 1 + j];
                for (int r = 0; r < n; r++) {
                    col[r] -= f * s[r];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            d[i] = a[i][i];
        }
        for (int i = 0; i + 1 < n; i++) {
            e[i] = a[i + 1][i];
        }
    }

    /** Implicit symmetric QR with Wilkinson shifts on the tridiagonal (d, e); rotations go into q's columns. */
    private static void diagonalize(double[] d, double[] e, double[][] q, int n) {
        int hi = n - 1;
        int iterations = 0;
        while (hi > 0) {
            if (negligible(e[hi - 1], d[hi - 1], d[hi])) {
                e[hi - 1] = 0;
                hi--;
                iterations = 0;
                continue;
            }
            int lo = hi - 1;
            while (lo > 0 && !negligible(e[lo - 1], d[lo - 1], d[lo])) {
                lo--;
            }
            if (lo > 0) {
                e[lo - 1] = 0;
            }
            if (++iterations > MAX_ITERATIONS_PER_VALUE) {
                throw new ArithmeticException("eigh: the QR iteration did not converge");
            }
            qrStep(d, e, q, lo, hi);
        }
    }

    private static boolean negligible(double off, double d1, double d2) {
        return Math.abs(off) <= EPS * (Math.abs(d1) + Math.abs(d2)) || Math.abs(off) < Double.MIN_NORMAL;
    }

    /** One implicit QR step on the unreduced block [lo, hi] (Golub and Van Loan, Algorithm 8.3.2). */
    private static void qrStep(double[] d, double[] e, double[][] q, int lo, int hi) {
        double delta = (d[hi - 1] - d[hi]) / 2;
        double b = e[hi - 1];
        double mu = d[hi] - b * b / (delta + Math.copySign(Math.hypot(delta, b), delta == 0 ? 1 : delta));
        double x = d[lo] - mu;
        double z = e[lo];
        for (int k = lo; k < hi; k++) {
            double r = Math.hypot(x, z);
            double c = r == 0 ? 1 : x / r;
            double s = r == 0 ? 0 : -z / r;
            // rotate rows/columns k and k+1 with G = [[c, s], [−s, c]]: T ← Gᵀ·T·G
            if (k > lo) {
                e[k - 1] = c * x - s * z;
            }
            double a = d[k];
            double bb = e[k];
            double dd = d[k + 1];
            d[k] = c * c * a - 2 * c * s * bb + s * s * dd;
            d[k + 1] = s * s * a + 2 * c * s * bb + c * c * dd;
            e[k] = c * s * (a - dd) + (c * c - s * s) * bb;
            if (k + 1 < hi) {
                z = -s * e[k + 1];
                e[k + 1] = c * e[k + 1];
                x = e[k];
            }
            double[] qk = q[k];
            double[] qk1 = q[k + 1];
            for (int r2 = 0; r2 < qk.length; r2++) {
                double u = qk[r2];
                double w = qk1[r2];
                qk[r2] = c * u - s * w;
                qk1[r2] = s * u + c * w;
            }
        }
    }
}
