package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.spi.ReduceOp;

/**
 * sum, mean, max, min, argmax, argmin and var over any set of dims; prod, logsumexp, std,
 * varMean/stdMean, any/all, vectorNorm, aminmax and countNonzero (issue 15).
 */
final class ReduceOps {
    private ReduceOps() {
    }

    static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        int[] d = Shapes.normalizeDims("sum", dims, x.dim());
        Backend b = Dispatch.backend("sum", x);
        // PyTorch sums every integer type in int64; Kiln in I32 (its index and count type), I64 in I64
        DType dtype = x.dtype() == DType.BOOL || x.dtype() == DType.I8 || x.dtype() == DType.U8 ? DType.I32 : x.dtype();
        Tensor out = Dispatch.empty(b, dtype, Shapes.reducedShape(x.shape(), d, true), x.device());
        b.reduce(ReduceOp.SUM, out, x, d);
        if (!keepDim) {
            out = out.rawView(Shapes.reducedShape(x.shape(), d, false));
        }
        return Dispatch.record(new Op.Sum(d, keepDim), out, x);
    }

    static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        Dispatch.requireFloat("mean", x);
        int[] d = Shapes.normalizeDims("mean", dims, x.dim());
        return sum(x, d, keepDim).div(count(x, d));
    }

    static Tensor extremum(ReduceOp op, Tensor x, int[] dims, boolean keepDim) {
        String name = op.opName();
        if (x.dtype() == DType.BOOL) {
            // PyTorch's max/min of BOOL are all/any by another name; the backends reduce numeric dtypes
            return extremum(op, x.to(DType.I32), dims, keepDim).ne(0L);
        }
        Dispatch.requireNumeric(name, x);
        int[] d = Shapes.normalizeDims(name, dims, x.dim());
        for (int dim : d) {
            if (x.size(dim) == 0) {
                throw new IllegalArgumentException(name + ": cannot reduce over dim " + dim + " of size 0 in "
                        + Shapes.str(x.shape()) + " (the reduction has no identity)");
            }
        }
        if (x.numel() == 0 && d.length == 0) {
            throw new IllegalArgumentException(name + ": cannot reduce an empty tensor " + Shapes.str(x.shape()));
        }
        Backend b = Dispatch.backend(name, x);
        Tensor out = Dispatch.empty(b, x.dtype(), Shapes.reducedShape(x.shape(), d, true), x.device());
        b.reduce(op, out, x, d);
        if (!keepDim) {
            out = out.rawView(Shapes.reducedShape(x.shape(), d, false));
        }
        return Dispatch.record(new Op.Extremum(op, d, keepDim), out, x);
    }

    /** argmax/argmin over one dim, or over the flattened tensor when dim is null. */
    static Tensor argReduce(ReduceOp op, Tensor x, Integer dim, boolean keepDim) {
        String name = op == ReduceOp.MAX ? "argmax" : "argmin";
        Dispatch.requireNumeric(name, x);
        if (dim == null) {
            if (x.numel() == 0) {
                throw new IllegalArgumentException(name + ": cannot reduce an empty tensor " + Shapes.str(x.shape()));
            }
            Tensor flat = argReduce(op, x.reshape(-1), 0, false);
            return keepDim ? flat.rawView(ones(x.dim())) : flat;
        }
        int d = Shapes.normalizeDim(name, dim, x.dim());
        if (x.dim() == 0) {
            return Tensor.full(0, DType.I32, x.device());
        }
        if (x.size(d) == 0) {
            throw new IllegalArgumentException(name + ": cannot reduce over dim " + d + " of size 0 in "
                    + Shapes.str(x.shape()));
        }
        Backend b = Dispatch.backend(name, x);
        Tensor out = Dispatch.empty(b, DType.I32, Shapes.reducedShape(x.shape(), new int[] {d}, true), x.device());
        b.argReduce(op, out, x, d);
        return keepDim ? out : out.rawView(Shapes.reducedShape(x.shape(), new int[] {d}, false));
    }

    /** var with Bessel's correction by default (PyTorch's correction=1), two-pass for accuracy. */
    static Tensor var(Tensor x, int[] dims, int correction, boolean keepDim) {
        Dispatch.requireFloat("var", x);
        if (correction < 0) {
            throw new IllegalArgumentException("var: correction must be >= 0, got " + correction);
        }
        int[] d = Shapes.normalizeDims("var", dims, x.dim());
        // through ReduceOps, not Tensor.mean/sum, which refuse an empty dims array (all dims of a 0-d tensor)
        Tensor centered = x.sub(mean(x, d, true));
        double n = count(x, d);
        return sum(centered.mul(centered), d, keepDim).div(Math.max(n - correction, 0));
    }

    // ------------------------------------------------------------------ issue 15's reductions

    /** prod over one dim, or over all elements when dim is null; BOOL, I8, U8 and I32 give I32, I64 gives I64 (PyTorch: int64). */
    static Tensor prod(Tensor x, Integer dim, boolean keepDim) {
        if (x.dtype() != DType.BOOL) {
            Dispatch.requireNumeric("prod", x);
        }
        Backend b = Dispatch.backend("prod", x);
        DType dtype = x.dtype().isFloatingPoint() || x.dtype() == DType.I64 ? x.dtype() : DType.I32;
        Tensor xc = x.detach().to(dtype).contiguous();
        int[] outShape;
        int d;
        if (dim == null) {
            xc = xc.reshape(-1);
            d = 0;
            outShape = keepDim ? ones(x.dim()) : new int[0];
        } else {
            d = Shapes.normalizeDim("prod", dim, x.dim());
            if (x.dim() == 0) {
                xc = xc.reshape(1);
                d = 0;
                outShape = new int[0];
            } else {
                outShape = Shapes.reducedShape(x.shape(), new int[] {d}, keepDim);
            }
        }
        Tensor out = Dispatch.empty(b, dtype, Shapes.reducedShape(xc.shape(), new int[] {d}, true), x.device());
        b.prod(out, xc, d);
        out = out.rawView(outShape);
        if (!dtype.isFloatingPoint()) {
            return out;
        }
        return Dispatch.record(new Op.Prod(dim == null ? -1 : Shapes.normalizeDim("prod", dim, x.dim()), keepDim),
                out, x);
    }

    /** log Σ exp over dims, stable: the largest element (0 where it is infinite) is taken out first. */
    static Tensor logsumexp(Tensor x, int[] dims, boolean keepDim) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("logsumexp: dims is empty; pass the dims to reduce over");
        }
        Tensor xf = x.dtype().isFloatingPoint() ? x : x.to(DType.F32);
        int[] d = Shapes.normalizeDims("logsumexp", dims, x.dim());
        for (int dim : d) {
            if (x.size(dim) == 0) {
                // an empty sum: log 0 = −∞, as PyTorch (through sum, so the graph holds x)
                return sum(xf, d, keepDim).add(Double.NEGATIVE_INFINITY);
            }
        }
        Tensor m = extremum(ReduceOp.MAX, xf.detach(), d, true);
        m = Tensor.where(m.abs().eq(Double.POSITIVE_INFINITY), 0, m);
        Tensor out = sum(xf.sub(m).exp(), d, true).log().add(m);
        return keepDim ? out : out.reshape(Shapes.reducedShape(x.shape(), d, false));
    }

    static Tensor std(Tensor x, int[] dims, int correction, boolean keepDim) {
        Dispatch.requireFloat("std", x);
        if (correction < 0) {
            throw new IllegalArgumentException("std: correction must be >= 0, got " + correction);
        }
        return var(x, dims, correction, keepDim).sqrt();
    }

    static VarMean varMean(Tensor x, int[] dims, int correction, boolean keepDim) {
        Dispatch.requireFloat("varMean", x);
        int[] d = Shapes.normalizeDims("varMean", dims, x.dim());
        return new VarMean(var(x, d, correction, keepDim), mean(x, d, keepDim));
    }

    static StdMean stdMean(Tensor x, int[] dims, int correction, boolean keepDim) {
        Dispatch.requireFloat("stdMean", x);
        int[] d = Shapes.normalizeDims("stdMean", dims, x.dim());
        return new StdMean(std(x, d, correction, keepDim), mean(x, d, keepDim));
    }

    /** any (all = false) or all over dims (empty: every dim), as a BOOL tensor; NaN counts as non-zero. */
    static Tensor anyAll(Tensor x, int[] dims, boolean keepDim, boolean all) {
        String name = all ? "all" : "any";
        int[] d = Shapes.normalizeDims(name, dims, x.dim());
        Tensor hits = sum(nonzero(x), d, keepDim);
        return all ? hits.eq(count(x, d)) : hits.gt(0);
    }

    /** The number of non-zero elements over dims (empty: every dim), I32 (PyTorch: int64). */
    static Tensor countNonzero(Tensor x, int[] dims) {
        int[] d = Shapes.normalizeDims("countNonzero", dims, x.dim());
        return sum(nonzero(x), d, false);
    }

    private static Tensor nonzero(Tensor x) {
        return x.dtype() == DType.BOOL ? x.detach() : x.detach().ne(0);
    }

    static MinMax aminmax(Tensor x, Integer dim, boolean keepDim) {
        int[] d = dim == null ? new int[0] : new int[] {Shapes.normalizeDim("aminmax", dim, x.dim())};
        if (x.numel() == 0 && dim == null) {
            throw new IllegalArgumentException("aminmax: cannot reduce an empty tensor " + Shapes.str(x.shape())
                    + " (the reduction has no identity)");
        }
        Tensor min = extremum(ReduceOp.MIN, x, d, keepDim);
        Tensor max = extremum(ReduceOp.MAX, x, d, keepDim);
        return new MinMax(min, max);
    }

    /**
     * PyTorch's linalg.vector_norm: (Σ |x|^ord)^(1/ord) over dims (empty: every dim); ord ∞ and −∞
     * are the max and min of |x|, ord 0 counts the non-zero elements.
     */
    static Tensor vectorNorm(Tensor x, double ord, int[] dims, boolean keepDim) {
        String name = "vectorNorm";
        Dispatch.requireFloat(name, x);
        if (Double.isNaN(ord)) {
            throw new IllegalArgumentException(name + ": ord must be a number or ±Infinity, got NaN");
        }
        int[] d = Shapes.normalizeDims(name, dims, x.dim());
        if (Double.isInfinite(ord)) {
            for (int dim : d) {
                if (x.size(dim) == 0) {
                    throw new IllegalArgumentException(name + ": ord " + ord + " cannot reduce over dim " + dim
                            + " of size 0 in " + Shapes.str(x.shape()) + " (max and min have no identity)");
                }
            }
        }
        Tensor v = x.detach();
        Tensor out;
        if (ord == 0) {
            out = sum(v.ne(0), d, keepDim).to(x.dtype());
        } else if (ord == Double.POSITIVE_INFINITY || ord == Double.NEGATIVE_INFINITY) {
            out = extremum(ord > 0 ? ReduceOp.MAX : ReduceOp.MIN, v.abs(), d, keepDim);
        } else if (ord == 1) {
            out = sum(v.abs(), d, keepDim);
        } else if (ord == 2) {
            out = sum(v.mul(v), d, keepDim).sqrt();
        } else {
            out = sum(v.abs().pow(ord), d, keepDim).pow(1 / ord);
        }
        return Dispatch.record(new Op.VectorNorm(ord, d, keepDim), out, x);
    }

    private static double count(Tensor x, int[] sortedDims) {
        double n = 1;
        for (int dim : sortedDims) {
            n *= x.size(dim);
        }
        return n;
    }

    private static int[] ones(int rank) {
        int[] s = new int[rank];
        java.util.Arrays.fill(s, 1);
        return s;
    }
}
