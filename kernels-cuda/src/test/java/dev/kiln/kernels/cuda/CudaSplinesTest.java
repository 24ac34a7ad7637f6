package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Splines;
import dev.kiln.tensor.Tensor;

/** KAN's B-spline basis, forward (with its derivative) and backward; skipped without a GPU. */
class CudaSplinesTest extends GpuTesting {

    /** A knot vector per input: uniform, extended by `order` knots on each side, with one repeated knot. */
    private static Tensor grid(DType t, int in, int size, int order) {
        int k = size + 2 * order + 1;
        double[] g = new double[in * k];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < k; j++) {
                g[i * k + j] = -1 - 0.1 * i + 2.0 * (j - order) / size;
            }
            g[i * k + k / 2] = g[i * k + k / 2 - 1];  // an empty span: its terms are dropped
        }
        return Tensor.of(g, in, k).to(t);
    }

    @Test
    void basisAndDerivativeAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-5, 1e-6), new Tol(1e-12, 1e-14));
            for (int order : new int[] {0, 1, 3}) {
                for (int[] shape : new int[][] {{7, 3}, {2, 5, 4}, {1000, 8}}) {
                    int in = shape[shape.length - 1];
                    Tensor g = grid(t, in, 5, order);
                    Tensor x = randn(t, shape).mul(1.3);
                    int n = g.size(1) - 1 - order;
                    int rows = x.numel() / in;
                    String what = "bsplineBasis " + t + " order " + order + " " + java.util.Arrays.toString(shape);
                    check(what, tol, ts -> Splines.bsplineBasis(ts[0], ts[1], order), x, g);
                    checkKernel(what + " with derivative", tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, rows, in, n)), on(dev, Tensor.zeros(t, rows, in, n)),
                                    on(dev, x.reshape(rows, in)), on(dev, g)},
                            (b, a) -> b.bsplineBasis(a[0], a[1], a[2], a[3], order));
                    Tensor dy = randn(t, rows, in, n);
                    Tensor deriv = randn(t, rows, in, n);
                    checkKernel(what + " backward", tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, rows, in)), on(dev, dy), on(dev, deriv)},
                            (b, a) -> b.bsplineBasisBackward(a[0], a[1], a[2]));
                }
            }
            Tensor special = Tensor.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                    -100, 100, 0}, 2, 3).to(t);
            check("bsplineBasis special values " + t, tol, ts -> Splines.bsplineBasis(ts[0], ts[1], 3), special,
                    grid(t, 3, 4, 3));
        }
    }
}
