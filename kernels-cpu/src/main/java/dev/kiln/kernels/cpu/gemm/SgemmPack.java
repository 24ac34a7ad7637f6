package dev.kiln.kernels.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing of A and B blocks into the panel layouts the micro-kernels read, straight from any strided
 * view: element (i, p) of A is {@code a[aOff + i·ars + p·acs]} and element (p, j) of B is
 * {@code b[bOff + p·brs + j·bcs]}. A transposed operand is just one with its strides swapped, so no
 * transpose is ever materialised; the loop order follows whichever stride is 1, so reads stay sequential.
 * Panels are zero-padded to their full height or width, so the micro-kernels never see a ragged edge.
 */
final class SgemmPack {
    private static final int LANES = SgemmKernel.LANES;
    /** Steps of p per pass when packing across the storage order: one 64-byte line of floats. */
    private static final int CHUNK = 16;
    /** Rows of a row-major B packed across all its panels before the next rows (see packRowMajorPanels). */
    private static final int ROW_BLOCK = 8;
    /** Whether {@link #transpose16} can run: vectors of exactly 16 floats. */
    private static final boolean TRANSPOSE16 = SgemmKernel.VECTOR && LANES == 16;
    private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
    /**
     * Whether 4-row panels are transposed 4 × 8 in registers: where Kiln's vectors hold exactly 8
     * floats (AVX2), so the 256-bit shuffles are compiled, never interpreted.
     */
    private static final boolean TRANSPOSE4X8 = SgemmKernel.VECTOR && LANES == 8;
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    /**
     * Whether column-major 4-row panels are packed in 4 × 16 blocks ({@link #packColumns4}): wherever
     * Kiln vectorizes ({@code -Dkiln.gemm.columns4=false}: the general path, for A/B runs).
     */
    private static final boolean COLUMNS4 = SgemmKernel.VECTOR && !"false".equals(System.getProperty("kiln.gemm.columns4"));
    private static final VectorShuffle<Float> ZIP_LO = twoVectorShuffle(0, 8, 1, 9, 2, 10, 3, 11);
    private static final VectorShuffle<Float> ZIP_HI = twoVectorShuffle(4, 12, 5, 13, 6, 14, 7, 15);
    private static final VectorShuffle<Float> PAIRS_LO = twoVectorShuffle(0, 1, 8, 9, 2, 3, 10, 11);
    private static final VectorShuffle<Float> PAIRS_HI = twoVectorShuffle(4, 5, 12, 13, 6, 7, 14, 15);

    private SgemmPack() {
    }

    /**
     * Packs the mc × kc block of A into panels of mr rows: panel q holds rows q·mr.., column by column,
     * at {@code ap[q·mr·kc + p·mr + i]}.
     */
    static void packA(float[] ap, float[] a, int aOff, int ars, int acs, int mc, int kc, int mr) {
        int i0 = 0;
        if (COLUMNS4 && mr == 4 && ars == 1 && acs != 1) {
            i0 = packColumns4(ap, a, aOff, acs, mc, kc);
        }
        for (int dst = i0 * kc; i0 < mc; i0 += mr, dst += mr * kc) {
            int rows = Math.min(mr, mc - i0);
            if (acs == 1 && rows == 12 && !TRANSPOSE16) {
                packRows12(ap, dst, a, aOff + i0 * ars, ars, kc);
            } else if (acs == 1 && rows == 4 && mr == 4 && !TRANSPOSE16) {
                packRows4(ap, dst, a, aOff + i0 * ars, ars, kc);
            } else if (acs == 1) {
                // row-major A: rows are contiguous runs along p, transposed 16 columns at a time in
                // registers where vectors hold 16 floats; the rest a chunk of CHUNK columns at a time,
                // which keeps the reads at one cache line per row
                int pv = 0;
                if (TRANSPOSE16 && mr <= 16) {
                    for (; pv + 16 <= kc; pv += 16) {
                        transpose16(ap, dst + pv * mr, mr, a, aOff + i0 * ars + pv, ars, rows);
                    }
                }
                for (int p0 = pv; p0 < kc; p0 += CHUNK) {
                    int pe = Math.min(kc, p0 + CHUNK);
                    for (int i = 0; i < rows; i++) {
                        int src = aOff + (i0 + i) * ars;
                        for (int p = p0, d = dst + p0 * mr + i; p < pe; p++, d += mr) {
                            ap[d] = a[src + p];
                        }
                    }
                }
            } else if (SgemmKernel.VECTOR && ars == 1 && mr <= LANES) {
                // column-major A (a transposed view): each column of the panel is a contiguous run, one
                // masked vector load (zeros past the last row) and a store that overruns into the next
                // column's slot, which the next store overwrites (the caller leaves slack after the last).
                // Where a whole vector lies inside the array the load is unmasked: the lanes past the
                // panel's rows are overwritten by the next column or zeroed below, and a masked load
                // that C2 cannot prove in range runs the Vector API's scalar fallback (seen in profiles)
                VectorMask<Float> live = SgemmKernel.S.indexInRange(0, rows);
                int full = a.length - LANES;
                for (int p = 0; p < kc; p++) {
                    int src = aOff + i0 + p * acs;
                    FloatVector v = src <= full ? FloatVector.fromArray(SgemmKernel.S, a, src)
                            : FloatVector.fromArray(SgemmKernel.S, a, src, live);
                    v.intoArray(ap, dst + p * mr);
                }
            } else {
                // any other layout: a column of the panel at a time
                for (int p = 0; p < kc; p++) {
                    int src = aOff + i0 * ars + p * acs;
                    int d = dst + p * mr;
                    for (int i = 0; i < rows; i++) {
                        ap[d + i] = a[src + i * ars];
                    }
                }
            }
            if (rows < mr) {
                for (int p = 0; p < kc; p++) {
                    int d = dst + p * mr;
                    for (int i = rows; i < mr; i++) {
                        ap[d + i] = 0f;
                    }
                }
            }
        }
    }

    /**
     * The full 4-row panels of a column-major A (a transposed view: a weight gradient's gᵀ), in blocks
     * of 4 columns × 16 rows: 4 cache lines of A (one per column) become 4 lines of packed A (one per
     * panel), each read and written whole. Panel by panel down all kc columns, as the general path
     * does, reads a line per column for each 4 rows of it, and with A's columns a multiple of 4 KiB
     * apart every one of those lines falls in the same L1 set, so each is fetched from L2 again for
     * each panel: 1.5-1.6 against 0.66 ms to pack 1024 × 2048 on AVX2 (thread CPU time, one JVM,
     * loaded). Returns the rows packed, a multiple of 4; the caller packs the rest.
     */
    private static int packColumns4(float[] ap, float[] a, int aOff, int acs, int mc, int kc) {
        // runs of 4 floats copied with arraycopy, not as 128-bit vectors: a second vector species in a
        // JVM whose kernels use 256-bit ones pollutes the type profiles of the Vector API's shared
        // methods, and C2 then failed to intrinsify other kernels' vector stores and boxed their
        // vectors (the convolution weight gradient's 4 × 2 tile: 1.3 GB a step, 2.6× slower, AVX2)
        int full = mc & ~3;
        int ps = 4 * kc; // floats from one panel to the next
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            int i = 0;
            for (; i + 16 <= full; i += 16) {
                int d = (i >> 2) * ps + 4 * p;
                for (int pp = 0; pp < 4; pp++) {
                    int src = aOff + (p + pp) * acs + i;
                    int dst = d + 4 * pp;
                    System.arraycopy(a, src, ap, dst, 4);
                    System.arraycopy(a, src + 4, ap, dst + ps, 4);
                    System.arraycopy(a, src + 8, ap, dst + 2 * ps, 4);
                    System.arraycopy(a, src + 12, ap, dst + 3 * ps, 4);
                }
            }
            for (; i < full; i += 4) {
                for (int pp = 0; pp < 4; pp++) {
                    System.arraycopy(a, aOff + (p + pp) * acs + i, ap, (i >> 2) * ps + 4 * (p + pp), 4);
                }
            }
        }
        for (; p < kc; p++) {
            for (int i = 0; i < full; i += 4) {
                System.arraycopy(a, aOff + p * acs + i, ap, (i >> 2) * ps + 4 * p, 4);
            }
        }
        return full;
    }

    /**
     * A full 12-row panel of row-major A where vectors are narrower than 16 floats (no register
     * transpose): a column of the panel per step, read from the 12 rows side by side, so the writes
     * are sequential; 20% faster than row by row with strided writes (40 to 32 µs for 252 × 256 on
     * AVX2), which is 10% of a 256³ product.
     */
    private static void packRows12(float[] ap, int dst, float[] a, int s0, int ars, int kc) {
        int s1 = s0 + ars;
        int s2 = s1 + ars;
        int s3 = s2 + ars;
        int s4 = s3 + ars;
        int s5 = s4 + ars;
        int s6 = s5 + ars;
        int s7 = s6 + ars;
        int s8 = s7 + ars;
        int s9 = s8 + ars;
        int s10 = s9 + ars;
        int s11 = s10 + ars;
        for (int p = 0, d = dst; p < kc; p++, d += 12) {
            ap[d] = a[s0 + p];
            ap[d + 1] = a[s1 + p];
            ap[d + 2] = a[s2 + p];
            ap[d + 3] = a[s3 + p];
            ap[d + 4] = a[s4 + p];
            ap[d + 5] = a[s5 + p];
            ap[d + 6] = a[s6 + p];
            ap[d + 7] = a[s7 + p];
            ap[d + 8] = a[s8 + p];
            ap[d + 9] = a[s9 + p];
            ap[d + 10] = a[s10 + p];
            ap[d + 11] = a[s11 + p];
        }
    }

    /**
     * As {@link #packRows12}, for a full 4-row panel: 43 to 18 µs for 256 × 256 on AVX2 written out
     * in scalars; with 8-float vectors (AVX2), 4 rows × 8 columns are transposed in registers, 18
     * to 7 µs (a 256³ product takes about 330).
     */
    private static void packRows4(float[] ap, int dst, float[] a, int s0, int ars, int kc) {
        int s1 = s0 + ars;
        int s2 = s1 + ars;
        int s3 = s2 + ars;
        int p = 0;
        if (TRANSPOSE4X8) {
            // rows r0..r3 (8 columns each) become 4 vectors of 2 columns × 4 rows: interleave rows
            // 0 with 1 and 2 with 3 (lanes 0-3 of the two, then 4-7), then pairs of those
            for (int d = dst; p + 8 <= kc; p += 8, d += 32) {
                FloatVector r0 = FloatVector.fromArray(S8, a, s0 + p);
                FloatVector r1 = FloatVector.fromArray(S8, a, s1 + p);
                FloatVector r2 = FloatVector.fromArray(S8, a, s2 + p);
                FloatVector r3 = FloatVector.fromArray(S8, a, s3 + p);
                FloatVector lo01 = r0.rearrange(ZIP_LO, r1);
                FloatVector hi01 = r0.rearrange(ZIP_HI, r1);
                FloatVector lo23 = r2.rearrange(ZIP_LO, r3);
                FloatVector hi23 = r2.rearrange(ZIP_HI, r3);
                lo01.rearrange(PAIRS_LO, lo23).intoArray(ap, d);
                lo01.rearrange(PAIRS_HI, lo23).intoArray(ap, d + 8);
                hi01.rearrange(PAIRS_LO, hi23).intoArray(ap, d + 16);
                hi01.rearrange(PAIRS_HI, hi23).intoArray(ap, d + 24);
            }
        }
        for (int d = dst + 4 * p; p < kc; p++, d += 4) {
            ap[d] = a[s0 + p];
            ap[d + 1] = a[s1 + p];
            ap[d + 2] = a[s2 + p];
            ap[d + 3] = a[s3 + p];
        }
    }

    /**
     * A two-vector shuffle of 8 lanes from "concatenation" indices (0-7: this vector, 8-15: the other),
     * written as {@link FloatVector#rearrange(VectorShuffle, jdk.incubator.vector.Vector)} wants them:
     * the other vector's lanes as exceptional (negative) indices.
     */
    private static VectorShuffle<Float> twoVectorShuffle(int... concat) {
        int[] idx = new int[concat.length];
        for (int i = 0; i < concat.length; i++) {
            idx[i] = concat[i] < concat.length ? concat[i] : concat[i] - 2 * concat.length;
        }
        return VectorShuffle.fromValues(S8, idx);
    }

    /**
     * Packs the kc × nc block of B into panels of nr columns (the last one {@code LANES} wide when at
     * most that many columns remain and {@code narrow} is set): the panel starting at column j0 with
     * width w holds {@code bp[j0·kc + p·w + j]}.
     */
    static void packB(float[] bp, float[] b, int bOff, int brs, int bcs, int kc, int nc, int nr, boolean narrow) {
        packB(bp, 0, b, bOff, brs, bcs, kc, nc, nr, narrow);
    }

    /** As above, the panels written from {@code bp[bpOff]} on (threads packing column ranges of one block). */
    static void packB(float[] bp, int bpOff, float[] b, int bOff, int brs, int bcs, int kc, int nc, int nr,
                      boolean narrow) {
        int j0 = 0;
        if (bcs == 1 && nr % LANES == 0 && SgemmKernel.VECTOR) {
            j0 = nc / nr * nr;
            packRowMajorPanels(bp, bpOff, b, bOff, brs, kc, j0, nr);
        }
        for (; j0 < nc; ) {
            int w = panelWidth(nc - j0, nr, narrow);
            int cols = Math.min(w, nc - j0);
            int dst = bpOff + j0 * kc;
            if (bcs == 1) {
                // row-major B: each row of the panel is a contiguous run along j
                if (cols == w && w % LANES == 0 && SgemmKernel.VECTOR) {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + p * brs + j0;
                        int d = dst + p * w;
                        for (int v = 0; v < w; v += LANES) {
                            FloatVector.fromArray(SgemmKernel.S, b, src + v).intoArray(bp, d + v);
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + p * brs + j0;
                        int d = dst + p * w;
                        for (int j = 0; j < cols; j++) {
                            bp[d + j] = b[src + j];
                        }
                    }
                }
            } else {
                // column-major B (a transposed view) or any other layout: columns of B read along p,
                // 16 × 16 blocks transposed in registers where possible, else CHUNK rows at a time
                int pv = 0;
                if (TRANSPOSE16 && brs == 1 && w % 16 == 0) {
                    for (; pv + 16 <= kc; pv += 16) {
                        for (int jb = 0; jb < w; jb += 16) {
                            transpose16(bp, dst + pv * w + jb, w, b, bOff + (j0 + jb) * bcs + pv, bcs, cols - jb);
                        }
                    }
                }
                for (int p0 = pv; p0 < kc; p0 += CHUNK) {
                    int pe = Math.min(kc, p0 + CHUNK);
                    for (int j = 0; j < cols; j++) {
                        int src = bOff + (j0 + j) * bcs;
                        for (int p = p0, d = dst + p0 * w + j; p < pe; p++, d += w) {
                            bp[d] = b[src + p * brs];
                        }
                    }
                }
            }
            if (cols < w) {
                for (int p = 0; p < kc; p++) {
                    int d = dst + p * w;
                    for (int j = cols; j < w; j++) {
                        bp[d + j] = 0f;
                    }
                }
            }
            j0 += w;
        }
    }

    /**
     * The full nr-wide panels of a row-major B (the first {@code cols} columns, a multiple of nr):
     * ROW_BLOCK rows at a time across every panel. Panel by panel down all kc rows walks B with a
     * stride of a row per 64 bytes read, a new page every few rows; a few rows across the whole
     * width reads each row sequentially and writes whole lines: 12 to 6 µs for 256 × 256 on AVX2.
     */
    private static void packRowMajorPanels(float[] bp, int bpOff, float[] b, int bOff, int brs, int kc, int cols,
                                           int nr) {
        for (int p0 = 0; p0 < kc; p0 += ROW_BLOCK) {
            int pe = Math.min(kc, p0 + ROW_BLOCK);
            for (int j0 = 0; j0 < cols; j0 += nr) {
                int d = bpOff + j0 * kc + p0 * nr;
                if (nr == 2 * LANES) {
                    for (int p = p0, src = bOff + p0 * brs + j0; p < pe; p++, src += brs, d += 2 * LANES) {
                        FloatVector.fromArray(SgemmKernel.S, b, src).intoArray(bp, d);
                        FloatVector.fromArray(SgemmKernel.S, b, src + LANES).intoArray(bp, d + LANES);
                    }
                } else {
                    for (int p = p0, src = bOff + p0 * brs + j0; p < pe; p++, src += brs, d += nr) {
                        for (int v = 0; v < nr; v += LANES) {
                            FloatVector.fromArray(SgemmKernel.S, b, src + v).intoArray(bp, d + v);
                        }
                    }
                }
            }
        }
    }

    private static final float[] LO8 = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
    private static final float[] HI8 = {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31};
    private static final float[] LO4 = {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27};
    private static final float[] HI4 = {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31};
    private static final float[] LO2 = {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29};
    private static final float[] HI2 = {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31};
    private static final float[] LO1 = {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30};
    private static final float[] HI1 = {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31};

    /**
     * Transposes a 16 × 16 block held in registers: rows j < nrows of {@code src} (row j is the 16
     * floats at {@code s + j·ld}; the other rows count as zero) become vectors p = 0..15 written at
     * {@code dst[d + p·dstride ..]} (lane j = row j's element p). Four rounds of two-source permutes,
     * each swapping blocks of 8, 4, 2 and 1 lanes between rows 8, 4, 2 and 1 apart. Vectors are
     * written in increasing p, so with dstride < 16 each one overruns into the next, which the next
     * one overwrites; the caller leaves 16 floats of slack after the last.
     */
    static void transpose16(float[] dst, int d, int dstride, float[] src, int s, int ld, int nrows) {
        FloatVector z = FloatVector.zero(S16);
        FloatVector r0 = nrows > 0 ? FloatVector.fromArray(S16, src, s) : z;
        FloatVector r1 = nrows > 1 ? FloatVector.fromArray(S16, src, s + 1 * ld) : z;
        FloatVector r2 = nrows > 2 ? FloatVector.fromArray(S16, src, s + 2 * ld) : z;
        FloatVector r3 = nrows > 3 ? FloatVector.fromArray(S16, src, s + 3 * ld) : z;
        FloatVector r4 = nrows > 4 ? FloatVector.fromArray(S16, src, s + 4 * ld) : z;
        FloatVector r5 = nrows > 5 ? FloatVector.fromArray(S16, src, s + 5 * ld) : z;
        FloatVector r6 = nrows > 6 ? FloatVector.fromArray(S16, src, s + 6 * ld) : z;
        FloatVector r7 = nrows > 7 ? FloatVector.fromArray(S16, src, s + 7 * ld) : z;
        FloatVector r8 = nrows > 8 ? FloatVector.fromArray(S16, src, s + 8 * ld) : z;
        FloatVector r9 = nrows > 9 ? FloatVector.fromArray(S16, src, s + 9 * ld) : z;
        FloatVector r10 = nrows > 10 ? FloatVector.fromArray(S16, src, s + 10 * ld) : z;
        FloatVector r11 = nrows > 11 ? FloatVector.fromArray(S16, src, s + 11 * ld) : z;
        FloatVector r12 = nrows > 12 ? FloatVector.fromArray(S16, src, s + 12 * ld) : z;
        FloatVector r13 = nrows > 13 ? FloatVector.fromArray(S16, src, s + 13 * ld) : z;
        FloatVector r14 = nrows > 14 ? FloatVector.fromArray(S16, src, s + 14 * ld) : z;
        FloatVector r15 = nrows > 15 ? FloatVector.fromArray(S16, src, s + 15 * ld) : z;
        FloatVector lo = FloatVector.fromArray(S16, LO8, 0);
        FloatVector hi = FloatVector.fromArray(S16, HI8, 0);
        FloatVector a0 = lo.selectFrom(r0, r8), a8 = hi.selectFrom(r0, r8);
        FloatVector a1 = lo.selectFrom(r1, r9), a9 = hi.selectFrom(r1, r9);
        FloatVector a2 = lo.selectFrom(r2, r10), a10 = hi.selectFrom(r2, r10);
        FloatVector a3 = lo.selectFrom(r3, r11), a11 = hi.selectFrom(r3, r11);
        FloatVector a4 = lo.selectFrom(r4, r12), a12 = hi.selectFrom(r4, r12);
        FloatVector a5 = lo.selectFrom(r5, r13), a13 = hi.selectFrom(r5, r13);
        FloatVector a6 = lo.selectFrom(r6, r14), a14 = hi.selectFrom(r6, r14);
        FloatVector a7 = lo.selectFrom(r7, r15), a15 = hi.selectFrom(r7, r15);
        lo = FloatVector.fromArray(S16, LO4, 0);
        hi = FloatVector.fromArray(S16, HI4, 0);
        FloatVector b0 = lo.selectFrom(a0, a4), b4 = hi.selectFrom(a0, a4);
        FloatVector b1 = lo.selectFrom(a1, a5), b5 = hi.selectFrom(a1, a5);
        FloatVector b2 = lo.selectFrom(a2, a6), b6 = hi.selectFrom(a2, a6);
        FloatVector b3 = lo.selectFrom(a3, a7), b7 = hi.selectFrom(a3, a7);
        FloatVector b8 = lo.selectFrom(a8, a12), b12 = hi.selectFrom(a8, a12);
        FloatVector b9 = lo.selectFrom(a9, a13), b13 = hi.selectFrom(a9, a13);
        FloatVector b10 = lo.selectFrom(a10, a14), b14 = hi.selectFrom(a10, a14);
        FloatVector b11 = lo.selectFrom(a11, a15), b15 = hi.selectFrom(a11, a15);
        lo = FloatVector.fromArray(S16, LO2, 0);
        hi = FloatVector.fromArray(S16, HI2, 0);
        FloatVector c0 = lo.selectFrom(b0, b2), c2 = hi.selectFrom(b0, b2);
        FloatVector c1 = lo.selectFrom(b1, b3), c3 = hi.selectFrom(b1, b3);
        FloatVector c4 = lo.selectFrom(b4, b6), c6 = hi.selectFrom(b4, b6);
        FloatVector c5 = lo.selectFrom(b5, b7), c7 = hi.selectFrom(b5, b7);
        FloatVector c8 = lo.selectFrom(b8, b10), c10 = hi.selectFrom(b8, b10);
        FloatVector c9 = lo.selectFrom(b9, b11), c11 = hi.selectFrom(b9, b11);
        FloatVector c12 = lo.selectFrom(b12, b14), c14 = hi.selectFrom(b12, b14);
        FloatVector c13 = lo.selectFrom(b13, b15), c15 = hi.selectFrom(b13, b15);
        lo = FloatVector.fromArray(S16, LO1, 0);
        hi = FloatVector.fromArray(S16, HI1, 0);
        FloatVector d0 = lo.selectFrom(c0, c1), d1 = hi.selectFrom(c0, c1);
        FloatVector d2 = lo.selectFrom(c2, c3), d3 = hi.selectFrom(c2, c3);
        FloatVector d4 = lo.selectFrom(c4, c5), d5 = hi.selectFrom(c4, c5);
        FloatVector d6 = lo.selectFrom(c6, c7), d7 = hi.selectFrom(c6, c7);
        FloatVector d8 = lo.selectFrom(c8, c9), d9 = hi.selectFrom(c8, c9);
        FloatVector d10 = lo.selectFrom(c10, c11), d11 = hi.selectFrom(c10, c11);
        FloatVector d12 = lo.selectFrom(c12, c13), d13 = hi.selectFrom(c12, c13);
        FloatVector d14 = lo.selectFrom(c14, c15), d15 = hi.selectFrom(c14, c15);
        d0.intoArray(dst, d + 0 * dstride);
        d1.intoArray(dst, d + 1 * dstride);
        d2.intoArray(dst, d + 2 * dstride);
        d3.intoArray(dst, d + 3 * dstride);
        d4.intoArray(dst, d + 4 * dstride);
        d5.intoArray(dst, d + 5 * dstride);
        d6.intoArray(dst, d + 6 * dstride);
        d7.intoArray(dst, d + 7 * dstride);
        d8.intoArray(dst, d + 8 * dstride);
        d9.intoArray(dst, d + 9 * dstride);
        d10.intoArray(dst, d + 10 * dstride);
        d11.intoArray(dst, d + 11 * dstride);
        d12.intoArray(dst, d + 12 * dstride);
        d13.intoArray(dst, d + 13 * dstride);
        d14.intoArray(dst, d + 14 * dstride);
        d15.intoArray(dst, d + 15 * dstride);
    }

    /** Width of the B panel that starts with {@code remaining} columns left. */
    static int panelWidth(int remaining, int nr, boolean narrow) {
        return narrow && remaining <= LANES && nr > LANES ? LANES : nr;
    }
}
