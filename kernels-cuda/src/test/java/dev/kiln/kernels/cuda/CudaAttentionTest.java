package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * Fused softmax and linear attention, forward and backward, against plain double loops over the
 * formulas. Shapes: several heads and batches, grouped-query heads, Tq ≠ Tk with the
 * end-aligned causal mask, rows that see no key, head dims up to 256, [B, T, H, D] data viewed as
 * [B, H, T, D]. Skipped without a GPU.
 */
class CudaAttentionTest extends GpuTesting {
    private static final int[][] ALL_SHAPES = {
        // B, H, Hkv, Tq, Tk, D, Dv
        {1, 1, 1, 1, 1, 1, 1}, {2, 3, 3, 17, 17, 8, 8}, {2, 4, 2, 33, 33, 64, 64}, {1, 2, 1, 5, 40, 16, 24},
        {1, 2, 2, 40, 5, 16, 16}, {1, 1, 1, 70, 70, 256, 128}, {2, 8, 8, 128, 128, 64, 64}};
    /** The quick emulator run leaves out the two largest (most of the minutes there); the kernels are the same. */
    private static final int[][] SHAPES = QUICK ? java.util.Arrays.copyOf(ALL_SHAPES, 5) : ALL_SHAPES;

    /** q, k, v (and dout) as [B, T, H, D] data viewed as [B, H, T, D], like a fused QKV projection's output. */
    private Tensor bthd(DType t, int b, int h, int tt, int d) {
        return randn(t, b, tt, h, d).transpose(1, 2);
    }

    @Test
    void softmaxAttentionForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-4, 1e-5), new Tol(1e-10, 1e-12));
            for (int[] s : SHAPES) {
                for (boolean causal : new boolean[] {false, true}) {
                    Tensor q = bthd(t, s[0], s[1], s[3], s[5]);
                    Tensor k = bthd(t, s[0], s[2], s[4], s[5]);
                    Tensor v = bthd(t, s[0], s[2], s[4], s[6]);
                    Tensor g = bthd(t, s[0], s[1], s[3], s[6]);
                    double scale = 1 / Math.sqrt(s[5]);
                    String what = "sdpa " + t + " " + java.util.Arrays.toString(s) + (causal ? " causal" : "");
                    AttentionReference ref = new AttentionReference(q, k, v, g, causal, scale, false, 0);
                    Tensor out = Tensor.full(0, t, GPU, s[0], s[1], s[3], s[6]);
                    Tensor lse = Tensor.full(0, t, GPU, s[0], s[1], s[3]);
                    CUDA.scaledDotProductAttention(out, lse, q.to(GPU), k.to(GPU), v.to(GPU), null, causal, scale);
                    assertClose(what + " out", tol, ref.out, out.to(CPU));
                    assertClose(what + " lse", tol, ref.stat, lse.to(CPU));
                    Tensor dq = Tensor.full(0, t, GPU, q.shape());
                    Tensor dk = Tensor.full(0, t, GPU, k.shape());
                    Tensor dv = Tensor.full(0, t, GPU, v.shape());
                    CUDA.scaledDotProductAttentionBackward(dq, dk, dv, null, g.to(GPU), q.to(GPU), k.to(GPU), v.to(GPU),
                            null, out, lse, causal, scale);
                    assertClose(what + " dq", tol, ref.dq, dq.to(CPU));
                    assertClose(what + " dk", tol, ref.dk, dk.to(CPU));
                    assertClose(what + " dv", tol, ref.dv, dv.to(CPU));
                }
            }
        }
    }

    @Test
    void linearAttentionForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-3, 1e-4), new Tol(1e-9, 1e-11));
            for (int[] s : SHAPES) {
                if (s[1] != s[2]) {
                    continue;  // linear attention takes equal heads
                }
                for (boolean causal : new boolean[] {false, true}) {
                    // positive features (as elu + 1 would give) keep the denominators away from 0
                    Tensor q = bthd(t, s[0], s[1], s[3], s[5]).abs().add(0.1);
                    Tensor k = bthd(t, s[0], s[2], s[4], s[5]).abs().add(0.1);
                    Tensor v = bthd(t, s[0], s[2], s[4], s[6]);
                    Tensor g = bthd(t, s[0], s[1], s[3], s[6]);
                    String what = "linear " + t + " " + java.util.Arrays.toString(s) + (causal ? " causal" : "");
                    AttentionReference ref = new AttentionReference(q, k, v, g, causal, 1, true, 1e-6);
                    Tensor out = Tensor.full(0, t, GPU, s[0], s[1], s[3], s[6]);
                    CUDA.linearAttention(out, q.to(GPU), k.to(GPU), v.to(GPU), causal, 1e-6);
                    assertClose(what + " out", tol, ref.out, out.to(CPU));
                    Tensor dq = Tensor.full(0, t, GPU, q.shape());
                    Tensor dk = Tensor.full(0, t, GPU, k.shape());
                    Tensor dv = Tensor.full(0, t, GPU, v.shape());
                    CUDA.linearAttentionBackward(dq, dk, dv, g.to(GPU), q.to(GPU), k.to(GPU), v.to(GPU), causal, 1e-6);
                    assertClose(what + " dq", tol, ref.dq, dq.to(CPU));
                    assertClose(what + " dk", tol, ref.dk, dk.to(CPU));
                    assertClose(what + " dv", tol, ref.dv, dv.to(CPU));
                }
            }
        }
    }
}
