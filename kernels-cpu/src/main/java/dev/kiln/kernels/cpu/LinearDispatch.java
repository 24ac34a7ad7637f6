package dev.kiln.kernels.cpu;

import static dev.kiln.kernels.cpu.HostArrays.GRAIN;
import static dev.kiln.kernels.cpu.HostArrays.GRAIN_HEAVY;
import static dev.kiln.kernels.cpu.HostArrays.REF;
import static dev.kiln.kernels.cpu.HostArrays.f;
import static dev.kiln.kernels.cpu.HostArrays.f32;
import static dev.kiln.kernels.cpu.HostArrays.fOrNull;
import static dev.kiln.kernels.cpu.HostArrays.off;
import static dev.kiln.kernels.cpu.HostArrays.rowGrain;

import dev.kiln.kernels.cpu.gemm.Dgemm;
import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.CpuStorage;

/**
 * CpuBackend's fused linear: the product x·weightᵀ by {@link Sgemm} (weight read transposed in
 * place, through its strides), then one pass over the rows that adds the bias and applies the
 * activation ({@link LinearKernels}); F64 by {@link Dgemm} and the F64 add and unary loops, the
 * other dtypes by the reference loops.
 */
final class LinearDispatch {
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
        // C(i, j) = Σ_p x(i, p)·W(j, p): A = x row-major, B(p, j) = w[j·k + p]
        Sgemm.sgemm(ca, co, n, f(x), x.offset(), k, 1, f(weight), weight.offset(), 1, k, rows, n, k);
        if (bias == null && act == null) {
            return;
        }
        float[] b = fOrNull(bias);
        int bo = off(bias);
        int yo = out.offset();
        int grain = act == null || act == UnaryOp.RELU ? GRAIN : GRAIN_HEAVY;
        Parallel.forRange(rows, rowGrain(n, grain), (r0, r1) ->
                LinearKernels.biasActivation(y, yo, ca, co, b, bo, act, r0, r1, n));
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
