package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.Tensor;

/**
 * Fused attention kernels for F32 host tensors: the tensor-facing entry points of CpuBackend's
 * attention ops, and the operand view they share. The work is done by
 * <ul>
 *   <li>{@link SdpaForward}: scaled dot-product attention, FlashAttention 2's forward (online softmax
 *       over key tiles with the register-tiled pieces of {@link AttentionTiles}; nothing of size
 *       Tq×Tk is allocated), saving the log-sum-exp per row;</li>
 *   <li>{@link SdpaBackward}: its backward, recomputing P tile by tile from that log-sum-exp, with
 *       the micro-kernels of {@link AttentionBackwardTiles};</li>
 *   <li>{@link LinearAttentionKernels}: linear attention in the prefix-sum form, forward and backward;</li>
 *   <li>{@link AttentionRows}: the row-wise vector helpers and task sizing they share.</li>
 * </ul>
 * All arithmetic is fp32; {@link Simd#ENABLED} false leaves only the scalar loops.
 */
public final class AttentionKernels {
    private AttentionKernels() {
    }

    /** A [B, H, T, D] operand: storage, offset and the strides of B, H and T (D has stride 1). */
    public record Operand(float[] a, int off, int sb, int sh, int st) {
        /** The offset of row t of head h of batch b. */
        int row(int b, int h, int t) {
            return off + b * sb + h * sh + t * st;
        }

        static Operand of(Tensor t) {
            int[] s = t.strides();
            return new Operand(((CpuStorage) t.storage()).floats(), t.offset(), s[0], s[1], s[2]);
        }
    }

    public static void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v,
                                                 boolean causal, double scale) {
        SdpaForward.run(floats(out), out.offset(), floats(lse), lse.offset(), Operand.of(q), Operand.of(k),
                Operand.of(v), q.size(0), q.size(1), k.size(1), q.size(2), k.size(2), q.size(3), v.size(3), causal,
                (float) scale);
    }

    public static void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q,
                                                         Tensor k, Tensor v, Tensor out, Tensor lse, boolean causal,
                                                         double scale) {
        SdpaBackward.run(floats(dq), floats(dk), floats(dv), Operand.of(dout), Operand.of(q), Operand.of(k),
                Operand.of(v), floats(out), out.offset(), floats(lse), lse.offset(), q.size(0), q.size(1), k.size(1),
                q.size(2), k.size(2), q.size(3), v.size(3), causal, (float) scale);
    }

    public static void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean causal, double eps) {
        LinearAttentionKernels.forward(floats(out), out.offset(), Operand.of(q), Operand.of(k), Operand.of(v),
                q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), v.size(3), causal, (float) eps);
    }

    public static void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k,
                                               Tensor v, boolean causal, double eps) {
        LinearAttentionKernels.backward(floats(dq), floats(dk), floats(dv), Operand.of(dout), Operand.of(q),
                Operand.of(k), Operand.of(v), q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), v.size(3), causal,
                (float) eps);
    }

    private static float[] floats(Tensor t) {
        return ((CpuStorage) t.storage()).floats();
    }
}
