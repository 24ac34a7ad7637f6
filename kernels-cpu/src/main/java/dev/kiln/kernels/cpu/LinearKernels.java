package dev.kiln.kernels.cpu;

import dev.kiln.tensor.UnaryOp;

/**
 * The epilogue of the fused linear (forward): per row of the product, the bias added in place and
 * the activation applied while the row is in L1, rather than a broadcast add and an activation
 * each passing over the whole [rows, out] tensor. The backward is tensor ops (two products, the
 * activation's fused backward and a column sum), so it needs no kernel here.
 */
public final class LinearKernels {
    private LinearKernels() {
    }

    /**
     * For rows [r0, r1) of n columns: pre[r] += bias (when bias is not null), then out[r] = act(pre[r])
     * (when act is not null; act must satisfy {@link ElementwiseKernels#hasUnary}). The same
     * operations as add then the activation's kernel, so the same bits.
     */
    public static void biasActivation(float[] out, int oo, float[] pre, int po, float[] bias, int bo, UnaryOp act,
                                      int r0, int r1, int n) {
        for (int r = r0; r < r1; r++) {
            int p = po + r * n;
            if (bias != null) {
                ElementwiseKernels.add(pre, p, pre, p, 1, bias, bo, 1, n);
            }
            if (act != null) {
                ElementwiseKernels.unary(act, out, oo + r * n, pre, p, n);
            }
        }
    }
}
