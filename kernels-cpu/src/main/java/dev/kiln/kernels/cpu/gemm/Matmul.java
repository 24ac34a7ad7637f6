package dev.kiln.kernels.cpu.gemm;

import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * The CPU backend's matmul: out[..., M, N] = a[..., M, K] · b[..., K, N] for expanded operands with
 * out's batch dims (a batch stride of 0 is a broadcast batch), out contiguous.
 *
 * <p>Each product goes to {@link Sgemm} or {@link Dgemm} with the operands' own strides. A large
 * product uses every thread itself; many small products are spread over the threads a batch range
 * at a time instead. When b is the same matrix for every batch and a's batches are whole blocks of
 * rows (x[B, T, C] · W[C, N]), the batches are one tall product, packed and threaded as one.
 */
public final class Matmul {
    private Matmul() {
    }

    public static void matmul(Tensor out, Tensor a, Tensor b) {
        int[] os = out.shape();
        int rank = os.length;
        int m = os[rank - 2];
        int n = os[rank - 1];
        int k = a.shape()[rank - 1];
        int[] batchShape = java.util.Arrays.copyOf(os, rank - 2);
        int batches = 1;
        for (int s : batchShape) {
            batches *= s;
        }
        if (batches == 0 || m == 0 || n == 0) {
            return;
        }
        int[] as = a.strides();
        int[] bs = b.strides();
        boolean f64 = out.dtype() == DType.F64;
        Product p = new Product(out, a, b, f64, as[rank - 2], as[rank - 1], bs[rank - 2], bs[rank - 1]);
        if (batches > 1 && sharedB(batchShape, bs) && rowsStack(batchShape, as, m, as[rank - 2])) {
            p.run(out.offset(), a.offset(), b.offset(), batches * m, n, k, Parallel.threads());
            return;
        }
        long fmas = (long) m * n * k;
        if (batches == 1 || fmas >= Sgemm.PARALLEL_MIN_FMAS) {
            for (int bi = 0; bi < batches; bi++) {
                p.run(out.offset() + bi * m * n, batchOffset(bi, batchShape, as, a.offset()),
                        batchOffset(bi, batchShape, bs, b.offset()), m, n, k, Parallel.threads());
            }
            return;
        }
        int grain = (int) Math.max(1, Math.min(batches, Sgemm.PARALLEL_MIN_FMAS / Math.max(1, fmas)));
        Parallel.forRange(batches, grain, (s, e) -> {
            for (int bi = s; bi < e; bi++) {
                p.run(out.offset() + bi * m * n, batchOffset(bi, batchShape, as, a.offset()),
                        batchOffset(bi, batchShape, bs, b.offset()), m, n, k, 1);
            }
        });
    }

    /** The arrays and matrix strides of one call; {@link #run} does one product at given offsets. */
    private record Product(Tensor out, Tensor a, Tensor b, boolean f64, int ars, int acs, int brs, int bcs) {
        void run(int cOff, int aOff, int bOff, int m, int n, int k, int threads) {
            if (f64) {
                Dgemm.dgemm(doubles(out), cOff, n, doubles(a), aOff, ars, acs, doubles(b), bOff, brs, bcs,
                        m, n, k, threads);
            } else {
                Sgemm.sgemm(floats(out), cOff, n, floats(a), aOff, ars, acs, floats(b), bOff, brs, bcs,
                        m, n, k, SgemmPlan.active(), threads);
            }
        }
    }

    private static float[] floats(Tensor t) {
        return ((CpuStorage) t.storage()).floats();
    }

    private static double[] doubles(Tensor t) {
        return ((CpuStorage) t.storage()).doubles();
    }

    /** The storage offset of batch bi (row-major over batchShape). */
    static int batchOffset(int bi, int[] batchShape, int[] strides, int base) {
        int off = base;
        for (int d = batchShape.length - 1; d >= 0; d--) {
            off += (bi % batchShape[d]) * strides[d];
            bi /= batchShape[d];
        }
        return off;
    }

    /** Whether b is the same matrix in every batch. */
    private static boolean sharedB(int[] batchShape, int[] bs) {
        for (int d = 0; d < batchShape.length; d++) {
            if (batchShape[d] > 1 && bs[d] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether a's batches follow one another as rows: batch stride = m rows, outer dims nested. */
    private static boolean rowsStack(int[] batchShape, int[] as, int m, int ars) {
        long expect = (long) m * ars;
        for (int d = batchShape.length - 1; d >= 0; d--) {
            if (batchShape[d] == 1) {
                continue;
            }
            if (as[d] != expect) {
                return false;
            }
            expect *= batchShape[d];
        }
        return true;
    }
}
