package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's attention ops onto {@link AttentionKernels}; F64 goes to the reference loops.
 */
final class AttentionDispatch {
    private AttentionDispatch() {
    }

    static void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor mask,
                                          boolean isCausal, double scale) {
        if (q.dtype() != DType.F32) {
            REF.scaledDotProductAttention(out, lse, q, k, v, mask, isCausal, scale);
            return;
        }
        AttentionKernels.scaledDotProductAttention(out, lse, q, k, v, mask, isCausal, scale);
    }

    static void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dmask, Tensor dout, Tensor q,
                                                  Tensor k, Tensor v, Tensor mask, Tensor out, Tensor lse,
                                                  boolean isCausal, double scale) {
        if (q.dtype() != DType.F32) {
            REF.scaledDotProductAttentionBackward(dq, dk, dv, dmask, dout, q, k, v, mask, out, lse, isCausal, scale);
            return;
        }
        AttentionKernels.scaledDotProductAttentionBackward(dq, dk, dv, dmask, dout, q, k, v, mask, out, lse, isCausal,
                scale);
    }

    static void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean isCausal, double eps) {
        if (q.dtype() != DType.F32) {
            REF.linearAttention(out, q, k, v, isCausal, eps);
            return;
        }
        AttentionKernels.linearAttention(out, q, k, v, isCausal, eps);
    }

    static void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                        boolean isCausal, double eps) {
        if (q.dtype() != DType.F32) {
            REF.linearAttentionBackward(dq, dk, dv, dout, q, k, v, isCausal, eps);
            return;
        }
        AttentionKernels.linearAttentionBackward(dq, dk, dv, dout, q, k, v, isCausal, eps);
    }
}
