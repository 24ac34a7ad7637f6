package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.spi.ReduceOp;

/** sum, mean, max, min, argmax, argmin and var over any set of dims. */
final class ReduceOps {
    private ReduceOps() {
    }

    static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        int[] d = Shapes.normalizeDims("sum", dims, x.dim());
        Backend b = Dispatch.backend("sum", x);
        DType dtype = x.dtype() == DType.BOOL ? DType.I32 : x.dtype();
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
