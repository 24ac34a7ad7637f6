package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.spi.ScanOp;

/**
 * cumsum, cumprod, cummax, cummin and logcumsumexp along one dim (issue 15), on
 * {@link Backend#scan}; public for the derivative rules' helpers.
 */
public final class ScanOps {
    private ScanOps() {
    }

    /** cumsum, cumprod or logcumsumexp; BOOL and I32 scan into I32 (PyTorch: int64). */
    static Tensor scan(ScanOp op, Tensor x, int dim) {
        String name = op.opName();
        if (op == ScanOp.LOGCUMSUMEXP) {
            Dispatch.requireFloat(name, x);
        } else if (x.dtype() != DType.BOOL) {
            Dispatch.requireNumeric(name, x);
        }
        int d = Shapes.normalizeDim(name, dim, x.dim());
        DType dtype = x.dtype().isFloatingPoint() ? x.dtype() : DType.I32;
        Backend b = Dispatch.backend(name, x);
        Tensor xc = x.detach().to(dtype).contiguous();
        if (x.dim() == 0) {
            xc = xc.reshape(1);
        }
        Tensor out = Dispatch.empty(b, dtype, xc.shape(), x.device());
        if (out.numel() > 0) {
            b.scan(op, out, null, xc, d);
        }
        out = out.rawView(x.shape());
        if (!dtype.isFloatingPoint()) {
            return out;
        }
        Op rule = switch (op) {
            case CUMSUM -> new Op.Cumsum(d);
            case CUMPROD -> new Op.Cumprod(d);
            default -> new Op.Logcumsumexp(d);
        };
        return Dispatch.record(rule, out, x);
    }

    /**
     * cummax or cummin: the running extreme and the position it came from (the latest of equal
     * values; a NaN, once met, stays, as PyTorch). The values carry gradients as a gather at the
     * indices, which is the derivative PyTorch uses.
     */
    static ValuesIndices cumExtremum(ScanOp op, Tensor x, int dim) {
        String name = op.opName();
        Dispatch.requireNumeric(name, x);
        int d = Shapes.normalizeDim(name, dim, x.dim());
        if (x.dim() == 0) {
            return new ValuesIndices(x.clone(), Tensor.full(0, DType.I32, x.device()));
        }
        Backend b = Dispatch.backend(name, x);
        Tensor xc = x.detach().contiguous();
        Tensor values = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        Tensor indices = Dispatch.empty(b, DType.I32, x.shape(), x.device());
        if (x.numel() > 0) {
            b.scan(op, values, indices, xc, d);
        }
        if (Dispatch.wouldRecord(x)) {
            values = x.gather(d, indices); // the same values, now with a node
        }
        return new ValuesIndices(values, indices);
    }

    /**
     * The gradient of cumprod along dim: dx_i = Σ_{j≥i} g_j · Π_{k≤j, k≠i} x_k. Without zeros in x
     * that is revcumsum(g ⊙ y) / x; with zeros, a host loop runs the recurrence
     * r_i = g_i + x_{i+1}·r_{i+1}, dx_i = (Π_{k &lt; i} x_k)·r_i, which never divides (PyTorch's result).
     */
    public static Tensor cumprodBackward(Tensor x, Tensor y, Tensor g, int dim) {
        if (x.numel() == 0) {
            return Tensor.zeros(x.dtype(), x.shape()).to(x.device());
        }
        if (x.dim() == 0) {
            return g;
        }
        if (x.eq(0).any().item() == 0) {
            return reverseCumsum(g.mul(y), dim).div(x);
        }
        double[] xv = x.toDoubleArray();
        double[] gv = g.toDoubleArray();
        int[] shape = x.shape();
        int n = shape[dim];
        int inner = 1;
        for (int i = dim + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int outer = x.numel() / (n * inner);
        double[] dx = new double[xv.length];
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                int base = a * n * inner + c;
                double r = 0;
                for (int i = n - 1; i >= 0; i--) {
                    r = gv[base + i * inner] + (i + 1 < n ? xv[base + (i + 1) * inner] * r : 0);
                    dx[base + i * inner] = r;
                }
                double left = 1;
                for (int i = 0; i < n; i++) {
                    dx[base + i * inner] *= left;
                    left *= xv[base + i * inner];
                }
            }
        }
        return Tensor.of(dx, shape).to(x.dtype()).to(x.device());
    }

    /** Σ_{j≥i} g_j along dim: cumsum of the flipped tensor, flipped back. */
    public static Tensor reverseCumsum(Tensor g, int dim) {
        return g.flip(dim).cumsum(dim).flip(dim);
    }

    /**
     * The gradient of y = logcumsumexp(x) along dim: dx_i = Σ_{j≥i} g_j·exp(x_i − y_j), computed
     * in log space for the positive and the negative parts of g apart, as PyTorch does.
     */
    public static Tensor logcumsumexpBackward(Tensor x, Tensor y, Tensor g, int dim) {
        if (x.numel() == 0) {
            return Tensor.zeros(x.dtype(), x.shape()).to(x.device());
        }
        if (x.dim() == 0) {
            return g;
        }
        Tensor logAbs = g.abs().log();
        Tensor pos = Tensor.where(g.gt(0), logAbs, Double.NEGATIVE_INFINITY);
        Tensor neg = Tensor.where(g.lt(0), logAbs, Double.NEGATIVE_INFINITY);
        Tensor outPos = pos.sub(y).flip(dim).logcumsumexp(dim).flip(dim).add(x).exp();
        Tensor outNeg = neg.sub(y).flip(dim).logcumsumexp(dim).flip(dim).add(x).exp();
        return outPos.sub(outNeg);
    }
}
