package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/** Views that share storage (reshape, permute, expand, narrow, select, ...) and contiguous/clone. */
final class ViewOps {
    private ViewOps() {
    }

    /** Resolves one -1 and checks the element count. */
    static int[] inferShape(String op, int[] from, int[] requested) {
        int[] shape = requested.clone();
        int infer = -1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(op + ": only one dimension can be -1, got "
                            + Shapes.str(requested));
                }
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + shape[i] + " in " + Shapes.str(requested));
            }
        }
        // the known sizes must make a valid shape on their own (the -1 counted as 1), so their product is exact
        int[] knownSizes = shape.clone();
        if (infer >= 0) {
            knownSizes[infer] = 1;
        }
        int known = Shapes.checkShape(op, knownSizes);
        int numel = Shapes.numel(op, from);
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException(op + ": cannot reshape " + Shapes.str(from) + " (" + numel
                        + " elements) into " + Shapes.str(requested));
            }
            shape[infer] = numel / known;
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": cannot reshape " + Shapes.str(from) + " (" + numel
                    + " elements) into " + Shapes.str(requested) + " (" + known + " elements)");
        }
        return shape;
    }

    /** Strides that view (oldShape, oldStrides) as newShape without copying, or null (PyTorch's computeStride). */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int[] newStrides = new int[newShape.length];
        if (Shapes.numel(oldShape) == 0 || oldShape.length == 0) {
            return Shapes.contiguousStrides(newShape);
        }
        int viewD = newShape.length - 1;
        long chunkBase = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int td = oldShape.length - 1; td >= 0; td--) {
            tensorNumel *= oldShape[td];
            if (td == 0 || (oldShape[td - 1] != 1 && oldStrides[td - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = stride("view", newShape, newShape[viewD], viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (td > 0) {
                    chunkBase = oldStrides[td - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    static Tensor view(Tensor x, int[] requested) {
        int[] shape = inferShape("view", x.shape(), requested);
        int[] strides = viewStrides(x.shape(), x.strides(), shape);
        if (strides == null) {
            throw new IllegalArgumentException("view: a tensor of shape " + Shapes.str(x.shape()) + " and strides "
                    + Shapes.str(x.strides()) + " cannot be viewed as " + Shapes.str(shape)
                    + " without a copy; use reshape");
        }
        return Dispatch.record(new Op.Reshape(x.shape()), x.asView(shape, strides, x.offset()), x);
    }

    /**
     * PyTorch's {@code view(dtype)}: the same bytes read as another dtype. Equal element sizes keep
     * the shape; otherwise the last dim is scaled by the size ratio, which needs a last dim of
     * stride 1, and, towards a wider type, a last dim, other strides and offset divisible by the
     * ratio. Not differentiable (the result does not require grad), as PyTorch's.
     */
    static Tensor viewAs(Tensor x, DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("view: dtype is null");
        }
        if (dtype == x.dtype()) {
            return view(x, x.shape());
        }
        int from = x.dtype().byteSize();
        int to = dtype.byteSize();
        int[] shape = x.shape();
        int[] strides = x.strides();
        long offset = x.offset();
        String what = "view(" + dtype + "): " + x.dtype() + " " + Shapes.str(shape);
        int newSize;
        if (from != to) {
            int last = shape.length - 1;
            if (last < 0) {
                throw new IllegalArgumentException(what + " is 0-d; a 0-d tensor cannot be viewed as a dtype of "
                        + "another element size (" + from + " and " + to + " bytes)");
            }
            if (strides[last] != 1) {
                throw new IllegalArgumentException(what + " has stride " + strides[last] + " in its last dim; "
                        + "viewing as a dtype of another element size needs stride 1 there");
            }
            shape = shape.clone();
            strides = strides.clone();
            if (from > to) {
                int r = from / to;
                for (int d = 0; d < last; d++) {
                    strides[d] = Math.multiplyExact(strides[d], r);
                }
                shape[last] = Math.multiplyExact(shape[last], r);
                strides[last] = 1;
                offset *= r;
                newSize = Math.multiplyExact(x.storage().size(), r);
            } else {
                int r = to / from;
                if (shape[last] % r != 0) {
                    throw new IllegalArgumentException(what + ": the last dim's size " + shape[last]
                            + " must be divisible by " + r + " (" + to + "-byte " + dtype + " over " + from
                            + "-byte " + x.dtype() + ")");
                }
                for (int d = 0; d < last; d++) {
                    if (strides[d] % r != 0) {
                        throw new IllegalArgumentException(what + " with strides " + Shapes.str(x.strides())
                                + ": every stride but the last must be divisible by " + r);
                    }
                    strides[d] /= r;
                }
                if (offset % r != 0) {
                    throw new IllegalArgumentException(what + " at storage offset " + offset
                            + ": the offset must be divisible by " + r);
                }
                shape[last] /= r;
                strides[last] = 1;
                offset /= r;
                newSize = x.storage().size() / r;
            }
        } else {
            newSize = x.storage().size();
        }
        Storage s = x.storage().bitcast(dtype, newSize);
        return new Tensor(s, shape, strides, (int) offset);
    }

    static Tensor reshape(Tensor x, int[] requested) {
        int[] shape = inferShape("reshape", x.shape(), requested);
        if (Arrays.equals(shape, x.shape())) {
            return x;
        }
        int[] strides = viewStrides(x.shape(), x.strides(), shape);
        Tensor out = strides != null ? x.asView(shape, strides, x.offset()) : copy(x).rawView(shape);
        return Dispatch.record(new Op.Reshape(x.shape()), out, x);
    }

    static Tensor permute(Tensor x, int[] perm) {
        int rank = x.dim();
        if (perm.length != rank) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " has " + perm.length
                    + " dims but the tensor " + Shapes.str(x.shape()) + " has " + rank);
        }
        int[] p = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = Shapes.normalizeDim("permute", perm[i], rank);
            if (seen[p[i]]) {
                throw new IllegalArgumentException("permute: dim " + p[i] + " repeats in " + Arrays.toString(perm));
            }
            seen[p[i]] = true;
        }
        int[] shape = new int[rank];
        int[] strides = new int[rank];
        boolean identity = true;
        for (int i = 0; i < rank; i++) {
            shape[i] = x.size(p[i]);
            strides[i] = x.strides()[p[i]];
            identity &= p[i] == i;
        }
        if (identity) {
            return x;
        }
        return Dispatch.record(new Op.Permute(p), x.asView(shape, strides, x.offset()), x);
    }

    static Tensor transpose(Tensor x, int d0, int d1) {
        int rank = x.dim();
        int a = Shapes.normalizeDim("transpose", d0, rank);
        int b = Shapes.normalizeDim("transpose", d1, rank);
        if (rank == 0) {
            return x;
        }
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    static Tensor squeeze(Tensor x, Integer dim) {
        int[] shape = x.shape();
        int n = 0;
        int[] kept = new int[shape.length];
        Integer d = dim == null ? null : Shapes.normalizeDim("squeeze", dim, x.dim());
        for (int i = 0; i < shape.length; i++) {
            boolean drop = shape[i] == 1 && (d == null || d == i);
            if (!drop) {
                kept[n++] = i;
            }
        }
        if (n == shape.length) {
            return x;
        }
        int[] newShape = new int[n];
        int[] newStrides = new int[n];
        for (int i = 0; i < n; i++) {
            newShape[i] = shape[kept[i]];
            newStrides[i] = x.strides()[kept[i]];
        }
        return Dispatch.record(new Op.Reshape(shape), x.asView(newShape, newStrides, x.offset()), x);
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int rank = x.dim();
        if (dim < -(rank + 1) || dim > rank) {
            throw new IllegalArgumentException("unsqueeze: dim " + dim + " is out of range for a tensor of rank "
                    + rank + " (expected " + -(rank + 1) + " to " + rank + ")");
        }
        int d = dim < 0 ? dim + rank + 1 : dim;
        int[] shape = new int[rank + 1];
        int[] strides = new int[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) {
            if (i == d) {
                shape[i] = 1;
                strides[i] = d < rank ? stride("unsqueeze", shape, 1, (long) x.strides()[d] * x.size(d)) : 1;
            } else {
                shape[i] = x.size(j);
                strides[i] = x.strides()[j];
                j++;
            }
        }
        return Dispatch.record(new Op.Reshape(x.shape()), x.asView(shape, strides, x.offset()), x);
    }

    static Tensor expand(Tensor x, int[] sizes) {
        int rank = x.dim();
        if (sizes.length < rank) {
            throw new IllegalArgumentException("expand: cannot expand " + Shapes.str(x.shape()) + " to "
                    + Shapes.str(sizes) + ": the target has fewer dims");
        }
        int lead = sizes.length - rank;
        int[] shape = new int[sizes.length];
        int[] strides = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            int want = sizes[i];
            if (want < -1) {
                throw new IllegalArgumentException("expand: invalid size " + want + " at dim " + i + " of "
                        + Shapes.str(sizes));
            }
            if (i < lead) {
                if (want < 0) {
                    throw new IllegalArgumentException("expand: size -1 is not allowed for the new leading dim " + i
                            + " in " + Shapes.str(sizes));
                }
                shape[i] = want;
                strides[i] = 0;
                continue;
            }
            int have = x.size(i - lead);
            if (want == -1 || want == have) {
                shape[i] = have;
                strides[i] = x.strides()[i - lead];
            } else if (have == 1 && want >= 0) {
                shape[i] = want;
                strides[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: cannot expand " + Shapes.str(x.shape()) + " to "
                        + Shapes.str(sizes) + ": dim " + (i - lead) + " has size " + have + ", not 1");
            }
        }
        Shapes.checkShape("expand", shape);
        if (Arrays.equals(shape, x.shape())) {
            return x;
        }
        return Dispatch.record(new Op.Expand(x.shape()), x.asView(shape, strides, x.offset()), x);
    }

    static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shapes.normalizeDim("narrow", dim, x.dim());
        if (x.dim() == 0) {
            throw new IllegalArgumentException("narrow: cannot narrow a 0-d tensor");
        }
        int size = x.size(d);
        int s = start < 0 ? start + size : start;
        if (s < 0 || s > size || length < 0 || s + (long) length > size) {
            throw new IllegalArgumentException("narrow: start " + start + " and length " + length
                    + " do not fit dim " + d + " of size " + size + " in " + Shapes.str(x.shape()));
        }
        if (s == 0 && length == size) {
            return x;
        }
        int[] shape = x.shape();
        shape[d] = length;
        int offset = length == 0 ? x.offset() : offset("narrow", x, s, x.strides()[d]);
        return Dispatch.record(new Op.Narrow(d, s, length), x.asView(shape, x.strides(), offset), x);
    }

    /** Python-style slice x[start:end:step] along dim; out-of-range bounds are clamped. */
    static Tensor slice(Tensor x, int dim, int start, int end, int step) {
        int d = Shapes.normalizeDim("slice", dim, x.dim());
        if (x.dim() == 0) {
            throw new IllegalArgumentException("slice: cannot slice a 0-d tensor");
        }
        if (step <= 0) {
            throw new IllegalArgumentException("slice: step must be positive, got " + step);
        }
        int size = x.size(d);
        int s = clampIndex(start, size);
        int e = clampIndex(end, size);
        int length = e > s ? 1 + (e - s - 1) / step : 0; // not (e - s + step - 1) / step, which overflows
        if (step == 1) {
            return narrow(x, d, s, length);
        }
        int[] shape = x.shape();
        int[] strides = x.strides();
        shape[d] = length;
        int offset = length == 0 ? x.offset() : offset("slice", x, s, strides[d]);
        strides[d] = stride("slice", shape, length, (long) strides[d] * step);
        return Dispatch.record(new Op.Slice(d, s, length, step), x.asView(shape, strides, offset), x);
    }

    /** x's offset moved by index steps of stride along one dim. */
    private static int offset(String op, Tensor x, int index, int stride) {
        return Shapes.addExact(op, x.shape(), x.offset(), (long) index * stride);
    }

    /**
     * A computed stride as an int. The stride of a dim of size 0 or 1 never moves an index, so one
     * that does not fit is replaced by 1 rather than refused; any other must fit (it reaches an element).
     */
    private static int stride(String op, int[] shape, int size, long value) {
        if (size <= 1 && value != (int) value) {
            return 1;
        }
        return Shapes.toIntExact(op, shape, value);
    }

    private static int clampIndex(int i, int size) {
        int v = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, v));
    }

    static Tensor select(Tensor x, int dim, int index) {
        if (x.dim() == 0) {
            throw new IllegalArgumentException("select: cannot select from a 0-d tensor");
        }
        int d = Shapes.normalizeDim("select", dim, x.dim());
        int size = x.size(d);
        int i = index < 0 ? index + size : index;
        if (i < 0 || i >= size) {
            throw new IllegalArgumentException("select: index " + index + " is out of range for dim " + d
                    + " of size " + size + " in " + Shapes.str(x.shape()));
        }
        int rank = x.dim();
        int[] shape = new int[rank - 1];
        int[] strides = new int[rank - 1];
        for (int k = 0, j = 0; k < rank; k++) {
            if (k != d) {
                shape[j] = x.size(k);
                strides[j] = x.strides()[k];
                j++;
            }
        }
        int offset = offset("select", x, i, x.strides()[d]);
        return Dispatch.record(new Op.Select(d, i), x.asView(shape, strides, offset), x);
    }

    /** Drops the listed dims that have size 1 (others are kept, as PyTorch's squeeze(dims)). */
    static Tensor squeezeDims(Tensor x, int[] dims) {
        int[] ds = Shapes.normalizeDims("squeeze", dims, x.dim());
        if (dims.length == 0) {
            return x;
        }
        int[] shape = x.shape();
        boolean[] drop = new boolean[shape.length];
        for (int d : ds) {
            drop[d] = shape[d] == 1;
        }
        int n = 0;
        int[] newShape = new int[shape.length];
        int[] newStrides = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (!drop[i]) {
                newShape[n] = shape[i];
                newStrides[n++] = x.strides()[i];
            }
        }
        if (n == shape.length) {
            return x;
        }
        return Dispatch.record(new Op.Reshape(shape), x.asView(Arrays.copyOf(newShape, n), Arrays.copyOf(newStrides, n),
                x.offset()), x);
    }

    /** PyTorch's movedim(source, destination) with lists: each source dim lands at its destination. */
    static Tensor movedim(Tensor x, int[] source, int[] destination) {
        if (source.length != destination.length) {
            throw new IllegalArgumentException("movedim: source " + Arrays.toString(source) + " and destination "
                    + Arrays.toString(destination) + " must have the same number of dims");
        }
        int rank = x.dim();
        int[] perm = new int[Math.max(rank, 1)];
        Arrays.fill(perm, -1);
        boolean[] used = new boolean[perm.length];
        for (int i = 0; i < source.length; i++) {
            int s = Shapes.normalizeDim("movedim", source[i], rank);
            int d = Shapes.normalizeDim("movedim", destination[i], rank);
            if (used[s]) {
                throw new IllegalArgumentException("movedim: source dim " + s + " repeats in " + Arrays.toString(source));
            }
            if (perm[d] >= 0) {
                throw new IllegalArgumentException("movedim: destination dim " + d + " repeats in "
                        + Arrays.toString(destination));
            }
            used[s] = true;
            perm[d] = s;
        }
        if (rank == 0) {
            return x;
        }
        int next = 0;
        for (int d = 0; d < rank; d++) {
            if (perm[d] < 0) {
                while (used[next]) {
                    next++;
                }
                perm[d] = next++;
            }
        }
        return permute(x, perm);
    }

    /** Splits one dim into sizes (one may be -1), as PyTorch's unflatten. */
    static Tensor unflatten(Tensor x, int dim, int[] sizes) {
        if (x.dim() == 0) {
            throw new IllegalArgumentException("unflatten: a 0-d tensor has no dim to unflatten");
        }
        int d = Shapes.normalizeDim("unflatten", dim, x.dim());
        if (sizes.length == 0) {
            throw new IllegalArgumentException("unflatten: sizes must not be empty");
        }
        int[] inner = inferShape("unflatten", new int[] {x.size(d)}, sizes);
        int[] shape = new int[x.dim() - 1 + inner.length];
        int[] old = x.shape();
        System.arraycopy(old, 0, shape, 0, d);
        System.arraycopy(inner, 0, shape, d, inner.length);
        System.arraycopy(old, d + 1, shape, d + inner.length, old.length - d - 1);
        return reshape(x, shape);
    }

    /**
     * The diagonal of dims dim1 and dim2 as a view, moved to the last dim; offset > 0 is above the
     * main diagonal (PyTorch's diagonal).
     */
    static Tensor diagonal(Tensor x, int offset, int dim1, int dim2) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("diagonal: expected a tensor with at least 2 dims, got "
                    + Shapes.str(x.shape()));
        }
        int d1 = Shapes.normalizeDim("diagonal", dim1, x.dim());
        int d2 = Shapes.normalizeDim("diagonal", dim2, x.dim());
        if (d1 == d2) {
            throw new IllegalArgumentException("diagonal: dim1 and dim2 must differ, both are " + d1 + " in "
                    + Shapes.str(x.shape()));
        }
        long n1 = x.size(d1);
        long n2 = x.size(d2);
        long len = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
        int[] st = x.strides();
        int start = x.offset();
        if (len > 0) {
            start = offset >= 0 ? offset("diagonal", x, offset, st[d2]) : offset("diagonal", x, -offset, st[d1]);
        }
        int rank = x.dim();
        int[] shape = new int[rank - 1];
        int[] strides = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != d1 && i != d2) {
                shape[j] = x.size(i);
                strides[j++] = st[i];
            }
        }
        shape[rank - 2] = (int) len;
        strides[rank - 2] = stride("diagonal", shape, (int) len, (long) st[d1] + st[d2]);
        return Dispatch.record(new Op.Diagonal(offset, d1, d2), x.asView(shape, strides, start), x);
    }

    /**
     * Sliding windows of {@code size} every {@code step} along dimension, as a view: that dim becomes
     * the window count and a new last dim of {@code size} holds each window (PyTorch's Tensor.unfold,
     * not the im2col unfold of nn.functional).
     */
    static Tensor unfold(Tensor x, int dimension, int size, int step) {
        int d = Shapes.normalizeDim("unfold", dimension, x.dim());
        int n = x.dim() == 0 ? 1 : x.size(d);
        if (size < 0 || size > n) {
            throw new IllegalArgumentException("unfold: size " + size + " must be in [0, " + n + "], the size of dim "
                    + d + " of " + Shapes.str(x.shape()));
        }
        if (step <= 0) {
            throw new IllegalArgumentException("unfold: step must be positive, got " + step);
        }
        int windows = (n - size) / step + 1;
        int rank = x.dim();
        int[] shape = new int[rank + 1];
        int[] strides = new int[rank + 1];
        int inner = rank == 0 ? 1 : x.strides()[d];
        for (int i = 0; i < rank; i++) {
            shape[i] = x.size(i);
            strides[i] = x.strides()[i];
        }
        shape[Math.min(d, rank)] = windows;
        strides[Math.min(d, rank)] = stride("unfold", shape, windows, (long) inner * step);
        if (rank == 0) {
            shape = new int[] {size};
            strides = new int[] {1};
        } else {
            shape[rank] = size;
            strides[rank] = inner;
        }
        return Dispatch.record(new Op.Unfold(d, size, step), x.asView(shape, strides, x.offset()), x);
    }

    /** A contiguous copy with the same values (recorded as Copy). */
    static Tensor clone(Tensor x) {
        return Dispatch.record(new Op.Copy(), copy(x), x);
    }

    static Tensor contiguous(Tensor x) {
        return x.isContiguous() ? x : clone(x);
    }

    /** An unrecorded contiguous copy. */
    static Tensor copy(Tensor x) {
        return copyAs(x, x.dtype());
    }

    /** An unrecorded contiguous copy converted to dtype. */
    static Tensor copyAs(Tensor x, DType dtype) {
        Backend b = Backends.forDevice(x.device());
        Tensor out = Dispatch.uninitialized(b, dtype, x.shape(), x.device());
        b.copy(out, x);
        return out;
    }
}
