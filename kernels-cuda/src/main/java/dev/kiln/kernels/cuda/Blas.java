package dev.kiln.kernels.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The few cuBLAS calls Kiln needs, in cuBLAS's own column-major terms (see {@link GemmPlan} for
 * how row-major tensors map onto them), with device pointers as raw addresses.
 *
 * <p>Two bindings: {@link JCublasBlas} (JCublas 12.6, which needs {@code libcublas.so.12}) and
 * {@link FfmBlas} (Java's FFM API over {@code libcublas.so.13} or {@code .12}, whichever is
 * found), because JCublas cannot bind CUDA 13's versioned symbols. {@link #open()} tries them in
 * that order; {@code -Dkiln.cuda.blas=jcublas|ffm} forces one.
 */
interface Blas extends AutoCloseable {

    /** What is in use, e.g. "cuBLAS 13.0.0 via FFM (/usr/lib/.../libcublas.so.13)". */
    String description();

    /**
     * C = A·B per batch (op(A)·op(B) with the transposes), column-major; strides between
     * batches in elements (0 repeats one matrix). With {@code tf32}, FP32 inputs are rounded to
     * TF32 on the tensor cores (about 10 mantissa bits), accumulating in FP32.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA, long b, int ldb,
               long strideB, long c, int ldc, long strideC, int batch, boolean tf32);

    /** As {@link #sgemm} in double precision. */
    void dgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA, long b, int ldb,
               long strideB, long c, int ldc, long strideC, int batch);

    @Override
    void close();

    /** Opens cuBLAS on the current context; throws with every attempt's reason when none works. */
    static Blas open() {
        String forced = System.getProperty("kiln.cuda.blas", "").trim().toLowerCase(Locale.ROOT);
        List<String> failures = new ArrayList<>();
        if (forced.isEmpty() || forced.equals("jcublas")) {
            try {
                return JCublasBlas.open();
            } catch (RuntimeException | LinkageError e) {
                failures.add("JCublas: " + e);
            }
        }
        if (forced.isEmpty() || forced.equals("ffm")) {
            try {
                return FfmBlas.open(CublasLibrary.find().orElseThrow(() -> new IllegalStateException(
                        "no libcublas.so.13 or .12 found; searched " + CublasLibrary.searchPath())));
            } catch (RuntimeException e) {
                failures.add("FFM: " + e.getMessage());
            }
        }
        throw new IllegalStateException("cuda: cuBLAS is not available (" + String.join("; ", failures) + ")");
    }

    /** cuBLAS status codes by name, for messages. */
    static String status(int code) {
        return switch (code) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cuBLAS status " + code;
        };
    }

    // cuBLAS constants (cublas_api.h, library_types.h); the same in CUDA 12 and 13
    int OP_N = 0;
    int OP_T = 1;
    int DEFAULT_MATH = 0;
    int TF32_TENSOR_OP_MATH = 3;
    int CUDA_R_32F = 0;
    int CUDA_R_64F = 1;
    int COMPUTE_32F = 68;
    int COMPUTE_32F_FAST_TF32 = 77;
    int COMPUTE_64F = 70;
    int GEMM_DEFAULT = -1;
}
