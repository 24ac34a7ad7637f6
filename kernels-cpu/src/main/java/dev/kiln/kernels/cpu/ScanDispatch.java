package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.ScanOp;
import dev.kiln.tensor.spi.Strided;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's products, scans, sorts and top-k (F32 onto {@link ScanKernels}, other dtypes to the
 * reference loops). Work is split over rows or columns, each computed whole by one thread, so the
 * results do not depend on the thread count.
 */
final class ScanDispatch {
    private ScanDispatch() {
    }

    static void prod(Tensor out, Tensor x, int dim) {
        if (!f32(out, x)) {
            REF.prod(out, x, dim);
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        float[] y = f(out);
        float[] xa = f(x);
        int yo = out.offset();
        int xo = x.offset();
        if (inner == 1) {
            Parallel.forRange(outer, rowGrain(n, GRAIN), (r0, r1) -> ScanKernels.prodRows(y, yo, xa, xo, r0, r1, n));
        } else {
            slabs(outer, n, inner, (o, c0, c1) ->
                    ScanKernels.prodColumns(y, yo + o * inner, xa, xo + o * n * inner, n, inner, c0, c1));
        }
    }

    static void scan(ScanOp op, Tensor out, Tensor indices, Tensor x, int dim) {
        if (!f32(out, x)) {
            REF.scan(op, out, indices, x, dim);
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        float[] y = f(out);
        float[] xa = f(x);
        int[] ia = indices == null ? null : ints(indices);
        int yo = out.offset();
        int xo = x.offset();
        int io = indices == null ? 0 : indices.offset();
        int grain = op == ScanOp.LOGCUMSUMEXP ? GRAIN_HEAVY : GRAIN;
        if (inner == 1) {
            Parallel.forRange(outer, rowGrain(n, grain),
                    (r0, r1) -> ScanKernels.scanRows(op, y, yo, ia, io, xa, xo, r0, r1, n));
        } else {
            slabs(outer, n, inner, (o, c0, c1) -> ScanKernels.scanColumns(op, y, yo + o * n * inner, ia,
                    io + o * n * inner, xa, xo + o * n * inner, n, inner, c0, c1));
        }
    }

    static void sort(Tensor values, Tensor indices, Tensor x, boolean descending) {
        if (!f32(values, x) || indices.dtype() != DType.I32) {
            REF.sort(values, indices, x, descending);
            return;
        }
        int n = x.shape()[x.dim() - 1];
        int rows = x.numel() / n;
        float[] v = f(values);
        int[] ia = ints(indices);
        float[] xa = f(x);
        Parallel.forRange(rows, rowGrain(n, GRAIN / 4), (r0, r1) -> ScanKernels.sortRows(v, values.offset(), ia,
                indices.offset(), xa, x.offset(), r0, r1, n, descending, new long[n]));
    }

    static void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest) {
        if (!f32(values, x) || indices.dtype() != DType.I32) {
            REF.topk(values, indices, x, k, largest);
            return;
        }
        int n = x.shape()[x.dim() - 1];
        int rows = x.numel() / n;
        float[] v = f(values);
        int[] ia = ints(indices);
        float[] xa = f(x);
        if (k == n) {
            // the whole row: a full sort is cheaper than a heap of n
            Parallel.forRange(rows, rowGrain(n, GRAIN / 4), (r0, r1) -> ScanKernels.sortRows(v, values.offset(), ia,
                    indices.offset(), xa, x.offset(), r0, r1, n, largest, new long[n]));
            return;
        }
        Parallel.forRange(rows, rowGrain(n, GRAIN / 4), (r0, r1) -> ScanKernels.topkRows(v, values.offset(), ia,
                indices.offset(), xa, x.offset(), r0, r1, n, k, largest, new long[k]));
    }

    @FunctionalInterface
    private interface SlabBody {
        void run(int slab, int c0, int c1);
    }

    /** [outer, n, inner] work along n: split the slabs, or the columns of few wide slabs. */
    private static void slabs(int outer, int n, int inner, SlabBody body) {
        if (outer >= Parallel.MAX_CHUNKS || inner < 2 * Parallel.MAX_CHUNKS * Simd.F32.length()) {
            Parallel.forRange(outer, rowGrain(n * inner, GRAIN), (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    body.run(o, 0, inner);
                }
            });
        } else {
            Parallel.forRange(inner, Math.max(Simd.F32.length(), rowGrain(n, GRAIN)), (c0, c1) -> {
                for (int o = 0; o < outer; o++) {
                    body.run(o, c0, c1);
                }
            });
        }
    }
}
