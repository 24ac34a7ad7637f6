package dev.kiln.kernels.cpu;

import dev.kiln.tensor.UnaryOp;

/**
 * The epilogue of the fused linear (forward): per block of the product, the bias added in place and
 * the activation applied while the block is in cache, rather than a broadcast add and an activation
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
        biasActivation(out, oo, pre, po, bias, bo, act, r0, r1, 0, n, n);
    }

    /**
     * As above for columns [c0, c1) of rows [r0, r1) whose stride is n: the block of C that
     * {@link dev.kiln.kernels.cpu.gemm.Sgemm} has just finished, while it is in cache (the GEMM's
     * epilogue). Elementwise, so the same bits as the whole rows wherever c0 is a multiple of the
     * vector length (the vector loops then split each row where the whole-row loops would).
     */
    public static void biasActivation(float[] out, int oo, float[] pre, int po, float[] bias, int bo, UnaryOp act,
                                      int r0, int r1, int c0, int c1, int n) {
        int w = c1 - c0;
        for (int r = r0; r < r1; r++) {
            int p = po + r * n + c0;
            if (bias != null) {
                ElementwiseKernels.add(pre, p, pre, p, 1, bias, bo + c0, 1, w);
            }
            if (act != null) {
                ElementwiseKernels.unary(act, out, oo + r * n + c0, pre, p, w);
            }
        }
    }
}
