package dev.kiln.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Tensor's views, shape changes and indexing ({@code view}, {@code reshape}, {@code permute},
 * {@code gather}, {@code cat}, ...). Part of the chain that makes up {@link Tensor}.
 */
public abstract sealed class TensorViews extends TensorCreation permits TensorMath {

    TensorViews(Storage storage, int[] shape, int[] strides, int offset) {
        super(storage, shape, strides, offset);
    }

    // ------------------------------------------------------------------ views

    /** An unrecorded view: for the engine's own fresh outputs only. */
    Tensor asView(int[] newShape, int[] newStrides, int newOffset) {
        return new Tensor(storage, newShape, newStrides, newOffset);
    }

    /** An unrecorded reshape of a contiguous fresh output. */
    Tensor rawView(int[] newShape) {
        return new Tensor(storage, newShape.clone(), Shapes.contiguousStrides(newShape), offset);
    }

    /** An unrecorded broadcast view to {@code target}, for handing inputs to kernels. */
    Tensor broadcastView(int[] target) {
        if (Arrays.equals(shape, target)) {
            return self();
        }
        int lead = target.length - shape.length;
        int[] st = new int[target.length];
        for (int i = 0; i < shape.length; i++) {
            st[lead + i] = shape[i] == 1 && target[lead + i] != 1 ? 0 : strides[i];
        }
        return new Tensor(storage, target.clone(), st, offset);
    }

    public Tensor reshape(int... shape) {
        return ViewOps.reshape(self(), shape);
    }

    /** As reshape, but fails instead of copying when the layout does not allow a view. */
    public Tensor view(int... shape) {
        return ViewOps.view(self(), shape);
    }

    /**
     * The same bytes read as {@code dtype} (PyTorch's {@code view(dtype)}, a bitcast): a write
     * through either tensor is seen by the other. A dtype of the same element size keeps the shape
     * (F32 1.0 reads as I32 1065353216); another size scales the last dim, which must have stride 1
     * (F32 [2, 3] as U8 is [2, 12], little-endian); towards a wider dtype the last dim's size, the
     * other strides and the storage offset must divide by the ratio. Not differentiable.
     */
    public Tensor view(DType dtype) {
        return ViewOps.viewAs(self(), dtype);
    }

    public Tensor flatten() {
        return reshape(-1);
    }

    /** Flattens dims startDim..endDim into one. */
    public Tensor flatten(int startDim, int endDim) {
        // a 0-d tensor takes dims 0 and -1 only, as PyTorch
        int s = Shapes.normalizeDim("flatten", startDim, dim());
        int e = Shapes.normalizeDim("flatten", endDim, dim());
        if (dim() == 0) {
            return reshape(1);
        }
        if (s > e) {
            throw new IllegalArgumentException("flatten: startDim " + startDim + " comes after endDim " + endDim);
        }
        int[] out = new int[dim() - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) {
            out[k++] = shape[i];
        }
        int prod = 1;
        for (int i = s; i <= e; i++) {
            prod = Shapes.multiplyExact("flatten", shape, prod, shape[i]);
        }
        out[k++] = prod;
        for (int i = e + 1; i < dim(); i++) {
            out[k++] = shape[i];
        }
        return reshape(out);
    }

    public Tensor transpose(int dim0, int dim1) {
        return ViewOps.transpose(self(), dim0, dim1);
    }

    /** Transpose of a matrix (a 0-d or 1-D tensor is returned as is). */
    public Tensor t() {
        if (dim() > 2) {
            throw new IllegalArgumentException("t: expected a tensor with at most 2 dims, got " + Shapes.str(shape)
                    + "; use transpose(dim0, dim1)");
        }
        return dim() < 2 ? self() : transpose(0, 1);
    }

    public Tensor permute(int... dims) {
        return ViewOps.permute(self(), dims);
    }

    /** Moves one dim to a new position, keeping the order of the others. */
    public Tensor movedim(int source, int destination) {
        int s = Shapes.normalizeDim("movedim", source, dim());
        int d = Shapes.normalizeDim("movedim", destination, dim());
        int[] perm = new int[dim()];
        int k = 0;
        for (int i = 0; i < dim(); i++) {
            if (i != s) {
                perm[k++] = i;
            }
        }
        int[] out = new int[dim()];
        for (int i = 0, j = 0; i < dim(); i++) {
            out[i] = i == d ? s : perm[j++];
        }
        return permute(out);
    }

    /** Drops every size-1 dim. */
    public Tensor squeeze() {
        return ViewOps.squeeze(self(), null);
    }

    /** Drops dim if its size is 1 (otherwise returns this tensor, as PyTorch). */
    public Tensor squeeze(int dim) {
        return ViewOps.squeeze(self(), dim);
    }

    public Tensor unsqueeze(int dim) {
        return ViewOps.unsqueeze(self(), dim);
    }

    /** A broadcast view; -1 keeps a size. */
    public Tensor expand(int... sizes) {
        return ViewOps.expand(self(), sizes);
    }

    public Tensor expandAs(Tensor other) {
        return expand(other.shape);
    }

    /** The view of {@code length} positions of dim from start. */
    public Tensor narrow(int dim, int start, int length) {
        return ViewOps.narrow(self(), dim, start, length);
    }

    /** Python's x[start:end] along dim (negative bounds count from the end; bounds are clamped). */
    public Tensor slice(int dim, int start, int end) {
        return ViewOps.slice(self(), dim, start, end, 1);
    }

    /** Python's x[start:end:step] along dim. */
    public Tensor slice(int dim, int start, int end, int step) {
        return ViewOps.slice(self(), dim, start, end, step);
    }

    /** The slice at one index of dim, with that dim removed. */
    public Tensor select(int dim, int index) {
        return ViewOps.select(self(), dim, index);
    }

    /** This tensor if already contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return ViewOps.contiguous(self());
    }

    // ------------------------------------------------------------------ shape and indexing (PyTorch names)

    /** Swaps two dims (PyTorch's alias of transpose). */
    public Tensor swapaxes(int axis0, int axis1) {
        return ViewOps.transpose(self(), axis0, axis1);
    }

    /** Swaps two dims (PyTorch's alias of transpose). */
    public Tensor swapdims(int dim0, int dim1) {
        return ViewOps.transpose(self(), dim0, dim1);
    }

    /** Moves each source dim to its destination, keeping the order of the others. */
    public Tensor movedim(int[] source, int[] destination) {
        return ViewOps.movedim(self(), source, destination);
    }

    /** Alias of {@link #movedim(int, int)}. */
    public Tensor moveaxis(int source, int destination) {
        return movedim(source, destination);
    }

    /** Drops those of the listed dims that have size 1. */
    public Tensor squeeze(int[] dims) {
        return ViewOps.squeezeDims(self(), dims);
    }

    /** Splits dim into the given sizes (one may be -1): a view where the layout allows, else a copy. */
    public Tensor unflatten(int dim, int... sizes) {
        return ViewOps.unflatten(self(), dim, sizes);
    }

    /** A view of the main diagonal of the first two dims. */
    public Tensor diagonal() {
        return ViewOps.diagonal(self(), 0, 0, 1);
    }

    public Tensor diagonal(int offset) {
        return ViewOps.diagonal(self(), offset, 0, 1);
    }

    /** A view of the diagonal of dim1 and dim2 (offset > 0 above the main one), as a new last dim. */
    public Tensor diagonal(int offset, int dim1, int dim2) {
        return ViewOps.diagonal(self(), offset, dim1, dim2);
    }

    /**
     * Sliding windows along dimension as a view: that dim becomes the window count, a new last dim
     * of {@code size} holds each window. Not the im2col unfold of nn.functional.
     */
    public Tensor unfold(int dimension, int size, int step) {
        return ViewOps.unfold(self(), dimension, size, step);
    }

    /** Reverses the order of elements along the listed dims (a copy, as PyTorch). */
    public Tensor flip(int... dims) {
        return ShapeOps.flip(self(), dims);
    }

    /** Rolls the flattened tensor by shifts, keeping the shape. */
    public Tensor roll(int shifts) {
        return ShapeOps.roll(self(), new int[] {shifts}, new int[0]);
    }

    /** Rolls dim by shifts: element i moves to (i + shifts) mod size. */
    public Tensor roll(int shifts, int dim) {
        return ShapeOps.roll(self(), new int[] {shifts}, new int[] {dim});
    }

    public Tensor roll(int[] shifts, int[] dims) {
        return ShapeOps.roll(self(), shifts, dims);
    }

    /** Repeats the whole tensor along each dim (PyTorch's Tensor.repeat; extra leading counts add dims). */
    public Tensor repeat(int... repeats) {
        return ShapeOps.repeat(self(), repeats);
    }

    /** As repeat, but fewer counts than dims repeat the trailing dims. */
    public Tensor tile(int... dims) {
        return ShapeOps.tile(self(), dims);
    }

    /** Each element of the flattened tensor repeated {@code repeats} times. */
    public Tensor repeatInterleave(int repeats) {
        return ShapeOps.repeatInterleave(self(), repeats, null);
    }

    public Tensor repeatInterleave(int repeats, int dim) {
        return ShapeOps.repeatInterleave(self(), repeats, dim);
    }

    /** Element i of the flattened tensor repeated repeats[i] times (I32 counts). */
    public Tensor repeatInterleave(Tensor repeats) {
        return ShapeOps.repeatInterleave(self(), repeats, null);
    }

    public Tensor repeatInterleave(Tensor repeats, int dim) {
        return ShapeOps.repeatInterleave(self(), repeats, dim);
    }

    /** Views of splitSize along dim 0 (the last may be smaller). */
    public List<Tensor> split(int splitSize) {
        return ShapeOps.split(self(), splitSize, 0);
    }

    public List<Tensor> split(int splitSize, int dim) {
        return ShapeOps.split(self(), splitSize, dim);
    }

    /** Views of the given sizes along dim 0. */
    public List<Tensor> split(int[] sections) {
        return ShapeOps.split(self(), sections, 0);
    }

    public List<Tensor> split(int[] sections, int dim) {
        return ShapeOps.split(self(), sections, dim);
    }

    /** At most {@code chunks} views along dim 0, of ceil(size / chunks) each. */
    public List<Tensor> chunk(int chunks) {
        return ShapeOps.chunk(self(), chunks, 0);
    }

    public List<Tensor> chunk(int chunks, int dim) {
        return ShapeOps.chunk(self(), chunks, dim);
    }

    /** The slices of dim 0 as views. */
    public List<Tensor> unbind() {
        return ShapeOps.unbind(self(), 0);
    }

    public List<Tensor> unbind(int dim) {
        return ShapeOps.unbind(self(), dim);
    }

    /** The lower triangle of the last two dims, zeros above. */
    public Tensor tril() {
        return ShapeOps.triangle("tril", self(), 0, true);
    }

    /** Keeps elements with column − row ≤ diagonal. */
    public Tensor tril(int diagonal) {
        return ShapeOps.triangle("tril", self(), diagonal, true);
    }

    public Tensor triu() {
        return ShapeOps.triangle("triu", self(), 0, false);
    }

    /** Keeps elements with column − row ≥ diagonal. */
    public Tensor triu(int diagonal) {
        return ShapeOps.triangle("triu", self(), diagonal, false);
    }

    /** 1-D: a square matrix with this on the main diagonal; 2-D: a copy of the main diagonal. */
    public Tensor diag() {
        return ShapeOps.diag(self(), 0);
    }

    public Tensor diag(int diagonal) {
        return ShapeOps.diag(self(), diagonal);
    }

    /** The sum of a matrix's main diagonal. */
    public Tensor trace() {
        return ShapeOps.trace(self());
    }

    /** Constant padding with zeros; pad holds (before, after) pairs from the last dim backwards (F.pad). */
    public Tensor pad(int[] pad) {
        return ShapeOps.pad(self(), pad, PadMode.CONSTANT, 0);
    }

    /** F.pad with PyTorch's mode string: "constant", "reflect", "replicate" or "circular". */
    public Tensor pad(int[] pad, String mode) {
        return ShapeOps.pad(self(), pad, PadMode.of(mode), 0);
    }

    public Tensor pad(int[] pad, String mode, double value) {
        return ShapeOps.pad(self(), pad, PadMode.of(mode), value);
    }

    public Tensor pad(int[] pad, PadMode mode, double value) {
        return ShapeOps.pad(self(), pad, mode, value);
    }

    /** Coordinate grids with "ij" indexing (PyTorch's default). */
    public static List<Tensor> meshgrid(Tensor... tensors) {
        return ShapeOps.meshgrid(List.of(tensors), "ij");
    }

    /** Coordinate grids; indexing "ij" (matrix) or "xy" (Cartesian: the first two dims swapped). */
    public static List<Tensor> meshgrid(List<Tensor> tensors, String indexing) {
        return ShapeOps.meshgrid(tensors, indexing);
    }

    /** Every combination of the 1-D inputs' elements, one per row. */
    public static Tensor cartesianProd(Tensor... tensors) {
        return ShapeOps.cartesianProd(List.of(tensors));
    }

    /** value where the BOOL mask (broadcast to this shape) is true, else this tensor's element. */
    public Tensor maskedFill(Tensor mask, double value) {
        return MaskOps.maskedFill(self(), mask, value);
    }

    /** As {@link #maskedFill(Tensor, double)} with a 0-d tensor value, which gets the gradient of the filled elements. */
    public Tensor maskedFill(Tensor mask, Tensor value) {
        return MaskOps.maskedFill(self(), mask, value);
    }

    /** The elements where mask (broadcast with this) is true, in row-major order, 1-D. */
    public Tensor maskedSelect(Tensor mask) {
        return MaskOps.maskedSelect(self(), mask);
    }

    /** This tensor with the masked positions taken, in row-major order, from source's first elements. */
    public Tensor maskedScatter(Tensor mask, Tensor source) {
        return MaskOps.maskedScatter(self(), mask, source);
    }

    /** A copy with src's elements written where index points along dim (out[index[i][j]][j] = src[i][j] for dim 0). */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        return MaskOps.scatter(self(), dim, index, src);
    }

    /** A copy with value written where index points along dim. */
    public Tensor scatter(int dim, Tensor index, double value) {
        return MaskOps.scatter(self(), dim, index, value);
    }

    /**
     * PyTorch's {@code scatter(dim, index, src, reduce=...)}: reduce "add" or "multiply" accumulates
     * src into a copy of this at index along dim (scatterReduce with "sum" or "prod", self included).
     */
    public Tensor scatter(int dim, Tensor index, Tensor src, String reduce) {
        return MaskOps.scatter(self(), dim, index, src, reduce);
    }

    /** {@code scatter(dim, index, value, reduce=...)}: value added to or multiplied into each position index names. */
    public Tensor scatter(int dim, Tensor index, double value, String reduce) {
        return MaskOps.scatter(self(), dim, index, value, reduce);
    }

    /** scatterReduce with includeSelf = true. */
    public Tensor scatterReduce(int dim, Tensor index, Tensor src, String reduce) {
        return MaskOps.scatterReduce(self(), dim, index, src, ScatterReduction.of(reduce), true);
    }

    /** Reduces src into this at index along dim: reduce "sum", "prod", "mean", "amax" or "amin" (PyTorch's scatter_reduce). */
    public Tensor scatterReduce(int dim, Tensor index, Tensor src, String reduce, boolean includeSelf) {
        return MaskOps.scatterReduce(self(), dim, index, src, ScatterReduction.of(reduce), includeSelf);
    }

    public Tensor scatterReduce(int dim, Tensor index, Tensor src, ScatterReduction reduce, boolean includeSelf) {
        return MaskOps.scatterReduce(self(), dim, index, src, reduce, includeSelf);
    }

    /** Elements of the flattened tensor at the I32 indices (negative count from the end), shaped as index. */
    public Tensor take(Tensor index) {
        return MaskOps.take(self(), index);
    }

    /** gather from the flattened tensor (PyTorch's take_along_dim without dim). */
    public Tensor takeAlongDim(Tensor indices) {
        return MaskOps.takeAlongDim(self(), indices, null);
    }

    /** gather along dim after broadcasting this and indices in the other dims. */
    public Tensor takeAlongDim(Tensor indices, int dim) {
        return MaskOps.takeAlongDim(self(), indices, dim);
    }

    /** The indices of the non-zero elements, I32 [count, dim]. */
    public Tensor nonzero() {
        return MaskOps.nonzero(self());
    }

    /** I32 one-hot rows of this non-negative I32 tensor, max + 1 classes. */
    public Tensor oneHot() {
        return MaskOps.oneHot(self(), -1);
    }

    /** I32 one-hot rows with numClasses classes (−1: max + 1), as F.one_hot. */
    public Tensor oneHot(int numClasses) {
        return MaskOps.oneHot(self(), numClasses);
    }

    /**
     * PyTorch's x[i0, i1, ...] with index tensors: null is a full slice ({@code :}), I32 or I64 tensors
     * broadcast together and may be negative, a BOOL mask selects its true positions. The gradient
     * accumulates where indices repeat (index_put with accumulate).
     */
    public Tensor index(Tensor... indices) {
        return MaskOps.index(self(), indices);
    }

    /** x[indices] = values as a new tensor (PyTorch's index_put with accumulate=False). */
    public Tensor indexPut(Tensor[] indices, Tensor values) {
        return MaskOps.indexPut(self(), indices, values, false);
    }

    /**
     * A copy with values (broadcast to the shape of this.index(indices)) written at the indexed
     * positions; accumulate adds them instead, so repeated positions add up (PyTorch's index_put).
     */
    public Tensor indexPut(Tensor[] indices, Tensor values, boolean accumulate) {
        return MaskOps.indexPut(self(), indices, values, accumulate);
    }

    /** Insertion indices of values into the last dim of the sorted sequence (left side), I32. */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values) {
        return SearchOps.searchsorted(sortedSequence, values, false, false, null, null);
    }

    public static Tensor searchsorted(Tensor sortedSequence, double value) {
        return searchsorted(sortedSequence, Tensor.full(value, sortedSequence.dtype(), sortedSequence.device()));
    }

    /** PyTorch's searchsorted with its keyword arguments in order; side is null, "left" or "right", sorter may be null. */
    public static Tensor searchsorted(Tensor sortedSequence, Tensor values, boolean outInt32, boolean right,
                                      String side, Tensor sorter) {
        return SearchOps.searchsorted(sortedSequence, values, outInt32, right, side, sorter);
    }

    /** The bucket index of each element among the sorted 1-D boundaries, I32. */
    public static Tensor bucketize(Tensor input, Tensor boundaries) {
        return SearchOps.bucketize(input, boundaries, false, false);
    }

    public static Tensor bucketize(Tensor input, Tensor boundaries, boolean outInt32, boolean right) {
        return SearchOps.bucketize(input, boundaries, outInt32, right);
    }

    /** A 100-bin histogram over the data's range. */
    public Tensor histc() {
        return SearchOps.histc(self(), 100, 0, 0);
    }

    public Tensor histc(int bins) {
        return SearchOps.histc(self(), bins, 0, 0);
    }

    /** A histogram of bins equal bins over [min, max] (min == max: the data's range); outside elements are ignored. */
    public Tensor histc(int bins, double min, double max) {
        return SearchOps.histc(self(), bins, min, max);
    }

    /**
     * Einstein summation, e.g. {@code einsum("bij,bjk->bik", a, b)}: a composition of diagonal, sum,
     * permute, reshape and matmul (see {@link Einsum}), so it runs wherever those do.
     */
    public static Tensor einsum(String equation, Tensor... operands) {
        return Einsum.einsum(equation, List.of(operands));
    }

    public static Tensor einsum(String equation, List<Tensor> operands) {
        return Einsum.einsum(equation, operands);
    }

}
