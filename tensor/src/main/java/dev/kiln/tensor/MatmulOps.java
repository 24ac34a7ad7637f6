package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * matmul with PyTorch's rules: 1-D operands promoted and squeezed back, batch dims broadcast; and
 * F.linear with an optional activation as one op.
 */
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
        Tensor out = Dispatch.uninitialized(backend, a.dtype(), concat(batch, m, n), a.device());
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

    /** The activations {@link #linear} fuses: those whose derivative reads the pre-activation only. */
    static final Set<UnaryOp> LINEAR_ACTIVATIONS = EnumSet.of(UnaryOp.RELU, UnaryOp.GELU, UnaryOp.GELU_TANH,
            UnaryOp.SILU);

    static Tensor linear(Tensor x, Tensor weight, Tensor bias, UnaryOp act) {
        String op = "linear";
        if (weight.dim() != 2) {
            throw new IllegalArgumentException(op + ": weight must be 2-D [out, in], got " + Shapes.str(weight.shape()));
        }
        if (x.dim() == 0) {
            throw new IllegalArgumentException(op + ": input must have at least 1 dimension (its last is the "
                    + weight.size(1) + " features), got a 0-d tensor");
        }
        Dispatch.requireFloat(op, x);
        Dispatch.sameDType(op, x, weight);
        int in = weight.size(1);
        int outFeatures = weight.size(0);
        if (x.size(-1) != in) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " has " + x.size(-1)
                    + " features but weight " + Shapes.str(weight.shape()) + " takes " + in);
        }
        if (bias != null) {
            Dispatch.sameDType(op, weight, bias);
            if (bias.dim() != 1 || bias.size(0) != outFeatures) {
                throw new IllegalArgumentException(op + ": bias must be [" + outFeatures + "] for weight "
                        + Shapes.str(weight.shape()) + ", got " + Shapes.str(bias.shape()));
            }
        }
        if (act != null && !LINEAR_ACTIVATIONS.contains(act)) {
            throw new IllegalArgumentException(op + ": activation " + act + " is not fused; use one of "
                    + LINEAR_ACTIVATIONS + " or apply it after linear");
        }
        Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
        Backend backend = Dispatch.backend(op, inputs);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outFeatures;
        Shapes.checkShape(op, outShape);
        int rows = Shapes.numel(Arrays.copyOf(x.shape(), x.dim() - 1));
        Tensor x2 = x.dim() == 2 ? x : x.reshape(rows, in); // recorded: the gradient goes back to x's shape
        Tensor out = Dispatch.uninitialized(backend, x.dtype(), new int[] {rows, outFeatures}, x.device());
        Tensor pre = act == null ? null : Dispatch.uninitialized(backend, x.dtype(), new int[] {rows, outFeatures}, x.device());
        backend.linear(out, pre, x2.contiguous().detach(), weight.contiguous().detach(),
                bias == null ? null : bias.contiguous().detach(), act);
        inputs[0] = x2;
        out = Dispatch.record(new Op.Linear(act, pre), out, inputs);
        return x.dim() == 2 ? out : out.reshape(outShape);
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
