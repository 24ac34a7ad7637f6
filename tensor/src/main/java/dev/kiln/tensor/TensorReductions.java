package dev.kiln.tensor;

import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.spi.ScanOp;

/**
 * Tensor's reductions, scans, sorting and order statistics. Part of the chain that makes up
 * {@link Tensor}.
 */
public abstract sealed class TensorReductions extends TensorMath permits Tensor {

    TensorReductions(Storage storage, int[] shape, int[] strides, int offset) {
        super(storage, shape, strides, offset);
    }

    // ------------------------------------------------------------------ reductions

    public Tensor sum() {
        return ReduceOps.sum(self(), new int[0], false);
    }

    public Tensor sum(int dim) {
        return sum(new int[] {dim}, false);
    }

    public Tensor sum(int dim, boolean keepDim) {
        return sum(new int[] {dim}, keepDim);
    }

    /** The sum over dims; empty dims reduce over every dim, as PyTorch's {@code sum(dim=[])}. */
    public Tensor sum(int[] dims, boolean keepDim) {
        return ReduceOps.sum(self(), dims, keepDim);
    }

    public Tensor mean() {
        return ReduceOps.mean(self(), new int[0], false);
    }

    public Tensor mean(int dim) {
        return mean(new int[] {dim}, false);
    }

    public Tensor mean(int dim, boolean keepDim) {
        return mean(new int[] {dim}, keepDim);
    }

    /** The mean over dims; empty dims reduce over every dim, as PyTorch's {@code mean(dim=[])}. */
    public Tensor mean(int[] dims, boolean keepDim) {
        return ReduceOps.mean(self(), dims, keepDim);
    }

    /** The largest element (NaN if any is NaN). */
    public Tensor max() {
        return ReduceOps.extremum(ReduceOp.MAX, self(), new int[0], false);
    }

    /** Largest values along dim (the values of PyTorch's {@code max(dim)}; see {@link #argmax(int, boolean)}). */
    public Tensor max(int dim, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MAX, self(), new int[] {dim}, keepDim);
    }

    /** Largest values over several dims (PyTorch's {@code amax}). */
    public Tensor amax(int[] dims, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MAX, self(), dims, keepDim);
    }

    public Tensor min() {
        return ReduceOps.extremum(ReduceOp.MIN, self(), new int[0], false);
    }

    public Tensor min(int dim, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MIN, self(), new int[] {dim}, keepDim);
    }

    public Tensor amin(int[] dims, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MIN, self(), dims, keepDim);
    }

    /** Index of the first largest element of the flattened tensor, I32 0-d. */
    public Tensor argmax() {
        return ReduceOps.argReduce(ReduceOp.MAX, self(), null, false);
    }

    public Tensor argmax(int dim, boolean keepDim) {
        return ReduceOps.argReduce(ReduceOp.MAX, self(), dim, keepDim);
    }

    public Tensor argmin() {
        return ReduceOps.argReduce(ReduceOp.MIN, self(), null, false);
    }

    public Tensor argmin(int dim, boolean keepDim) {
        return ReduceOps.argReduce(ReduceOp.MIN, self(), dim, keepDim);
    }

    /** Unbiased variance of all elements (correction 1, as PyTorch). */
    public Tensor var() {
        return ReduceOps.var(self(), new int[0], 1, false);
    }

    public Tensor var(int dim, boolean keepDim) {
        return ReduceOps.var(self(), new int[] {dim}, 1, keepDim);
    }

    /** Variance over dims with the given correction (0 for the biased estimate). */
    public Tensor var(int[] dims, int correction, boolean keepDim) {
        return ReduceOps.var(self(), dims, correction, keepDim);
    }

    /** Unbiased (correction 1) or biased variance of all elements. */
    public Tensor var(boolean unbiased) {
        return ReduceOps.var(self(), new int[0], unbiased ? 1 : 0, false);
    }

    /** PyTorch's {@code var(dim, unbiased, keepdim)} with one dim. */
    public Tensor var(int dim, boolean unbiased, boolean keepDim) {
        return ReduceOps.var(self(), new int[] {dim}, unbiased ? 1 : 0, keepDim);
    }

    /** PyTorch's {@code var(dim, unbiased, keepdim)}. */
    public Tensor var(int[] dims, boolean unbiased, boolean keepDim) {
        return ReduceOps.var(self(), dims, unbiased ? 1 : 0, keepDim);
    }

    /** Standard deviation of all elements, correction 1 as PyTorch. */
    public Tensor std() {
        return ReduceOps.std(self(), new int[0], 1, false);
    }

    public Tensor std(boolean unbiased) {
        return ReduceOps.std(self(), new int[0], unbiased ? 1 : 0, false);
    }

    public Tensor std(int dim, boolean keepDim) {
        return ReduceOps.std(self(), new int[] {dim}, 1, keepDim);
    }

    /** PyTorch's {@code std(dim, unbiased, keepdim)} with one dim. */
    public Tensor std(int dim, boolean unbiased, boolean keepDim) {
        return ReduceOps.std(self(), new int[] {dim}, unbiased ? 1 : 0, keepDim);
    }

    /** PyTorch's {@code std(dim, unbiased, keepdim)}. */
    public Tensor std(int[] dims, boolean unbiased, boolean keepDim) {
        return ReduceOps.std(self(), dims, unbiased ? 1 : 0, keepDim);
    }

    /** std over dims (empty: all) as √var with the given correction (0 for the biased estimate). */
    public Tensor std(int[] dims, int correction, boolean keepDim) {
        return ReduceOps.std(self(), dims, correction, keepDim);
    }

    /** (var, mean) of all elements, correction 1: PyTorch's {@code var_mean}. */
    public VarMean varMean() {
        return ReduceOps.varMean(self(), new int[0], 1, false);
    }

    public VarMean varMean(int[] dims) {
        return ReduceOps.varMean(self(), dims, 1, false);
    }

    public VarMean varMean(int[] dims, boolean unbiased, boolean keepDim) {
        return ReduceOps.varMean(self(), dims, unbiased ? 1 : 0, keepDim);
    }

    /** var_mean over dims (empty: all) with PyTorch's keyword arguments correction and keepdim. */
    public VarMean varMean(int[] dims, int correction, boolean keepDim) {
        return ReduceOps.varMean(self(), dims, correction, keepDim);
    }

    /** (std, mean) of all elements, correction 1: PyTorch's {@code std_mean}. */
    public StdMean stdMean() {
        return ReduceOps.stdMean(self(), new int[0], 1, false);
    }

    public StdMean stdMean(int[] dims) {
        return ReduceOps.stdMean(self(), dims, 1, false);
    }

    public StdMean stdMean(int[] dims, boolean unbiased, boolean keepDim) {
        return ReduceOps.stdMean(self(), dims, unbiased ? 1 : 0, keepDim);
    }

    public StdMean stdMean(int[] dims, int correction, boolean keepDim) {
        return ReduceOps.stdMean(self(), dims, correction, keepDim);
    }

    /** Product of all elements (1 for an empty tensor); BOOL and I32 give I32. Zeros get PyTorch's gradient (no division). */
    public Tensor prod() {
        return ReduceOps.prod(self(), null, false);
    }

    public Tensor prod(int dim) {
        return ReduceOps.prod(self(), dim, false);
    }

    public Tensor prod(int dim, boolean keepDim) {
        return ReduceOps.prod(self(), dim, keepDim);
    }

    /** log Σ exp over dim, computed stably (−∞ over an empty dim). A composition of amax, exp, sum and log. */
    public Tensor logsumexp(int dim) {
        return ReduceOps.logsumexp(self(), new int[] {dim}, false);
    }

    public Tensor logsumexp(int dim, boolean keepDim) {
        return ReduceOps.logsumexp(self(), new int[] {dim}, keepDim);
    }

    public Tensor logsumexp(int[] dims) {
        return ReduceOps.logsumexp(self(), dims, false);
    }

    public Tensor logsumexp(int[] dims, boolean keepDim) {
        return ReduceOps.logsumexp(self(), dims, keepDim);
    }

    /** Largest values over all dims (PyTorch's {@code amax(dim=())}); ties share the gradient. */
    public Tensor amax() {
        return ReduceOps.extremum(ReduceOp.MAX, self(), new int[0], false);
    }

    public Tensor amax(int dim) {
        return ReduceOps.extremum(ReduceOp.MAX, self(), new int[] {dim}, false);
    }

    public Tensor amax(int dim, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MAX, self(), new int[] {dim}, keepDim);
    }

    public Tensor amax(int[] dims) {
        return ReduceOps.extremum(ReduceOp.MAX, self(), dims, false);
    }

    public Tensor amin() {
        return ReduceOps.extremum(ReduceOp.MIN, self(), new int[0], false);
    }

    public Tensor amin(int dim) {
        return ReduceOps.extremum(ReduceOp.MIN, self(), new int[] {dim}, false);
    }

    public Tensor amin(int dim, boolean keepDim) {
        return ReduceOps.extremum(ReduceOp.MIN, self(), new int[] {dim}, keepDim);
    }

    public Tensor amin(int[] dims) {
        return ReduceOps.extremum(ReduceOp.MIN, self(), dims, false);
    }

    /** (min, max) of all elements, as amin and amax. */
    public MinMax aminmax() {
        return ReduceOps.aminmax(self(), null, false);
    }

    public MinMax aminmax(int dim, boolean keepDim) {
        return ReduceOps.aminmax(self(), dim, keepDim);
    }

    /** BOOL: whether any element along dim is non-zero (NaN is). */
    public Tensor any(int dim) {
        return ReduceOps.anyAll(self(), new int[] {dim}, false, false);
    }

    public Tensor any(int dim, boolean keepDim) {
        return ReduceOps.anyAll(self(), new int[] {dim}, keepDim, false);
    }

    /** any over several dims (PyTorch 2's tuple form); empty dims mean all. */
    public Tensor any(int[] dims, boolean keepDim) {
        return ReduceOps.anyAll(self(), dims, keepDim, false);
    }

    /** BOOL: whether every element along dim is non-zero. */
    public Tensor all(int dim) {
        return ReduceOps.anyAll(self(), new int[] {dim}, false, true);
    }

    public Tensor all(int dim, boolean keepDim) {
        return ReduceOps.anyAll(self(), new int[] {dim}, keepDim, true);
    }

    public Tensor all(int[] dims, boolean keepDim) {
        return ReduceOps.anyAll(self(), dims, keepDim, true);
    }

    /** Number of non-zero elements, I32. */
    public Tensor countNonzero() {
        return ReduceOps.countNonzero(self(), new int[0]);
    }

    public Tensor countNonzero(int dim) {
        return ReduceOps.countNonzero(self(), new int[] {dim});
    }

    public Tensor countNonzero(int[] dims) {
        return ReduceOps.countNonzero(self(), dims);
    }

    /** The 2-norm of all elements ({@code torch.norm}). */
    public Tensor norm() {
        return ReduceOps.vectorNorm(self(), 2, new int[0], false);
    }

    /** The p-norm of all elements; p may be ±Infinity, 0 or fractional. */
    public Tensor norm(double p) {
        return ReduceOps.vectorNorm(self(), p, new int[0], false);
    }

    public Tensor norm(double p, int dim, boolean keepDim) {
        return ReduceOps.vectorNorm(self(), p, new int[] {dim}, keepDim);
    }

    public Tensor norm(double p, int[] dims, boolean keepDim) {
        return ReduceOps.vectorNorm(self(), p, dims, keepDim);
    }

    /** {@code torch.linalg.vector_norm} of all elements with ord 2. */
    public Tensor vectorNorm() {
        return ReduceOps.vectorNorm(self(), 2, new int[0], false);
    }

    public Tensor vectorNorm(double ord) {
        return ReduceOps.vectorNorm(self(), ord, new int[0], false);
    }

    /**
     * (Σ |x|^ord)^(1/ord) over dims (null or empty: all); ord ∞/−∞ is max/min |x|, 0 counts non-zeros.
     * Gradients as PyTorch's (0 where the norm is 0; ties of ±∞ share).
     */
    public Tensor vectorNorm(double ord, int[] dims, boolean keepDim) {
        return ReduceOps.vectorNorm(self(), ord, dims == null ? new int[0] : dims, keepDim);
    }

    // ------------------------------------------------------------------ scans

    /** Running sum along dim; BOOL and I32 give I32. */
    public Tensor cumsum(int dim) {
        return ScanOps.scan(ScanOp.CUMSUM, self(), dim);
    }

    /** Running product along dim; zeros get PyTorch's gradient (no division by them). */
    public Tensor cumprod(int dim) {
        return ScanOps.scan(ScanOp.CUMPROD, self(), dim);
    }

    /** Running max along dim and where it came from (the latest of ties; NaN sticks). */
    public ValuesIndices cummax(int dim) {
        return ScanOps.cumExtremum(ScanOp.CUMMAX, self(), dim);
    }

    public ValuesIndices cummin(int dim) {
        return ScanOps.cumExtremum(ScanOp.CUMMIN, self(), dim);
    }

    /** Running log Σ exp along dim, computed stably. */
    public Tensor logcumsumexp(int dim) {
        return ScanOps.scan(ScanOp.LOGCUMSUMEXP, self(), dim);
    }

    // ------------------------------------------------------------------ sorting and order statistics

    /** Ascending sort along the last dim. Kiln's sort is always stable; NaN sorts as the largest value. */
    public ValuesIndices sort() {
        return SortOps.sort(self(), -1, false);
    }

    public ValuesIndices sort(int dim) {
        return SortOps.sort(self(), dim, false);
    }

    public ValuesIndices sort(int dim, boolean descending) {
        return SortOps.sort(self(), dim, descending);
    }

    /** PyTorch's {@code sort(dim, descending, stable=)}: stable or not, the sort is stable. */
    public ValuesIndices sort(int dim, boolean descending, boolean stable) {
        return SortOps.sort(self(), dim, descending);
    }

    /** I32 indices that sort along the last dim. */
    public Tensor argsort() {
        return SortOps.sort(self(), -1, false).indices();
    }

    public Tensor argsort(int dim) {
        return SortOps.sort(self(), dim, false).indices();
    }

    public Tensor argsort(int dim, boolean descending) {
        return SortOps.sort(self(), dim, descending).indices();
    }

    public Tensor argsort(int dim, boolean descending, boolean stable) {
        return SortOps.sort(self(), dim, descending).indices();
    }

    /** The k largest along the last dim, sorted, with their I32 indices. */
    public ValuesIndices topk(int k) {
        return SortOps.topk(self(), k, -1, true);
    }

    public ValuesIndices topk(int k, int dim) {
        return SortOps.topk(self(), k, dim, true);
    }

    public ValuesIndices topk(int k, int dim, boolean largest) {
        return SortOps.topk(self(), k, dim, largest);
    }

    /**
     * PyTorch's {@code topk(k, dim, largest, sorted)}: the k largest (or smallest) along dim, NaN the
     * largest. Always in sorted order (sorted = false allows any order); equal values in the order
     * of a stable sort (PyTorch leaves their order open).
     */
    public ValuesIndices topk(int k, int dim, boolean largest, boolean sorted) {
        return SortOps.topk(self(), k, dim, largest);
    }

    /** The k-th smallest (1-based) along the last dim. */
    public ValuesIndices kthvalue(int k) {
        return SortOps.kthvalue(self(), k, -1, false);
    }

    public ValuesIndices kthvalue(int k, int dim) {
        return SortOps.kthvalue(self(), k, dim, false);
    }

    public ValuesIndices kthvalue(int k, int dim, boolean keepDim) {
        return SortOps.kthvalue(self(), k, dim, keepDim);
    }

    /** The lower median of all elements (NaN if any is NaN, or if the tensor is empty). */
    public Tensor median() {
        return SortOps.median(self());
    }

    /** The lower median along dim and its index; NaN (and the first NaN's index) where the row has one. */
    public ValuesIndices median(int dim) {
        return SortOps.median(self(), dim, false);
    }

    public ValuesIndices median(int dim, boolean keepDim) {
        return SortOps.median(self(), dim, keepDim);
    }

    /** The most frequent value along the last dim (the smallest of equally frequent) and its last index. */
    public ValuesIndices mode() {
        return SortOps.mode(self(), -1, false);
    }

    public ValuesIndices mode(int dim) {
        return SortOps.mode(self(), dim, false);
    }

    public ValuesIndices mode(int dim, boolean keepDim) {
        return SortOps.mode(self(), dim, keepDim);
    }

    /** The sorted distinct values of the flattened tensor. */
    public Tensor unique() {
        return SortOps.unique(self(), false, false).output();
    }

    /** Kiln's unique is always sorted, which PyTorch allows for sorted = false. */
    public Tensor unique(boolean sorted) {
        return SortOps.unique(self(), false, false).output();
    }

    /** PyTorch's {@code unique(sorted, return_inverse, return_counts)}; absent parts of the result are null. */
    public UniqueResult unique(boolean sorted, boolean returnInverse, boolean returnCounts) {
        return SortOps.unique(self(), returnInverse, returnCounts);
    }

    /**
     * PyTorch's {@code unique(sorted, return_inverse, return_counts, dim)}: distinct slices along dim
     * in lexicographic order (dim null: the elements of the flattened tensor).
     */
    public UniqueResult unique(boolean sorted, boolean returnInverse, boolean returnCounts, Integer dim) {
        return dim == null ? SortOps.unique(self(), returnInverse, returnCounts)
                : SortOps.unique(self(), returnInverse, returnCounts, dim);
    }
}
