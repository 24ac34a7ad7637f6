package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/** matmul with PyTorch's rules: 1-D operands promoted and squeezed back, batch dims broadcast. */
final class MatmulOps {
    private MatmulOps() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul: both arguments need at least 1 dimension, got "
                    + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
        Dispatch.requireFloat("matmul", a);
        Dispatch.sameDType("matmul", a, b);
        Backend backend = Dispatch.backend("matmul", a, b);
        int ka = a.size(-1);
        int kb = b.dim() == 1 ? b.size(0) : b.size(-2);
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: cannot multiply " + Shapes.str(a.shape()) + " by "
                    + Shapes.str(b.shape()) + ": inner dimensions " + ka + " and " + kb + " differ");
        }
        Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
        Tensor b2 = b.dim() == 1 ? b.unsqueeze(-1) : b;
        int[] batchA = Arrays.copyOf(a2.shape(), a2.dim() - 2);
        int[] batchB = Arrays.copyOf(b2.shape(), b2.dim() - 2);
        int[] batch;
        try {
            batch = Shapes.broadcast("matmul", batchA, batchB);
        } catch (IllegalArgumentException e) {
            // the message should name the operands, not only their batch dims
            throw new IllegalArgumentException("matmul: cannot multiply " + Shapes.str(a.shape()) + " by "
                    + Shapes.str(b.shape()) + ": batch dims " + Shapes.str(batchA) + " and " + Shapes.str(batchB)
                    + " do not broadcast", e);
        }
        int m = a2.size(-2);
        int n = b2.size(-1);
        // the operands are expanded to the batch shape as views, so those shapes must be valid too
        Shapes.checkShape("matmul", concat(batch, m, ka));
        Shapes.checkShape("matmul", concat(batch, ka, n));
        Shapes.checkShape("matmul", concat(batch, m, n));
        Tensor ae = a2.expand(concat(batch, m, ka));
        Tensor be = b2.expand(concat(batch, ka, n));
        Tensor out = Dispatch.empty(backend, a.dtype(), concat(batch, m, n), a.device());
        backend.matmul(out, ae, be);
        out = Dispatch.record(new Op.Matmul(), out, ae, be);
        if (a.dim() == 1) {
            out = out.squeeze(-2);
        }
        if (b.dim() == 1) {
            out = out.squeeze(-1);
        }
        return out;
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
