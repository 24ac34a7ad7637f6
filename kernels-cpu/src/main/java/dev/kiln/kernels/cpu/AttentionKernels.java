package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.Tensor;

/**
 * Fused attention kernels for F32 host tensors: the tensor-facing entry points of CpuBackend's
 * attention ops, and the operand view they share. The work is done by
 * <ul>
 *   <li>{@link SdpaForward}: scaled dot-product attention, FlashAttention 2's forward (online softmax
 *       over key tiles with the register-tiled pieces of {@link AttentionTiles}; an attention mask is
 *       applied to each score tile as it is made, read in place; nothing of size Tq×Tk is
 *       allocated), saving the log-sum-exp per row;</li>
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

    /**
     * A [B, H, Tq, Tk] attention mask read in place through its strides (0 on broadcast dims): a float
     * mask {@code add} added to the scores, or a BOOL mask {@code keep} that hides the keys where it is 0.
     */
    public record Mask(float[] add, byte[] keep, int off, int sb, int sh, int si, int sj) {
        /** The offset of the mask's entry for query i, key 0, of head h of batch b. */
        int row(int b, int h, int i) {
            return off + b * sb + h * sh + i * si;
        }

        /** The mask of a [B, H, Tq, Tk] view, or null for none. */
        static Mask of(Tensor t) {
            if (t == null) {
                return null;
            }
            int[] s = t.strides();
            CpuStorage st = (CpuStorage) t.storage();
            boolean bool = t.dtype() == DType.BOOL;
            return new Mask(bool ? null : st.floats(), bool ? st.bools() : null, t.offset(), s[0], s[1], s[2], s[3]);
        }
    }

    public static void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor mask,
                                                 boolean causal, double scale) {
        SdpaForward.run(floats(out), out.offset(), floats(lse), lse.offset(), Operand.of(q), Operand.of(k),
                Operand.of(v), Mask.of(mask), q.size(0), q.size(1), k.size(1), q.size(2), k.size(2), q.size(3),
                v.size(3), causal, (float) scale);
    }

    public static void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dmask, Tensor dout,
                                                         Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out,
                                                         Tensor lse, boolean causal, double scale) {
        SdpaBackward.run(floats(dq), floats(dk), floats(dv), dmask == null ? null : floats(dmask),
                dmask == null ? 0 : dmask.offset(), Operand.of(dout), Operand.of(q), Operand.of(k), Operand.of(v),
                Mask.of(mask), floats(out), out.offset(), floats(lse), lse.offset(), q.size(0), q.size(1), k.size(1),
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
