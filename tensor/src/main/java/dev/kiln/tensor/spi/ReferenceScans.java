package dev.kiln.tensor.spi;

import dev.kiln.tensor.Tensor;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The reference loops of {@link Backend#prod}, {@link Backend#scan}, {@link Backend#sort} and
 * {@link Backend#topk}: plain loops in double over any dtype, the oracle the other backends are
 * tested against.
 */
public final class ReferenceScans {
    private ReferenceScans() {
    }

    private static CpuStorage s(Tensor t) {
        return (CpuStorage) t.storage();
    }

    /** The order sort uses: NaN above everything, −0.0 equal to 0.0. */
    public static int compare(double a, double b) {
        boolean na = Double.isNaN(a);
        boolean nb = Double.isNaN(b);
        if (na || nb) {
            return na == nb ? 0 : na ? 1 : -1;
        }
        return a < b ? -1 : a > b ? 1 : 0;
    }

    public static void prod(Tensor out, Tensor x, int dim) {
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        CpuStorage xs = s(x);
        CpuStorage o = s(out);
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                double p = 1;
                for (int k = 0; k < n; k++) {
                    p *= xs.get(x.offset() + (a * n + k) * inner + c);
                }
                o.set(out.offset() + a * inner + c, p);
            }
        }
    }

    public static void scan(ScanOp op, Tensor out, Tensor indices, Tensor x, int dim) {
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        CpuStorage xs = s(x);
        CpuStorage o = s(out);
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                double acc = 0;
                int at = 0;
                for (int k = 0; k < n; k++) {
                    int p = (a * n + k) * inner + c;
                    double v = xs.get(x.offset() + p);
                    if (k == 0) {
                        acc = v;
                    } else {
                        switch (op) {
                            case CUMSUM -> acc += v;
                            case CUMPROD -> acc *= v;
                            case CUMMAX -> {
                                if (Double.isNaN(v) || (!Double.isNaN(acc) && v >= acc)) {
                                    acc = v;
                                    at = k;
                                }
                            }
                            case CUMMIN -> {
                                if (Double.isNaN(v) || (!Double.isNaN(acc) && v <= acc)) {
                                    acc = v;
                                    at = k;
                                }
                            }
                            case LOGCUMSUMEXP -> acc = logAddExp(acc, v);
                        }
                    }
                    o.set(out.offset() + p, acc);
                    if (indices != null) {
                        s(indices).set(indices.offset() + p, at);
                    }
                }
            }
        }
    }

    /** log(eᵃ + eᵇ) without overflow; −∞ + −∞ is −∞, and a NaN operand gives NaN. */
    public static double logAddExp(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.NaN;
        }
        double m = Math.max(a, b);
        if (m == Double.NEGATIVE_INFINITY || m == Double.POSITIVE_INFINITY) {
            return m;
        }
        return m + Math.log1p(Math.exp(Math.min(a, b) - m));
    }

    public static void sort(Tensor values, Tensor indices, Tensor x, boolean descending) {
        int n = x.dim() == 0 ? 1 : x.shape()[x.dim() - 1];
        int rows = n == 0 ? 0 : x.numel() / n;
        topk(values, indices, x, rows, n, n, !descending ? SortOrder.ASCENDING : SortOrder.DESCENDING);
    }

    public static void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest) {
        int n = x.shape()[x.dim() - 1];
        int rows = n == 0 ? 0 : x.numel() / n;
        topk(values, indices, x, rows, n, k, largest ? SortOrder.DESCENDING : SortOrder.ASCENDING);
    }

    private enum SortOrder { ASCENDING, DESCENDING }

    private static void topk(Tensor values, Tensor indices, Tensor x, int rows, int n, int k, SortOrder order) {
        CpuStorage xs = s(x);
        CpuStorage vs = s(values);
        CpuStorage is = s(indices);
        double[] row = new double[n];
        Integer[] idx = new Integer[n];
        Comparator<Integer> up = (i, j) -> compare(row[i], row[j]);
        Comparator<Integer> cmp = order == SortOrder.ASCENDING ? up : (i, j) -> compare(row[j], row[i]);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) {
                row[i] = xs.get(x.offset() + r * n + i);
                idx[i] = i;
            }
            Arrays.sort(idx, cmp); // stable (a merge sort), so equal values keep their order
            for (int i = 0; i < k; i++) {
                vs.set(values.offset() + r * k + i, row[idx[i]]);
                is.set(indices.offset() + r * k + i, idx[i]);
            }
        }
    }
}
