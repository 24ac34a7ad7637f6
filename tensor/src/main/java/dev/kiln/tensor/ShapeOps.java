package dev.kiln.tensor;

import dev.kiln.tensor.spi.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ops that rearrange or replicate elements: flip, roll, repeat, tile, repeatInterleave, split,
 * chunk, unbind, tril/triu, diag, trace, pad, meshgrid, cartesianProd. Most are compositions of
 * views, indexSelect, cat and where, so their gradients come from those ops' rules; each says so.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    /** Reverses the listed dims: one indexSelect per dim with the reversed positions. */
    static Tensor flip(Tensor x, int[] dims) {
        int[] ds = Shapes.normalizeDims("flip", dims, x.dim());
        if (dims.length == 0 || x.dim() == 0) {
            return ViewOps.clone(x);
        }
        Tensor out = x;
        for (int d : ds) {
            int n = x.size(d);
            int[] rev = new int[n];
            for (int i = 0; i < n; i++) {
                rev[i] = n - 1 - i;
            }
            out = out.indexSelect(d, indexOn(rev, x));
        }
        return out == x ? ViewOps.clone(x) : out;
    }

    /** Rolls each listed dim by its shift (a cat of two narrows per dim); no dims rolls the flattened tensor. */
    static Tensor roll(Tensor x, int[] shifts, int[] dims) {
        if (dims.length == 0) {
            if (shifts.length != 1) {
                throw new IllegalArgumentException("roll: without dims, shifts must hold one value, got "
                        + Arrays.toString(shifts));
            }
            return roll(x.flatten(), shifts, new int[] {0}).reshape(x.shape());
        }
        if (shifts.length != dims.length) {
            throw new IllegalArgumentException("roll: shifts " + Arrays.toString(shifts) + " and dims "
                    + Arrays.toString(dims) + " must have the same length");
        }
        Tensor out = x;
        for (int i = 0; i < dims.length; i++) {
            int d = Shapes.normalizeDim("roll", dims[i], x.dim());
            int n = x.dim() == 0 ? 1 : x.size(d);
            int s = n == 0 ? 0 : (int) Math.floorMod((long) shifts[i], (long) n);
            if (s != 0) {
                out = Tensor.cat(d, out.narrow(d, n - s, s), out.narrow(d, 0, n - s));
            }
        }
        return out == x ? ViewOps.clone(x) : out;
    }

    /**
     * Repeats the whole tensor {@code repeats[i]} times along dim i (leading repeats add dims):
     * a view [r0, s0, r1, s1, ...] expanded from [1, s0, 1, s1, ...] and reshaped, one copy.
     */
    static Tensor repeat(Tensor x, int[] repeats) {
        if (repeats.length < x.dim()) {
            throw new IllegalArgumentException("repeat: " + Arrays.toString(repeats) + " has fewer dims than the tensor "
                    + Shapes.str(x.shape()));
        }
        for (int r : repeats) {
            if (r < 0) {
                throw new IllegalArgumentException("repeat: repeats must be >= 0, got " + Arrays.toString(repeats));
            }
        }
        int lead = repeats.length - x.dim();
        int[] padded = new int[repeats.length];
        Arrays.fill(padded, 1);
        System.arraycopy(x.shape(), 0, padded, lead, x.dim());
        int[] out = new int[repeats.length];
        int[] pairs = new int[2 * repeats.length];
        int[] ones = new int[2 * repeats.length];
        for (int i = 0; i < repeats.length; i++) {
            out[i] = Shapes.multiplyExact("repeat", padded, padded[i], repeats[i]);
            pairs[2 * i] = repeats[i];
            pairs[2 * i + 1] = padded[i];
            ones[2 * i] = 1;
            ones[2 * i + 1] = padded[i];
        }
        Shapes.checkShape("repeat", out);
        return x.reshape(ones).expand(pairs).reshape(out);
    }

    /** repeat with PyTorch's tile rule: fewer dims than the tensor are padded with leading 1s. */
    static Tensor tile(Tensor x, int[] dims) {
        if (dims.length >= x.dim()) {
            return repeat(x, dims);
        }
        int[] full = new int[x.dim()];
        Arrays.fill(full, 1);
        System.arraycopy(dims, 0, full, x.dim() - dims.length, dims.length);
        return repeat(x, full);
    }

    /** Each element repeated {@code repeats} times along dim (null: of the flattened tensor), an expand and a reshape. */
    static Tensor repeatInterleave(Tensor x, int repeats, Integer dim) {
        if (repeats < 0) {
            throw new IllegalArgumentException("repeatInterleave: repeats must be >= 0, got " + repeats);
        }
        Tensor src = dim == null ? x.flatten() : x.dim() == 0 ? x.reshape(1) : x;
        int d = dim == null ? 0 : Shapes.normalizeDim("repeatInterleave", dim, x.dim());
        int[] shape = src.shape();
        int[] expanded = new int[shape.length + 1];
        for (int i = 0, j = 0; i <= shape.length; i++) {
            expanded[i] = i == d + 1 ? repeats : shape[j++];
        }
        int[] out = shape.clone();
        out[d] = Shapes.multiplyExact("repeatInterleave", shape, shape[d], repeats);
        Shapes.checkShape("repeatInterleave", out);
        return src.unsqueeze(d + 1).expand(expanded).reshape(out);
    }

    /** Element i of dim repeated {@code repeats[i]} times (or each by one 1-element count): an indexSelect. */
    static Tensor repeatInterleave(Tensor x, Tensor repeats, Integer dim) {
        repeats = Dispatch.requireIndex("repeatInterleave", "repeats", repeats);
        if (repeats.dim() > 1) {
            throw new IllegalArgumentException("repeatInterleave: repeats must be 0-d or 1-D, got "
                    + Shapes.str(repeats.shape()));
        }
        Tensor src = dim == null ? x.flatten() : x.dim() == 0 ? x.reshape(1) : x;
        int d = dim == null ? 0 : Shapes.normalizeDim("repeatInterleave", dim, x.dim());
        int n = src.size(d);
        int[] r = repeats.toIntArray();
        if (r.length == 1) {
            return repeatInterleave(x, r[0], dim);
        }
        if (r.length != n) {
            throw new IllegalArgumentException("repeatInterleave: repeats has " + r.length + " counts but dim " + d
                    + " of " + Shapes.str(src.shape()) + " has " + n + " elements");
        }
        return src.indexSelect(d, indexOn(countsToIndex("repeatInterleave", r), x));
    }

    /** PyTorch's repeat_interleave(repeats): i repeated repeats[i] times, I32. */
    static Tensor repeatInterleave(Tensor repeats) {
        repeats = Dispatch.requireIndex("repeatInterleave", "repeats", repeats);
        if (repeats.dim() != 1) {
            throw new IllegalArgumentException("repeatInterleave: repeats must be 1-D, got " + Shapes.str(repeats.shape()));
        }
        return indexOn(countsToIndex("repeatInterleave", repeats.toIntArray()), repeats);
    }

    private static int[] countsToIndex(String op, int[] counts) {
        long total = 0;
        for (int c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException(op + ": repeats must be >= 0, got " + c);
            }
            total += c;
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + total + " elements is too many");
        }
        int[] index = new int[(int) total];
        int at = 0;
        for (int i = 0; i < counts.length; i++) {
            Arrays.fill(index, at, at + counts[i], i);
            at += counts[i];
        }
        return index;
    }

    /** Parts of splitSize along dim (the last may be smaller), as views. */
    static List<Tensor> split(Tensor x, int splitSize, int dim) {
        int d = requireDim("split", x, dim);
        int n = x.size(d);
        if (splitSize < 0 || (splitSize == 0 && n != 0)) {
            throw new IllegalArgumentException("split: splitSize must be positive (0 only for a dim of size 0), got "
                    + splitSize + " for dim " + d + " of " + Shapes.str(x.shape()));
        }
        List<Tensor> parts = new ArrayList<>();
        if (n == 0) {
            parts.add(x.narrow(d, 0, 0));
            return parts;
        }
        for (int at = 0; at < n; at += splitSize) {
            parts.add(x.narrow(d, at, Math.min(splitSize, n - at)));
            if (n - at <= splitSize) {
                break;
            }
        }
        return parts;
    }

    /** Parts of the given sizes along dim, which must add up to its size, as views. */
    static List<Tensor> split(Tensor x, int[] sections, int dim) {
        int d = requireDim("split", x, dim);
        long total = 0;
        for (int s : sections) {
            if (s < 0) {
                throw new IllegalArgumentException("split: sections must be >= 0, got " + Arrays.toString(sections));
            }
            total += s;
        }
        if (total != x.size(d)) {
            throw new IllegalArgumentException("split: sections " + Arrays.toString(sections) + " add up to " + total
                    + " but dim " + d + " of " + Shapes.str(x.shape()) + " has size " + x.size(d));
        }
        List<Tensor> parts = new ArrayList<>();
        int at = 0;
        for (int s : sections) {
            parts.add(x.narrow(d, at, s));
            at += s;
        }
        return parts;
    }

    /** At most {@code chunks} views of ceil(size / chunks) along dim (PyTorch's chunk: possibly fewer). */
    static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        int d = requireDim("chunk", x, dim);
        if (chunks <= 0) {
            throw new IllegalArgumentException("chunk: chunks must be positive, got " + chunks);
        }
        int n = x.size(d);
        if (n == 0) {
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < chunks; i++) {
                parts.add(x.narrow(d, 0, 0));
            }
            return parts;
        }
        return split(x, (int) ((n + (long) chunks - 1) / chunks), d);
    }

    /** Every slice of dim, as views without that dim. */
    static List<Tensor> unbind(Tensor x, int dim) {
        int d = requireDim("unbind", x, dim);
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < x.size(d); i++) {
            parts.add(x.select(d, i));
        }
        return parts;
    }

    private static int requireDim(String op, Tensor x, int dim) {
        if (x.dim() == 0) {
            throw new IllegalArgumentException(op + ": a 0-d tensor has no dim to " + op);
        }
        return Shapes.normalizeDim(op, dim, x.dim());
    }

    /**
     * Zeros outside the lower (tril) or upper (triu) triangle of the last two dims; diagonal shifts
     * the boundary as PyTorch's. A where with a mask of the matrix's shape.
     */
    static Tensor triangle(String op, Tensor x, int diagonal, boolean lower) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException(op + ": expected a tensor with at least 2 dims, got " + Shapes.str(x.shape()));
        }
        int rows = x.size(-2);
        int cols = x.size(-1);
        boolean[] keep = new boolean[Shapes.numel(op, new int[] {rows, cols})];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long k = (long) j - i;
                keep[i * cols + j] = lower ? k <= diagonal : k >= diagonal;
            }
        }
        Tensor mask = Tensor.of(keep, rows, cols).to(x.device());
        return ElementwiseOps.where(mask, x, ElementwiseOps.scalarLike(op, x, 0));
    }

    /**
     * PyTorch's diag: a 1-D input becomes a square matrix with it on the given diagonal (an indexAdd
     * into zeros), a 2-D input gives a copy of that diagonal.
     */
    static Tensor diag(Tensor x, int diagonal) {
        if (x.dim() == 2) {
            return ViewOps.clone(ViewOps.diagonal(x, diagonal, 0, 1));
        }
        if (x.dim() != 1) {
            throw new IllegalArgumentException("diag: expected a 1-D or 2-D tensor, got " + Shapes.str(x.shape()));
        }
        Dispatch.requireNumeric("diag", x);
        int n = x.size(0);
        long m = n + Math.abs((long) diagonal);
        int size = Shapes.multiplyExact("diag", new int[] {(int) Math.min(m, Integer.MAX_VALUE), n}, m, m);
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            long r = diagonal >= 0 ? i : i - (long) diagonal;
            long c = diagonal >= 0 ? i + (long) diagonal : i;
            index[i] = (int) (r * m + c);
        }
        Tensor zeros = Tensor.full(0, x.dtype(), x.device(), size);
        return zeros.indexAdd(0, indexOn(index, x), x).reshape((int) m, (int) m);
    }

    /** The sum of the main diagonal of a matrix (diagonal then sum). */
    static Tensor trace(Tensor x) {
        if (x.dim() != 2) {
            throw new IllegalArgumentException("trace: expected a 2-D tensor, got " + Shapes.str(x.shape()));
        }
        return ViewOps.diagonal(x, 0, 0, 1).sum();
    }

    /**
     * PyTorch's F.pad: {@code pad} holds (before, after) pairs from the last dim backwards; negative
     * amounts crop (a narrow). Constant padding is one fill and one copy (its own op); reflect,
     * replicate and circular are one indexSelect per padded dim, whose gradient accumulates.
     */
    static Tensor pad(Tensor x, int[] pad, PadMode mode, double value) {
        if (mode == null) {
            throw new IllegalArgumentException("pad: mode must be one of constant, reflect, replicate, circular, got null");
        }
        if (pad.length % 2 != 0 || pad.length / 2 > x.dim()) {
            throw new IllegalArgumentException("pad: the padding " + Arrays.toString(pad) + " must have an even length"
                    + " of at most 2 x " + x.dim() + " (two per dim of " + Shapes.str(x.shape()) + ")");
        }
        if (mode != PadMode.CONSTANT && value != 0) {
            throw new IllegalArgumentException("pad: a value (" + value + ") is only for mode constant, got " + mode.mode());
        }
        int rank = x.dim();
        int[] before = new int[rank];
        int[] after = new int[rank];
        int[] lo = new int[rank];
        int[] hi = new int[rank];
        Tensor cropped = x;
        for (int i = 0; i < pad.length / 2; i++) {
            int d = rank - 1 - i;
            int b = pad[2 * i];
            int a = pad[2 * i + 1];
            int size = x.size(d);
            if ((long) size + Math.min(b, 0) + Math.min(a, 0) < 0) {
                throw new IllegalArgumentException("pad: the padding " + Arrays.toString(pad) + " crops dim " + d
                        + " of " + Shapes.str(x.shape()) + " below size 0");
            }
            if (b < 0 || a < 0) {
                int start = Math.max(0, -b);
                cropped = cropped.narrow(d, start, cropped.size(d) - start - Math.max(0, -a));
            }
            before[d] = Math.max(0, b);
            after[d] = Math.max(0, a);
            lo[d] = b;
            hi[d] = a;
        }
        int[] shape = cropped.shape();
        for (int d = 0; d < rank; d++) {
            shape[d] = Shapes.addExact("pad", x.shape(), (long) shape[d] + before[d], after[d]);
        }
        Shapes.checkShape("pad", shape);
        if (mode == PadMode.CONSTANT) {
            return constantPad(cropped, before, after, shape, value);
        }
        // circular pads the cropped dim; reflect and replicate read the uncropped one, as PyTorch's
        // kernels do when a dim is cropped on one side and padded on the other
        Tensor out = mode == PadMode.CIRCULAR ? cropped : x;
        for (int d = 0; d < rank; d++) {
            int first = mode == PadMode.CIRCULAR ? before[d] : lo[d];
            int last = mode == PadMode.CIRCULAR ? after[d] : hi[d];
            if (first == 0 && last == 0) {
                continue;
            }
            int n = out.size(d);
            if (n == 0 || (mode == PadMode.REFLECT && (first >= n || last >= n))
                    || (mode == PadMode.CIRCULAR && (first > n || last > n))) {
                throw new IllegalArgumentException("pad: " + mode.mode() + " padding of " + Math.max(first, 0) + " and "
                        + Math.max(last, 0) + " does not fit dim " + d + " of size " + n + " in " + Shapes.str(out.shape())
                        + (mode == PadMode.REFLECT ? " (each must be below the size)"
                        : mode == PadMode.CIRCULAR ? " (each must be at most the size)" : " (the dim must not be empty)"));
            }
            int[] index = new int[shape[d]];
            for (int k = 0; k < index.length; k++) {
                int i = k - first;
                index[k] = switch (mode) {
                    case REFLECT -> i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
                    case REPLICATE -> Math.max(0, Math.min(n - 1, i));
                    case CIRCULAR -> Math.floorMod(i, n);
                    case CONSTANT -> throw new IllegalStateException("pad: constant is handled above");
                };
            }
            out = out.indexSelect(d, indexOn(index, x));
        }
        return out;
    }

    private static Tensor constantPad(Tensor x, int[] before, int[] after, int[] shape, double value) {
        Tensor.checkFillValue("pad", value, x.dtype());
        Tensor out = Tensor.full(value, x.dtype(), x.device(), shape);
        Tensor inner = out.detach();
        for (int d = 0; d < shape.length; d++) {
            inner = inner.narrow(d, before[d], x.size(d));
        }
        if (x.numel() > 0) {
            Backends.forDevice(x.device()).copy(inner, x);
        }
        return Dispatch.record(new Op.ConstantPad(before, after), out, x);
    }

    /** Coordinate grids of 0-d or 1-D tensors: views, each a reshape and an expand. */
    static List<Tensor> meshgrid(List<Tensor> tensors, String indexing) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("meshgrid: expected at least one tensor");
        }
        boolean xy;
        if ("ij".equals(indexing)) {
            xy = false;
        } else if ("xy".equals(indexing)) {
            xy = true;
        } else {
            throw new IllegalArgumentException("meshgrid: indexing must be \"ij\" or \"xy\", got " + indexing);
        }
        int n = tensors.size();
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            Tensor t = tensors.get(i);
            if (t.dim() > 1) {
                throw new IllegalArgumentException("meshgrid: tensor " + i + " must be 0-d or 1-D, got "
                        + Shapes.str(t.shape()));
            }
            Dispatch.sameDType("meshgrid", tensors.getFirst(), t);
            sizes[i] = t.numel();
        }
        Dispatch.device("meshgrid", tensors.toArray(new Tensor[0]));
        // "xy" swaps the first two output dims (Cartesian x, y), as numpy and PyTorch
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (xy && n >= 2) {
            order[0] = 1;
            order[1] = 0;
        }
        int[] shape = new int[n];
        for (int k = 0; k < n; k++) {
            shape[k] = sizes[order[k]];
        }
        Shapes.checkShape("meshgrid", shape);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] view = new int[n];
            Arrays.fill(view, 1);
            for (int k = 0; k < n; k++) {
                if (order[k] == i) {
                    view[k] = sizes[i];
                }
            }
            out.add(tensors.get(i).reshape(view).expand(shape));
        }
        return out;
    }

    /** Every combination of the 1-D inputs' elements as rows (meshgrid, flatten, stack). */
    static Tensor cartesianProd(List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("cartesianProd: expected at least one tensor");
        }
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).dim() != 1) {
                throw new IllegalArgumentException("cartesianProd: tensor " + i + " must be 1-D, got "
                        + Shapes.str(tensors.get(i).shape()));
            }
        }
        for (Tensor t : tensors) {
            Dispatch.sameDType("cartesianProd", tensors.getFirst(), t);
        }
        Dispatch.device("cartesianProd", tensors.toArray(new Tensor[0]));
        if (tensors.size() == 1) {
            return tensors.getFirst();
        }
        List<Tensor> grids = meshgrid(tensors, "ij");
        List<Tensor> flat = new ArrayList<>();
        for (Tensor g : grids) {
            flat.add(g.reshape(-1));
        }
        return Tensor.stack(flat, 1);
    }

    /** An I32 index tensor on like's device. */
    static Tensor indexOn(int[] index, Tensor like) {
        return Tensor.of(index).to(like.device());
    }
}
