package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.List;

/** Ops that move elements by index: cat, stack, index_select, index_add, gather, scatter_add, embedding. */
final class IndexOps {
    private IndexOps() {
    }

    static Tensor cat(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("cat: expected at least one tensor");
        }
        Tensor first = parts.getFirst();
        if (first.dim() == 0) {
            throw new IllegalArgumentException("cat: zero-dimensional tensors cannot be concatenated; use stack");
        }
        int d = Shapes.normalizeDim("cat", dim, first.dim());
        Tensor[] arr = parts.toArray(new Tensor[0]);
        Backend b = Dispatch.backend("cat", arr);
        int total = 0;
        for (int i = 0; i < arr.length; i++) {
            Tensor t = arr[i];
            Dispatch.sameDType("cat", first, t);
            if (t.dim() != first.dim()) {
                throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shapes.str(t.shape())
                        + " but tensor 0 has " + Shapes.str(first.shape()) + " (ranks differ)");
            }
            for (int k = 0; k < t.dim(); k++) {
                if (k != d && t.size(k) != first.size(k)) {
                    throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shapes.str(t.shape())
                            + " but tensor 0 has " + Shapes.str(first.shape()) + ": sizes must match except in dim " + d);
                }
            }
            total = Shapes.addExact("cat", first.shape(), total, t.size(d));
        }
        int[] shape = first.shape();
        shape[d] = total;
        Shapes.checkShape("cat", shape);
        Tensor out = Dispatch.empty(b, first.dtype(), shape, first.device());
        int at = 0;
        for (Tensor t : arr) {
            int len = t.size(d);
            if (len > 0) {
                int[] s = out.shape();
                s[d] = len;
                b.copy(out.asView(s, out.strides(), Shapes.multiplyExact("cat", shape, at, out.strides()[d])), t);
            }
            at += len;
        }
        return Dispatch.record(new Op.Cat(d), out, arr);
    }

    static Tensor stack(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack: expected at least one tensor");
        }
        int[] shape = parts.getFirst().shape();
        int rank = shape.length;
        if (dim < -(rank + 1) || dim > rank) {
            throw new IllegalArgumentException("stack: dim " + dim + " is out of range for tensors of rank " + rank);
        }
        Tensor[] unsq = new Tensor[parts.size()];
        Dispatch.device("stack", parts.toArray(new Tensor[0]));
        for (int i = 0; i < unsq.length; i++) {
            Tensor t = parts.get(i);
            Dispatch.sameDType("stack", parts.getFirst(), t);
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shapes.str(t.shape())
                        + " but tensor 0 has " + Shapes.str(shape) + "; all must be equal");
            }
            unsq[i] = t.unsqueeze(dim);
        }
        return cat(List.of(unsq), dim < 0 ? dim + rank + 1 : dim);
    }

    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        index = Dispatch.requireIndex("indexSelect", "index", index);
        if (index.dim() > 1) {
            throw new IllegalArgumentException("indexSelect: index must be 0-d or 1-D, got " + Shapes.str(index.shape()));
        }
        int d = Shapes.normalizeDim("indexSelect", dim, x.dim());
        if (x.dim() == 0 && index.numel() != 1) {
            // the result of a 0-d input is 0-d, which holds one element (PyTorch refuses this too)
            throw new IllegalArgumentException("indexSelect: the index into a 0-d tensor must have exactly one "
                    + "element, got shape " + Shapes.str(index.shape()));
        }
        Backend b = Dispatch.backend("indexSelect", x, index);
        int size = x.dim() == 0 ? 1 : x.size(d);
        Dispatch.checkIndexRange("indexSelect", "index", index, 0, size, null);
        Tensor idx = index.reshape(-1);
        Tensor src = x.dim() == 0 ? x.reshape(1) : x;
        int[] shape = src.shape();
        shape[d] = idx.numel();
        Shapes.checkShape("indexSelect", shape);
        Tensor out = Dispatch.empty(b, x.dtype(), shape, x.device());
        b.indexSelect(out, src, d, idx);
        if (x.dim() == 0) {
            out = out.rawView(new int[0]);
        }
        return Dispatch.record(new Op.IndexSelect(d), out, x, index);
    }

    static Tensor indexAdd(Tensor self, int dim, Tensor index, Tensor src) {
        index = Dispatch.requireIndex("indexAdd", "index", index);
        Dispatch.sameDType("indexAdd", self, src);
        Dispatch.requireNumeric("indexAdd", self);
        if (index.dim() > 1) {
            throw new IllegalArgumentException("indexAdd: index must be 0-d or 1-D, got " + Shapes.str(index.shape()));
        }
        if (self.dim() == 0) {
            throw new IllegalArgumentException("indexAdd: self must have at least one dim");
        }
        int d = Shapes.normalizeDim("indexAdd", dim, self.dim());
        Backend b = Dispatch.backend("indexAdd", self, index, src);
        int[] expected = self.shape();
        expected[d] = index.numel();
        if (!java.util.Arrays.equals(expected, src.shape())) {
            throw new IllegalArgumentException("indexAdd: src has shape " + Shapes.str(src.shape()) + " but self "
                    + Shapes.str(self.shape()) + " with " + index.numel() + " indices along dim " + d + " needs "
                    + Shapes.str(expected));
        }
        Dispatch.checkIndexRange("indexAdd", "index", index, 0, self.size(d), null);
        Tensor out = ViewOps.copy(self);
        b.indexAdd(out, d, index.reshape(-1), src);
        return Dispatch.record(new Op.IndexAdd(d), out, self, index, src);
    }

    static Tensor gather(Tensor x, int dim, Tensor index) {
        index = Dispatch.requireIndex("gather", "index", index);
        int d = Shapes.normalizeDim("gather", dim, x.dim());
        if (index.dim() != x.dim()) {
            throw new IllegalArgumentException("gather: index " + Shapes.str(index.shape()) + " and input "
                    + Shapes.str(x.shape()) + " must have the same number of dims");
        }
        for (int k = 0; k < x.dim(); k++) {
            if (k != d && index.size(k) > x.size(k)) {
                throw new IllegalArgumentException("gather: index " + Shapes.str(index.shape()) + " is larger than input "
                        + Shapes.str(x.shape()) + " in dim " + k);
            }
        }
        Backend b = Dispatch.backend("gather", x, index);
        Dispatch.checkIndexRange("gather", "index", index, 0, x.dim() == 0 ? 1 : x.size(d), null);
        Tensor out = Dispatch.empty(b, x.dtype(), index.shape(), x.device());
        b.gather(out, x, d, index);
        return Dispatch.record(new Op.Gather(d), out, x, index);
    }

    static Tensor scatterAdd(Tensor self, int dim, Tensor index, Tensor src) {
        index = Dispatch.requireIndex("scatterAdd", "index", index);
        Dispatch.sameDType("scatterAdd", self, src);
        Dispatch.requireNumeric("scatterAdd", self);
        int d = Shapes.normalizeDim("scatterAdd", dim, self.dim());
        if (index.dim() != self.dim() || src.dim() != self.dim()) {
            throw new IllegalArgumentException("scatterAdd: self " + Shapes.str(self.shape()) + ", index "
                    + Shapes.str(index.shape()) + " and src " + Shapes.str(src.shape()) + " must have the same number of dims");
        }
        for (int k = 0; k < self.dim(); k++) {
            if (index.size(k) > src.size(k) || (k != d && index.size(k) > self.size(k))) {
                throw new IllegalArgumentException("scatterAdd: index " + Shapes.str(index.shape())
                        + " is larger than src " + Shapes.str(src.shape()) + " or self " + Shapes.str(self.shape())
                        + " in dim " + k);
            }
        }
        Backend b = Dispatch.backend("scatterAdd", self, index, src);
        Dispatch.checkIndexRange("scatterAdd", "index", index, 0, self.dim() == 0 ? 1 : self.size(d), null);
        Tensor out = ViewOps.copy(self);
        b.scatterAdd(out, d, index, src);
        return Dispatch.record(new Op.ScatterAdd(d), out, self, index, src);
    }

    static Tensor embedding(Tensor indices, Tensor weight) {
        indices = Dispatch.requireIndex("embedding", "indices", indices);
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("embedding: weight must be 2-D [num, dim], got " + Shapes.str(weight.shape()));
        }
        Dispatch.device("embedding", indices, weight);
        Dispatch.checkIndexRange("embedding", "index", indices, 0, weight.size(0), null);
        int[] shape = java.util.Arrays.copyOf(indices.shape(), indices.dim() + 1);
        shape[indices.dim()] = weight.size(1);
        Shapes.checkShape("embedding", shape);
        return weight.indexSelect(0, indices.reshape(-1)).reshape(shape);
    }
}
