package dev.kiln.kernels.cuda;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS through JCublas 12.6. Loading it fails with an {@link UnsatisfiedLinkError} where
 * {@code libcublas.so.12} is absent (e.g. a CUDA-13-only machine); {@link Blas#open()} then
 * falls back to {@link FfmBlas}.
 */
final class JCublasBlas implements Blas {
    private final cublasHandle handle = new cublasHandle();
    private final String version;
    private int mathMode = DEFAULT_MATH;

    private JCublasBlas() {
        JCublas2.setExceptionsEnabled(true);
        JCublas2.cublasCreate(handle);
        JCublas2.cublasSetStream(handle, new cudaStream_t());  // the legacy default stream
        int[] v = new int[1];
        int[] parts = new int[3];
        for (int i = 0; i < 3; i++) {
            JCublas2.cublasGetProperty(i, v);
            parts[i] = v[0];
        }
        this.version = parts[0] + "." + parts[1] + "." + parts[2];
    }

    static JCublasBlas open() {
        return new JCublasBlas();
    }

    @Override
    public String description() {
        return "cuBLAS " + version + " via JCublas";
    }

    private void mathMode(int mode) {
        if (mode != mathMode) {
            JCublas2.cublasSetMathMode(handle, mode);
            mathMode = mode;
        }
    }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA,
                                   long b, int ldb, long strideB, long c, int ldc, long strideC, int batch,
                                   boolean tf32) {
        Pointer alpha = Pointer.to(new float[] {1f});
        Pointer beta = Pointer.to(new float[] {0f});
        int ta = transA ? OP_T : OP_N;
        int tb = transB ? OP_T : OP_N;
        if (batch == 1 && tf32) {
            JCublas2.cublasGemmEx(handle, ta, tb, m, n, k, alpha, DevicePtr.of(a), CUDA_R_32F, lda, DevicePtr.of(b),
                    CUDA_R_32F, ldb, beta, DevicePtr.of(c), CUDA_R_32F, ldc, COMPUTE_32F_FAST_TF32, GEMM_DEFAULT);
            return;
        }
        mathMode(tf32 ? TF32_TENSOR_OP_MATH : DEFAULT_MATH);
        if (batch == 1) {
            JCublas2.cublasSgemm(handle, ta, tb, m, n, k, alpha, DevicePtr.of(a), lda, DevicePtr.of(b), ldb, beta,
                    DevicePtr.of(c), ldc);
        } else {
            JCublas2.cublasSgemmStridedBatched(handle, ta, tb, m, n, k, alpha, DevicePtr.of(a), lda, strideA,
                    DevicePtr.of(b), ldb, strideB, beta, DevicePtr.of(c), ldc, strideC, batch);
        }
    }

    @Override
    public synchronized void dgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA,
                                   long b, int ldb, long strideB, long c, int ldc, long strideC, int batch) {
        Pointer alpha = Pointer.to(new double[] {1d});
        Pointer beta = Pointer.to(new double[] {0d});
        int ta = transA ? OP_T : OP_N;
        int tb = transB ? OP_T : OP_N;
        if (batch == 1) {
            JCublas2.cublasDgemm(handle, ta, tb, m, n, k, alpha, DevicePtr.of(a), lda, DevicePtr.of(b), ldb, beta,
                    DevicePtr.of(c), ldc);
        } else {
            JCublas2.cublasDgemmStridedBatched(handle, ta, tb, m, n, k, alpha, DevicePtr.of(a), lda, strideA,
                    DevicePtr.of(b), ldb, strideB, beta, DevicePtr.of(c), ldc, strideC, batch);
        }
    }

    @Override
    public synchronized void close() {
        JCublas2.cublasDestroy(handle);
    }
}
