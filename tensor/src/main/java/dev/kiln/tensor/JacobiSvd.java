package dev.kiln.tensor;

import java.util.Arrays;

/**
 * Thin SVD in float64: Householder QR first (A = Q·R, which shrinks a tall matrix to n×n), then
 * one-sided Jacobi (Hestenes) rotations on X = Rᵀ until its columns are orthogonal to working
 * precision. X is first multiplied by the eigenvectors of its Gram matrix, which leaves only a
 * few polishing sweeps (3 instead of 13 for a random 1024×1024 matrix). Singular values come out
 * accurate to a few ulps of the largest one, as LAPACK's. A wide matrix is handled through its
 * transpose.
 */
final class JacobiSvd {
    private static final double EPS = 0x1.0p-52;
    private static final int MAX_SWEEPS = 80;

    private JacobiSvd() {
    }

    /** U [m, k], S [k], Vh [k, n], all row-major, k = min(m, n). */
    record Result(double[] u, double[] s, double[] vh) {
    }

    static Result compute(double[][] rows, int m, int n) {
        if (m < n) {
            double[][] t = new double[n][m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    t[j][i] = rows[i][j];
                }
            }
            Result r = tall(t, n, m);
            // Aᵀ = U' S Vh'  ⇒  A = Vh'ᵀ S U'ᵀ
            return signed(transpose(r.vh(), m, m), r.s(), transpose(r.u(), n, m), m, n);
        }
        Result r = tall(rows, m, n);
        return signed(r.u(), r.s(), r.vh(), m, n);
    }

    /** The SVD of an m×n matrix with m ≥ n, unsorted signs. */
    private static Result tall(double[][] rows, int m, int n) {
        if (n == 0) {
            return new Result(new double[0], new double[0], new double[0]);
        }
        HouseholderQr.Factors qr = HouseholderQr.factor(HouseholderQr.toColumns(rows, m, n), m, n);
        // X = Rᵀ: column i of X is row i of R (upper triangular)
        double[][] x = new double[n][n];
        for (int c = 0; c < n; c++) {
            for (int i = 0; i <= c; i++) {
                x[i][c] = qr.cols()[c][i];
            }
        }
        double[][] rot = precondition(x);
        orthogonalize(x, rot);
        // X·J = W with orthogonal columns: R = J·Σ·Ŵᵀ, so A = (Q·J)·Σ·Ŵᵀ
        double[] sigma = new double[n];
        for (int i = 0; i < n; i++) {
            sigma[i] = norm(x[i]);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(sigma[b], sigma[a]));
        double[][] w = new double[n][];
        double[][] left = new double[n][];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            int src = order[i];
            s[i] = sigma[src];
            w[i] = x[src];
            left[i] = rot[src];
        }
        double[][] v = normalizeColumns(w, s);
        double[][] q = qr.thinQ();
        double[] u = new double[m * n];
        for (int i = 0; i < n; i++) {
            double[] col = new double[m];
            for (int c = 0; c < n; c++) {
                double coef = left[i][c];
                if (coef != 0) {
                    double[] qc = q[c];
                    for (int r = 0; r < m; r++) {
                        col[r] += qc[r] * coef;
                    }
                }
            }
            for (int r = 0; r < m; r++) {
                u[r * n + i] = col[r];
            }
        }
        double[] vh = new double[n * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(v[i], 0, vh, i * n, n);
        }
        return new Result(u, s, vh);
    }

    /**
     * Replaces x by x·V0, where V0 holds the eigenvectors of the Gram matrix xᵀx, and returns V0's
     * columns. x·V0 has nearly orthogonal columns already, so the Jacobi sweeps that follow only
     * polish it; whatever the Gram matrix loses to rounding, the sweeps restore, since they start
     * from an orthogonal V0.
     */
    private static double[][] precondition(double[][] x) {
        int n = x.length;
        double[][] gram = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                gram[i][j] = dot(x[i], x[j]);
            }
        }
        double[] vectors = SymmetricEigen.compute(gram, n).vectors();
        double[][] v0 = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                v0[c][r] = vectors[r * n + c];
            }
        }
        int len = n == 0 ? 0 : x[0].length;
        double[][] y = new double[n][len];
        for (int c = 0; c < n; c++) {
            double[] yc = y[c];
            double[] vc = v0[c];
            for (int k = 0; k < n; k++) {
                double coef = vc[k];
                if (coef != 0) {
                    double[] xk = x[k];
                    for (int r = 0; r < len; r++) {
                        yc[r] += xk[r] * coef;
                    }
                }
            }
        }
        System.arraycopy(y, 0, x, 0, n);
        return v0;
    }

    /**
     * Rotates pairs of columns of x until all are mutually orthogonal (|xᵢ·xⱼ| ≤ tol·‖xᵢ‖‖xⱼ‖),
     * applying every rotation to the columns of acc as well.
     */
    static void orthogonalize(double[][] x, double[][] acc) {
        int n = x.length;
        if (n < 2) {
            return;
        }
        int len = x[0].length;
        double tol = Math.max(8, Math.sqrt(len)) * EPS;
        double[] d = new double[n];
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            for (int i = 0; i < n; i++) {
                d[i] = dot(x[i], x[i]);
            }
            boolean rotated = false;
            for (int i = 0; i < n - 1; i++) {
                for (int j = i + 1; j < n; j++) {
                    double a = d[i];
                    double b = d[j];
                    if (a == 0 || b == 0) {
                        continue;
                    }
                    double g = dot(x[i], x[j]);
                    if (Math.abs(g) <= tol * Math.sqrt(a) * Math.sqrt(b)) {
                        continue;
                    }
                    rotated = true;
                    // the rotation that makes columns i and j orthogonal (Rutishauser's formulas)
                    double zeta = (b - a) / (2 * g);
                    double t = Math.abs(zeta) > 1e150 ? 0.5 / zeta
                            : Math.signum(zeta == 0 ? 1 : zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    rotate(x[i], x[j], c, s);
                    rotate(acc[i], acc[j], c, s);
                    d[i] = a - t * g;
                    d[j] = b + t * g;
                }
            }
            if (!rotated) {
                return;
            }
        }
        throw new ArithmeticException("svd: one-sided Jacobi did not converge in " + MAX_SWEEPS + " sweeps");
    }

    /** (p, q) ← (c·p − s·q, s·p + c·q). */
    private static void rotate(double[] p, double[] q, double c, double s) {
        for (int k = 0; k < p.length; k++) {
            double pk = p[k];
            double qk = q[k];
            p[k] = c * pk - s * qk;
            q[k] = s * pk + c * qk;
        }
    }

    /**
     * Columns w[i]/s[i]; columns whose singular value is zero (or lost in rounding) are replaced by
     * unit vectors orthogonal to all the others, so the result is always orthonormal.
     */
    private static double[][] normalizeColumns(double[][] w, double[] s) {
        int n = w.length;
        int len = n == 0 ? 0 : w[0].length;
        double floor = s.length == 0 ? 0 : s[0] * len * EPS;
        double[][] out = new double[n][];
        int next = 0;
        for (int i = 0; i < n; i++) {
            double[] col;
            if (s[i] > floor && s[i] > Double.MIN_NORMAL) {
                col = w[i].clone();
                scale(col, 1 / s[i]);
                // re-orthogonalise against earlier columns: cheap insurance for clustered values
                for (int j = 0; j < i; j++) {
                    axpy(col, out[j], -dot(col, out[j]));
                }
                scale(col, 1 / norm(col));
            } else {
                col = null;
                while (col == null) {
                    double[] e = new double[len];
                    e[next++ % len] = 1;
                    for (int pass = 0; pass < 2; pass++) {
                        for (int j = 0; j < i; j++) {
                            axpy(e, out[j], -dot(e, out[j]));
                        }
                    }
                    double nrm = norm(e);
                    if (nrm > 0.5) {
                        scale(e, 1 / nrm);
                        col = e;
                    }
                }
            }
            out[i] = col;
        }
        return out;
    }

    /** Applies the sign convention: U[:, i]'s largest-magnitude entry is positive; Vh[i, :] follows. */
    private static Result signed(double[] u, double[] s, double[] vh, int m, int n) {
        int k = Math.min(m, n);
        for (int i = 0; i < k; i++) {
            int best = 0;
            double bestAbs = -1;
            for (int r = 0; r < m; r++) {
                double a = Math.abs(u[r * k + i]);
                if (a > bestAbs) {
                    bestAbs = a;
                    best = r;
                }
            }
            if (u[best * k + i] < 0) {
                for (int r = 0; r < m; r++) {
                    u[r * k + i] = -u[r * k + i];
                }
                for (int c = 0; c < n; c++) {
                    vh[i * n + c] = -vh[i * n + c];
                }
            }
        }
        return new Result(u, s, vh);
    }

    /** The transpose of a row-major rows×cols matrix. */
    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /** a·b with four partial sums, so the loop is not one long chain of dependent additions. */
    static double dot(double[] a, double[] b) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int n = a.length;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += a[k] * b[k];
            s1 += a[k + 1] * b[k + 1];
            s2 += a[k + 2] * b[k + 2];
            s3 += a[k + 3] * b[k + 3];
        }
        for (; k < n; k++) {
            s0 += a[k] * b[k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    static double norm(double[] a) {
        double scale = 0;
        for (double e : a) {
            scale = Math.max(scale, Math.abs(e));
        }
        if (scale == 0) {
            return 0;
        }
        double s = 0;
        for (double e : a) {
            double t = e / scale;
            s += t * t;
        }
        return scale * Math.sqrt(s);
    }

    private static void scale(double[] a, double f) {
        for (int k = 0; k < a.length; k++) {
            a[k] *= f;
        }
    }

    /** y += alpha·x */
    private static void axpy(double[] y, double[] x, double alpha) {
        for (int k = 0; k < y.length; k++) {
            y[k] += alpha * x[k];
        }
    }
}
