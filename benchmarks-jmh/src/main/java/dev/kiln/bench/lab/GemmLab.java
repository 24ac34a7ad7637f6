package dev.kiln.bench.lab;

import dev.kiln.kernels.cpu.Simd;
import dev.kiln.kernels.cpu.gemm.Blocking;
import dev.kiln.kernels.cpu.gemm.CpuInfo;
import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.kernels.cpu.gemm.SgemmPlan;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM lab, in the spirit of llm.c's dev/cuda: each version of C = A · B (F32, row-major, any
 * m × k × n) in a few dozen lines, each checked against ReferenceBackend ({@link #main}, and again in
 * {@link GemmLabBenchmark}'s setup) and timed side by side by JMH. The winner lives in kernels-cpu
 * ({@link Sgemm}); the lab keeps the road to it.
 *
 * <pre>
 * version  what it changes                                                   GFLOP/s, 1 thread
 *                                                                          n = 256    n = 1024
 * v1       the plain Vector API loop: for i, for p, c[i,:] += a[i,p]·b[p,:];    38         7
 *          C is loaded and stored for every FMA
 * v2       a 4-row × 2-vector tile of C in 8 registers across the whole k         94        32
 *          loop, written once; no packing, no cache blocking: fine while B
 *          fits in L2 (n = 256), starved once B is walked from memory
 * v3       packed panels (A in 6-row column panels, B in 4-vector row panels,     37        22
 *          kc = 256) and a 6 × 4-vector tile, 24 accumulators; the tile is
 *          stored through a small helper method ...
 * v4       ... which C2 does not inline (43 bytes of bytecode, a call site run    84        47
 *          once per tile: "callee is too large"), so every vector passed to
 *          it is boxed on the heap: v3 with the stores written out
 * v5       12 × 2-vector tile (27 of 32 registers, half the broadcasts per FMA),  107        49
 *          kc = 512, A micro-panel in L1, B block streamed, 16 × 16 register
 *          transposes in packing: the kernels-cpu Sgemm, 1 thread (promoted)
 * v6       v5 on 2 threads, C cut by rows or columns into pieces handed out      201        45
 *          dynamically
 * v7       the blocking derived from the caches (SgemmPlan): kc, mc, nc from    (see below)
 *          L1d, L2 and L3; the tile 12 × 1 vector where there are 16 registers
 *          (12 accumulators, one B vector), 12 × 2 with 32
 * v8       with 16 registers 4 × 2 vectors (8 accumulators, 0.75 loads per FMA
 *          against 1.08): the kernels-cpu Sgemm (promoted)
 * v9       with 16 registers: the 4 × 2 kernel with a constant A stride (A's
 *          bounds checked before the loop), row-major B packed 8 rows at a time
 *          across all panels, 4-row A panels transposed 4 × 8 in registers, and
 *          B panel by B panel over the A block when the B block is at most twice
 *          L2: the kernels-cpu Sgemm (promoted; v8 now runs the same code, as
 *          the changes are inside Sgemm, not in its plan)
 * v10      with 16 registers and one A block, B panel by B panel: a row-major
 *          B packed by the first micro-tile to meet each panel
 *          (SgemmKernel.kernel4x2PackB reads B where it lies and stores the
 *          packed rows as it goes), every panel into the same place: the
 *          kernels-cpu Sgemm (promoted; v8 and v9 run the same code)
 * blk:M:K:N  the active plan with blocking mc = M, kc = K, nc = N (exploring)
 * </pre>
 * <p>On AVX2 (the same Zen 4 run with {@code -XX:UseAVX=2}, OpenBLAS with
 * {@code OPENBLAS_CORETYPE=Haswell}, 1 thread, load average near 13, best of 4 interleaved rounds
 * with {@link GemmLabAB}) v5 used 6 × 2: 44 GFLOP/s at n = 256, 22 at 1024 (OpenBLAS 110 and 51-59).
 * Its micro-kernel alone, in L1, ran 50 where 4 × 2 ran 107: C2 scheduled three broadcasts ahead of
 * their FMAs, ran out of the 16 registers and kept one accumulator on the stack, a store and a
 * reload in that FMA chain every step. v7 (12 × 1, 100 in L1) ran 79 at n = 256 and 37 at 1024;
 * v8 90 and 90 (best; medians 90 and 44), at 128 × 784 × 512 88 (v7 73, OpenBLAS 110), at
 * 4096 × 768 × 3072 42 (v7 40, OpenBLAS 52). With {@code -XX:MaxVectorSize=16} v8 ran 49 at n = 256,
 * 0.54 of its 256-bit rate.
 * Natively (AVX-512) v7 measured as v5: 106 at n = 256, OpenBLAS 106.
 * v9 against OpenBLAS, both forced to AVX2, 1 thread, each call timed by thread CPU time
 * ({@code GemmLabAB ... cpu}; load average near 10), medians of 5 rounds: 98.8 / 109.8 = 0.90 at
 * n = 256, 90.8 / 100.6 = 0.90 at 1024, 92.2 / 102.8 = 0.90 at 4096 × 768 × 3072, 99.5 / 109.4 =
 * 0.91 at 128 × 784 × 512, 95.8 / 103.8 = 0.92 at 2048 × 256 × 768 (v8 before it, quiet, by the
 * wall clock: 0.86, 0.89, 0.90, 0.82, 0.88). Tried on the way and dropped (see BENCHMARKS-notes.md,
 * "GEMM: how the kernel is built"): tiles 5 × 2, 3 × 3, 2 × 4, the 4 × 2 loop unrolled by 4, FMAs
 * on B loaded in the instruction (1 × 12, 3 × 4), broadcasting A from its unpacked rows.
 * With {@code -XX:MaxVectorSize=16} v9 runs 51, 50 and 49 at n = 256, 1024 and 128 × 784 × 512
 * (0.49-0.55 of 256-bit); natively (AVX-512, 12 × 2) 1.02-1.05 × OpenBLAS.
 *
 * <p>Figures in the table: best of many calls, the versions interleaved in one JVM (so each had the same chances),
 * on the 2-core Zen 4 development machine while other jobs kept its load average near 14. Calls at
 * n = 256 are short enough to run undisturbed in a time slice and are close to quiet-machine
 * figures (OpenBLAS: about 100 on one core); the n = 1024 ones are not, and v6 there had no free
 * second core. In a quiet moment v5 measured 100 GFLOP/s at n = 1024 (OpenBLAS 98) and v6, then
 * with one piece per thread, 193 (OpenBLAS 195). Re-measure with {@code GemmLabBenchmark}.
 */
public final class GemmLab {
    static final VectorSpecies<Float> S = Simd.F32;
    static final int L = S.length();

    private GemmLab() {
    }

    /** A version: C[m × n] = A[m × k] · B[k × n], all row-major and contiguous. */
    @FunctionalInterface
    public interface Version {
        void run(float[] c, float[] a, float[] b, int m, int n, int k);
    }

    public static Version version(String name) {
        return version(name, 1);
    }

    /** A version run on up to {@code threads} threads where it can use them (v5 on). */
    public static Version version(String name, int threads) {
        return switch (name) {
            case "v1" -> GemmLab::v1;
            case "v2" -> GemmLab::v2;
            case "v3" -> GemmLab::v3;
            case "v4" -> GemmLab::v4;
            case "v5" -> sgemm(V5, threads);
            case "v6" -> sgemm(V5, 2);
            case "v7" -> sgemm(L >= 16 ? SgemmPlan.derived(CpuInfo.current())
                    : new SgemmPlan(12, 1, SgemmPlan.blockingFor(CpuInfo.current(), 12)), threads);
            case "v8", "v9", "v10" -> sgemm(SgemmPlan.derived(CpuInfo.current()), threads);
            case "plan" -> sgemm(SgemmPlan.active(), threads);
            default -> {
                if (!name.startsWith("blk:")) {
                    throw new IllegalArgumentException("GemmLab: no version " + name + " (v1 to v10, plan, blk:mc:kc:nc)");
                }
                String[] p = name.split(":");
                yield sgemm(SgemmPlan.active().withBlocking(new Blocking(Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                        Integer.parseInt(p[3]))), threads);
            }
        };
    }

    /** v5's plan: 12 × 2 vectors with 16 lanes, else 6 × 2; mc 96, kc 512, nc 4096 on every machine. */
    static final SgemmPlan V5 = new SgemmPlan(L >= 16 ? 12 : 6, 2, new Blocking(96, 512, 4096));

    private static Version sgemm(SgemmPlan plan, int threads) {
        return (c, a, b, m, n, k) -> Sgemm.sgemm(c, 0, n, a, 0, k, 1, b, 0, n, 1, m, n, k, plan, threads);
    }

    // ------------------------------------------------------------------ v1: the plain loop

    /** Row i of C accumulates a[i,p]·(row p of B): unit-stride vectors, no blocking, C reloaded every p. */
    static void v1(float[] c, float[] a, float[] b, int m, int n, int k) {
        int vn = S.loopBound(n);
        for (int i = 0; i < m; i++) {
            int ci = i * n;
            java.util.Arrays.fill(c, ci, ci + n, 0f);
            for (int p = 0; p < k; p++) {
                FloatVector x = FloatVector.broadcast(S, a[i * k + p]);
                int bp = p * n;
                int j = 0;
                for (; j < vn; j += L) {
                    x.fma(FloatVector.fromArray(S, b, bp + j), FloatVector.fromArray(S, c, ci + j)).intoArray(c, ci + j);
                }
                for (; j < n; j++) {
                    c[ci + j] += a[i * k + p] * b[bp + j];
                }
            }
        }
    }

    // ------------------------------------------------------------------ v2: register tile, no packing

    /**
     * A 4-row × 2-vector tile of C held in 8 registers for the whole k loop and written once; A and
     * B are read where they lie (B down its columns at a stride of n floats), no packing, no blocking.
     */
    static void v2(float[] c, float[] a, float[] b, int m, int n, int k) {
        int vn = n / (2 * L) * (2 * L);
        int i0 = 0;
        for (; i0 + 4 <= m; i0 += 4) {
            for (int j0 = 0; j0 < vn; j0 += 2 * L) {
                FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
                FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                for (int p = 0; p < k; p++) {
                    FloatVector b0 = FloatVector.fromArray(S, b, p * n + j0);
                    FloatVector b1 = FloatVector.fromArray(S, b, p * n + j0 + L);
                    FloatVector x;
                    x = FloatVector.broadcast(S, a[i0 * k + p]);
                    c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
                    x = FloatVector.broadcast(S, a[(i0 + 1) * k + p]);
                    c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
                    x = FloatVector.broadcast(S, a[(i0 + 2) * k + p]);
                    c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
                    x = FloatVector.broadcast(S, a[(i0 + 3) * k + p]);
                    c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
                }
                c00.intoArray(c, i0 * n + j0); c01.intoArray(c, i0 * n + j0 + L);
                c10.intoArray(c, (i0 + 1) * n + j0); c11.intoArray(c, (i0 + 1) * n + j0 + L);
                c20.intoArray(c, (i0 + 2) * n + j0); c21.intoArray(c, (i0 + 2) * n + j0 + L);
                c30.intoArray(c, (i0 + 3) * n + j0); c31.intoArray(c, (i0 + 3) * n + j0 + L);
            }
            dots(c, a, b, n, k, i0, i0 + 4, vn, n);
        }
        dots(c, a, b, n, k, i0, m, 0, n);
    }

    /** The edges of v2: C[i][j] as plain dot products over rows [i0, i1) and columns [j0, j1). */
    private static void dots(float[] c, float[] a, float[] b, int n, int k, int i0, int i1, int j0, int j1) {
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = s;
            }
        }
    }

    // ------------------------------------------------------------------ v3 and v4: packed, 6 × 4-vector tile

    static final int MR = 6;
    static final int NR = 4 * L;
    static final int KC = 256;
    static final int MC = 96;

    static void v3(float[] c, float[] a, float[] b, int m, int n, int k) {
        packed(c, a, b, m, n, k, true);
    }

    static void v4(float[] c, float[] a, float[] b, int m, int n, int k) {
        packed(c, a, b, m, n, k, false);
    }

    /** Packs kc × n of B and mc × kc of A, zero-padded to whole panels, then runs the tile over them. */
    private static void packed(float[] c, float[] a, float[] b, int m, int n, int k, boolean helperStores) {
        int np = (n + NR - 1) / NR * NR;
        float[] bp = new float[np * Math.min(k, KC)];
        float[] ap = new float[(MC + MR) * Math.min(k, KC)];
        float[] tile = new float[MR * NR];
        java.util.Arrays.fill(c, 0, m * n, 0f);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int j0 = 0; j0 < n; j0 += NR) {
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < NR; j++) {
                        bp[j0 * kc + p * NR + j] = j0 + j < n ? b[(pc + p) * n + j0 + j] : 0f;
                    }
                }
            }
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                for (int i0 = 0; i0 < mc; i0 += MR) {
                    for (int p = 0; p < kc; p++) {
                        for (int i = 0; i < MR; i++) {
                            ap[i0 * kc + p * MR + i] = i0 + i < mc ? a[(ic + i0 + i) * k + pc + p] : 0f;
                        }
                    }
                }
                for (int j0 = 0; j0 < n; j0 += NR) {
                    for (int i0 = 0; i0 < mc; i0 += MR) {
                        // every tile goes through the side buffer, then is added into C
                        if (helperStores) {
                            tileWithHelper(tile, ap, i0 * kc, bp, j0 * kc, kc);
                        } else {
                            tile(tile, ap, i0 * kc, bp, j0 * kc, kc);
                        }
                        for (int i = 0; i < MR && ic + i0 + i < m; i++) {
                            for (int j = 0; j < NR && j0 + j < n; j++) {
                                c[(ic + i0 + i) * n + j0 + j] += tile[i * NR + j];
                            }
                        }
                    }
                }
            }
        }
    }

    private static void tileWithHelper(float[] t, float[] ap, int ao, float[] bp, int bo, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c43 = z, c50 = z, c51 = z, c52 = z, c53 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        storeRow(t, 0, c00, c01, c02, c03);
        storeRow(t, NR, c10, c11, c12, c13);
        storeRow(t, 2 * NR, c20, c21, c22, c23);
        storeRow(t, 3 * NR, c30, c31, c32, c33);
        storeRow(t, 4 * NR, c40, c41, c42, c43);
        storeRow(t, 5 * NR, c50, c51, c52, c53);
    }

    /** The innocent-looking helper of v3: where C2 does not inline it, each vector argument is boxed. */
    private static void storeRow(float[] t, int o, FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3) {
        v0.intoArray(t, o);
        v1.intoArray(t, o + L);
        v2.intoArray(t, o + 2 * L);
        v3.intoArray(t, o + 3 * L);
    }

    private static void tile(float[] t, float[] ap, int ao, float[] bp, int bo, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c43 = z, c50 = z, c51 = z, c52 = z, c53 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        c00.intoArray(t, 0); c01.intoArray(t, L); c02.intoArray(t, 2 * L); c03.intoArray(t, 3 * L);
        c10.intoArray(t, NR); c11.intoArray(t, NR + L); c12.intoArray(t, NR + 2 * L); c13.intoArray(t, NR + 3 * L);
        c20.intoArray(t, 2 * NR); c21.intoArray(t, 2 * NR + L); c22.intoArray(t, 2 * NR + 2 * L); c23.intoArray(t, 2 * NR + 3 * L);
        c30.intoArray(t, 3 * NR); c31.intoArray(t, 3 * NR + L); c32.intoArray(t, 3 * NR + 2 * L); c33.intoArray(t, 3 * NR + 3 * L);
        c40.intoArray(t, 4 * NR); c41.intoArray(t, 4 * NR + L); c42.intoArray(t, 4 * NR + 2 * L); c43.intoArray(t, 4 * NR + 3 * L);
        c50.intoArray(t, 5 * NR); c51.intoArray(t, 5 * NR + L); c52.intoArray(t, 5 * NR + 2 * L); c53.intoArray(t, 5 * NR + 3 * L);
    }

    // ------------------------------------------------------------------ checking

    /**
     * Runs a version on odd shapes and compares with ReferenceBackend; throws on the first element off
     * by more than 2·k·2⁻²⁴·Σ|a||b| (the F32 dot-product bound).
     */
    public static void check(String name) {
        check(name, 1);
    }

    /** {@link #check(String)} of the version as run on {@code threads} threads. */
    public static void check(String name, int threads) {
        Version v = version(name, threads);
        int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {67, 45, 83}, {13, 300, 97}, {100, 17, 130}};
        Generator g = new Generator(7);
        for (int[] s : shapes) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            Tensor ta = Tensor.randn(g, m, k);
            Tensor tb = Tensor.randn(g, k, n);
            float[] c = new float[m * n];
            java.util.Arrays.fill(c, Float.NaN);
            v.run(c, ta.toFloatArray(), tb.toFloatArray(), m, n, k);
            Tensor ref = Tensor.zeros(m, n);
            ReferenceBackend.INSTANCE.matmul(ref, ta, tb);
            Tensor mag = Tensor.zeros(m, n);
            ReferenceBackend.INSTANCE.matmul(mag, ta.abs(), tb.abs());
            float[] r = ref.toFloatArray();
            float[] bound = mag.toFloatArray();
            for (int i = 0; i < c.length; i++) {
                double tol = 2.0 * k * Math.ulp(1f) / 2 * bound[i] + Math.ulp(r[i]);
                if (!(Math.abs(c[i] - r[i]) <= tol)) {
                    throw new AssertionError("GemmLab " + name + " " + m + "x" + k + "x" + n + ": C[" + i + "] = "
                            + c[i] + ", reference " + r[i]);
                }
            }
        }
    }

    /** Checks every version against ReferenceBackend. */
    public static void main(String[] args) {
        for (String v : new String[] {"v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"}) {
            check(v);
            System.out.println("GemmLab " + v + ": matches ReferenceBackend");
        }
    }
}
