package dev.kiln.tensor;

/**
 * Dense linear algebra on 2-D F32 or F64 tensors (PyTorch's {@code torch.linalg}): thin SVD,
 * symmetric eigendecomposition, reduced QR and least squares.
 *
 * <p>Every routine copies its input to the host, computes in float64 with plain loops, and returns
 * fresh tensors in the input's dtype on the input's device. They are <b>not differentiable</b>: a
 * call that autograd would have to record (grad enabled and an input that requires grad) fails
 * instead of silently cutting the graph; detach the input or call it inside a NoGrad scope.
 *
 * <p>Sign conventions, so that results are deterministic and comparable across libraries:
 * <ul>
 *   <li>svd: each left singular vector {@code U[:, i]} has its entry of largest magnitude positive
 *       (the first such entry on ties), and {@code Vh[i, :]} flips with it (scikit-learn's
 *       {@code svd_flip}). Apply the same rule to another library's factors before comparing.</li>
 *   <li>eigh: each eigenvector column has its entry of largest magnitude positive.</li>
 *   <li>qr: R has a non-negative diagonal (so Q and R are unique for a full-rank input).</li>
 * </ul>
 */
public final class Linalg {
    private Linalg() {
    }

    /** A = U · diag(S) · Vh with U [m, k], S [k] descending and non-negative, Vh [k, n], k = min(m, n). */
    public record Svd(Tensor u, Tensor s, Tensor vh) {
    }

    /** A = V · diag(eigenvalues) · Vᵀ with eigenvalues [n] ascending and orthonormal eigenvector columns V [n, n]. */
    public record Eigh(Tensor eigenvalues, Tensor eigenvectors) {
    }

    /** A = Q · R with Q [m, k] orthonormal columns and R [k, n] upper triangular, k = min(m, n). */
    public record Qr(Tensor q, Tensor r) {
    }

    /**
     * The thin SVD ({@code torch.linalg.svd(a, full_matrices=False)}), by Householder QR and
     * one-sided Jacobi rotations: accurate to a few ulps relative to the largest singular value,
     * also for rank-deficient, tall and wide matrices.
     */
    public static Svd svd(Tensor a) {
        String op = "svd";
        double[][] rows = hostRows(op, a);
        int m = a.size(0);
        int n = a.size(1);
        JacobiSvd.Result r = JacobiSvd.compute(rows, m, n);
        int k = Math.min(m, n);
        return new Svd(result(r.u(), new int[] {m, k}, a), result(r.s(), new int[] {k}, a),
                result(r.vh(), new int[] {k, n}, a));
    }

    /** Singular values only, descending ({@code torch.linalg.svdvals}). */
    public static Tensor svdvals(Tensor a) {
        return svd(a).s();
    }

    /**
     * Eigenvalues (ascending) and eigenvectors of a symmetric matrix ({@code torch.linalg.eigh}),
     * by Householder tridiagonalisation and implicit QR with Wilkinson shifts. Only the lower
     * triangle is read, as PyTorch's default {@code UPLO='L'}.
     */
    public static Eigh eigh(Tensor a) {
        return eigh("eigh", a);
    }

    private static Eigh eigh(String op, Tensor a) {
        double[][] rows = hostRows(op, a);
        if (a.size(0) != a.size(1)) {
            throw new IllegalArgumentException(op + ": expected a square matrix, got shape " + Shapes.str(a.shape()));
        }
        int n = a.size(0);
        SymmetricEigen.Result r = SymmetricEigen.compute(rows, n);
        return new Eigh(result(r.values(), new int[] {n}, a), result(r.vectors(), new int[] {n, n}, a));
    }

    /** Eigenvalues only, ascending ({@code torch.linalg.eigvalsh}). */
    public static Tensor eigvalsh(Tensor a) {
        return eigh("eigvalsh", a).eigenvalues();
    }

    /** The reduced QR decomposition ({@code torch.linalg.qr(a, mode='reduced')}) by Householder reflections. */
    public static Qr qr(Tensor a) {
        String op = "qr";
        double[][] rows = hostRows(op, a);
        int m = a.size(0);
        int n = a.size(1);
        HouseholderQr.Result r = HouseholderQr.compute(rows, m, n);
        int k = Math.min(m, n);
        return new Qr(result(r.q(), new int[] {m, k}, a), result(r.r(), new int[] {k, n}, a));
    }

    /**
     * The minimum-norm least-squares solution X of A·X ≈ B ({@code torch.linalg.lstsq(a, b).solution}
     * with the SVD driver 'gelsd'): singular values at or below {@code rcond · σ_max} count as zero,
     * with rcond = machine epsilon of the dtype · max(m, n). A is [m, n]; B is [m] or [m, k]; X is
     * [n] or [n, k].
     */
    public static Tensor lstsq(Tensor a, Tensor b) {
        String op = "lstsq";
        double[][] rows = hostRows(op, a);
        int m = a.size(0);
        int n = a.size(1);
        if (b.dim() != 1 && b.dim() != 2) {
            throw new IllegalArgumentException(op + ": B must be 1-D [m] or 2-D [m, k], got shape " + Shapes.str(b.shape()));
        }
        if (b.size(0) != m) {
            throw new IllegalArgumentException(op + ": A " + Shapes.str(a.shape()) + " has " + m + " rows but B "
                    + Shapes.str(b.shape()) + " has " + b.size(0));
        }
        if (b.dtype() != a.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: A is " + a.dtype() + ", B is " + b.dtype());
        }
        if (!b.device().equals(a.device())) {
            throw new IllegalArgumentException(op + ": A is on " + a.device() + " but B is on " + b.device());
        }
        notRecorded(op, b);
        int k = b.dim() == 1 ? 1 : b.size(1);
        double[] bv = b.detach().toDoubleArray();
        requireFinite(op, bv);
        JacobiSvd.Result svd = JacobiSvd.compute(rows, m, n);
        int r = Math.min(m, n);
        double eps = a.dtype() == DType.F32 ? 0x1.0p-23 : 0x1.0p-52;
        double cutoff = r == 0 ? 0 : eps * Math.max(m, n) * svd.s()[0];
        // X = V · diag(1/σ) · Uᵀ · B over the singular values above the cutoff
        double[] x = new double[n * k];
        for (int i = 0; i < r; i++) {
            double sigma = svd.s()[i];
            if (!(sigma > cutoff)) {
                continue;
            }
            for (int c = 0; c < k; c++) {
                double dot = 0;
                for (int row = 0; row < m; row++) {
                    dot += svd.u()[row * r + i] * bv[row * k + c];
                }
                double coef = dot / sigma;
                for (int j = 0; j < n; j++) {
                    x[j * k + c] += svd.vh()[i * n + j] * coef;
                }
            }
        }
        return result(x, b.dim() == 1 ? new int[] {n} : new int[] {n, k}, a);
    }

    // ------------------------------------------------------------------ plumbing

    /** Checks a 2-D floating input and returns its rows as a fresh double[m][n]. */
    private static double[][] hostRows(String op, Tensor a) {
        if (a.dim() != 2) {
            throw new IllegalArgumentException(op + ": expected a 2-D matrix, got shape " + Shapes.str(a.shape()));
        }
        if (!a.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected an F32 or F64 matrix, got " + a.dtype() + " "
                    + Shapes.str(a.shape()));
        }
        notRecorded(op, a);
        int m = a.size(0);
        int n = a.size(1);
        double[] flat = a.detach().toDoubleArray();
        requireFinite(op, flat);
        double[][] rows = new double[m][];
        for (int i = 0; i < m; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * n, (i + 1) * n);
        }
        return rows;
    }

    private static void requireFinite(String op, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(op + ": the input contains " + v[i] + " at flat position " + i
                        + "; decompositions need finite values");
            }
        }
    }

    private static void notRecorded(String op, Tensor t) {
        if (Dispatch.wouldRecord(t)) {
            throw new IllegalStateException(op + ": linear-algebra routines are not differentiable; call "
                    + op + " on a detached tensor or inside a NoGrad scope");
        }
    }

    /** Row-major values as a tensor of the input's dtype and device. */
    private static Tensor result(double[] values, int[] shape, Tensor like) {
        Tensor t = Tensor.of(values, shape).to(like.dtype());
        return t.to(like.device());
    }
}
