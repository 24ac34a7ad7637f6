package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fused linear (product, bias, activation) against the reference, with and without a bias and
 * with each fused activation, at sizes below and above a vector and where the rows go multi-threaded.
 * Error bound: rtol 1e-5 + atol 1e-6·in, the float GEMM's rounding against the double sums; pre and
 * out are both checked, and every element of each must be written.
 */
class LinearKernelsTest {

    /** rows, in, out. */
    static final int[][] CASES = {{1, 1, 1}, {3, 7, 5}, {5, 17, 33}, {2, 100, 3}, {0, 4, 3}, {4, 0, 3}, {4, 3, 0},
        {33, 65, 130}, {300, 64, 260}};

    static final UnaryOp[] ACTIVATIONS = {null, UnaryOp.RELU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.SILU};

    @Test
    void linearMatchesReference() {
        var rng = new Generator(41);
        for (int[] c : CASES) {
            int rows = c[0];
            int in = c[1];
            int out = c[2];
            if (KernelCheck.skipLarge(new int[] {rows, Math.max(in, out)})) {
                continue;
            }
            Tensor x = input(KernelCheck.randn(rng, rows * in, 1, 0), new int[] {rows, in}, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, out * in, 0.3, 0), new int[] {out, in}, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, out, 1, 0), new int[] {out}, Layout.OFFSET);
            for (UnaryOp act : ACTIVATIONS) {
                for (Tensor bias : new Tensor[] {b, null}) {
                    String what = "linear " + KernelCheck.str(c) + " " + act + (bias != null ? " bias" : "");
                    Tensor y = poisoned(rows, out);
                    Tensor pre = act == null ? null : poisoned(rows, out);
                    CPU.linear(y, pre, x, w, bias, act);
                    assertWrittenExactly(what + " out", y);
                    Tensor ry = poisoned(rows, out);
                    Tensor rpre = act == null ? null : poisoned(rows, out);
                    REF.linear(ry, rpre, x, w, bias, act);
                    double atol = 1e-6 * Math.max(in, 1);
                    assertClose(what + " out", y, ry, 1e-5, atol);
                    if (act != null) {
                        assertWrittenExactly(what + " pre", pre);
                        assertClose(what + " pre", pre, rpre, 1e-5, atol);
                    }
                }
            }
        }
    }

    @Test
    void theEpilogueIsAddThenTheActivationKernel() {
        // the same bits as the separate kernels: bias added in float, then the activation's own kernel
        var rng = new Generator(42);
        int rows = 7;
        int n = 37;
        float[] pre = new float[rows * n];
        float[] bias = new float[n];
        double[] v = KernelCheck.randn(rng, rows * n + n, 2, 0);
        for (int i = 0; i < pre.length; i++) {
            pre[i] = (float) v[i];
        }
        for (int j = 0; j < n; j++) {
            bias[j] = (float) v[rows * n + j];
        }
        for (UnaryOp act : new UnaryOp[] {UnaryOp.RELU, UnaryOp.GELU, UnaryOp.SILU}) {
            float[] p = pre.clone();
            float[] out = new float[rows * n];
            LinearKernels.biasActivation(out, 0, p, 0, bias, 0, act, 0, rows, n);
            float[] expectPre = new float[rows * n];
            float[] expectOut = new float[rows * n];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    expectPre[r * n + j] = pre[r * n + j] + bias[j];
                }
            }
            ElementwiseKernels.unary(act, expectOut, 0, expectPre, 0, rows * n);
            assertThat(p).as("pre").containsExactly(expectPre);
            assertThat(out).as("%s", act).containsExactly(expectOut);
        }
    }
}
