package dev.kiln.kernels.cpu.gemm;

import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.kernels.cpu.Simd;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Double-precision GEMM, C = A · B, with the same contract as {@link Sgemm} (strided A and B, row-major
 * C, every element of C written). F64 serves gradient checks and careful users rather than training
 * speed, so this is the simpler design: B is packed per kc × nc block, each 4-row panel of A is packed
 * as it is reached, and a 4 × 2-vector micro-kernel does the work. Vectors are as wide as
 * {@link Simd#F32}'s, so forcing the float width forces this one too.
 */
public final class Dgemm {
    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED.withShape(Simd.F32.vectorShape());
    static final int LANES = S.length();
    static final boolean VECTOR = Simd.ENABLED;
    static final int MR = 4;
    static final int NR = 2 * LANES;
    private static final int KC = 256;
    private static final int NC = 512;

    private Dgemm() {
    }

    private static final class Workspace {
        double[] b = new double[0];
        final double[] a = new double[MR * KC];
        final double[] tile = new double[MR * NR];

        double[] b(int size) {
            if (b.length < size) {
                b = new double[size];
            }
            return b;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** C = A · B on up to {@link Parallel#threads()} threads. */
    public static void dgemm(double[] c, int cOff, int ldc,
                             double[] a, int aOff, int ars, int acs,
                             double[] b, int bOff, int brs, int bcs,
                             int m, int n, int k) {
        dgemm(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, Parallel.threads());
    }

    /**
     * C[m × n] = A[m × k] · B[k × n], where A(i, p) = {@code a[aOff + i·ars + p·acs]},
     * B(p, j) = {@code b[bOff + p·brs + j·bcs]} and C(i, j) = {@code c[cOff + i·ldc + j]}.
     */
    public static void dgemm(double[] c, int cOff, int ldc,
                             double[] a, int aOff, int ars, int acs,
                             double[] b, int bOff, int brs, int bcs,
                             int m, int n, int k, int threads) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0.0);
            }
            return;
        }
        int panels = (m + MR - 1) / MR;
        int parts = threads <= 1 || (long) m * n * k < Sgemm.PARALLEL_MIN_FMAS / 2 ? 1
                : Math.min(Math.min(threads, Parallel.threads()), panels);
        if (parts <= 1) {
            serial(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k);
            return;
        }
        Parallel.forRange(parts, 1, (s, e) -> {
            for (int t = s; t < e; t++) {
                int lo = Math.min(m, (int) ((long) panels * t / parts) * MR);
                int hi = Math.min(m, (int) ((long) panels * (t + 1) / parts) * MR);
                if (hi > lo) {
                    serial(c, cOff + lo * ldc, ldc, a, aOff + lo * ars, ars, acs, b, bOff, brs, bcs, hi - lo, n, k);
                }
            }
        });
    }

    private static void serial(double[] c, int cOff, int ldc,
                               double[] a, int aOff, int ars, int acs,
                               double[] b, int bOff, int brs, int bcs,
                               int m, int n, int k) {
        Workspace ws = WORKSPACE.get();
        int kc = Sgemm.evenBlock(k, KC, 1);
        int nc = Sgemm.evenBlock(n, NC, NR);
        double[] bp = ws.b((nc + NR) * kc);
        double[] ap = ws.a;
        double[] tile = ws.tile;
        for (int jc = 0; jc < n; jc += nc) {
            int ncb = Math.min(nc, n - jc);
            for (int pc = 0; pc < k; pc += kc) {
                int kcb = Math.min(kc, k - pc);
                boolean accumulate = pc > 0;
                packB(bp, b, bOff + pc * brs + jc * bcs, brs, bcs, kcb, ncb);
                for (int i0 = 0; i0 < m; i0 += MR) {
                    int rows = Math.min(MR, m - i0);
                    packA(ap, a, aOff + i0 * ars + pc * acs, ars, acs, rows, kcb);
                    for (int j0 = 0; j0 < ncb; j0 += NR) {
                        int cols = Math.min(NR, ncb - j0);
                        int cTile = cOff + i0 * ldc + jc + j0;
                        if (rows == MR && cols == NR) {
                            kernel(c, cTile, ldc, ap, bp, j0 * kcb, kcb, accumulate);
                        } else {
                            kernel(tile, 0, NR, ap, bp, j0 * kcb, kcb, false);
                            for (int i = 0; i < rows; i++) {
                                int r = cTile + i * ldc;
                                for (int j = 0; j < cols; j++) {
                                    c[r + j] = accumulate ? c[r + j] + tile[i * NR + j] : tile[i * NR + j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** One MR-row panel of A, column by column, zero-padded to MR rows. */
    private static void packA(double[] ap, double[] a, int aOff, int ars, int acs, int rows, int kc) {
        for (int p = 0; p < kc; p++) {
            int src = aOff + p * acs;
            int d = p * MR;
            for (int i = 0; i < MR; i++) {
                ap[d + i] = i < rows ? a[src + i * ars] : 0.0;
            }
        }
    }

    /** The kc × nc block of B as NR-wide panels, row by row, zero-padded to whole panels. */
    private static void packB(double[] bp, double[] b, int bOff, int brs, int bcs, int kc, int nc) {
        for (int j0 = 0; j0 < nc; j0 += NR) {
            int cols = Math.min(NR, nc - j0);
            int dst = j0 * kc;
            for (int p = 0; p < kc; p++) {
                int src = bOff + p * brs + j0 * bcs;
                int d = dst + p * NR;
                for (int j = 0; j < NR; j++) {
                    bp[d + j] = j < cols ? b[src + j * bcs] : 0.0;
                }
            }
        }
    }

    /** C[4 × 2L] (+)= packed A panel times packed B panel. */
    private static void kernel(double[] c, int cOff, int ldc, double[] ap, double[] bp, int bOff, int kc,
                               boolean accumulate) {
        if (!VECTOR) {
            for (int i = 0; i < MR; i++) {
                for (int j = 0; j < NR; j++) {
                    double s = 0;
                    for (int p = 0; p < kc; p++) {
                        s += ap[p * MR + i] * bp[bOff + p * NR + j];
                    }
                    int r = cOff + i * ldc + j;
                    c[r] = accumulate ? c[r] + s : s;
                }
            }
            return;
        }
        DoubleVector z = DoubleVector.zero(S);
        DoubleVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        int bi = bOff;
        for (int p = 0, ai = 0; p < kc; p++, ai += MR, bi += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bi);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bi + LANES);
            DoubleVector x;
            x = DoubleVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        int r = cOff;
        (accumulate ? c00.add(DoubleVector.fromArray(S, c, r)) : c00).intoArray(c, r);
        (accumulate ? c01.add(DoubleVector.fromArray(S, c, r + LANES)) : c01).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c10.add(DoubleVector.fromArray(S, c, r)) : c10).intoArray(c, r);
        (accumulate ? c11.add(DoubleVector.fromArray(S, c, r + LANES)) : c11).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c20.add(DoubleVector.fromArray(S, c, r)) : c20).intoArray(c, r);
        (accumulate ? c21.add(DoubleVector.fromArray(S, c, r + LANES)) : c21).intoArray(c, r + LANES);
        r += ldc;
        (accumulate ? c30.add(DoubleVector.fromArray(S, c, r)) : c30).intoArray(c, r);
        (accumulate ? c31.add(DoubleVector.fromArray(S, c, r + LANES)) : c31).intoArray(c, r + LANES);
    }
}
