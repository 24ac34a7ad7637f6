package dev.kiln.kernels.cpu.gemm;

import dev.kiln.kernels.cpu.Parallel;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.kiln.kernels.cpu.gemm.SgemmKernel.LANES;
import static dev.kiln.kernels.cpu.gemm.SgemmKernel.MR;
import static dev.kiln.kernels.cpu.gemm.SgemmKernel.NR;
import static dev.kiln.kernels.cpu.gemm.SgemmKernel.VECTOR;

/**
 * Single-precision GEMM, C = A · B, on flat arrays: the packed, cache-blocked algorithm of GotoBLAS
 * and BLIS with a register-tiled Vector API micro-kernel ({@link SgemmKernel}).
 *
 * <p>A and B are read through (row stride, column stride) pairs, so a transposed or sliced view is
 * packed directly and never copied first; C is written row-major with row stride {@code ldc}, every
 * element of its m × n block overwritten (β = 0). Any sizes work, 0 and 1 included.
 *
 * <p>Loop nest, outside in: columns of C in blocks of nc (pack kc × nc of B per kc block), the inner
 * dimension in blocks of kc, rows in blocks of mc (pack mc × kc of A), then the micro-tiles: for each
 * MR-row panel of A, every B panel of the block. Large products are split across
 * {@link Parallel#threads()} threads by rows or by columns, whichever makes each thread pack less of
 * the operand it shares; small ones stay on the calling thread.
 */
public final class Sgemm {
    /** Below this many multiply-adds a product runs on the calling thread (waking a worker costs more). */
    static final long PARALLEL_MIN_FMAS = 1L << 21;
    /** From this many multiply-adds a product is cut into {@link #PIECES_PER_THREAD} pieces per thread. */
    static final long PIECES_MIN_FMAS = 1L << 27;
    static final int PIECES_PER_THREAD = Integer.getInteger("kiln.gemm.pieces", 2);
    /** Whether large row-split products share one packed B between threads ({@code -Dkiln.gemm.sharedB=false}: off, for A/B runs). */
    static final boolean SHARED_B = !"false".equals(System.getProperty("kiln.gemm.sharedB"));
    /** Row pieces per thread on the shared-B path: packing B no longer grows with them, so a few more for balance. */
    static final int SHARED_B_PIECES_PER_THREAD = 4;

    private Sgemm() {
    }

    /** Per-thread packing buffers, grown on demand and kept, so a call allocates nothing once warm. */
    private static final class Workspace {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];

        float[] a(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }

        float[] b(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** C = A · B with the default blocking, on up to {@link Parallel#threads()} threads. */
    public static void sgemm(float[] c, int cOff, int ldc,
                             float[] a, int aOff, int ars, int acs,
                             float[] b, int bOff, int brs, int bcs,
                             int m, int n, int k) {
        sgemm(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, Blocking.DEFAULT, Parallel.threads());
    }

    /**
     * C[m × n] = A[m × k] · B[k × n], where A(i, p) = {@code a[aOff + i·ars + p·acs]},
     * B(p, j) = {@code b[bOff + p·brs + j·bcs]} and C(i, j) = {@code c[cOff + i·ldc + j]}.
     * C must not overlap A or B.
     *
     * @param threads the most threads to use (1 keeps the work on the calling thread)
     */
    public static void sgemm(float[] c, int cOff, int ldc,
                             float[] a, int aOff, int ars, int acs,
                             float[] b, int bOff, int brs, int bcs,
                             int m, int n, int k, Blocking blocking, int threads) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }
        int parts = parts(m, n, k, threads);
        if (parts <= 1) {
            serial(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, blocking);
            return;
        }
        // Split the dimension whose operand is the cheaper one to pack again per piece: rows when B
        // (k × n) is no bigger than A (m × k), else columns; boundaries fall on micro-tile edges.
        // The pieces are handed out dynamically, a few per thread: a thread that starts late (a worker
        // being woken, a core busy with another process) takes fewer, and when the pool runs the
        // bodies one after another (a call from inside a pool task) one thread takes them all.
        boolean byRows = m >= n;
        if (byRows && SHARED_B && (long) m * n * k >= PIECES_MIN_FMAS) {
            sharedB(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, blocking, parts);
            return;
        }
        int unit = byRows ? MR : NR;
        int size = byRows ? m : n;
        int tiles = (size + unit - 1) / unit;
        int pieces = Math.min(tiles, parts * piecesPerThread(m, n, k));
        AtomicInteger next = new AtomicInteger();
        Parallel.forRange(parts, 1, (s, e) -> {
            for (int piece = next.getAndIncrement(); piece < pieces; piece = next.getAndIncrement()) {
                int lo = Math.min(size, (int) ((long) tiles * piece / pieces) * unit);
                int hi = Math.min(size, (int) ((long) tiles * (piece + 1) / pieces) * unit);
                if (hi <= lo) {
                    continue;
                }
                if (byRows) {
                    serial(c, cOff + lo * ldc, ldc, a, aOff + lo * ars, ars, acs, b, bOff, brs, bcs,
                            hi - lo, n, k, blocking);
                } else {
                    serial(c, cOff + lo, ldc, a, aOff, ars, acs, b, bOff + lo * bcs, brs, bcs,
                            m, hi - lo, k, blocking);
                }
            }
        });
    }

    /**
     * Rows split across threads with one packed copy of each kc × nc block of B: the threads pack
     * the block's panels between them, then each runs pieces of rows against it. Packing per piece
     * (the other path) packs all of B once per piece, which for the weight gradients of a
     * transformer (m = out, k = tokens) costs a third of the multiply-adds' time, and keeps a copy
     * per thread in the shared L3. Two pool dispatches per block, so only for large products.
     */
    private static void sharedB(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int brs, int bcs, int m, int n, int k, Blocking blocking,
                                int parts) {
        int kc = evenBlock(k, blocking.kc(), 1);
        int nc = evenBlock(n, blocking.nc(), NR);
        float[] bp = WORKSPACE.get().b(roundUp(nc, NR) * kc); // the caller's: its own pieces use only ws.a
        int tiles = (m + MR - 1) / MR;
        int pieces = Math.min(tiles, parts * SHARED_B_PIECES_PER_THREAD);
        for (int jc = 0; jc < n; jc += nc) {
            int ncb = Math.min(nc, n - jc);
            int panels = (ncb + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += kc) {
                int kcb = Math.min(kc, k - pc);
                int jcF = jc;
                int pcF = pc;
                Parallel.forRange(panels, 1, (s, e) -> {
                    int j0 = s * NR;
                    int j1 = Math.min(ncb, e * NR);
                    SgemmPack.packB(bp, j0 * kcb, b, bOff + pcF * brs + (jcF + j0) * bcs, brs, bcs, kcb, j1 - j0, NR,
                            VECTOR);
                });
                AtomicInteger next = new AtomicInteger();
                Parallel.forRange(parts, 1, (s, e) -> {
                    Workspace ws = WORKSPACE.get();
                    for (int piece = next.getAndIncrement(); piece < pieces; piece = next.getAndIncrement()) {
                        int lo = Math.min(m, (int) ((long) tiles * piece / pieces) * MR);
                        int hi = Math.min(m, (int) ((long) tiles * (piece + 1) / pieces) * MR);
                        if (hi <= lo) {
                            continue;
                        }
                        int mc = evenBlock(hi - lo, blocking.mc(), MR);
                        float[] ap = ws.a(roundUp(mc, MR) * kcb + 16); // slack: transpose16 overruns by up to 16
                        for (int ic = lo; ic < hi; ic += mc) {
                            int mcb = Math.min(mc, hi - ic);
                            SgemmPack.packA(ap, a, aOff + ic * ars + pcF * acs, ars, acs, mcb, kcb, MR);
                            macroKernel(c, cOff + ic * ldc + jcF, ldc, ap, bp, mcb, ncb, kcb, pcF > 0, ws.tile);
                        }
                    }
                });
            }
        }
    }

    /**
     * Pieces per thread: more balance the load, but each piece packs the shared operand again. Two
     * for products large enough that packing is a few percent of the work, else one.
     */
    static int piecesPerThread(int m, int n, int k) {
        return (long) m * n * k >= PIECES_MIN_FMAS ? PIECES_PER_THREAD : 1;
    }

    /** How many threads a product gets: one below {@link #PARALLEL_MIN_FMAS}, never more than its tiles. */
    static int parts(int m, int n, int k, int threads) {
        if (threads <= 1 || (long) m * n * k < PARALLEL_MIN_FMAS) {
            return 1;
        }
        int tiles = m >= n ? (m + MR - 1) / MR : (n + NR - 1) / NR;
        return Math.min(Math.min(threads, Parallel.threads()), tiles);
    }

    /** The whole blocked loop nest on the calling thread. */
    static void serial(float[] c, int cOff, int ldc,
                       float[] a, int aOff, int ars, int acs,
                       float[] b, int bOff, int brs, int bcs,
                       int m, int n, int k, Blocking blocking) {
        int kc = evenBlock(k, blocking.kc(), 1);
        int mc = evenBlock(m, blocking.mc(), MR);
        int nc = evenBlock(n, blocking.nc(), NR);
        Workspace ws = WORKSPACE.get();
        float[] ap = ws.a(roundUp(mc, MR) * kc + 16); // slack: SgemmPack.transpose16 overruns by up to 16
        float[] bp = ws.b(roundUp(nc, NR) * kc);
        for (int jc = 0; jc < n; jc += nc) {
            int ncb = Math.min(nc, n - jc);
            for (int pc = 0; pc < k; pc += kc) {
                int kcb = Math.min(kc, k - pc);
                SgemmPack.packB(bp, b, bOff + pc * brs + jc * bcs, brs, bcs, kcb, ncb, NR, VECTOR);
                for (int ic = 0; ic < m; ic += mc) {
                    int mcb = Math.min(mc, m - ic);
                    SgemmPack.packA(ap, a, aOff + ic * ars + pc * acs, ars, acs, mcb, kcb, MR);
                    macroKernel(c, cOff + ic * ldc + jc, ldc, ap, bp, mcb, ncb, kcb, pc > 0, ws.tile);
                }
            }
        }
    }

    /** Every micro-tile of one packed mc × kc block of A times one packed kc × nc block of B. */
    private static void macroKernel(float[] c, int cOff, int ldc, float[] ap, float[] bp, int mc, int nc, int kc,
                                    boolean accumulate, float[] tile) {
        // one A micro-panel (in L1) against every B panel of the block; the other order (B panel
        // outside) measured 6% slower at n = 1024
        for (int i0 = 0; i0 < mc; i0 += MR) {
            int rows = Math.min(MR, mc - i0);
            for (int j0 = 0; j0 < nc; ) {
                int w = SgemmPack.panelWidth(nc - j0, NR, VECTOR);
                tileAt(c, cOff + i0 * ldc + j0, ldc, ap, i0 * kc, bp, j0 * kc, w, rows, Math.min(w, nc - j0), kc,
                        accumulate, tile);
                j0 += w;
            }
        }
    }

    /**
     * One micro-tile into C, through the side buffer when it hangs over C's right edge. The last,
     * short panel of A (m not a multiple of MR) gets a kernel of 4 or 8 rows where one fits, so a
     * 64-row product does not pay for 72.
     */
    private static void tileAt(float[] c, int cTile, int ldc, float[] ap, int aOff, float[] bp, int bOff, int w,
                               int rows, int cols, int kc, boolean accumulate, float[] tile) {
        boolean shortKernel = VECTOR && rows < MR && w == NR && rows <= (MR > 8 ? 8 : 4);
        if (cols == w && (rows == MR || shortKernel)) {
            if (rows == MR) {
                microKernel(c, cTile, ldc, ap, aOff, bp, bOff, w, kc, accumulate);
            } else {
                shortKernel(c, cTile, ldc, ap, aOff, rows, bp, bOff, kc, accumulate);
            }
            return;
        }
        if (shortKernel) {
            shortKernel(tile, 0, w, ap, aOff, rows, bp, bOff, kc, false);
        } else {
            microKernel(tile, 0, w, ap, aOff, bp, bOff, w, kc, false);
        }
        for (int i = 0; i < rows; i++) {
            int r = cTile + i * ldc;
            for (int j = 0; j < cols; j++) {
                c[r + j] = accumulate ? c[r + j] + tile[i * w + j] : tile[i * w + j];
            }
        }
    }

    private static void shortKernel(float[] c, int cOff, int ldc, float[] ap, int aOff, int rows, float[] bp,
                                    int bOff, int kc, boolean accumulate) {
        if (rows <= 4) {
            SgemmKernel.kernelUpTo4x2(c, cOff, ldc, ap, aOff, MR, rows, bp, bOff, kc, accumulate);
        } else {
            SgemmKernel.kernelUpTo8x2(c, cOff, ldc, ap, aOff, MR, rows, bp, bOff, kc, accumulate);
        }
    }

    private static void microKernel(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] bp, int bOff, int w,
                                    int kc, boolean accumulate) {
        if (!VECTOR) {
            SgemmKernel.kernelScalar(c, cOff, ldc, ap, aOff, bp, bOff, w, kc, accumulate);
        } else if (MR == 12) {
            if (w == LANES) {
                SgemmKernel.kernel12x1(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
            } else {
                SgemmKernel.kernel12x2(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
            }
        } else if (w == LANES) {
            SgemmKernel.kernel6x1(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
        } else {
            SgemmKernel.kernel6x2(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
        }
    }

    /** The size of equal blocks (a multiple of unit) that cover n with none larger than max. */
    static int evenBlock(int n, int max, int unit) {
        int cap = Math.max(unit, max / unit * unit);
        int blocks = (n + cap - 1) / cap;
        return Math.min(cap, roundUp((n + blocks - 1) / blocks, unit));
    }

    private static int roundUp(int x, int unit) {
        return (x + unit - 1) / unit * unit;
    }
}
