package dev.kiln.kernels.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a row-major batched matmul {@code out[..., M, N] = a[..., M, K] · b[..., K, N]} over
 * strided operands maps onto column-major GEMM calls (cuBLAS's convention), without copies
 * where the strides allow.
 *
 * <p>A row-major M×N matrix with leading dimension ld is, read column-major, its N×M transpose.
 * So row-major {@code C = A·B} is column-major {@code Cᵀ = Bᵀ·Aᵀ}: the call multiplies b by a,
 * with m' = N, n' = M, and each operand is passed untransposed when it is row-major (unit
 * column stride) and transposed when it is column-major (unit row stride, e.g. a transpose()
 * view). Batch dims are coalesced; when they collapse to one uniform stride (stride 0 for a
 * broadcast operand) a single strided-batched call does all, otherwise one call per index of
 * the outer batch dims.
 */
final class GemmPlan {
    private GemmPlan() {
    }

    /** How an R×C matrix lies in memory: row- or column-major with a leading dimension. */
    record MatrixView(boolean rowMajor, int ld) {
    }

    /** One column-major GEMM call; offsets and strides in elements from each storage's start. */
    record Call(boolean transA, boolean transB, int m, int n, int k, long aOffset, int lda, long strideA, long bOffset,
                int ldb, long strideB, long cOffset, int ldc, long strideC, int batch) {
    }

    /** The view of a rows×cols matrix with these strides, or null when a GEMM cannot read it directly. */
    static MatrixView view(int rows, int cols, int rowStride, int colStride) {
        if ((colStride == 1 || cols == 1) && (rows == 1 || rowStride >= Math.max(1, cols))) {
            return new MatrixView(true, rows == 1 ? Math.max(1, cols) : rowStride);
        }
        if ((rowStride == 1 || rows == 1) && (cols == 1 || colStride >= Math.max(1, rows))) {
            return new MatrixView(false, cols == 1 ? Math.max(1, rows) : colStride);
        }
        return null;
    }

    /** Whether the last two dims of a tensor with these sizes and strides can go to a GEMM as they are. */
    static boolean readable(int[] shape, int[] strides) {
        int r = shape.length;
        return view(shape[r - 2], shape[r - 1], strides[r - 2], strides[r - 1]) != null;
    }

    /**
     * The calls for out (contiguous, offset outOffset) = a · b, where a and b have out's batch
     * dims (expanded, strides may be 0) and both are {@link #readable}. M, N and K are at least 1.
     */
    static List<Call> plan(int[] outShape, int outOffset, int[] aStrides, int aOffset, int[] bStrides, int bOffset,
                           int k) {
        int rank = outShape.length;
        int m = outShape[rank - 2];
        int n = outShape[rank - 1];
        MatrixView av = view(m, k, aStrides[rank - 2], aStrides[rank - 1]);
        MatrixView bv = view(k, n, bStrides[rank - 2], bStrides[rank - 1]);
        if (av == null || bv == null) {
            throw new IllegalArgumentException("GemmPlan: an operand is neither row- nor column-major; copy it first");
        }
        int[] batchShape = Arrays.copyOf(outShape, rank - 2);
        int[] outBatchStrides = new int[rank - 2];
        for (int d = rank - 3, s = m * n; d >= 0; d--) {
            outBatchStrides[d] = s;
            s *= outShape[d];
        }
        Layout batch = Layout.of(batchShape, Arrays.copyOf(aStrides, rank - 2), Arrays.copyOf(bStrides, rank - 2),
                outBatchStrides);
        List<Call> calls = new ArrayList<>();
        if (batch.numel() == 0) {
            return calls;
        }
        int br = batch.rank();
        int inner = batch.shape()[br - 1];
        long sa = batch.strides(0)[br - 1];
        long sb = batch.strides(1)[br - 1];
        long sc = batch.strides(2)[br - 1];
        // one call per index of the outer batch dims (none when the batch coalesced to one dim)
        int[] outerShape = Arrays.copyOf(batch.shape(), br - 1);
        int outerCount = 1;
        for (int s : outerShape) {
            outerCount *= s;
        }
        int[] idx = new int[br - 1];
        for (int c = 0; c < outerCount; c++) {
            long ao = aOffset;
            long bo = bOffset;
            long co = outOffset;
            for (int d = 0; d < br - 1; d++) {
                ao += (long) idx[d] * batch.strides(0)[d];
                bo += (long) idx[d] * batch.strides(1)[d];
                co += (long) idx[d] * batch.strides(2)[d];
            }
            // column-major Cᵀ[N, M] = Bᵀ[N, K] · Aᵀ[K, M]
            calls.add(new Call(!bv.rowMajor(), !av.rowMajor(), n, m, k, bo, bv.ld(), sb, ao, av.ld(), sa, co, n,
                    sc, inner));
            for (int d = br - 2; d >= 0; d--) {
                if (++idx[d] < outerShape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return calls;
    }
}
