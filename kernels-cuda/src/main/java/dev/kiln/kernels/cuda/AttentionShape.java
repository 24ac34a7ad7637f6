package dev.kiln.kernels.cuda;

import dev.kiln.tensor.Tensor;

/**
 * The {@code AttnShape} struct of attention.cu: batch, heads, key heads, sequence lengths, head
 * dims, the causal flag, the (batch, head, time) strides of q, k, v and dout (their last dim
 * has unit stride, as the Backend contract promises), and the kind of mask with its (batch, head,
 * query, key) strides.
 */
final class AttentionShape {
    static final int INTS = 25;
    /** The mask kinds, as KILN_ATT_MASK_NONE, _BOOL and _ADD. */
    static final int MASK_NONE = 0;
    static final int MASK_BOOL = 1;
    static final int MASK_ADD = 2;
    /** Kernels keep 8 values of a row per lane: head dims up to 32·8. */
    static final int MAX_HEAD_DIM = 256;
    /** Rows per block and keys per tile, as KILN_ATT_ROWS and KILN_ATT_TILE. */
    static final int ROWS = 8;
    static final int TILE = 32;

    final int b;
    final int h;
    final int hkv;
    final int tq;
    final int tk;
    final int d;
    final int dv;
    private final int[] packed;

    /** mask: null, or a [B, H, Tq, Tk] view, BOOL or of q's dtype, with any strides. */
    AttentionShape(String op, Tensor q, Tensor k, Tensor v, Tensor dout, Tensor mask, boolean causal) {
        b = q.size(0);
        h = q.size(1);
        tq = q.size(2);
        d = q.size(3);
        hkv = k.size(1);
        tk = k.size(2);
        dv = v.size(3);
        if (d > MAX_HEAD_DIM || dv > MAX_HEAD_DIM) {
            throw new IllegalArgumentException(op + ": the CUDA kernels take head dims up to " + MAX_HEAD_DIM + ", got q "
                    + java.util.Arrays.toString(q.shape()) + " and v " + java.util.Arrays.toString(v.shape()));
        }
        for (Tensor t : new Tensor[] {q, k, v, dout}) {
            if (t != null && t.size(3) > 1 && t.strides()[3] != 1) {
                throw new IllegalArgumentException(op + ": q, k, v and dout need unit stride in their last dim");
            }
        }
        packed = new int[INTS];
        int[] head = {b, h, hkv, tq, tk, d, dv, causal ? 1 : 0};
        System.arraycopy(head, 0, packed, 0, head.length);
        Tensor[] ts = {q, k, v, dout};
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] != null) {
                int[] s = ts[i].strides();
                System.arraycopy(s, 0, packed, 8 + 3 * i, 3);
            }
        }
        if (mask != null) {
            packed[20] = mask.dtype() == dev.kiln.tensor.DType.BOOL ? MASK_BOOL : MASK_ADD;
            System.arraycopy(mask.strides(), 0, packed, 21, 4);
        }
    }

    int[] pack() {
        return packed.clone();
    }

    /** Dynamic shared memory of the forward kernel. */
    int forwardSmem(int elemBytes) {
        return (TILE * (d + 1) + TILE * (dv + 1) + ROWS * d) * elemBytes;
    }

    int dqSmem(int elemBytes) {
        return (TILE * (d + 1) + TILE * (dv + 1) + ROWS * d + ROWS * dv) * elemBytes;
    }

    int dkdvSmem(int elemBytes) {
        return (TILE * (d + 1) + TILE * (dv + 1) + ROWS * d + ROWS * dv + 2 * TILE) * elemBytes;
    }
}
