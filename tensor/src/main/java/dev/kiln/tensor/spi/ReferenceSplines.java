package dev.kiln.tensor.spi;

import dev.kiln.tensor.Tensor;

/**
 * The reference loops of the KAN B-spline basis ({@link Backend#bsplineBasis}): the Cox–de Boor
 * recursion over every knot interval, exactly as the definition reads, in double. Slow (it builds
 * all K − 1 order-0 indicators of an element to use one), which is what makes it easy to trust.
 */
final class ReferenceSplines {
    private ReferenceSplines() {
    }

    static void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        int in = grid.size(0);
        int knots = grid.size(1);
        int n = knots - 1 - order;
        int rows = in == 0 ? 0 : x.numel() / in;
        CpuStorage xs = (CpuStorage) x.storage();
        CpuStorage gs = (CpuStorage) grid.storage();
        CpuStorage os = (CpuStorage) out.storage();
        CpuStorage ds = derivative == null ? null : (CpuStorage) derivative.storage();
        double[] t = new double[knots];
        double[] b = new double[knots - 1];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < knots; j++) {
                t[j] = gs.get(grid.offset() + i * knots + j);
            }
            for (int r = 0; r < rows; r++) {
                double v = xs.get(x.offset() + r * in + i);
                int o = (r * in + i) * n;
                if (Double.isNaN(v)) {
                    for (int j = 0; j < n; j++) {
                        os.set(out.offset() + o + j, Double.NaN);
                        if (ds != null) {
                            ds.set(derivative.offset() + o + j, Double.NaN);
                        }
                    }
                    continue;
                }
                if (!(v >= t[0] && v < t[knots - 1])) {
                    continue; // outside the extended grid: the outputs stay 0
                }
                for (int j = 0; j < knots - 1; j++) {
                    b[j] = v >= t[j] && v < t[j + 1] ? 1 : 0;
                }
                for (int p = 1; p <= order; p++) {
                    if (p == order && ds != null) {
                        for (int j = 0; j < n; j++) {
                            double d = p * (ratio(b[j], t[j + p] - t[j]) - ratio(b[j + 1], t[j + p + 1] - t[j + 1]));
                            ds.set(derivative.offset() + o + j, d);
                        }
                    }
                    for (int j = 0; j < knots - 1 - p; j++) {
                        b[j] = ratio((v - t[j]) * b[j], t[j + p] - t[j])
                                + ratio((t[j + p + 1] - v) * b[j + 1], t[j + p + 1] - t[j + 1]);
                    }
                }
                for (int j = 0; j < n; j++) {
                    os.set(out.offset() + o + j, b[j]);
                }
            }
        }
    }

    /** a / span, with a term over an empty knot span dropped (its lower-order basis is 0 there anyway). */
    private static double ratio(double a, double span) {
        return span == 0 ? 0 : a / span;
    }

    static void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        int n = dy.size(dy.dim() - 1);
        int m = dx.numel();
        CpuStorage gs = (CpuStorage) dy.storage();
        CpuStorage ds = (CpuStorage) derivative.storage();
        CpuStorage xs = (CpuStorage) dx.storage();
        for (int q = 0; q < m; q++) {
            double acc = 0;
            for (int j = 0; j < n; j++) {
                acc += gs.get(dy.offset() + q * n + j) * ds.get(derivative.offset() + q * n + j);
            }
            xs.set(dx.offset() + q, acc);
        }
    }
}
