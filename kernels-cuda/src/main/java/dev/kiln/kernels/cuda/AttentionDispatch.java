package dev.kiln.kernels.cuda;

import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's attention ops: the kernels of attention.cu (q [B, H, Tq, D], k [B, Hkv, Tk, D], v
 * [B, Hkv, Tk, Dv], unit stride in the last dim, end-aligned causal masks, an optional attention
 * mask read in place through its strides, lse saved for the backward).
 */
final class AttentionDispatch {
    private AttentionDispatch() {
    }

    private static final int ATT_SOFTMAX = 0;
    private static final int ATT_LINEAR = 1;

    /** out = softmax(q·kᵀ·scale + mask)·v per head, lse [B, H, Tq] saved (−∞ for a row that sees no key). */
    static void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor mask,
                                          boolean isCausal, double scale) {
        attentionForward("scaledDotProductAttention", ATT_SOFTMAX, scale, out, lse, q, k, v, mask, isCausal);
    }

    /**
     * dq, dk, dv of {@link #scaledDotProductAttention} from dout and the forward's out and lse, the
     * same mask; dmask (null for none) receives dS.
     */
    static void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dmask, Tensor dout, Tensor q,
                                                  Tensor k, Tensor v, Tensor mask, Tensor out, Tensor lse,
                                                  boolean isCausal, double scale) {
        attentionBackward("scaledDotProductAttentionBackward", ATT_SOFTMAX, scale, dq, dk, dv, dmask, dout, q, k, v,
                mask, out, lse, isCausal);
    }

    /** Normalised linear attention: out_i = Σ_j (q_i·k_j) v_j / (eps + Σ_j q_i·k_j) over the keys query i sees. */
    static void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean isCausal, double eps) {
        CudaDevice d = dev(out);
        Tensor den = scratchTensor(d, q.dtype(), q.size(0), q.size(1), q.size(2));
        try {
            attentionForward("linearAttention", ATT_LINEAR, eps, out, den, q, k, v, null, isCausal);
        } finally {
            ((CudaStorage) den.storage()).close();
        }
    }

    /** The gradients of {@link #linearAttention}: the forward is rerun for out and the denominators. */
    static void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                        boolean isCausal, double eps) {
        CudaDevice d = dev(dq);
        Tensor out = scratchTensor(d, q.dtype(), q.size(0), q.size(1), q.size(2), v.size(3));
        Tensor den = scratchTensor(d, q.dtype(), q.size(0), q.size(1), q.size(2));
        try {
            attentionForward("linearAttentionBackward", ATT_LINEAR, eps, out, den, q, k, v, null, isCausal);
            attentionBackward("linearAttentionBackward", ATT_LINEAR, 1.0, dq, dk, dv, null, dout, q, k, v, null, out, den,
                    isCausal);
        } finally {
            ((CudaStorage) out.storage()).close();
            ((CudaStorage) den.storage()).close();
        }
    }

    private static void attentionForward(String op, int mode, double scaleOrEps, Tensor out, Tensor rowstat, Tensor q,
                                         Tensor k, Tensor v, Tensor mask, boolean causal) {
        AttentionShape s = new AttentionShape(op, q, k, v, null, mask, causal);
        if (out.numel() == 0 && rowstat.numel() == 0) {
            return;
        }
        int es = q.dtype().byteSize();
        dev(out).launch(Kernels.ATTENTION_FORWARD, sfx(q), s.b * s.h, (int) ceilDiv(s.tq, AttentionShape.ROWS), 1, 256,
                s.forwardSmem(es), new Args().attnShape(s.pack()).i(mode).d(scaleOrEps).ptr(ptr(out)).ptr(ptr(rowstat))
                        .ptr(ptr(q)).ptr(ptr(k)).ptr(ptr(v)).ptr(ptrOrNull(mask)));
    }

    private static void attentionBackward(String op, int mode, double scale, Tensor dq, Tensor dk, Tensor dv,
                                          Tensor dmask, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor mask,
                                          Tensor out, Tensor rowstat, boolean causal) {
        AttentionShape s = new AttentionShape(op, q, k, v, dout, mask, causal);
        CudaDevice d = dev(dq);
        int es = q.dtype().byteSize();
        String sf = sfx(q);
        long rows = (long) s.b * s.h * s.tq;
        CachingAllocator.Block di = d.scratch(Math.max(1, rows) * es);
        try {
            d.launch(Kernels.ATTENTION_ROWDOT, sf, (int) ceilDiv(rows, AttentionShape.ROWS), 1, 1, 256, 0,
                    new Args().attnShape(s.pack()).ptr(di.address()).ptr(ptr(dout)).ptr(ptr(out)));
            d.launch(Kernels.ATTENTION_DQ, sf, s.b * s.h, (int) ceilDiv(s.tq, AttentionShape.ROWS), 1, 256,
                    s.dqSmem(es), new Args().attnShape(s.pack()).i(mode).d(scale).ptr(ptr(dq)).ptr(ptr(q)).ptr(ptr(k))
                            .ptr(ptr(v)).ptr(ptr(dout)).ptr(ptr(rowstat)).ptr(di.address()).ptr(ptrOrNull(mask))
                            .ptr(ptrOrNull(dmask)));
            d.launch(Kernels.ATTENTION_DKDV, sf, s.b * s.hkv, (int) ceilDiv(s.tk, AttentionShape.ROWS), 1, 256,
                    s.dkdvSmem(es), new Args().attnShape(s.pack()).i(mode).d(scale).ptr(ptr(dk)).ptr(ptr(dv))
                            .ptr(ptr(q)).ptr(ptr(k)).ptr(ptr(v)).ptr(ptr(dout)).ptr(ptr(rowstat)).ptr(di.address())
                            .ptr(ptrOrNull(mask)));
        } finally {
            d.release(di);
        }
    }
}
