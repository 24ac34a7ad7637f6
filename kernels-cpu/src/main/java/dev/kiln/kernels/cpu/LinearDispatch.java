package dev.kiln.kernels.cpu;

import static dev.kiln.kernels.cpu.HostArrays.GRAIN;
import static dev.kiln.kernels.cpu.HostArrays.GRAIN_HEAVY;
import static dev.kiln.kernels.cpu.HostArrays.REF;
import static dev.kiln.kernels.cpu.HostArrays.f;
import static dev.kiln.kernels.cpu.HostArrays.f32;
import static dev.kiln.kernels.cpu.HostArrays.fOrNull;
import static dev.kiln.kernels.cpu.HostArrays.off;
import static dev.kiln.kernels.cpu.HostArrays.rowGrain;

import dev.kiln.kernels.cpu.gemm.Blocking;
import dev.kiln.kernels.cpu.gemm.CpuInfo;
import dev.kiln.kernels.cpu.gemm.Dgemm;
import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.kernels.cpu.gemm.SgemmPlan;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.CpuStorage;

/**
 * CpuBackend's fused linear: the product x·weightᵀ by {@link Sgemm} (weight read transposed in
 * place, through its strides), whose epilogue adds the bias and applies the activation
 * ({@link LinearKernels}) to each block of the product as the GEMM finishes it (or one pass over
 * the rows after it, where the blocks are too large to stay in L2: {@link #inGemm}); F64 by {@link Dgemm} and the F64 add and unary loops, the
 * other dtypes by the reference loops.
 */
final class LinearDispatch {
    /**
     * {@code -Dkiln.linear.epilogue=true|false} forces the bias and activation into Sgemm's epilogue or
     * into one pass over the rows after the product (for A/B runs); unset, {@link #inGemm} decides.
     * The bits are the same either way.
     */
    private static final String FORCE_EPILOGUE = System.getProperty("kiln.linear.epilogue");

    private LinearDispatch() {
    }

    static void linear(Tensor out, Tensor pre, Tensor x, Tensor weight, Tensor bias, UnaryOp act) {
        int n = weight.shape()[0];
        int k = weight.shape()[1];
        int rows = n == 0 ? 0 : out.numel() / n;
        if (x.dtype() == DType.F64) {
            f64(out, pre, x, weight, bias, act, rows, n, k);
            return;
        }
        if (!f32(out, pre, x, weight, bias)) {
            REF.linear(out, pre, x, weight, bias, act);
            return;
        }
        if (rows == 0 || n == 0) {
            return;
        }
        float[] y = f(out);
        Tensor c = act == null ? out : pre;
        float[] ca = f(c);
        int co = c.offset();
        float[] b = fOrNull(bias);
        int bo = off(bias);
        int yo = out.offset();
        boolean epilogue = bias != null || act != null;
        boolean inGemm = epilogue && inGemm(n);
        // C(i, j) = Σ_p x(i, p)·W(j, p): A = x row-major, B(p, j) = w[j·k + p]
        Sgemm.sgemm(ca, co, n, f(x), x.offset(), k, 1, f(weight), weight.offset(), 1, k, rows, n, k,
                inGemm ? (r0, r1, c0, c1) ->
                        LinearKernels.biasActivation(y, yo, ca, co, b, bo, act, r0, r1, c0, c1, n) : null);
        if (!epilogue || inGemm) {
            return;
        }
        int grain = act == null || act == UnaryOp.RELU ? GRAIN : GRAIN_HEAVY;
        Parallel.forRange(rows, rowGrain(n, grain), (r0, r1) ->
                LinearKernels.biasActivation(y, yo, ca, co, b, bo, act, r0, r1, n));
    }

    /**
     * Whether the epilogue runs inside the GEMM for an output n wide: where a finished block of C
     * (mc rows of up to nc columns) fits in half of L2, so the epilogue finds it there. With larger
     * blocks (AVX-512's 252-row blocks of GPT's 1024-wide fc1: 1 MiB) it measured 2% slower than the
     * pass after the product (one thread, thread CPU time, alternating JVMs, loaded); with AVX2's
     * 128-row blocks, the same or faster.
     */
    static boolean inGemm(int n) {
        if (FORCE_EPILOGUE != null) {
            return !"false".equals(FORCE_EPILOGUE);
        }
        Blocking b = SgemmPlan.active().blocking();
        return (long) b.mc() * Math.min(n, b.nc()) * Float.BYTES <= CpuInfo.current().l2() / 2;
    }

    /** F64: the product by {@link Dgemm}, then the bias and the activation as the F64 add and unary ops compute them. */
    private static void f64(Tensor out, Tensor pre, Tensor x, Tensor weight, Tensor bias, UnaryOp act, int rows, int n,
                            int k) {
        if (rows == 0 || n == 0) {
            return;
        }
        Tensor c = act == null ? out : pre;
        Dgemm.dgemm(d(c), c.offset(), n, d(x), x.offset(), k, 1, d(weight), weight.offset(), 1, k, rows, n, k,
                Parallel.threads());
        if (bias != null) {
            REF.binary(BinaryOp.ADD, c, c, bias.expand(c.shape()));
        }
        if (act != null) {
            REF.unary(act, out, c);
        }
    }

    private static double[] d(Tensor t) {
        return ((CpuStorage) t.storage()).doubles();
    }
}
