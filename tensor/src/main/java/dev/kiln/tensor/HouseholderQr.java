package dev.kiln.tensor;

/**
 * Reduced QR by Householder reflections, in float64 on column arrays (each column of the matrix
 * is one contiguous {@code double[]}, so every inner loop runs over contiguous memory).
 */
final class HouseholderQr {
    private HouseholderQr() {
    }

    /** Q [m, k] and R [k, n] row-major, k = min(m, n), R with a non-negative diagonal. */
    record Result(double[] q, double[] r) {
    }

    static Result compute(double[][] rows, int m, int n) {
        Factors f = factor(toColumns(rows, m, n), m, n);
        int k = Math.min(m, n);
        double[][] qCols = f.thinQ();
        double[] q = new double[m * k];
        double[] r = new double[k * n];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < m; i++) {
                q[i * k + j] = qCols[j][i];
            }
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i <= Math.min(j, k - 1); i++) {
                r[i * n + j] = f.cols[j][i];
            }
        }
        return new Result(q, r);
    }

    static double[][] toColumns(double[][] rows, int m, int n) {
        double[][] cols = new double[n][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                cols[j][i] = rows[i][j];
            }
        }
        return cols;
    }

    /**
     * The Householder factors of a matrix given as columns (overwritten): R in the upper triangle
     * of {@code cols}, reflectors H_j = I − β_j v_j v_jᵀ acting on rows j..m−1.
     */
    static Factors factor(double[][] cols, int m, int n) {
        int k = Math.min(m, n);
        double[][] v = new double[k][];
        double[] beta = new double[k];
        for (int j = 0; j < k; j++) {
            double[] x = cols[j];
            double norm = 0;
            double scale = 0;
            for (int i = j; i < m; i++) {
                scale = Math.max(scale, Math.abs(x[i]));
            }
            if (scale == 0) {
                v[j] = new double[m - j];
                continue; // the column is already zero below the diagonal: H_j = I
            }
            for (int i = j; i < m; i++) {
                double t = x[i] / scale;
                norm += t * t;
            }
            norm = scale * Math.sqrt(norm);
            double alpha = x[j] > 0 ? -norm : norm;
            double[] vj = new double[m - j];
            for (int i = j; i < m; i++) {
                vj[i - j] = x[i];
            }
            vj[0] -= alpha;
            double vv = 0;
            for (double e : vj) {
                vv += e * e;
            }
            beta[j] = vv == 0 ? 0 : 2 / vv;
            v[j] = vj;
            for (int c = j; c < n; c++) {
                apply(cols[c], j, vj, beta[j]);
            }
            x[j] = alpha;
            for (int i = j + 1; i < m; i++) {
                x[i] = 0;
            }
        }
        // make R's diagonal non-negative by flipping rows of R (and, in thinQ, columns of Q)
        boolean[] flip = new boolean[k];
        for (int j = 0; j < k; j++) {
            if (cols[j][j] < 0) {
                flip[j] = true;
                for (int c = j; c < n; c++) {
                    cols[c][j] = -cols[c][j];
                }
            }
        }
        return new Factors(cols, v, beta, flip, m, k);
    }

    /** x[j..] ← (I − β v vᵀ) x[j..]. */
    static void apply(double[] x, int j, double[] v, double beta) {
        if (beta == 0) {
            return;
        }
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += v[i] * x[j + i];
        }
        s *= beta;
        for (int i = 0; i < v.length; i++) {
            x[j + i] -= s * v[i];
        }
    }

    /** R in the upper triangle of cols; Q held as reflectors. */
    record Factors(double[][] cols, double[][] v, double[] beta, boolean[] flip, int m, int k) {

        /** The first k columns of Q = H_0 ⋯ H_{k−1}, as column arrays of length m. */
        double[][] thinQ() {
            double[][] q = new double[k][m];
            for (int j = 0; j < k; j++) {
                q[j][j] = 1;
            }
            for (int j = k - 1; j >= 0; j--) {
                for (int c = j; c < k; c++) {
                    apply(q[c], j, v[j], beta[j]);
                }
            }
            for (int j = 0; j < k; j++) {
                if (flip[j]) {
                    for (int i = 0; i < m; i++) {
                        q[j][i] = -q[j][i];
                    }
                }
            }
            return q;
        }
    }
}
