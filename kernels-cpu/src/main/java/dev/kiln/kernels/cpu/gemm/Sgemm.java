package dev.kiln.kernels.cpu.gemm;

import dev.kiln.kernels.cpu.Parallel;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.kiln.kernels.cpu.gemm.SgemmKernel.LANES;
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
 * MR-row panel of A, every B panel of the block. The micro-tile (MR × NR) and the block sizes come
 * from an {@link SgemmPlan}: the built-in one derived from this machine's vector length, register
 * count and caches, or one measured by {@code kiln tune}. Large products are split across
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
    /**
     * Whether the 4-row tile packs row-major B inside the first micro-kernel to use each panel, where a
     * product has one A block and runs B panel by B panel ({@code -Dkiln.gemm.packBInKernel=false}: in a
     * pass of its own, for A/B runs).
     */
    static final boolean PACK_B_IN_KERNEL = !"false".equals(System.getProperty("kiln.gemm.packBInKernel"));

    private Sgemm() {
    }

    /** Per-thread packing buffers, grown on demand and kept, so a call allocates nothing once warm. */
    private static final class Workspace {
        float[] a = new float[0];
        float[] b = new float[0];
        /** Side buffer for a tile that hangs over C's edge: big enough for any tile a plan may name. */
        final float[] tile = new float[SgemmPlan.MAX_TILE_FLOATS];

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

    /** C = A · B with the active plan, on up to {@link Parallel#threads()} threads. */
    public static void sgemm(float[] c, int cOff, int ldc,
                             float[] a, int aOff, int ars, int acs,
                             float[] b, int bOff, int brs, int bcs,
                             int m, int n, int k) {
        sgemm(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, SgemmPlan.active(), Parallel.threads());
    }

    /**
     * C = A · B with the active plan, on up to {@link Parallel#threads()} threads, then {@code epilogue}
     * on each block of C as it is finished (see {@link Epilogue}); null for none.
     */
    public static void sgemm(float[] c, int cOff, int ldc,
                             float[] a, int aOff, int ars, int acs,
                             float[] b, int bOff, int brs, int bcs,
                             int m, int n, int k, Epilogue epilogue) {
        sgemm(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, SgemmPlan.active(), Parallel.threads(),
                epilogue);
    }

    /** C = A · B with the active plan's micro-tile and the given blocking. */
    public static void sgemm(float[] c, int cOff, int ldc,
                             float[] a, int aOff, int ars, int acs,
                             float[] b, int bOff, int brs, int bcs,
                             int m, int n, int k, Blocking blocking, int threads) {
        sgemm(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k,
                SgemmPlan.active().withBlocking(blocking), threads);
    }

    /**
     * C[m × n] = A[m × k] · B[k × n], where A(i, p) = {@code a[aOff + i·ars + p·acs]},
     * B(p, j) = {@code b[bOff + p·brs + j·bcs]} and C(i, j) = {@code c[cOff + i·ldc + j]}.
     * C must not overlap A or B.
     *
     * @param plan the micro-tile and blocking (see {@link SgemmPlan})
     * @param threads the most threads to use (1 keeps the work on the calling thread)
     */
    public static void sgemm(float[] c, int cOff, int ldc,
                             float[] a, int aOff, int ars, int acs,
                             float[] b, int bOff, int brs, int bcs,
                             int m, int n, int k, SgemmPlan plan, int threads) {
        sgemm(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, plan, threads, null);
    }

    /** As above, with {@code epilogue} run on each block of C as it is finished (null: none). */
    public static void sgemm(float[] c, int cOff, int ldc,
                             float[] a, int aOff, int ars, int acs,
                             float[] b, int bOff, int brs, int bcs,
                             int m, int n, int k, SgemmPlan plan, int threads, Epilogue epilogue) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            if (epilogue != null) {
                epilogue.apply(0, m, 0, n);
            }
            return;
        }
        Tile t = Tile.of(plan);
        Blocking blocking = plan.blocking();
        int parts = parts(m, n, k, threads, t);
        if (parts <= 1) {
            serial(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, blocking, t, epilogue, 0, 0);
            return;
        }
        // Split the dimension whose operand is the cheaper one to pack again per piece: rows when B
        // (k × n) is no bigger than A (m × k), else columns; boundaries fall on micro-tile edges.
        // The pieces are handed out dynamically, a few per thread: a thread that starts late (a worker
        // being woken, a core busy with another process) takes fewer, and when the pool runs the
        // bodies one after another (a call from inside a pool task) one thread takes them all.
        boolean byRows = m >= n;
        if (byRows && SHARED_B && (long) m * n * k >= PIECES_MIN_FMAS) {
            sharedB(c, cOff, ldc, a, aOff, ars, acs, b, bOff, brs, bcs, m, n, k, blocking, parts, t, epilogue);
            return;
        }
        int unit = byRows ? t.mr : t.nr;
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
                            hi - lo, n, k, blocking, t, epilogue, lo, 0);
                } else {
                    serial(c, cOff + lo, ldc, a, aOff, ars, acs, b, bOff + lo * bcs, brs, bcs,
                            m, hi - lo, k, blocking, t, epilogue, 0, lo);
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
                                int parts, Tile t, Epilogue epilogue) {
        int mr = t.mr;
        int nr = t.nr;
        int kc = evenBlock(k, blocking.kc(), 1);
        int nc = evenBlock(n, blocking.nc(), nr);
        float[] bp = WORKSPACE.get().b(roundUp(nc, nr) * kc); // the caller's: its own pieces use only ws.a
        int tiles = (m + mr - 1) / mr;
        int pieces = Math.min(tiles, parts * SHARED_B_PIECES_PER_THREAD);
        for (int jc = 0; jc < n; jc += nc) {
            int ncb = Math.min(nc, n - jc);
            int panels = (ncb + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += kc) {
                int kcb = Math.min(kc, k - pc);
                int jcF = jc;
                int pcF = pc;
                Parallel.forRange(panels, 1, (s, e) -> {
                    int j0 = s * nr;
                    int j1 = Math.min(ncb, e * nr);
                    SgemmPack.packB(bp, j0 * kcb, b, bOff + pcF * brs + (jcF + j0) * bcs, brs, bcs, kcb, j1 - j0, nr,
                            t.narrow);
                });
                AtomicInteger next = new AtomicInteger();
                Parallel.forRange(parts, 1, (s, e) -> {
                    Workspace ws = WORKSPACE.get();
                    for (int piece = next.getAndIncrement(); piece < pieces; piece = next.getAndIncrement()) {
                        int lo = Math.min(m, (int) ((long) tiles * piece / pieces) * mr);
                        int hi = Math.min(m, (int) ((long) tiles * (piece + 1) / pieces) * mr);
                        if (hi <= lo) {
                            continue;
                        }
                        int mc = evenBlock(hi - lo, blocking.mc(), mr);
                        float[] ap = ws.a(roundUp(mc, mr) * kcb + 16); // slack: transpose16 overruns by up to 16
                        for (int ic = lo; ic < hi; ic += mc) {
                            int mcb = Math.min(mc, hi - ic);
                            SgemmPack.packA(ap, a, aOff + ic * ars + pcF * acs, ars, acs, mcb, kcb, mr);
                            macroKernel(c, cOff + ic * ldc + jcF, ldc, ap, bp, mcb, ncb, kcb, pcF > 0, ws.tile, t,
                                    bPanelOrder(t, kcb, ncb, m, n), null, 0, 0);
                            if (epilogue != null && pcF + kcb == k) {
                                epilogue.apply(ic, ic + mcb, jcF, jcF + ncb);
                            }
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

    /** How many threads a product gets under the active plan (see below). */
    static int parts(int m, int n, int k, int threads) {
        return parts(m, n, k, threads, Tile.of(SgemmPlan.active()));
    }

    /** How many threads a product gets: one below {@link #PARALLEL_MIN_FMAS}, never more than its tiles. */
    private static int parts(int m, int n, int k, int threads, Tile t) {
        if (threads <= 1 || (long) m * n * k < PARALLEL_MIN_FMAS) {
            return 1;
        }
        int tiles = m >= n ? (m + t.mr - 1) / t.mr : (n + t.nr - 1) / t.nr;
        return Math.min(Math.min(threads, Parallel.threads()), tiles);
    }

    /**
     * The whole blocked loop nest on the calling thread; the epilogue (if any) gets each finished
     * block's rows and columns offset by (row0, col0), where this piece lies in the caller's C.
     */
    static void serial(float[] c, int cOff, int ldc,
                       float[] a, int aOff, int ars, int acs,
                       float[] b, int bOff, int brs, int bcs,
                       int m, int n, int k, Blocking blocking, Tile t, Epilogue epilogue, int row0, int col0) {
        int kc = evenBlock(k, blocking.kc(), 1);
        int mc = evenBlock(m, blocking.mc(), t.mr);
        int nc = evenBlock(n, blocking.nc(), t.nr);
        Workspace ws = WORKSPACE.get();
        float[] ap = ws.a(roundUp(mc, t.mr) * kc + 16); // slack: SgemmPack.transpose16 overruns by up to 16
        float[] bp = ws.b(roundUp(nc, t.nr) * kc);
        boolean packBInKernel = PACK_B_IN_KERNEL && t.kernel == Tile.Kernel.K4 && bcs == 1;
        for (int jc = 0; jc < n; jc += nc) {
            int ncb = Math.min(nc, n - jc);
            for (int pc = 0; pc < k; pc += kc) {
                int kcb = Math.min(kc, k - pc);
                int bBlock = bOff + pc * brs + jc * bcs;
                // only with one A block, B panel by B panel (B's rows short): down a long B's rows one panel
                // at a time each step of the kernel waited on a line from L3 in a new page (4096 × 768 × 3072
                // 0.90 to 0.78x), and with several A blocks, where the whole packed block is written anyway,
                // 512³ lost 3%
                boolean bOrder = bPanelOrder(t, kcb, ncb, m, n);
                boolean inKernel = packBInKernel && mc >= m && bOrder;
                if (!inKernel) {
                    SgemmPack.packB(bp, b, bBlock, brs, bcs, kcb, ncb, t.nr, t.narrow);
                }
                for (int ic = 0; ic < m; ic += mc) {
                    int mcb = Math.min(mc, m - ic);
                    SgemmPack.packA(ap, a, aOff + ic * ars + pc * acs, ars, acs, mcb, kcb, t.mr);
                    macroKernel(c, cOff + ic * ldc + jc, ldc, ap, bp, mcb, ncb, kcb, pc > 0, ws.tile, t, bOrder,
                            inKernel ? b : null, bBlock, brs);
                    if (epilogue != null && pc + kcb == k) {
                        epilogue.apply(row0 + ic, row0 + ic + mcb, col0 + jc, col0 + jc + ncb);
                    }
                }
            }
        }
    }

    /**
     * Largest packed B block (floats) that the 4-row tile runs B panel by B panel: twice L2. For
     * such blocks, one B panel against every A micro-panel of the block (A streamed from L2) beat one
     * A micro-panel against every B panel (the whole B block streamed per 4 rows of A) by 2-3% on
     * AVX2 (2048 × 256 × 768: a 0.75 MiB block; 128 × 784 × 512: 1.5 MiB), and lost 1.5-2% with a
     * 4 MiB block (n = 1024), measured loaded in one JVM by thread CPU time.
     */
    private static final long B_OUTER_MAX_FLOATS = 2L * CpuInfo.current().l2() / Float.BYTES;

    /**
     * Where the L3 is a many-core mesh ({@link SgemmPlan#meshL3}), the B-panel order only for a C of
     * at most this many floats (half of L2), whose tiles are read back from L2. The B-panel order walks
     * down C's columns, a new page every row, where no prefetcher follows: on the Emerald Rapids Xeon
     * each tile's C lines then came from the mesh L3 at the end of every kernel call, and the kernel
     * nest over packed blocks with C out of cache ran 51-57 GFLOP/s in that order against 65-67 in the
     * A-panel order (along C's rows), which the prefetchers stream (AVX2, 4 × 2, BENCHMARKS-notes).
     * Zen's L3 keeps the rule above. {@code -Dkiln.gemm.meshCOrder=false}: the B-panel order as before.
     */
    private static final long MESH_B_OUTER_MAX_C_FLOATS = !"false".equals(System.getProperty("kiln.gemm.meshCOrder"))
            && SgemmPlan.meshL3(CpuInfo.current()) ? CpuInfo.current().l2() / 2 / Float.BYTES : Long.MAX_VALUE;

    /** Whether the 4-row tile runs B panel by B panel for a kc × nc block of B and an m × n C (see above). */
    private static boolean bPanelOrder(Tile t, int kc, int nc, int m, int n) {
        return t.kernel == Tile.Kernel.K4 && (long) kc * nc <= B_OUTER_MAX_FLOATS
                && (long) m * n <= MESH_B_OUTER_MAX_C_FLOATS;
    }

    /**
     * Every micro-tile of one packed mc × kc block of A times one kc × nc block of B. With {@code bSrc}
     * null, B is packed in {@code bp} already; else (the 4-row tile, B panel by B panel, the only A
     * block) B's block lies row-major in {@code bSrc} from {@code bSrcOff} (row stride {@code ldb}), and
     * the first micro-panel of A to meet each B panel packs it ({@link #firstTile}) into the start of
     * {@code bp} for the rest of the panel's tiles: one packed panel in L1 or L2, never the whole block
     * written out to L3.
     */
    private static void macroKernel(float[] c, int cOff, int ldc, float[] ap, float[] bp, int mc, int nc, int kc,
                                    boolean accumulate, float[] tile, Tile t, boolean bOrder, float[] bSrc, int bSrcOff,
                                    int ldb) {
        int mr = t.mr;
        if (bOrder) {
            for (int j0 = 0; j0 < nc; ) {
                int w = SgemmPack.panelWidth(nc - j0, t.nr, t.narrow);
                int i0 = 0;
                // a panel no later A block needs is packed into the same place each time: it stays in L1/L2
                int bPanel = bSrc != null ? 0 : j0 * kc;
                if (bSrc != null) {
                    firstTile(c, cOff + j0, ldc, ap, bp, bPanel, w, Math.min(mr, mc), Math.min(w, nc - j0), kc,
                            accumulate, tile, t, bSrc, bSrcOff + j0, ldb);
                    i0 = mr;
                }
                // whole tiles straight to the kernel, the edges through tileAt
                int whole = nc - j0 >= w ? mc / mr * mr : 0;
                for (; i0 < whole; i0 += mr) {
                    SgemmKernel.kernel4x2(c, cOff + i0 * ldc + j0, ldc, ap, i0 * kc, bp, bPanel, kc, accumulate);
                }
                for (; i0 < mc; i0 += mr) {
                    tileAt(c, cOff + i0 * ldc + j0, ldc, ap, i0 * kc, bp, bPanel, w, Math.min(mr, mc - i0),
                            Math.min(w, nc - j0), kc, accumulate, tile, t);
                }
                j0 += w;
            }
            return;
        }
        // one A micro-panel (in L1) against every B panel of the block; the other order (B panel
        // outside) measured 6% slower at n = 1024 with the 12 × 2 tile
        for (int i0 = 0; i0 < mc; i0 += mr) {
            int rows = Math.min(mr, mc - i0);
            for (int j0 = 0; j0 < nc; ) {
                int w = SgemmPack.panelWidth(nc - j0, t.nr, t.narrow);
                tileAt(c, cOff + i0 * ldc + j0, ldc, ap, i0 * kc, bp, j0 * kc, w, rows, Math.min(w, nc - j0), kc,
                        accumulate, tile, t);
                j0 += w;
            }
        }
    }

    /**
     * The tile of the first A micro-panel and the B panel at {@code bPanel}, which packs that panel from
     * row-major B on the way ({@link SgemmKernel#kernel4x2PackB}): B read once, straight from where it
     * lies, and the packed panel written while the FMAs run. Packing B in a pass of its own took 4.5%
     * of 128 × 784 × 512's time on AVX2 (the packed block, larger than L2, written out and read back).
     * A tile over C's edge (rows or columns short) packs the panel first and goes the usual way.
     */
    private static void firstTile(float[] c, int cTile, int ldc, float[] ap, float[] bp, int bPanel, int w, int rows,
                                  int cols, int kc, boolean accumulate, float[] tile, Tile t, float[] bSrc,
                                  int bSrcOff, int ldb) {
        if (rows == t.mr && cols == w && w == t.nr) {
            SgemmKernel.kernel4x2PackB(c, cTile, ldc, ap, 0, bSrc, bSrcOff, ldb, bp, bPanel, kc, accumulate);
            return;
        }
        SgemmPack.packB(bp, bPanel, bSrc, bSrcOff, ldb, 1, kc, cols, t.nr, t.narrow);
        tileAt(c, cTile, ldc, ap, 0, bp, bPanel, w, rows, cols, kc, accumulate, tile, t);
    }

    /**
     * One micro-tile into C, through the side buffer when it hangs over C's edge. The last, short
     * panel of A (m not a multiple of MR) gets a kernel of 4 or 8 rows where the tile has one, so a
     * 64-row product does not pay for 72.
     */
    private static void tileAt(float[] c, int cTile, int ldc, float[] ap, int aOff, float[] bp, int bOff, int w,
                               int rows, int cols, int kc, boolean accumulate, float[] tile, Tile t) {
        int mr = t.mr;
        boolean shortKernel = rows < mr && w == t.nr && rows <= t.shortRows;
        if (cols == w && (rows == mr || shortKernel)) {
            if (rows == mr) {
                microKernel(c, cTile, ldc, ap, aOff, bp, bOff, w, kc, accumulate, t);
            } else {
                shortKernel(c, cTile, ldc, ap, aOff, rows, bp, bOff, kc, accumulate, mr);
            }
            return;
        }
        if (shortKernel) {
            shortKernel(tile, 0, w, ap, aOff, rows, bp, bOff, kc, false, mr);
        } else {
            microKernel(tile, 0, w, ap, aOff, bp, bOff, w, kc, false, t);
        }
        for (int i = 0; i < rows; i++) {
            int r = cTile + i * ldc;
            for (int j = 0; j < cols; j++) {
                c[r + j] = accumulate ? c[r + j] + tile[i * w + j] : tile[i * w + j];
            }
        }
    }

    private static void shortKernel(float[] c, int cOff, int ldc, float[] ap, int aOff, int rows, float[] bp,
                                    int bOff, int kc, boolean accumulate, int mr) {
        if (rows <= 4) {
            SgemmKernel.kernelUpTo4x2(c, cOff, ldc, ap, aOff, mr, rows, bp, bOff, kc, accumulate);
        } else {
            SgemmKernel.kernelUpTo8x2(c, cOff, ldc, ap, aOff, mr, rows, bp, bOff, kc, accumulate);
        }
    }

    private static void microKernel(float[] c, int cOff, int ldc, float[] ap, int aOff, float[] bp, int bOff, int w,
                                    int kc, boolean accumulate, Tile t) {
        boolean one = w == LANES;
        switch (t.kernel) {
            case SCALAR -> SgemmKernel.kernelScalar(c, cOff, ldc, ap, aOff, t.mr, bp, bOff, w, kc, accumulate);
            case K12 -> {
                if (one) {
                    SgemmKernel.kernel12x1(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
                } else {
                    SgemmKernel.kernel12x2(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
                }
            }
            case K6 -> {
                if (one) {
                    SgemmKernel.kernel6x1(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
                } else {
                    SgemmKernel.kernel6x2(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
                }
            }
            case K4 -> SgemmKernel.kernel4x2(c, cOff, ldc, ap, aOff, bp, bOff, kc, accumulate);
        }
    }

    /**
     * The micro-tile a plan names, in the terms the loops need: rows (mr) and columns (nr) of the
     * tile, which kernel family runs it, whether the last B panel may be one vector wide, and up to
     * how many rows a short-panel kernel covers (0: none, the side buffer takes the short panel).
     */
    private record Tile(int mr, int nr, Kernel kernel, boolean narrow, int shortRows) {
        enum Kernel { SCALAR, K12, K6, K4 }

        private static final Tile SCALAR_TILE = new Tile(4, 8, Kernel.SCALAR, false, 0);

        static Tile of(SgemmPlan plan) {
            if (!VECTOR) {
                return SCALAR_TILE;
            }
            int mr = plan.mr();
            int nr = plan.vectors() * LANES;
            return switch (mr) {
                // 12 x 2 vectors needs 8-row short kernels (19 registers), only where there are 32
                case 12 -> new Tile(12, nr, Kernel.K12, plan.vectors() == 2, plan.vectors() == 2 ? 8 : 0);
                case 6 -> new Tile(6, nr, Kernel.K6, plan.vectors() == 2, plan.vectors() == 2 ? 4 : 0);
                case 4 -> new Tile(4, nr, Kernel.K4, false, 4); // kernelUpTo4x2 takes the short panel
                default -> throw new IllegalStateException("Sgemm: no kernel for a " + mr + "-row tile");
            };
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
