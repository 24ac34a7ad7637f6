package dev.kiln.kernels.cpu;

import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.kernels.cpu.gemm.SgemmPlan;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.spi.CpuStorage;
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
    void inTheGemmTheEpilogueGivesTheBitsOfTheProductThenOnePassOverTheRows() {
        // rows split over threads; columns in several of the GEMM's nc blocks (column pieces, m < n);
        // a product large enough for the shared packed B
        int nc = SgemmPlan.active().blocking().nc();
        int[][] cases = {{300, 64, 260}, {70, 33, nc + 37}, {1100, 256, 480}};
        var rng = new Generator(43);
        for (int[] c : cases) {
            int rows = c[0];
            int in = c[1];
            int n = c[2];
            Tensor x = input(KernelCheck.randn(rng, rows * in, 1, 0), new int[] {rows, in}, Layout.CONTIGUOUS);
            Tensor w = input(KernelCheck.randn(rng, n * in, 0.3, 0), new int[] {n, in}, Layout.CONTIGUOUS);
            Tensor b = input(KernelCheck.randn(rng, n, 1, 0), new int[] {n}, Layout.CONTIGUOUS);
            for (UnaryOp act : new UnaryOp[] {null, UnaryOp.GELU}) {
                Tensor y = poisoned(rows, n);
                Tensor pre = act == null ? null : poisoned(rows, n);
                CPU.linear(y, pre, x, w, b, act);
                float[] expectPre = new float[rows * n];
                Sgemm.sgemm(expectPre, 0, n, floats(x), 0, in, 1, floats(w), 0,
                        1, in, rows, n, in);
                float[] expectOut = act == null ? expectPre : new float[rows * n];
                LinearKernels.biasActivation(expectOut, 0, expectPre, 0, floats(b), 0, act, 0, rows, n);
                String what = "linear " + KernelCheck.str(c) + " " + act;
                assertThat(floats(y)).as(what + " out").isEqualTo(expectOut); // containsExactly is quadratic in the length
                if (act != null) {
                    assertThat(floats(pre)).as(what + " pre").isEqualTo(expectPre);
                }
                // the epilogue inside the GEMM whatever LinearDispatch.inGemm picks for this machine
                float[] gemmPre = new float[rows * n];
                float[] gemmOut = act == null ? gemmPre : new float[rows * n];
                float[] bias = floats(b);
                Sgemm.sgemm(gemmPre, 0, n, floats(x), 0, in, 1, floats(w), 0, 1, in, rows, n, in,
                        (r0, r1, c0, c1) -> LinearKernels.biasActivation(gemmOut, 0, gemmPre, 0, bias, 0, act, r0, r1,
                                c0, c1, n));
                assertThat(gemmOut).as(what + " out, epilogue in the GEMM").isEqualTo(expectOut);
                assertThat(gemmPre).as(what + " pre, epilogue in the GEMM").isEqualTo(expectPre);
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

    /** The elements of a contiguous F32 tensor, from its offset. */
    private static float[] floats(Tensor t) {
        int o = t.offset();
        return java.util.Arrays.copyOfRange(((CpuStorage) t.storage()).floats(), o, o + t.numel());
    }
}
