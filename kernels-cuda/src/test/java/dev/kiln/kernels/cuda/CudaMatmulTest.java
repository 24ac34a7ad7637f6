package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * matmul through cuBLAS (FP32, TF32, FP64) and through the hand-written kernels, on the shapes
 * the CPU tests use: 1s, odd sizes, batches, broadcast batches, transposed and sliced operands.
 * Tolerances are relative to Σ|a||b| per output (the scale a dot product's rounding error has):
 * 2e-6 for FP32 and 4e-3 for TF32 (inputs rounded to 10 mantissa bits: 2^-11 ≈ 4.9e-4 per
 * operand, about 1e-3 per product, with headroom); 1e-13 for FP64. Skipped without a GPU.
 */
class CudaMatmulTest extends GpuTesting {
    private static final int[][] SHAPES = {{1, 1, 1}, {1, 7, 1}, {5, 1, 3}, {33, 17, 65}, {128, 128, 128},
            {130, 129, 131}, {257, 64, 33}};

    @AfterEach
    void restoreDefaults() {
        CudaBackend.setAllowTf32(false);
        CudaBackend.setHandwrittenGemm(false);
    }

    /** Compares a·b on the GPU with the double-precision reference, scaled by Σ|a||b|. */
    private static void checkMatmul(String what, double c, Function<Tensor[], Tensor[]> operands, Tensor a, Tensor b) {
        Tensor[] host = operands.apply(new Tensor[] {a, b});
        Tensor expected = host[0].to(DType.F64).matmul(host[1].to(DType.F64));
        Tensor scale = host[0].to(DType.F64).abs().matmul(host[1].to(DType.F64).abs());
        Tensor[] dev = operands.apply(new Tensor[] {a.to(GPU), b.to(GPU)});
        Tensor actual = dev[0].matmul(dev[1]);
        assertThat(actual.device()).isEqualTo(GPU);
        double[] e = expected.toDoubleArray();
        double[] s = scale.toDoubleArray();
        double[] g = actual.to(CPU).toDoubleArray();
        assertThat(g).hasSameSizeAs(e);
        for (int i = 0; i < e.length; i++) {
            if (Math.abs(g[i] - e[i]) > c * s[i] + 1e-30) {
                throw new AssertionError(what + ": element " + i + " is " + g[i] + ", expected " + e[i] + " ± "
                        + c * s[i]);
            }
        }
    }

    private void allShapes(String mode, DType t, double c) {
        for (int[] mnk : SHAPES) {
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            String s = mode + " " + t + " " + m + "x" + n + "x" + k;
            checkMatmul(s, c, x -> x, randn(t, m, k), randn(t, k, n));
            checkMatmul(s + " aᵀ", c, x -> new Tensor[] {x[0].t(), x[1]}, randn(t, k, m), randn(t, k, n));
            checkMatmul(s + " bᵀ", c, x -> new Tensor[] {x[0], x[1].t()}, randn(t, m, k), randn(t, n, k));
            checkMatmul(s + " sliced", c, x -> new Tensor[] {x[0].slice(1, 1, 1 + k), x[1].slice(0, 0, 2 * k, 2)},
                    randn(t, m, k + 3), randn(t, 2 * k, n));
        }
        checkMatmul(mode + " batched", c, x -> x, randn(t, 4, 33, 20), randn(t, 4, 20, 9));
        checkMatmul(mode + " broadcast b", c, x -> x, randn(t, 2, 3, 33, 20), randn(t, 20, 9));
        checkMatmul(mode + " broadcast batch dims", c, x -> x, randn(t, 2, 1, 5, 6), randn(t, 1, 3, 6, 4));
        checkMatmul(mode + " uncoalesced batches", c, x -> new Tensor[] {x[0].transpose(0, 1), x[1]},
                randn(t, 3, 2, 5, 6), randn(t, 2, 3, 6, 4));
        checkMatmul(mode + " vector · matrix", c, x -> x, randn(t, 17), randn(t, 17, 5));
        checkMatmul(mode + " matrix · vector", c, x -> x, randn(t, 5, 17), randn(t, 17));
        checkMatmul(mode + " K = 0", c, x -> x, randn(t, 3, 0), randn(t, 0, 4));
        checkMatmul(mode + " M = 0", c, x -> x, randn(t, 0, 5), randn(t, 5, 4));
    }

    @Test
    void cublasFp32() {
        allShapes("cuBLAS", DType.F32, 2e-6);
    }

    @Test
    void cublasTf32() {
        CudaBackend.setAllowTf32(true);
        allShapes("cuBLAS TF32", DType.F32, 4e-3);
    }

    @Test
    void cublasFp64() {
        allShapes("cuBLAS", DType.F64, 1e-13);
    }

    @Test
    void handwrittenSgemm() {
        CudaBackend.setHandwrittenGemm(true);
        allShapes("hand-written", DType.F32, 2e-6);
        // the float4 variant: every size a multiple of 4
        checkMatmul("hand-written vec4 256", 2e-6, x -> x, randn(DType.F32, 256, 512), randn(DType.F32, 512, 256));
    }

    @Test
    void handwrittenDgemm() {
        CudaBackend.setHandwrittenGemm(true);
        allShapes("hand-written", DType.F64, 1e-13);
    }

    /**
     * The fused linear (CudaBackend.linear: the product, then the bias add and the activation
     * launches) against the F64 op on the host; tolerance 4e-6 of Σ|x||w| + |b| per element plus 1e-6
     * for the activation's own rounding (each activation's slope is at most 1.13).
     */
    @Test
    void fusedLinear() {
        int[][] shapes = {{1, 1, 1}, {33, 17, 65}, {130, 129, 7}, {0, 3, 4}, {5, 0, 3}};
        for (UnaryOp act : new UnaryOp[] {null, UnaryOp.RELU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.SILU}) {
            for (int[] s : shapes) {
                Tensor x = randn(DType.F32, s[0], s[1]);
                Tensor w = randn(DType.F32, s[2], s[1]);
                Tensor b = randn(DType.F32, s[2]);
                for (Tensor bias : new Tensor[] {b, null}) {
                    String what = "linear " + s[0] + "x" + s[1] + "x" + s[2] + " " + act + (bias == null ? "" : " bias");
                    Tensor b64 = bias == null ? null : bias.to(DType.F64);
                    double[] e = Tensor.linear(x.to(DType.F64), w.to(DType.F64), b64, act).toDoubleArray();
                    Tensor absB = bias == null ? null : b64.abs();
                    double[] scale = Tensor.linear(x.to(DType.F64).abs(), w.to(DType.F64).abs(), absB).toDoubleArray();
                    Tensor actual = Tensor.linear(x.to(GPU), w.to(GPU), bias == null ? null : bias.to(GPU), act);
                    assertThat(actual.device()).as(what).isEqualTo(GPU);
                    double[] g = actual.to(CPU).toDoubleArray();
                    assertThat(g).as(what).hasSameSizeAs(e);
                    for (int i = 0; i < e.length; i++) {
                        if (!(Math.abs(g[i] - e[i]) <= 4e-6 * scale[i] + 1e-6)) {
                            throw new AssertionError(what + ": element " + i + " is " + g[i] + ", expected " + e[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void cublasBindingIsReported() {
        String d = CudaBackend.gemmDescription(0);
        System.out.println("matmul on cuda:0 uses " + d);
        assertThat(d).isNotBlank();
    }
}
