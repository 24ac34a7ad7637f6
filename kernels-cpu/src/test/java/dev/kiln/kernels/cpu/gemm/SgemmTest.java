package dev.kiln.kernels.cpu.gemm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Sgemm and Dgemm on flat arrays against a plain triple loop in double precision: every size class
 * (0, 1, odd, prime, around the micro-tile and every block edge), all four transpose combinations read
 * through strides, operands inside larger buffers (a slice of a bigger matrix), 1 and 2 threads.
 * C sits inside a NaN-poisoned buffer with a row stride wider than n: every element of C must be
 * written, and nothing outside it.
 *
 * <p>Error bound (F32): |c − ref| ≤ 2·k·2⁻²⁴·Σₚ|a||b| + tiny, the classical bound of a k-term dot
 * product computed in float (γₖ ≈ k·u), doubled for the blocked order of summation. F64 uses 2⁻⁵³.
 */
class SgemmTest {
    private static final SgemmPlan ACTIVE = SgemmPlan.active();
    private static final int MR = SgemmKernel.VECTOR ? ACTIVE.mr() : 4;
    private static final int NR = SgemmKernel.VECTOR ? ACTIVE.vectors() * SgemmKernel.LANES : 8;

    /** Small blocks, so that small sizes cross every block edge (kc, mc, nc) and not only the tile edges. */
    private static final Blocking TINY = new Blocking(2 * MR, 7, 3 * NR);

    /** Blocks with kc past one 16-step chunk (the in-register transposes of packing) plus a tail. */
    private static final Blocking SMALL = new Blocking(3 * MR, 19, 2 * NR);

    static Stream<Arguments> shapes() {
        int mr = MR;
        int nr = NR;
        int lanes = SgemmKernel.LANES;
        List<Arguments> out = new ArrayList<>();
        int[][] mnk = {
            {0, 5, 3}, {4, 0, 3}, {3, 5, 0}, {0, 0, 0}, {1, 1, 1}, {1, 7, 1}, {7, 1, 5}, {1, 1, 64},
            {2, 3, 4}, {5, 7, 11}, {13, 17, 19}, {mr, nr, 8}, {mr - 1, nr - 1, 9}, {mr + 1, nr + 1, 10},
            {mr, lanes, 3}, {mr, lanes + 1, 3}, {2 * mr + 1, 2 * nr + lanes, 15}, {3 * mr - 1, nr + lanes - 1, 16},
            {29, 31, 37}, {41, 43, 47}, {64, 64, 64}, {97, 101, 103}, {1, 131, 29}, {131, 1, 29},
        };
        for (int[] s : mnk) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    out.add(Arguments.of(s[0], s[1], s[2], ta, tb));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}x{2}x{1} transA={3} transB={4}")
    @MethodSource("shapes")
    void tinyBlocksEveryTransposeOneThread(int m, int n, int k, boolean ta, boolean tb) {
        checkF32(m, n, k, ta, tb, TINY, 1, 1000L * m + 31L * n + k);
    }

    @ParameterizedTest(name = "{0}x{2}x{1} transA={3} transB={4}")
    @MethodSource("shapes")
    void defaultBlocksEveryTranspose(int m, int n, int k, boolean ta, boolean tb) {
        checkF32(m, n, k, ta, tb, ACTIVE.blocking(), 2, 7000L * m + 13L * n + k);
    }

    @ParameterizedTest(name = "{0}x{2}x{1} transA={3} transB={4}")
    @MethodSource("shapes")
    void smallBlocksEveryTranspose(int m, int n, int k, boolean ta, boolean tb) {
        checkF32(m, n, k, ta, tb, SMALL, 1, 5000L * m + 7L * n + k);
    }

    @ParameterizedTest(name = "{0}x{2}x{1} transA={3} transB={4}")
    @MethodSource("shapes")
    void f64EveryTranspose(int m, int n, int k, boolean ta, boolean tb) {
        checkF64(m, n, k, ta, tb, 1, 17L * m + n + 3L * k);
    }

    /** Every tile there is a kernel for, at this width, on shapes around its own edges and blocks. */
    static Stream<Arguments> tiles() {
        List<Arguments> out = new ArrayList<>();
        for (String t : SgemmPlan.TILES) {
            int x = t.indexOf('x');
            int mr = Integer.parseInt(t.substring(0, x));
            int nr = Integer.parseInt(t.substring(x + 1)) * SgemmKernel.LANES;
            int[][] mnk = {
                {1, 1, 1}, {mr, nr, 5}, {mr - 1, nr - 1, 9}, {mr + 1, nr + 1, 17}, {3 * mr - 5, 2 * nr + 3, 23},
                {2 * mr + 4, SgemmKernel.LANES + 1, 40}, {67, 45, 83},
            };
            for (int[] s : mnk) {
                out.add(Arguments.of(t, s[0], s[1], s[2]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "tile {0}: {1}x{3}x{2}")
    @MethodSource("tiles")
    void everyTileMatchesTheReferenceAtThisWidth(String tile, int m, int n, int k) {
        int x = tile.indexOf('x');
        int mr = Integer.parseInt(tile.substring(0, x));
        int vectors = Integer.parseInt(tile.substring(x + 1));
        int nr = vectors * SgemmKernel.LANES;
        SgemmPlan tiny = new SgemmPlan(mr, vectors, new Blocking(2 * mr, 7, 3 * nr));
        SgemmPlan derived = new SgemmPlan(mr, vectors, SgemmPlan.blockingFor(CpuInfo.current(), mr));
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                checkF32(m, n, k, ta, tb, tiny, 1, 31L * m + n + k + (ta ? 7 : 0) + (tb ? 3 : 0));
                checkF32(m, n, k, ta, tb, derived, 2, 37L * m + n + k + (ta ? 7 : 0) + (tb ? 3 : 0));
            }
        }
        // large enough to be split across threads, sharing one packed B
        checkF32(613, 419, 541, false, true, tiny.withBlocking(new Blocking(3 * mr, 19, 2 * nr)), 2, 41);
    }

    /**
     * With one A block, the 4 × 2 tile packs a row-major B inside the first micro-tile to meet each
     * panel ({@link SgemmKernel#kernel4x2PackB}), each panel into the same place, with short first A
     * panels, short last B panels and several blocks of k; several A blocks, and a B block larger than
     * twice L2 (A panel by A panel), pack B in a pass first.
     */
    @Test
    void theFourRowTilePacksRowMajorBInsideItsFirstTile() {
        int nr = 2 * SgemmKernel.LANES;
        int[][] mnk = {{4, 3 * nr, 33}, {3, 2 * nr + 5, 21}, {37, 5 * nr + 3, 29}, {13, 4 * nr, 1}, {9, 2 * nr + 1, 150}};
        for (int[] s : mnk) {
            for (Blocking b : new Blocking[] {new Blocking(64, 64, 1024), new Blocking(8, 64, 1024)}) {
                SgemmPlan plan = new SgemmPlan(4, 2, b);
                checkF32(s[0], s[1], s[2], false, false, plan, 1, 11L * s[0] + s[1]);
                checkF32(s[0], s[1], s[2], true, false, plan, 1, 13L * s[0] + s[1]);
            }
        }
        // a B block over twice L2 runs A panel by A panel
        long floats = 2L * CpuInfo.current().l2() / Float.BYTES;
        int k = 256;
        int n = (int) Math.min(SgemmPlan.MAX_BLOCK, floats / k + 3 * nr + 5);
        SgemmPlan wide = new SgemmPlan(4, 2, new Blocking(8, k, SgemmPlan.MAX_BLOCK));
        checkF32(11, n, k, false, false, wide, 1, 5);
    }

    /**
     * A C larger than half of L2 with a B block within twice L2: where the L3 is a mesh (the Xeon) the
     * 4 × 2 tile then runs A panel by A panel with B packed in a pass first, elsewhere B panel by B
     * panel with B packed inside the first tiles; either way every element matches the reference, with
     * a short last A panel, a short last B panel and two blocks of k.
     */
    @Test
    void theFourRowTileWithACLargerThanHalfOfL2() {
        int nr = 2 * SgemmKernel.LANES;
        long halfL2 = CpuInfo.current().l2() / 2 / Float.BYTES;
        int n = 3 * nr + 5;
        int m = (int) Math.min(8191, halfL2 / n + 7);
        SgemmPlan plan = new SgemmPlan(4, 2, new Blocking(m + 1, 64, 1024)); // one A block
        checkF32(m, n, 70, false, false, plan, 1, 7);
        checkF32(m, n, 70, true, false, plan, 1, 8);
    }

    @Test
    void defaultBlockEdges() {
        Blocking d = ACTIVE.blocking();
        int[][] mnk = {
            {d.mc() - 1, 33, d.kc() - 1}, {d.mc() + 1, 47, d.kc() + 1}, {25, d.nc() + 1, 2 * d.kc() + 3},
            {13, d.nc() - 1, 5}, {2 * d.mc() + 5, 2 * d.nc() + 17, 3},
        };
        for (int[] s : mnk) {
            checkF32(s[0], s[1], s[2], false, false, d, 1, s[0] + s[1]);
            checkF32(s[0], s[1], s[2], true, true, d, 1, s[0] + s[1] + 1);
        }
    }

    @Test
    void largeProductsSplitAcrossThreadsByRowsAndByColumns() {
        // over Sgemm.PARALLEL_MIN_FMAS, with sizes that do not divide into tiles evenly
        assertThat(Sgemm.parts(181, 97, 131, 2)).isEqualTo(Math.min(2, dev.kiln.kernels.cpu.Parallel.threads()));
        for (boolean ta : new boolean[] {false, true}) {
            checkF32(181, 97, 131, ta, !ta, ACTIVE.blocking(), 2, 1);
            checkF32(67, 251, 139, ta, ta, TINY, 2, 2);
            checkF64(181, 97, 131, ta, !ta, 2, 3);
        }
    }

    @Test
    void veryLargeProductsAreCutIntoSeveralPiecesPerThread() {
        assertThat(Sgemm.piecesPerThread(601, 433, 523)).isEqualTo(Sgemm.PIECES_PER_THREAD);
        checkF32(601, 433, 523, false, false, ACTIVE.blocking(), 2, 11);
        checkF32(97, 1201, 1153, true, false, ACTIVE.blocking(), 2, 12);
    }

    @Test
    void largeRowSplitProductsShareOnePackedBAcrossBlocksAndLayouts() {
        // the shared-B path: several nc and kc blocks (small blockings), every transpose, a narrow last panel
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                checkF32(613, 419, 541, ta, tb, SMALL, 2, 21 + (ta ? 2 : 0) + (tb ? 1 : 0));
            }
        }
        checkF32(613, 419, 541, true, false, TINY, 2, 25);
    }

    @Test
    void nestedInAPoolTaskTheCallingThreadTakesEveryPiece() {
        // Parallel runs nested ranges inline: the product's bodies then run one after another
        dev.kiln.kernels.cpu.Parallel.forRange(2, 1, (s, e) -> checkF32(601, 433, 523, false, true,
                ACTIVE.blocking(), 2, 13 + s));
    }

    @Test
    void smallProductsStayOnTheCallingThread() {
        assertThat(Sgemm.parts(64, 64, 64, 2)).isEqualTo(1);
        assertThat(Sgemm.parts(1024, 1024, 1024, 1)).isEqualTo(1);
    }

    @Test
    void theEpilogueSeesEveryBlockOfCOnceAndOnlyWhenItIsFinal() {
        // one thread with several kc, mc and nc blocks; row pieces; column pieces (m < n); shared B; k = 0
        checkEpilogue(37, 53, 29, TINY, 1, 31);
        checkEpilogue(181, 97, 131, ACTIVE.blocking(), 2, 32);
        checkEpilogue(67, 251, 139, TINY, 2, 33);
        checkEpilogue(613, 419, 541, SMALL, 2, 34);
        checkEpilogue(9, 11, 0, ACTIVE.blocking(), 2, 35);
    }

    /**
     * Runs a product with an epilogue that counts each element of C it is given and copies the block
     * as it is then: every element must come once, each block's columns must start on a vector
     * boundary, and the copies must be the final C, bit for bit the same as without an epilogue.
     */
    private static void checkEpilogue(int m, int n, int k, Blocking blocking, int threads, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = randomFloats(m * k, rnd);
        float[] b = randomFloats(k * n, rnd);
        SgemmPlan plan = ACTIVE.withBlocking(blocking);
        float[] plain = new float[m * n];
        Sgemm.sgemm(plain, 0, n, a, 0, k, 1, b, 0, n, 1, m, n, k, plan, threads);
        float[] c = new float[m * n];
        float[] seen = new float[m * n];
        int[] count = new int[m * n];
        int lanes = SgemmKernel.LANES;
        Sgemm.sgemm(c, 0, n, a, 0, k, 1, b, 0, n, 1, m, n, k, plan, threads, (r0, r1, c0, c1) -> {
            assertThat(c0 % lanes).as("%dx%dx%d: block columns start at %d", m, k, n, c0).isZero();
            for (int i = r0; i < r1; i++) {
                for (int j = c0; j < c1; j++) {
                    synchronized (count) {
                        count[i * n + j]++;
                    }
                    seen[i * n + j] = c[i * n + j];
                }
            }
        });
        for (int i = 0; i < count.length; i++) {
            if (count[i] != 1) {
                fail("%dx%dx%d: the epilogue was given C[%d][%d] %d times", m, k, n, i / n, i % n, count[i]);
            }
        }
        // isEqualTo compares the arrays' bits in one pass (containsExactly's diff is quadratic in the length)
        assertThat(seen).as("%dx%dx%d: C when its block's epilogue ran", m, k, n).isEqualTo(c);
        assertThat(c).as("%dx%dx%d: C with and without an epilogue", m, k, n).isEqualTo(plain);
    }

    @Test
    void evenBlocksCoverTheDimensionWithoutATinyRemainder() {
        assertThat(Sgemm.evenBlock(300, 256, 1)).isEqualTo(150);
        assertThat(Sgemm.evenBlock(256, 256, 1)).isEqualTo(256);
        assertThat(Sgemm.evenBlock(5, 256, 12)).isEqualTo(12);
        assertThat(Sgemm.evenBlock(200, 192, 12)).isEqualTo(108);
        assertThat(Sgemm.evenBlock(1, 1, 32)).isEqualTo(32);
    }

    /** A matrix inside a bigger buffer: rows × cols, read with (rs, cs); transposed means stored column-major. */
    private record Operand(int off, int rs, int cs, int size) {
        static Operand of(int rows, int cols, boolean transposed, SplittableRandom rnd) {
            int off = rnd.nextInt(5);
            int pad = rnd.nextInt(4);
            if (!transposed) {
                int ld = cols + pad;
                return new Operand(off, ld, 1, off + rows * ld + 3);
            }
            int ld = rows + pad;
            return new Operand(off, 1, ld, off + cols * ld + 3);
        }
    }

    private static void checkF32(int m, int n, int k, boolean ta, boolean tb, Blocking blocking, int threads,
                                 long seed) {
        checkF32(m, n, k, ta, tb, ACTIVE.withBlocking(blocking), threads, seed);
    }

    private static void checkF32(int m, int n, int k, boolean ta, boolean tb, SgemmPlan plan, int threads,
                                 long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Operand oa = Operand.of(m, k, ta, rnd);
        Operand ob = Operand.of(k, n, tb, rnd);
        float[] a = randomFloats(oa.size(), rnd);
        float[] b = randomFloats(ob.size(), rnd);
        int ldc = n + 3;
        int cOff = 2;
        float[] c = new float[cOff + m * ldc + 5];
        java.util.Arrays.fill(c, Float.NaN);
        Sgemm.sgemm(c, cOff, ldc, a, oa.off(), oa.rs(), oa.cs(), b, ob.off(), ob.rs(), ob.cs(), m, n, k,
                plan, threads);
        for (int i = 0; i < c.length; i++) {
            int row = (i - cOff) / ldc;
            int col = (i - cOff) % ldc;
            boolean inside = i >= cOff && row < m && col < n;
            if (!inside) {
                if (!Float.isNaN(c[i])) {
                    fail("%dx%dx%d: element %d outside C was written", m, k, n, i);
                }
                continue;
            }
            double ref = 0;
            double mag = 0;
            for (int p = 0; p < k; p++) {
                double x = (double) a[oa.off() + row * oa.rs() + p * oa.cs()] * b[ob.off() + p * ob.rs() + col * ob.cs()];
                ref += x;
                mag += Math.abs(x);
            }
            double tol = 2.0 * Math.max(k, 1) * Math.ulp(1f) / 2 * mag + 1e-30;
            if (!(Math.abs(c[i] - ref) <= tol)) {
                fail("%dx%dx%d transA=%s transB=%s: C[%d][%d] = %s, expected %s (tolerance %s)", m, k, n, ta, tb,
                        row, col, c[i], ref, tol);
            }
        }
    }

    private static void checkF64(int m, int n, int k, boolean ta, boolean tb, int threads, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Operand oa = Operand.of(m, k, ta, rnd);
        Operand ob = Operand.of(k, n, tb, rnd);
        double[] a = rnd.doubles(oa.size(), -1, 1).toArray();
        double[] b = rnd.doubles(ob.size(), -1, 1).toArray();
        int ldc = n + 2;
        int cOff = 1;
        double[] c = new double[cOff + m * ldc + 4];
        java.util.Arrays.fill(c, Double.NaN);
        Dgemm.dgemm(c, cOff, ldc, a, oa.off(), oa.rs(), oa.cs(), b, ob.off(), ob.rs(), ob.cs(), m, n, k, threads);
        for (int i = 0; i < c.length; i++) {
            int row = (i - cOff) / ldc;
            int col = (i - cOff) % ldc;
            boolean inside = i >= cOff && row < m && col < n;
            if (!inside) {
                if (!Double.isNaN(c[i])) {
                    fail("F64 %dx%dx%d: element %d outside C was written", m, k, n, i);
                }
                continue;
            }
            double ref = 0;
            double mag = 0;
            for (int p = 0; p < k; p++) {
                double x = a[oa.off() + row * oa.rs() + p * oa.cs()] * b[ob.off() + p * ob.rs() + col * ob.cs()];
                ref += x;
                mag += Math.abs(x);
            }
            double tol = 2.0 * Math.max(k, 1) * Math.ulp(1.0) / 2 * mag + 1e-300;
            if (!(Math.abs(c[i] - ref) <= tol)) {
                fail("F64 %dx%dx%d transA=%s transB=%s: C[%d][%d] = %s, expected %s (tolerance %s)", m, k, n, ta, tb,
                        row, col, c[i], ref, tol);
            }
        }
    }

    private static float[] randomFloats(int size, SplittableRandom rnd) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return v;
    }
}
