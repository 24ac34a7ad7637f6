package dev.kiln.tensor;

import dev.kiln.tensor.spi.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ops that pick or place elements by masks and index tensors: maskedFill, maskedSelect,
 * maskedScatter, scatter, scatterReduce, take, takeAlongDim, nonzero, oneHot and advanced
 * indexing. Positions are worked out once on the host; the values then move through indexSelect,
 * indexAdd, gather and where, whose rules give the gradients (scatterReduce has its own rule).
 */
final class MaskOps {
    private MaskOps() {
    }

    /** where(mask, value, x): mask must be BOOL and broadcast to x's shape. */
    static Tensor maskedFill(Tensor x, Tensor mask, Tensor value) {
        requireMask("maskedFill", x, mask);
        if (value.dim() != 0) {
            throw new IllegalArgumentException("maskedFill: the value must be a 0-d tensor, got " + Shapes.str(value.shape()));
        }
        Dispatch.device("maskedFill", x, mask, value);
        return ElementwiseOps.where(mask, value.to(x.dtype()), x);
    }

    static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        requireMask("maskedFill", x, mask);
        Tensor.checkFillValue("maskedFill", value, x.dtype());
        return ElementwiseOps.where(mask, Tensor.full(value, x.dtype(), x.device()), x);
    }

    private static void requireMask(String op, Tensor x, Tensor mask) {
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException(op + ": mask must be BOOL, got " + mask.dtype() + " "
                    + Shapes.str(mask.shape()));
        }
        if (!Shapes.broadcastsTo(mask.shape(), x.shape())) {
            throw new IllegalArgumentException(op + ": mask " + Shapes.str(mask.shape()) + " does not broadcast to "
                    + "the input " + Shapes.str(x.shape()));
        }
    }

    /** The elements where mask (broadcast with x) is true, in row-major order, as 1-D (an indexSelect). */
    static Tensor maskedSelect(Tensor x, Tensor mask) {
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("maskedSelect: mask must be BOOL, got " + mask.dtype() + " "
                    + Shapes.str(mask.shape()));
        }
        Dispatch.device("maskedSelect", x, mask);
        int[] shape = Shapes.broadcast("maskedSelect", x.shape(), mask.shape());
        int[] pos = truePositions(mask.broadcastView(shape));
        return x.expand(shape).reshape(-1).indexSelect(0, ShapeOps.indexOn(pos, x));
    }

    /**
     * x with the positions where mask is true taken, in row-major order, from source's first
     * elements (source needs at least as many elements as the mask has true values).
     */
    static Tensor maskedScatter(Tensor x, Tensor mask, Tensor source) {
        requireMask("maskedScatter", x, mask);
        Dispatch.sameDType("maskedScatter", x, source);
        Dispatch.requireNumeric("maskedScatter", x);
        Dispatch.device("maskedScatter", x, mask, source);
        int[] pos = truePositions(mask.broadcastView(x.shape()));
        if (source.numel() < pos.length) {
            throw new IllegalArgumentException("maskedScatter: the mask has " + pos.length + " true values but source "
                    + Shapes.str(source.shape()) + " holds only " + source.numel() + " elements");
        }
        Tensor values = source.reshape(-1).narrow(0, 0, pos.length);
        Tensor placed = Tensor.full(0, x.dtype(), x.device(), x.numel()).indexAdd(0, ShapeOps.indexOn(pos, x), values);
        return ElementwiseOps.where(mask, placed.reshape(x.shape()), x);
    }

    /** Row-major flat positions of the true elements. */
    private static int[] truePositions(Tensor mask) {
        boolean[] m = mask.toBooleanArray();
        int count = 0;
        for (boolean b : m) {
            count += b ? 1 : 0;
        }
        int[] pos = new int[count];
        for (int i = 0, k = 0; i < m.length; i++) {
            if (m[i]) {
                pos[k++] = i;
            }
        }
        return pos;
    }

    /** The flat positions in self and src that each index element names (see {@link #positions}). */
    private record Placement(int[] target, int[] source) {
    }

    /** Checks scatter's arguments as PyTorch: same rank, index no larger than src, nor than self off dim. */
    private static int checkScatter(String op, Tensor self, int dim, Tensor index, Tensor src) {
        index = Dispatch.requireIndex(op, "index", index);
        int d = Shapes.normalizeDim(op, dim, self.dim());
        if (index.dim() != self.dim() || (src != null && src.dim() != self.dim())) {
            throw new IllegalArgumentException(op + ": self " + Shapes.str(self.shape()) + ", index "
                    + Shapes.str(index.shape()) + (src != null ? " and src " + Shapes.str(src.shape()) : "")
                    + " must have the same number of dims");
        }
        for (int k = 0; k < self.dim(); k++) {
            if ((src != null && index.size(k) > src.size(k)) || (k != d && index.size(k) > self.size(k))) {
                throw new IllegalArgumentException(op + ": index " + Shapes.str(index.shape()) + " is larger than "
                        + (src != null ? "src " + Shapes.str(src.shape()) + " or " : "") + "self "
                        + Shapes.str(self.shape()) + " in dim " + k);
            }
        }
        Dispatch.checkIndexRange(op, "index", index, 0, self.dim() == 0 ? 1 : self.size(d), null);
        return d;
    }

    /** For every element of index (row-major), its target position in self and its position in src. */
    private static Placement positions(int[] selfShape, int d, Tensor index, int[] srcShape) {
        int[] idx = index.toIntArray();
        int rank = selfShape.length;
        int[] ishape = index.shape();
        int[] selfStrides = Shapes.contiguousStrides(selfShape);
        int[] srcStrides = Shapes.contiguousStrides(srcShape);
        int[] target = new int[idx.length];
        int[] source = new int[idx.length];
        int[] at = new int[rank];
        for (int i = 0; i < idx.length; i++) {
            long t = 0;
            long s = 0;
            for (int k = 0; k < rank; k++) {
                t += (long) (k == d ? idx[i] : at[k]) * selfStrides[k];
                s += (long) at[k] * srcStrides[k];
            }
            target[i] = (int) t;
            source[i] = (int) s;
            for (int k = rank - 1; k >= 0; k--) {
                if (++at[k] < ishape[k]) {
                    break;
                }
                at[k] = 0;
            }
        }
        return new Placement(target, source);
    }

    /**
     * A copy of self with src's values written at the positions index names along dim. Where index
     * repeats a position, the last write (in row-major order) wins; PyTorch leaves that order open.
     */
    static Tensor scatter(Tensor self, int dim, Tensor index, Tensor src) {
        int d = checkScatter("scatter", self, dim, index, src);
        Dispatch.sameDType("scatter", self, src);
        Dispatch.requireNumeric("scatter", self);
        Dispatch.device("scatter", self, index, src);
        Placement p = positions(self.shape(), d, index, src.shape());
        int n = self.numel();
        int[] lastWriter = new int[n];
        Arrays.fill(lastWriter, -1);
        for (int i = 0; i < p.target.length; i++) {
            lastWriter[p.target[i]] = i;
        }
        int count = 0;
        boolean[] hit = new boolean[n];
        for (int t = 0; t < n; t++) {
            if (lastWriter[t] >= 0) {
                hit[t] = true;
                count++;
            }
        }
        int[] targets = new int[count];
        int[] sources = new int[count];
        for (int t = 0, k = 0; t < n; t++) {
            if (hit[t]) {
                targets[k] = t;
                sources[k++] = p.source[lastWriter[t]];
            }
        }
        Tensor values = src.reshape(-1).indexSelect(0, ShapeOps.indexOn(sources, self));
        Tensor placed = Tensor.full(0, self.dtype(), self.device(), n).indexAdd(0, ShapeOps.indexOn(targets, self), values);
        Tensor mask = Tensor.of(hit).reshape(self.shape()).to(self.device());
        return ElementwiseOps.where(mask, placed.reshape(self.shape()), self);
    }

    /** A copy of self with value written at the positions index names along dim. */
    static Tensor scatter(Tensor self, int dim, Tensor index, double value) {
        int d = checkScatter("scatter", self, dim, index, null);
        Dispatch.device("scatter", self, index);
        Placement p = positions(self.shape(), d, index, index.shape());
        boolean[] hit = new boolean[self.numel()];
        for (int t : p.target) {
            hit[t] = true;
        }
        return maskedFill(self, Tensor.of(hit).reshape(self.shape()).to(self.device()), value);
    }

    /** scatter with PyTorch's (deprecated) reduce argument: a composition of scatterReduce. */
    static Tensor scatter(Tensor self, int dim, Tensor index, Tensor src, String reduce) {
        return scatterReduce(self, dim, index, src, scatterReduction(reduce), true);
    }

    /** The value form: value at every position of index (PyTorch takes index's shape for it). */
    static Tensor scatter(Tensor self, int dim, Tensor index, double value, String reduce) {
        ScatterReduction r = scatterReduction(reduce);
        checkScatter("scatter", self, dim, index, null);
        return scatterReduce(self, dim, index, Tensor.full(value, self.dtype(), self.device(), index.shape()), r, true);
    }

    private static ScatterReduction scatterReduction(String reduce) {
        if ("add".equals(reduce)) {
            return ScatterReduction.SUM;
        }
        if ("multiply".equals(reduce)) {
            return ScatterReduction.PROD;
        }
        throw new IllegalArgumentException("scatter: reduce must be \"add\" or \"multiply\", got "
                + (reduce == null ? "null" : "\"" + reduce + "\""));
    }

    /**
     * Reduces src's values into self at the positions index names along dim; includeSelf says
     * whether self's own value takes part (positions nothing is scattered to keep self). A reference
     * loop on the host computes the result and, for the gradient, d(out)/d(self) and d(out)/d(src)
     * per element: 1 for sum, 1/count for mean, the product of the others for prod, and an even share
     * among the elements equal to the result for amax/amin (as PyTorch). Integer means round down.
     */
    static Tensor scatterReduce(Tensor self, int dim, Tensor index, Tensor src, ScatterReduction reduce,
                                boolean includeSelf) {
        String op = "scatterReduce";
        if (reduce == null) {
            throw new IllegalArgumentException(op + ": reduce must be one of sum, prod, mean, amax, amin, got null");
        }
        int d = checkScatter(op, self, dim, index, src);
        Dispatch.sameDType(op, self, src);
        Dispatch.requireNumeric(op, self);
        Dispatch.device(op, self, index, src);
        Placement p = positions(self.shape(), d, index, src.shape());
        double[] sv = self.toDoubleArray();
        double[] xv = src.toDoubleArray();
        int n = sv.length;
        int m = p.target.length;
        // contributors of each target: self (when included, or when nothing is scattered there) and the src elements
        int[] hits = new int[n];
        for (int t : p.target) {
            hits[t]++;
        }
        int[][] members = new int[n][];
        for (int t = 0; t < n; t++) {
            members[t] = new int[hits[t]];
        }
        int[] fill = new int[n];
        for (int i = 0; i < m; i++) {
            members[p.target[i]][fill[p.target[i]]++] = i;
        }
        boolean integral = self.dtype().isIntegral();
        double[] out = new double[n];
        double[] selfWeight = new double[n];
        double[] srcWeight = new double[m];
        for (int t = 0; t < n; t++) {
            boolean withSelf = includeSelf || hits[t] == 0;
            int k = members[t].length + (withSelf ? 1 : 0);
            double[] v = new double[k];
            int j = 0;
            if (withSelf) {
                v[j++] = sv[t];
            }
            for (int i : members[t]) {
                v[j++] = xv[p.source[i]];
            }
            double r = reduce(reduce, v, integral);
            out[t] = r;
            double[] w = weights(reduce, v, r);
            j = 0;
            if (withSelf) {
                selfWeight[t] = w[j++];
            }
            for (int i : members[t]) {
                srcWeight[i] = w[j++];
            }
        }
        Tensor result = Tensor.of(out).reshape(self.shape()).to(self.dtype()).to(self.device());
        if (!Dispatch.wouldRecord(self, src)) {
            return result;
        }
        Tensor sw = Tensor.of(selfWeight).reshape(self.shape()).to(self.dtype()).to(self.device());
        Tensor xw = Tensor.of(srcWeight).reshape(index.shape()).to(self.dtype()).to(self.device());
        return Dispatch.record(new Op.ScatterReduce(d, sw, xw), result, self, index, src);
    }

    private static double reduce(ScatterReduction reduce, double[] v, boolean integral) {
        double r = switch (reduce) {
            case SUM, MEAN -> {
                double s = 0;
                for (double x : v) {
                    s += x;
                }
                yield s;
            }
            case PROD -> {
                double s = 1;
                for (double x : v) {
                    s *= x;
                }
                yield s;
            }
            case AMAX, AMIN -> {
                double s = v[0];
                for (double x : v) {
                    if (Double.isNaN(x) || (reduce == ScatterReduction.AMAX ? x > s : x < s)) {
                        s = x;
                    }
                    if (Double.isNaN(s)) {
                        break;
                    }
                }
                yield s;
            }
        };
        if (reduce == ScatterReduction.MEAN) {
            r = integral ? Math.floor(r / v.length) : r / v.length;
        }
        return r;
    }

    /** d(result)/d(v[i]) for each contributor. */
    private static double[] weights(ScatterReduction reduce, double[] v, double r) {
        double[] w = new double[v.length];
        switch (reduce) {
            case SUM -> Arrays.fill(w, 1);
            case MEAN -> Arrays.fill(w, 1.0 / v.length);
            case PROD -> {
                for (int i = 0; i < v.length; i++) {
                    double others = 1;
                    for (int j = 0; j < v.length; j++) {
                        others *= j == i ? 1 : v[j];
                    }
                    w[i] = others;
                }
            }
            case AMAX, AMIN -> {
                int ties = 0;
                for (double x : v) {
                    ties += x == r || (Double.isNaN(x) && Double.isNaN(r)) ? 1 : 0;
                }
                for (int i = 0; i < v.length; i++) {
                    w[i] = v[i] == r || (Double.isNaN(v[i]) && Double.isNaN(r)) ? 1.0 / ties : 0;
                }
            }
        }
        return w;
    }

    /** Elements of the flattened x at the (possibly negative) I32 indices, shaped as index. */
    static Tensor take(Tensor x, Tensor index) {
        index = Dispatch.requireIndex("take", "index", index);
        Dispatch.device("take", x, index);
        int n = x.numel();
        int[] idx = index.toIntArray();
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < -n || idx[i] >= n) {
                throw new IllegalArgumentException("take: index " + idx[i] + " at position " + i + " is out of range ["
                        + -n + ", " + n + ") for " + Shapes.str(x.shape()));
            }
            idx[i] = idx[i] < 0 ? idx[i] + n : idx[i];
        }
        return x.reshape(-1).indexSelect(0, ShapeOps.indexOn(idx, x)).reshape(index.shape());
    }

    /** gather after broadcasting x and indices in every dim but dim; null dim takes from the flattened x. */
    static Tensor takeAlongDim(Tensor x, Tensor indices, Integer dim) {
        indices = Dispatch.requireIndex("takeAlongDim", "indices", indices);
        if (dim == null) {
            return x.reshape(-1).gather(0, indices.reshape(-1));
        }
        if (x.dim() != indices.dim()) {
            throw new IllegalArgumentException("takeAlongDim: input " + Shapes.str(x.shape()) + " and indices "
                    + Shapes.str(indices.shape()) + " must have the same number of dims");
        }
        int d = Shapes.normalizeDim("takeAlongDim", dim, x.dim());
        if (x.dim() == 0) {
            return x.reshape(1).gather(0, indices.reshape(1)).reshape();
        }
        int[] xs = x.shape();
        int[] is = indices.shape();
        xs[d] = 1;
        is[d] = 1;
        int[] common = Shapes.broadcast("takeAlongDim", xs, is);
        int[] xTarget = common.clone();
        int[] iTarget = common.clone();
        xTarget[d] = x.size(d);
        iTarget[d] = indices.size(d);
        return x.expand(xTarget).gather(d, indices.expand(iTarget));
    }

    /** The indices of the non-zero elements, one row per element: I32 [count, dim]. */
    static Tensor nonzero(Tensor x) {
        Tensor mask = x.dtype() == DType.BOOL ? x : x.ne(ElementwiseOps.scalarLike("nonzero", x, 0));
        int[] pos = truePositions(mask);
        int rank = x.dim();
        int[] shape = x.shape();
        int[] out = new int[Shapes.multiplyExact("nonzero", new int[] {pos.length, rank}, pos.length, rank)];
        for (int i = 0; i < pos.length; i++) {
            int rest = pos[i];
            for (int k = rank - 1; k >= 0; k--) {
                out[i * rank + k] = rest % shape[k];
                rest /= shape[k];
            }
        }
        return Tensor.of(out, pos.length, rank).to(x.device());
    }

    /** I32 one-hot rows of the non-negative I32 x; numClasses −1 means max(x) + 1 (a comparison with arange). */
    static Tensor oneHot(Tensor x, int numClasses) {
        x = Dispatch.requireIndex("oneHot", "the input", x);
        int max = -1;
        for (int v : x.toIntArray()) {
            if (v < 0) {
                throw new IllegalArgumentException("oneHot: class values must be non-negative, got " + v);
            }
            max = Math.max(max, v);
        }
        if (numClasses == -1) {
            if (x.numel() == 0) {
                throw new IllegalArgumentException("oneHot: cannot infer the number of classes from an empty tensor; "
                        + "pass numClasses");
            }
            numClasses = max + 1;
        } else if (numClasses < 0) {
            throw new IllegalArgumentException("oneHot: numClasses must be -1 or >= 0, got " + numClasses);
        } else if (max >= numClasses) {
            throw new IllegalArgumentException("oneHot: class value " + max + " is not below numClasses " + numClasses);
        }
        int[] shape = Arrays.copyOf(x.shape(), x.dim() + 1);
        shape[x.dim()] = numClasses;
        Shapes.checkShape("oneHot", shape);
        return x.unsqueeze(-1).eq(Tensor.arange(numClasses).to(x.device())).to(DType.I32);
    }

    /**
     * Where advanced indices point: x permuted (perm) so the indexed dims lead and reshaped to
     * merged = [product of indexed sizes, rest...]; flat holds one row of that matrix per element
     * of the broadcast index shape; the result of x[indices] is that shape followed by rest, with
     * the broadcast dims moved to {@code moveTo} when the indexed dims are adjacent (else -1).
     */
    private record Plan(int[] perm, int[] merged, int[] flat, int[] broadcast, int[] rest, int moveTo) {
        int[] resultShape() {
            int[] out = new int[broadcast.length + rest.length];
            System.arraycopy(broadcast, 0, out, 0, broadcast.length);
            System.arraycopy(rest, 0, out, broadcast.length, rest.length);
            return out;
        }

        /** The dims of the [broadcast, rest] result that moveTo puts back in x's order. */
        int[][] moves() {
            int[] src = new int[broadcast.length];
            int[] dst = new int[broadcast.length];
            for (int i = 0; i < broadcast.length; i++) {
                src[i] = i;
                dst[i] = moveTo + i;
            }
            return new int[][] {src, dst};
        }
    }

    /**
     * PyTorch's advanced indexing x[i0, i1, ...]: null is a full slice; I32 or I64 index tensors broadcast
     * together and may be negative; a BOOL mask stands for the indices of its true elements over
     * as many dims as it has. The indexed dims are gathered as one flat indexSelect over x with
     * those dims moved to the front; the broadcast index shape then goes where the first indexed
     * dim was when the indexed dims are adjacent, else to the front (PyTorch's rule).
     */
    static Tensor index(Tensor x, Tensor[] indices) {
        Plan p = plan("index", x, indices);
        if (p == null) {
            return x;
        }
        if (p.merged.length == x.dim()) {
            // one indexed dim: select along it in place of the permuted copy, then unfold the index shape there
            int d = p.perm[0];
            int[] shape = new int[x.dim() - 1 + p.broadcast.length];
            int[] xs = x.shape();
            System.arraycopy(xs, 0, shape, 0, d);
            System.arraycopy(p.broadcast, 0, shape, d, p.broadcast.length);
            System.arraycopy(xs, d + 1, shape, d + p.broadcast.length, xs.length - d - 1);
            return x.indexSelect(d, ShapeOps.indexOn(p.flat, x)).reshape(shape);
        }
        Tensor gathered = x.permute(p.perm).reshape(p.merged).indexSelect(0, ShapeOps.indexOn(p.flat, x));
        Tensor out = gathered.reshape(p.resultShape());
        if (p.moveTo < 0) {
            return out;
        }
        int[][] mv = p.moves();
        return out.movedim(mv[0], mv[1]);
    }

    /**
     * A copy of x with values (broadcast to the shape of x[indices]) written at the indexed
     * positions: added when accumulate (index_put with accumulate=True, repeats add up), else the
     * last write of a repeated position wins (PyTorch leaves that order open).
     */
    static Tensor indexPut(Tensor x, Tensor[] indices, Tensor values, boolean accumulate) {
        String op = "indexPut";
        Dispatch.sameDType(op, x, values);
        Dispatch.requireNumeric(op, x);
        Dispatch.device(op, x, values);
        Plan p = plan(op, x, indices);
        if (p == null) {
            checkBroadcast(op, values, x.shape());
            Tensor v = values.expand(x.shape());
            return accumulate ? x.add(v) : ViewOps.clone(v);
        }
        int[] target = p.resultShape();
        if (p.moveTo < 0) {
            checkBroadcast(op, values, target);
            values = values.expand(target);
        } else {
            // x[indices] has the broadcast dims at moveTo: broadcast values there, then move them to the front
            int[][] mv = p.moves();
            int[] order = new int[target.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            int[] moved = movedOrder(order, mv[0], mv[1]);
            int[] indexed = new int[target.length];
            for (int i = 0; i < indexed.length; i++) {
                indexed[i] = target[moved[i]];
            }
            checkBroadcast(op, values, indexed);
            values = values.expand(indexed).movedim(mv[1], mv[0]);
        }
        int rows = p.flat.length;
        int[] rowShape = p.merged.clone();
        rowShape[0] = rows;
        Tensor rowsOfValues = values.reshape(rowShape);
        Tensor xm = x.permute(p.perm).reshape(p.merged);
        Tensor updated;
        if (accumulate) {
            updated = xm.indexAdd(0, ShapeOps.indexOn(p.flat, x), rowsOfValues);
        } else {
            int[] last = new int[p.merged[0]];
            Arrays.fill(last, -1);
            for (int i = 0; i < rows; i++) {
                last[p.flat[i]] = i;
            }
            List<Integer> targets = new ArrayList<>();
            List<Integer> sources = new ArrayList<>();
            boolean[] hit = new boolean[p.merged[0]];
            for (int r = 0; r < last.length; r++) {
                if (last[r] >= 0) {
                    targets.add(r);
                    sources.add(last[r]);
                    hit[r] = true;
                }
            }
            int[] t = targets.stream().mapToInt(Integer::intValue).toArray();
            int[] src = sources.stream().mapToInt(Integer::intValue).toArray();
            Tensor placed = Tensor.full(0, x.dtype(), x.device(), p.merged)
                    .indexAdd(0, ShapeOps.indexOn(t, x), rowsOfValues.indexSelect(0, ShapeOps.indexOn(src, x)));
            int[] maskShape = new int[p.merged.length];
            Arrays.fill(maskShape, 1);
            maskShape[0] = p.merged[0];
            updated = ElementwiseOps.where(Tensor.of(hit).reshape(maskShape).to(x.device()), placed, xm);
        }
        int[] permuted = new int[p.perm.length];
        for (int i = 0; i < permuted.length; i++) {
            permuted[i] = x.size(p.perm[i]);
        }
        int[] inverse = new int[p.perm.length];
        for (int i = 0; i < inverse.length; i++) {
            inverse[p.perm[i]] = i;
        }
        return updated.reshape(permuted).permute(inverse);
    }

    private static void checkBroadcast(String op, Tensor values, int[] shape) {
        if (!Shapes.broadcastsTo(values.shape(), shape)) {
            throw new IllegalArgumentException(op + ": values " + Shapes.str(values.shape()) + " do not broadcast to "
                    + "the indexed shape " + Shapes.str(shape));
        }
    }

    /** The order of dims after movedim(src, dst) on a tensor whose dims are order. */
    private static int[] movedOrder(int[] order, int[] src, int[] dst) {
        int n = order.length;
        int[] out = new int[n];
        Arrays.fill(out, -1);
        boolean[] used = new boolean[n];
        for (int i = 0; i < src.length; i++) {
            out[dst[i]] = order[src[i]];
            used[src[i]] = true;
        }
        for (int d = 0, next = 0; d < n; d++) {
            if (out[d] < 0) {
                while (used[next]) {
                    next++;
                }
                out[d] = order[next++];
            }
        }
        return out;
    }

    /** The placement of x[indices], or null when no index is a tensor. */
    private static Plan plan(String op, Tensor x, Tensor[] indices) {
        if (indices.length > x.dim()) {
            throw new IllegalArgumentException(op + ": too many indices (" + indices.length + ") for a tensor of shape "
                    + Shapes.str(x.shape()));
        }
        List<Tensor> expanded = new ArrayList<>();
        for (Tensor t : indices) {
            if (t == null) {
                expanded.add(null);
            } else if (t.dtype() == DType.BOOL) {
                if (t.dim() == 0) {
                    throw new IllegalArgumentException(op + ": a 0-d BOOL index is not supported");
                }
                Tensor nz = nonzero(t);
                for (int k = 0; k < t.dim(); k++) {
                    expanded.add(nz.select(1, k));
                }
            } else if (t.dtype() == DType.I32 || t.dtype() == DType.I64) {
                expanded.add(Dispatch.requireIndex(op, "index", t));
            } else {
                throw new IllegalArgumentException(op + ": index tensors must be I32, I64 or BOOL, got " + t.dtype() + " "
                        + Shapes.str(t.shape()));
            }
        }
        if (expanded.size() > x.dim()) {
            throw new IllegalArgumentException(op + ": the indices cover " + expanded.size() + " dims but the tensor "
                    + Shapes.str(x.shape()) + " has " + x.dim());
        }
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] != null && indices[k].dtype() == DType.BOOL) {
                int at = positionOf(indices, k);
                for (int j = 0; j < indices[k].dim(); j++) {
                    if (indices[k].size(j) != x.size(at + j)) {
                        throw new IllegalArgumentException(op + ": the BOOL mask " + Shapes.str(indices[k].shape())
                                + " does not match dims " + at + ".." + (at + indices[k].dim() - 1) + " of "
                                + Shapes.str(x.shape()));
                    }
                }
            }
        }
        List<Integer> advDims = new ArrayList<>();
        int[] bshape = null;
        for (int k = 0; k < expanded.size(); k++) {
            Tensor t = expanded.get(k);
            if (t != null) {
                Dispatch.device(op, x, t);
                advDims.add(k);
                bshape = bshape == null ? t.shape() : Shapes.broadcast(op, bshape, t.shape());
            }
        }
        if (advDims.isEmpty()) {
            return null;
        }
        int rank = x.dim();
        int a = advDims.size();
        int[] perm = new int[rank];
        int[] advSizes = new int[a];
        for (int i = 0; i < a; i++) {
            perm[i] = advDims.get(i);
            advSizes[i] = x.size(advDims.get(i));
        }
        int[] restShape = new int[rank - a];
        for (int k = 0, j = a, r = 0; k < rank; k++) {
            if (!advDims.contains(k)) {
                perm[j++] = k;
                restShape[r++] = x.size(k);
            }
        }
        // one flat position per broadcast index element, negative indices wrapped
        int count = Shapes.numel(op, bshape);
        long[] flat = new long[count];
        long stride = 1;
        for (int i = a - 1; i >= 0; i--) {
            Tensor t = expanded.get(advDims.get(i));
            int size = advSizes[i];
            int[] v = t.broadcastView(bshape).toIntArray();
            for (int e = 0; e < count; e++) {
                int iv = v[e];
                if (iv < -size || iv >= size) {
                    throw new IllegalArgumentException(op + ": index " + iv + " is out of range for dim " + advDims.get(i)
                            + " of size " + size + " in " + Shapes.str(x.shape()));
                }
                flat[e] += (iv < 0 ? iv + size : iv) * stride;
            }
            stride *= size;
        }
        int[] flatIndex = new int[count];
        for (int e = 0; e < count; e++) {
            flatIndex[e] = (int) flat[e];
        }
        int[] merged = new int[1 + restShape.length];
        merged[0] = (int) stride;
        System.arraycopy(restShape, 0, merged, 1, restShape.length);
        boolean adjacent = advDims.get(a - 1) - advDims.get(0) == a - 1;
        int first = advDims.get(0);
        int moveTo = adjacent && first != 0 && bshape.length > 0 ? first : -1;
        return new Plan(perm, merged, flatIndex, bshape, restShape, moveTo);
    }

    /** The first dim of x that indices[k] covers (BOOL masks cover as many dims as they have). */
    private static int positionOf(Tensor[] indices, int k) {
        int at = 0;
        for (int i = 0; i < k; i++) {
            at += indices[i] != null && indices[i].dtype() == DType.BOOL ? Math.max(indices[i].dim(), 1) : 1;
        }
        return at;
    }
}
