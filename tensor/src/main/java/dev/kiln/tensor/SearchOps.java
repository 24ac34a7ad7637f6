package dev.kiln.tensor;

import java.util.Arrays;

/** Binary search and counting: searchsorted, bucketize, histc (reference loops on the host; no gradients). */
final class SearchOps {
    private SearchOps() {
    }

    /**
     * For each value, the insertion index into the last dim of sortedSequence that keeps it sorted:
     * the first position whose element is >= the value (left) or > it (right). A 1-D sequence serves
     * every value; otherwise its leading dims must equal the values'. sorter (I32, may be null)
     * gives the order that sorts an unsorted sequence. The result is I32 (Kiln's index dtype) with
     * or without outInt32.
     */
    static Tensor searchsorted(Tensor sortedSequence, Tensor values, boolean outInt32, boolean right, String side,
                               Tensor sorter) {
        return search("searchsorted", sortedSequence, values, right, side, sorter);
    }

    private static Tensor search(String op, Tensor sortedSequence, Tensor values, boolean right, String side,
                                 Tensor sorter) {
        Dispatch.requireNumeric(op, sortedSequence);
        Dispatch.requireNumeric(op, values);
        Dispatch.device(op, sortedSequence, values);
        if (side != null && !side.equals("left") && !side.equals("right")) {
            throw new IllegalArgumentException(op + ": side must be \"left\" or \"right\", got \"" + side + "\"");
        }
        if (side != null && right && side.equals("left")) {
            throw new IllegalArgumentException(op + ": side \"left\" and right=true contradict each other");
        }
        boolean upper = right || "right".equals(side);
        if (sortedSequence.dim() == 0) {
            throw new IllegalArgumentException(op + ": sortedSequence must have at least 1 dim, got a 0-d tensor");
        }
        int[] ss = sortedSequence.shape();
        int[] vs = values.shape();
        if (ss.length > 1) {
            boolean leadingMatch = vs.length == ss.length
                    && Arrays.equals(Arrays.copyOf(ss, ss.length - 1), Arrays.copyOf(vs, vs.length - 1));
            if (!leadingMatch) {
                throw new IllegalArgumentException(op + ": sortedSequence " + Shapes.str(ss) + " and values "
                        + Shapes.str(vs) + " must agree in every dim but the last (or the sequence must be 1-D)");
            }
        }
        int len = ss[ss.length - 1];
        double[] seq = sortedSequence.toDoubleArray();
        int[] order = null;
        if (sorter != null) {
            sorter = Dispatch.requireIndex(op, "sorter", sorter);
            if (!Arrays.equals(sorter.shape(), ss)) {
                throw new IllegalArgumentException(op + ": sorter " + Shapes.str(sorter.shape())
                        + " must have the sequence's shape " + Shapes.str(ss));
            }
            order = sorter.toIntArray();
            for (int v : order) {
                if (v < 0 || v >= len) {
                    throw new IllegalArgumentException(op + ": sorter value " + v + " is out of range [0, " + len + ")");
                }
            }
        }
        double[] v = values.toDoubleArray();
        int perRow = ss.length > 1 ? (vs.length == 0 ? 1 : vs[vs.length - 1]) : Math.max(v.length, 1);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            int row = ss.length > 1 ? i / perRow : 0;
            int base = row * len;
            int lo = 0;
            int hi = len;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                double e = seq[base + (order == null ? mid : order[base + mid])];
                // as PyTorch: a NaN element counts as larger than every value, a NaN value as larger than every element
                boolean goRight = upper ? !(e > v[i]) : !(e >= v[i]);
                if (goRight) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            out[i] = lo;
        }
        return Tensor.of(out).reshape(vs).to(values.device());
    }

    /** The bucket of each input among the 1-D boundaries (searchsorted with the arguments swapped). */
    static Tensor bucketize(Tensor input, Tensor boundaries, boolean outInt32, boolean right) {
        if (boundaries.dim() != 1) {
            throw new IllegalArgumentException("bucketize: boundaries must be 1-D, got " + Shapes.str(boundaries.shape()));
        }
        return search("bucketize", boundaries, input, right, null, null);
    }

    /**
     * A histogram of bins equal-width bins over [min, max] (the data's own range when min == max,
     * widened by 1 on each side if that is one value); elements outside and NaN are ignored, max
     * falls in the last bin. Same dtype as the input.
     */
    static Tensor histc(Tensor x, int bins, double min, double max) {
        Dispatch.requireFloat("histc", x);
        if (bins <= 0) {
            throw new IllegalArgumentException("histc: bins must be positive, got " + bins);
        }
        if (min > max) {
            throw new IllegalArgumentException("histc: max " + max + " must not be below min " + min);
        }
        if (!Double.isFinite(min) || !Double.isFinite(max)) {
            throw new IllegalArgumentException("histc: min and max must be finite, got " + min + " and " + max);
        }
        double[] v = x.toDoubleArray();
        double lo = min;
        double hi = max;
        if (lo == hi && v.length > 0) {
            lo = Double.POSITIVE_INFINITY;
            hi = Double.NEGATIVE_INFINITY;
            for (double e : v) {
                if (Double.isNaN(e) || Double.isInfinite(e)) {
                    throw new IllegalArgumentException("histc: the range of values [" + e + "] is not finite; pass min "
                            + "and max");
                }
                lo = Math.min(lo, e);
                hi = Math.max(hi, e);
            }
        }
        if (lo == hi) {
            lo -= 1;
            hi += 1;
        }
        double[] counts = new double[bins];
        for (double e : v) {
            if (e >= lo && e <= hi) {
                int bin = (int) ((e - lo) * bins / (hi - lo));
                counts[Math.min(bin, bins - 1)]++;
            }
        }
        return Tensor.of(counts).to(x.dtype()).to(x.device());
    }
}
