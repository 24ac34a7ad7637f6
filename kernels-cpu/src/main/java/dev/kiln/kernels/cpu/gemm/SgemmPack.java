package dev.kiln.kernels.cpu.gemm;

import jdk.incubator.vector.FloatVector;

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

    private SgemmPack() {
    }

    /**
     * Packs the mc × kc block of A into panels of mr rows: panel q holds rows q·mr.., column by column,
     * at {@code ap[q·mr·kc + p·mr + i]}.
     */
    static void packA(float[] ap, float[] a, int aOff, int ars, int acs, int mc, int kc, int mr) {
        for (int i0 = 0, dst = 0; i0 < mc; i0 += mr, dst += mr * kc) {
            int rows = Math.min(mr, mc - i0);
            if (acs == 1) {
                // row-major A: rows are contiguous runs along p; a chunk of CHUNK columns at a time keeps
                // the reads at one cache line per row and the writes inside a small part of the panel
                for (int p0 = 0; p0 < kc; p0 += CHUNK) {
                    int pe = Math.min(kc, p0 + CHUNK);
                    for (int i = 0; i < rows; i++) {
                        int src = aOff + (i0 + i) * ars;
                        for (int p = p0, d = dst + p0 * mr + i; p < pe; p++, d += mr) {
                            ap[d] = a[src + p];
                        }
                    }
                }
            } else {
                // column-major A (a transposed view) or any other layout: a column of the panel at a time
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
     * Packs the kc × nc block of B into panels of nr columns (the last one {@code LANES} wide when at
     * most that many columns remain and {@code narrow} is set): the panel starting at column j0 with
     * width w holds {@code bp[j0·kc + p·w + j]}.
     */
    static void packB(float[] bp, float[] b, int bOff, int brs, int bcs, int kc, int nc, int nr, boolean narrow) {
        for (int j0 = 0; j0 < nc; ) {
            int w = panelWidth(nc - j0, nr, narrow);
            int cols = Math.min(w, nc - j0);
            int dst = j0 * kc;
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
                // CHUNK rows of the panel at a time (as for row-major A)
                for (int p0 = 0; p0 < kc; p0 += CHUNK) {
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

    /** Width of the B panel that starts with {@code remaining} columns left. */
    static int panelWidth(int remaining, int nr, boolean narrow) {
        return narrow && remaining <= LANES && nr > LANES ? LANES : nr;
    }
}
