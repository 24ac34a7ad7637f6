package dev.kiln.kernels.cuda;

import java.util.List;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's matmul: cuBLAS, or the hand-written kernels of gemm.cu.
 */
final class GemmDispatch {
    private GemmDispatch() {
    }

    static void matmul(Tensor out, Tensor a, Tensor b) {
        CudaDevice d = dev(out);
        int rank = out.dim();
        int m = out.size(rank - 2);
        int n = out.size(rank - 1);
        int k = a.size(rank - 1);
        if (out.numel() == 0) {
            return;
        }
        if (k == 0) {
            MemoryDispatch.fill(out, 0);
            return;
        }
        boolean handwritten = handwritten(d);
        Blas blas = handwritten ? null : d.blas();
        Tensor ac = needsCopy(a, handwritten) ? contiguousCopy(a) : a;
        Tensor bc = needsCopy(b, handwritten) ? contiguousCopy(b) : b;
        int es = out.dtype().byteSize();
        List<GemmPlan.Call> calls = GemmPlan.plan(out.shape(), 0, ac.strides(), 0, bc.strides(), 0, k);
        long outBase = ptr(out);
        long aBase = ptr(ac);
        long bBase = ptr(bc);
        for (GemmPlan.Call c : calls) {
            // the call's A operand is our b and its B operand our a (see GemmPlan)
            long pa = bBase + c.aOffset() * es;
            long pb = aBase + c.bOffset() * es;
            long pc = outBase + c.cOffset() * es;
            if (!handwritten) {
                if (out.dtype() == DType.F32) {
                    blas.sgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), pa, c.lda(), c.strideA(), pb, c.ldb(),
                            c.strideB(), pc, c.ldc(), c.strideC(), c.batch(), CudaBackend.allowTf32());
                } else {
                    blas.dgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), pa, c.lda(), c.strideA(), pb, c.ldb(),
                            c.strideB(), pc, c.ldc(), c.strideC(), c.batch());
                }
            } else {
                handwrittenGemm(d, out.dtype(), c.n(), c.m(), c.k(), pb, c.ldb(), c.strideB(), pa, c.lda(),
                        c.strideA(), pc, c.ldc(), c.strideC(), c.batch());
            }
        }
        if (ac != a) {
            ((CudaStorage) ac.storage()).close();
        }
        if (bc != b) {
            ((CudaStorage) bc.storage()).close();
        }
    }

    /** Whether matmuls on d run the hand-written kernels (asked for, or no cuBLAS), which read only row-major operands. */
    static boolean handwritten(CudaDevice d) {
        return CudaBackend.handwrittenGemm() || d.blas() == null;
    }

    /** cuBLAS reads row- or column-major operands; the hand-written kernels only row-major ones. */
    private static boolean needsCopy(Tensor t, boolean handwritten) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        int r = shape.length;
        if (!GemmPlan.readable(shape, strides)) {
            return true;
        }
        return handwritten && !GemmPlan.view(shape[r - 2], shape[r - 1], strides[r - 2], strides[r - 1]).rowMajor();
    }

    /**
     * Row-major C[M, N] = A[M, K]·B[K, N] per batch with the kernels of gemm.cu: the 128×128
     * register-blocked SGEMM for F32 (its float4 variant when shapes and addresses allow), the
     * 16×16 tiled kernel for F64.
     */
    static void handwrittenGemm(CudaDevice d, DType dtype, int m, int n, int k, long a, int lda, long strideA, long b,
                                int ldb, long strideB, long c, int ldc, long strideC, int batch) {
        for (int z0 = 0; z0 < batch; z0 += 65535) {  // gridDim.z is at most 65535
            int zn = Math.min(65535, batch - z0);
            long pa = a + z0 * strideA * dtype.byteSize();
            long pb = b + z0 * strideB * dtype.byteSize();
            long pc = c + z0 * strideC * dtype.byteSize();
            Args args = new Args().i(m).i(n).i(k).ptr(pa).i(lda).l(strideA).ptr(pb).i(ldb).l(strideB).ptr(pc).i(ldc)
                    .l(strideC);
            if (dtype == DType.F32) {
                boolean vec4 = k % 4 == 0 && n % 4 == 0 && lda % 4 == 0 && ldb % 4 == 0 && ldc % 4 == 0
                        && (zn == 1 || strideA % 4 == 0 && strideB % 4 == 0 && strideC % 4 == 0)
                        && aligned16(pa, pb, pc);
                d.launch(vec4 ? Kernels.SGEMM_128_VEC4 : Kernels.SGEMM_128, "", (int) ceilDiv(n, 128),
                        (int) ceilDiv(m, 128), zn, 256, 0, args);
            } else {
                d.launch2d(Kernels.GEMM_TILED, "f64", (int) ceilDiv(n, 16), (int) ceilDiv(m, 16), zn, 16, 16, args);
            }
        }
    }
}
