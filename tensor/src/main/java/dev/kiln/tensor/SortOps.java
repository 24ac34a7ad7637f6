package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.ReferenceScans;

/**
 * sort, argsort, topk, kthvalue, median, mode and unique (issue 15). The dim is moved last and made
 * contiguous for {@link Backend#sort} and {@link Backend#topk}; every order statistic comes from
 * that stable sort with NaN largest, so ties and NaN behave as PyTorch's. Values that need a
 * gradient are re-read as {@code x.gather(dim, indices)}: the same numbers, with gather's
 * derivative (the gradient goes to the chosen positions), which is PyTorch's rule.
 */
final class SortOps {
    private SortOps() {
    }

    static ValuesIndices sort(Tensor x, int dim, boolean descending) {
        String name = "sort";
        Dispatch.requireNumeric(name, x);
        int d = Shapes.normalizeDim(name, dim, x.dim());
        if (x.dim() == 0) {
            return new ValuesIndices(x.clone(), Tensor.full(0, DType.I32, x.device()));
        }
        Backend b = Dispatch.backend(name, x);
        Tensor moved = x.detach().movedim(d, -1).contiguous();
        Tensor values = Dispatch.empty(b, x.dtype(), moved.shape(), x.device());
        Tensor indices = Dispatch.empty(b, DType.I32, moved.shape(), x.device());
        if (x.numel() > 0) {
            b.sort(values, indices, moved, descending);
        }
        return finish(x, d, values, indices);
    }

    static ValuesIndices topk(Tensor x, int k, int dim, boolean largest) {
        String name = "topk";
        Dispatch.requireNumeric(name, x);
        int d = Shapes.normalizeDim(name, dim, x.dim());
        int n = x.dim() == 0 ? 1 : x.size(d);
        if (k < 0 || k > n) {
            throw new IllegalArgumentException(name + ": k " + k + " is out of range for dim " + d + " of size " + n
                    + " in " + Shapes.str(x.shape()) + " (expected 0 to " + n + ")");
        }
        if (x.dim() == 0) {
            return k == 1 ? new ValuesIndices(x.clone(), Tensor.full(0, DType.I32, x.device()))
                    : new ValuesIndices(Tensor.full(0, x.dtype(), x.device(), 0), Tensor.full(0, DType.I32, x.device(), 0));
        }
        ValuesIndices r = smallestOrLargest(name, x, k, d, largest);
        return finish(x, d, r.values(), r.indices());
    }

    /** The k-th smallest along dim (1-based), NaN largest; equal values give the later position of a stable sort. */
    static ValuesIndices kthvalue(Tensor x, int k, int dim, boolean keepDim) {
        String name = "kthvalue";
        Dispatch.requireNumeric(name, x);
        int d = Shapes.normalizeDim(name, dim, x.dim());
        int n = x.dim() == 0 ? 1 : x.size(d);
        if (k < 1 || k > n) {
            throw new IllegalArgumentException(name + ": k " + k + " is out of range for dim " + d + " of size " + n
                    + " in " + Shapes.str(x.shape()) + " (expected 1 to " + n + ")");
        }
        ValuesIndices r = smallestOrLargest(name, x, k, d, false);
        return pick(x, d, r.indices().narrow(-1, k - 1, 1), keepDim);
    }

    /** The lower median along dim ((n − 1)/2 of the sorted values), or NaN (the first NaN's position) where a NaN is present. */
    static ValuesIndices median(Tensor x, int dim, boolean keepDim) {
        String name = "median";
        Dispatch.requireNumeric(name, x);
        int d = Shapes.normalizeDim(name, dim, x.dim());
        int n = x.dim() == 0 ? 1 : x.size(d);
        if (n == 0) {
            throw new IllegalArgumentException(name + ": cannot compute the median over dim " + d + " of size 0 in "
                    + Shapes.str(x.shape()));
        }
        ValuesIndices r = smallestOrLargest(name, x, n, d, false);
        Tensor pos;
        if (x.dtype().isFloatingPoint()) {
            Tensor nans = r.values().isnan().sum(-1, true);
            pos = Tensor.where(nans.gt(0), nans.neg().add(n), (n - 1) / 2).to(DType.I32);
        } else {
            pos = Tensor.full((n - 1) / 2, DType.I32, x.device(), Shapes.reducedShape(r.values().shape(),
                    new int[] {r.values().dim() - 1}, true));
        }
        return pick(x, d, r.indices().gather(-1, pos), keepDim);
    }

    /** The median of all elements (NaN for an empty tensor, as PyTorch). */
    static Tensor median(Tensor x) {
        Dispatch.requireNumeric("median", x);
        if (x.numel() == 0) {
            if (!x.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("median: an empty " + x.dtype() + " tensor "
                        + Shapes.str(x.shape()) + " has no median (a floating-point one gives NaN)");
            }
            return x.sum().add(Double.NaN); // through sum, so the graph holds x
        }
        return median(x.reshape(-1), 0, false).values();
    }

    /**
     * The most frequent value along dim (the smallest of equally frequent ones) and the last position
     * where it occurs, as PyTorch; NaNs never equal each other. A host loop over the sorted rows.
     */
    static ValuesIndices mode(Tensor x, int dim, boolean keepDim) {
        String name = "mode";
        Dispatch.requireNumeric(name, x);
        int d = Shapes.normalizeDim(name, dim, x.dim());
        int n = x.dim() == 0 ? 1 : x.size(d);
        if (n == 0) {
            throw new IllegalArgumentException(name + ": cannot compute the mode over dim " + d + " of size 0 in "
                    + Shapes.str(x.shape()));
        }
        ValuesIndices r = smallestOrLargest(name, x, n, d, false);
        double[] v = r.values().toDoubleArray();
        int[] ix = r.indices().toIntArray();
        int rows = v.length / n;
        int[] best = new int[rows];
        for (int row = 0; row < rows; row++) {
            int o = row * n;
            int bestCount = 0;
            for (int s = 0; s < n; ) {
                int e = s + 1;
                int last = ix[o + s];
                while (e < n && ReferenceScans.compare(v[o + s], v[o + e]) == 0 && !Double.isNaN(v[o + s])) {
                    last = Math.max(last, ix[o + e]);
                    e++;
                }
                if (e - s > bestCount) {
                    bestCount = e - s;
                    best[row] = last;
                }
                s = e;
            }
        }
        int[] shape = r.values().shape().clone();
        shape[shape.length - 1] = 1;
        return pick(x, d, Tensor.of(best, shape).to(x.device()), keepDim);
    }

    /**
     * The distinct values in ascending order (NaNs each distinct), and on request the index of each
     * element among them (x's shape) and each value's count. Always sorted (PyTorch allows that for
     * sorted = false). No gradient, as PyTorch. A host loop.
     */
    static UniqueResult unique(Tensor x, boolean returnInverse, boolean returnCounts) {
        String name = "unique";
        Dispatch.requireNumeric(name, x);
        Tensor flat = x.detach().reshape(-1);
        ValuesIndices r = sort(flat, 0, false);
        double[] v = r.values().toDoubleArray();
        int[] ix = r.indices().toIntArray();
        int n = v.length;
        double[] out = new double[n];
        int[] counts = new int[n];
        int[] inverse = new int[n];
        int m = 0;
        for (int s = 0; s < n; ) {
            int e = s + 1;
            while (e < n && ReferenceScans.compare(v[s], v[e]) == 0 && !Double.isNaN(v[s])) {
                e++;
            }
            out[m] = v[s];
            counts[m] = e - s;
            for (int i = s; i < e; i++) {
                inverse[ix[i]] = m;
            }
            m++;
            s = e;
        }
        Tensor values = Tensor.of(java.util.Arrays.copyOf(out, m), m).to(x.dtype()).to(x.device());
        Tensor inv = returnInverse ? Tensor.of(inverse, x.shape()).to(x.device()) : null;
        Tensor cnt = returnCounts ? Tensor.of(java.util.Arrays.copyOf(counts, m), m).to(x.device()) : null;
        return new UniqueResult(values, inv, cnt);
    }

    /**
     * unique over slices along dim: the distinct slices in lexicographic order (element by element,
     * NaN largest; a slice holding NaN equals no other), the index of each input slice among them
     * and each one's count. A host loop over the slices; no gradient, as PyTorch.
     */
    static UniqueResult unique(Tensor x, boolean returnInverse, boolean returnCounts, int dim) {
        String name = "unique";
        Dispatch.requireNumeric(name, x);
        if (x.dim() == 0) {
            throw new IllegalArgumentException(name + ": a 0-d tensor has no dim " + dim + "; call unique() instead");
        }
        int d = Shapes.normalizeDim(name, dim, x.dim());
        int n = x.size(d);
        Tensor moved = x.detach().movedim(d, 0).contiguous();
        int len = n == 0 ? 0 : moved.numel() / n;
        double[] v = moved.toDoubleArray();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> compareSlices(v, a, b, len));
        int[] keep = new int[n];
        int[] counts = new int[n];
        int[] inverse = new int[n];
        int m = 0;
        for (int s = 0; s < n; ) {
            int e = s + 1;
            while (e < n && compareSlices(v, order[s], order[e], len) == 0 && !hasNaN(v, order[s], len)) {
                e++;
            }
            keep[m] = order[s];
            counts[m] = e - s;
            for (int i = s; i < e; i++) {
                inverse[order[i]] = m;
            }
            m++;
            s = e;
        }
        Tensor out = x.detach().indexSelect(d, Tensor.of(java.util.Arrays.copyOf(keep, m), m).to(x.device()));
        Tensor inv = returnInverse ? Tensor.of(inverse, n).to(x.device()) : null;
        Tensor cnt = returnCounts ? Tensor.of(java.util.Arrays.copyOf(counts, m), m).to(x.device()) : null;
        return new UniqueResult(out, inv, cnt);
    }

    private static int compareSlices(double[] v, int a, int b, int len) {
        for (int k = 0; k < len; k++) {
            int c = ReferenceScans.compare(v[a * len + k], v[b * len + k]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static boolean hasNaN(double[] v, int a, int len) {
        for (int k = 0; k < len; k++) {
            if (Double.isNaN(v[a * len + k])) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ shared

    /** The first k of each row of the stable sort, with the dim moved last (values, I32 indices). */
    private static ValuesIndices smallestOrLargest(String name, Tensor x, int k, int d, boolean largest) {
        Tensor moved = x.dim() == 0 ? x.detach().reshape(1) : x.detach().movedim(d, -1).contiguous();
        Backend b = Dispatch.backend(name, x);
        int[] shape = moved.shape().clone();
        shape[shape.length - 1] = k;
        Tensor values = Dispatch.empty(b, x.dtype(), shape, x.device());
        Tensor indices = Dispatch.empty(b, DType.I32, shape, x.device());
        if (values.numel() > 0) {
            b.topk(values, indices, moved, k, largest);
        }
        return new ValuesIndices(values, indices);
    }

    /** Moves the last dim of the results back to d; values re-read by gather when x needs a gradient. */
    private static ValuesIndices finish(Tensor x, int d, Tensor values, Tensor indices) {
        Tensor idx = indices.movedim(-1, d).contiguous();
        Tensor vals = Dispatch.wouldRecord(x) ? x.gather(d, idx) : values.movedim(-1, d).contiguous();
        return new ValuesIndices(vals, idx);
    }

    /** One position per row ([..., 1], the dim last) picked from x along d, as values and indices. */
    private static ValuesIndices pick(Tensor x, int d, Tensor lastDimIndex, boolean keepDim) {
        if (x.dim() == 0) {
            return new ValuesIndices(x.clone(), Tensor.full(0, DType.I32, x.device()));
        }
        Tensor idx = lastDimIndex.movedim(-1, d).contiguous();
        Tensor vals = x.gather(d, idx);
        if (!keepDim) {
            idx = idx.squeeze(d);
            vals = vals.squeeze(d);
        }
        return new ValuesIndices(vals, idx);
    }
}
