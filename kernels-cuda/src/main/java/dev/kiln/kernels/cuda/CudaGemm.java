package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * The GEMM variants side by side, for benchmarks and for people comparing kernels: each
 * computes {@code out = a · b} for contiguous 2-D F32 tensors on one CUDA device, queued on the
 * device's stream (call {@link #synchronize} to wait). {@link CudaBackend#matmul} picks among
 * them; these entry points bypass the choice.
 */
public final class CudaGemm {
    private CudaGemm() {
    }

    /** cuBLAS SGEMM (TF32 tensor cores when {@code tf32}). */
    public static void cublas(Tensor out, Tensor a, Tensor b, boolean tf32) {
        int[] mnk = check(out, a, b);
        CudaDevice d = device(out);
        Blas blas = d.blas();
        if (blas == null) {
            throw new IllegalStateException("CudaGemm.cublas: cuBLAS is unavailable: " + d.blasFailure());
        }
        // row-major C = A·B as column-major Cᵀ = Bᵀ·Aᵀ
        blas.sgemm(false, false, mnk[1], mnk[0], mnk[2], address(b), mnk[1], 0, address(a), mnk[2], 0, address(out),
                mnk[1], 0, 1, tf32);
    }

    /** gemm.cu v2: 128×128 block tiles, 8×8 register tiles, double-buffered shared memory. */
    public static void registerBlocked(Tensor out, Tensor a, Tensor b) {
        int[] mnk = check(out, a, b);
        GemmDispatch.handwrittenGemm(device(out), DType.F32, mnk[0], mnk[1], mnk[2], address(a), mnk[2], 0, address(b),
                mnk[1], 0, address(out), mnk[1], 0, 1);
    }

    /** gemm.cu v1: 16×16 shared-memory tiles, one output per thread. */
    public static void tiled(Tensor out, Tensor a, Tensor b) {
        int[] mnk = check(out, a, b);
        int m = mnk[0];
        int n = mnk[1];
        int k = mnk[2];
        device(out).launch2d(Kernels.GEMM_TILED, "f32", (n + 15) / 16, (m + 15) / 16, 1, 16, 16, new Args().i(m).i(n)
                .i(k).ptr(address(a)).i(k).l(0).ptr(address(b)).i(n).l(0).ptr(address(out)).i(n).l(0));
    }

    /** Waits for everything queued on the tensor's device. */
    public static void synchronize(Tensor t) {
        device(t).synchronize();
    }

    private static int[] check(Tensor out, Tensor a, Tensor b) {
        if (a.dim() != 2 || b.dim() != 2 || out.dim() != 2 || a.size(1) != b.size(0) || out.size(0) != a.size(0)
                || out.size(1) != b.size(1)) {
            throw new IllegalArgumentException("CudaGemm: expected out [M, N] = a [M, K] · b [K, N], got "
                    + java.util.Arrays.toString(out.shape()) + " = " + java.util.Arrays.toString(a.shape()) + " · "
                    + java.util.Arrays.toString(b.shape()));
        }
        for (Tensor t : new Tensor[] {out, a, b}) {
            if (t.dtype() != DType.F32 || !t.isContiguous() || !(t.storage() instanceof CudaStorage)) {
                throw new IllegalArgumentException("CudaGemm: tensors must be contiguous F32 on a CUDA device");
            }
        }
        return new int[] {a.size(0), b.size(1), a.size(1)};
    }

    private static CudaDevice device(Tensor t) {
        return ((CudaStorage) t.storage()).cudaDevice();
    }

    private static long address(Tensor t) {
        return ((CudaStorage) t.storage()).address() + (long) t.offset() * t.dtype().byteSize();
    }
}
