package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Moving slices by index: index_select (embedding's gather of rows) and index_add (embedding's
 * scatter-add of row gradients), gather and scatter_add along any dim. Indices are already checked
 * to be in range by {@code tensor}.
 *
 * <p>index_select and index_add view their tensors as [outer, size, inner] around the indexed
 * dim, so one index moves a run of {@code inner} contiguous elements.
 */
public final class IndexKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    private IndexKernels() {
    }

    /**
     * out[o, j, :] = x[o, idx[j], :] for the pairs u = o·m + j in [u0, u1): x is [outer, n, inner]
     * from xo, out is [outer, m, inner] from oo, idx steps by is. Works on any primitive array
     * type (runs are copied with System.arraycopy).
     */
    public static void indexSelect(Object out, int oo, Object x, int xo, int[] idx, int io, int is, int u0, int u1,
                                   int n, int m, int inner) {
        if (inner == 1 && out instanceof float[] fo && x instanceof float[] fx) {
            for (int u = u0; u < u1; u++) {
                int o = u / m;
                fo[oo + u] = fx[xo + o * n + idx[io + (u - o * m) * is]];
            }
            return;
        }
        for (int u = u0; u < u1; u++) {
            int o = u / m;
            int j = u - o * m;
            System.arraycopy(x, xo + (o * n + idx[io + j * is]) * inner, out, oo + u * inner, inner);
        }
    }

    /**
     * out[o, idx[j], c] += src[o, j, c] for every outer o, j in [0, m) and columns c in [c0, c1):
     * out is [outer, n, inner] from oo, src is [outer, m, inner] from so. Repeated indices add up;
     * the dispatcher splits work by columns, never by j, so no two threads add into one element.
     */
    public static void indexAdd(float[] out, int oo, int[] idx, int io, int is, float[] src, int so, int outer, int n,
                                int m, int inner, int c0, int c1) {
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < m; j++) {
                int t = oo + (o * n + idx[io + j * is]) * inner;
                int s = so + (o * m + j) * inner;
                int c = c0;
                if (Simd.ENABLED) {
                    for (; c + L <= c1; c += L) {
                        FloatVector.fromArray(S, out, t + c).add(FloatVector.fromArray(S, src, s + c)).intoArray(out, t + c);
                    }
                }
                for (; c < c1; c++) {
                    out[t + c] += src[s + c];
                }
            }
        }
    }

    /**
     * One run of gather: out[yo + i] = x[xb + idx[io + i·is]·xd + i·xs] for i in [0, n), where xb
     * is x's offset with the gathered dim at 0 and xd its stride along that dim.
     */
    public static void gather(float[] out, int yo, float[] x, int xb, int xs, int xd, int[] idx, int io, int is, int n) {
        for (int i = 0; i < n; i++) {
            out[yo + i] = x[xb + i * xs + idx[io + i * is] * xd];
        }
    }

    /**
     * One run of scatter_add: out[ob + idx[io + i·is]·od + i·os] += src[so + i·ss] for i in [0, n).
     */
    public static void scatterAdd(float[] out, int ob, int os, int od, int[] idx, int io, int is, float[] src, int so,
                                  int ss, int n) {
        for (int i = 0; i < n; i++) {
            out[ob + i * os + idx[io + i * is] * od] += src[so + i * ss];
        }
    }
}
