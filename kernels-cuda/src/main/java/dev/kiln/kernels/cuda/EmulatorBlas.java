package dev.kiln.kernels.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * For tests only: the emulator's cuBLAS, a plain loop with cuBLAS's semantics (column-major
 * operands with leading dimensions, op(A) and op(B), strided batches, alpha 1 and beta 0 as Kiln
 * calls it, FP32 accumulation in float, TF32 inputs rounded to 10 mantissa bits) over
 * {@link EmulatorDriver}'s host memory. It lets the emulator run Kiln's cuBLAS calls as they are
 * issued on a GPU (GemmPlan's mapping, the convolution's transposed operands); it says nothing
 * about cuBLAS itself.
 */
final class EmulatorBlas implements Blas {
    /** All of the (host) address space: "device" addresses are plain host addresses in the emulator. */
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Override
    public String description() {
        return "the emulator's cuBLAS (a Java loop with cuBLAS's semantics)";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA, long b,
                      int ldb, long strideB, long c, int ldc, long strideC, int batch, boolean tf32) {
        for (int p = 0; p < batch; p++) {
            long pa = a + p * strideA * 4;
            long pb = b + p * strideB * 4;
            long pc = c + p * strideC * 4;
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    float sum = 0;
                    for (int l = 0; l < k; l++) {
                        float x = f32(pa, transA ? l + (long) i * lda : i + (long) l * lda);
                        float y = f32(pb, transB ? j + (long) l * ldb : l + (long) j * ldb);
                        sum += tf32 ? toTf32(x) * toTf32(y) : x * y;
                    }
                    MEMORY.set(ValueLayout.JAVA_FLOAT_UNALIGNED, pc + (i + (long) j * ldc) * 4, sum);
                }
            }
        }
    }

    @Override
    public void dgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA, long b,
                      int ldb, long strideB, long c, int ldc, long strideC, int batch) {
        for (int p = 0; p < batch; p++) {
            long pa = a + p * strideA * 8;
            long pb = b + p * strideB * 8;
            long pc = c + p * strideC * 8;
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) {
                        double x = f64(pa, transA ? l + (long) i * lda : i + (long) l * lda);
                        double y = f64(pb, transB ? j + (long) l * ldb : l + (long) j * ldb);
                        sum += x * y;
                    }
                    MEMORY.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, pc + (i + (long) j * ldc) * 8, sum);
                }
            }
        }
    }

    @Override
    public void close() {
    }

    private static float f32(long base, long index) {
        return MEMORY.get(ValueLayout.JAVA_FLOAT_UNALIGNED, base + index * 4);
    }

    private static double f64(long base, long index) {
        return MEMORY.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, base + index * 8);
    }

    /** TF32: the float rounded to nearest at 10 mantissa bits (finite values; others as they are). */
    static float toTf32(float v) {
        if (!Float.isFinite(v)) {
            return v;
        }
        int bits = Float.floatToRawIntBits(v);
        return Float.intBitsToFloat((bits + 0x1000) & 0xFFFFE000);
    }
}
