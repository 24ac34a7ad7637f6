package dev.kiln.tensor;

import dev.kiln.tensor.spi.Autograd;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * The B-spline basis of Kolmogorov–Arnold networks as one fused op: for inputs x [..., in] and
 * one knot vector per input, grid [in, K], the values of the K − 1 − order basis functions of
 * each element, [..., in, K − 1 − order], by Cox–de Boor with half-open order-0 intervals (see
 * {@link Backend#bsplineBasis} for the exact definition, NaN and out-of-range inputs included).
 * When autograd records the call, the forward kernel also writes dB/dx in the same pass, and the
 * backward is one row-dot per element ({@link #bsplineBasisBackward}).
 *
 * <p>The knots get no gradient; a grid that requires grad is refused rather than silently cut.
 */
public final class Splines {
    private Splines() {
    }

    /** B(x) [..., in, K − 1 − order] on grid [in, K] (rows non-decreasing and finite), order ≥ 0. */
    public static Tensor bsplineBasis(Tensor x, Tensor grid, int order) {
        String op = "bsplineBasis";
        int n = check(op, x, grid, order);
        Backend b = Dispatch.backend(op, x, grid);
        if (grid.requiresGrad() && Autograd.get().isGradEnabled()) {
            throw new IllegalArgumentException(op + ": the grid requires grad, but gradients with respect to the knots "
                    + "are not supported; pass grid.detach()");
        }
        int in = grid.size(0);
        int rows = in == 0 ? 0 : x.numel() / in;
        int[] outShape = Arrays.copyOf(x.shape(), x.dim() + 1);
        outShape[x.dim()] = n;
        Shapes.checkShape(op, outShape);
        int[] flatShape = {rows, in, n};
        Tensor xc = x.contiguous().detach();
        Tensor out = Dispatch.empty(b, x.dtype(), flatShape, x.device());
        boolean record = Dispatch.wouldRecord(x);
        Tensor derivative = record ? Dispatch.empty(b, x.dtype(), flatShape, x.device()) : null;
        b.bsplineBasis(out, derivative, xc.rawView(new int[] {rows, in}), grid.contiguous().detach(), order);
        Tensor result = out.rawView(outShape);
        if (!record) {
            return result;
        }
        return Dispatch.record(new Op.BSplineBasis(order, derivative.rawView(outShape)), result, x);
    }

    /**
     * The backward of {@link #bsplineBasis}: dx [..., in] = Σ_j dy[..., j]·derivative[..., j], with
     * derivative the forward's saved dB/dx. Not itself differentiable.
     */
    public static Tensor bsplineBasisBackward(Tensor dy, Tensor derivative) {
        String op = "bsplineBasisBackward";
        if (Dispatch.wouldRecord(dy, derivative)) {
            throw new IllegalStateException(op + ": this backward kernel is not differentiable "
                    + "(double backward is not supported); call it with grad disabled");
        }
        Dispatch.requireFloat(op, dy);
        Dispatch.sameDType(op, dy, derivative);
        if (!Arrays.equals(dy.shape(), derivative.shape()) || dy.dim() < 2) {
            throw new IllegalArgumentException(op + ": dy " + Shapes.str(dy.shape()) + " and derivative "
                    + Shapes.str(derivative.shape()) + " must have one shape [..., in, n]");
        }
        Backend b = Dispatch.backend(op, dy, derivative);
        int[] shape = Arrays.copyOf(dy.shape(), dy.dim() - 1);
        Tensor dx = Dispatch.empty(b, dy.dtype(), shape, dy.device());
        b.bsplineBasisBackward(dx, dy.contiguous().detach(), derivative.contiguous().detach());
        return dx;
    }

    /** Checks the arguments; returns the number of basis functions per input. */
    private static int check(String op, Tensor x, Tensor grid, int order) {
        if (x == null || grid == null) {
            throw new IllegalArgumentException(op + ": x and grid must not be null");
        }
        Dispatch.requireFloat(op, x);
        Dispatch.sameDType(op, x, grid);
        if (order < 0) {
            throw new IllegalArgumentException(op + ": order must be >= 0, got " + order);
        }
        if (grid.dim() != 2) {
            throw new IllegalArgumentException(op + ": grid must be 2-D [in, knots], got " + Shapes.str(grid.shape()));
        }
        int in = grid.size(0);
        int knots = grid.size(1);
        if (knots < order + 2) {
            throw new IllegalArgumentException(op + ": grid " + Shapes.str(grid.shape()) + " has " + knots
                    + " knots per input, but order " + order + " needs at least " + (order + 2));
        }
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException(op + ": x " + Shapes.str(x.shape()) + " must end with the grid's "
                    + in + " inputs (grid " + Shapes.str(grid.shape()) + ")");
        }
        checkKnots(op, grid);
        return knots - 1 - order;
    }

    /** Every knot finite and each row non-decreasing; the grid is small, so reading it on the host is cheap. */
    private static void checkKnots(String op, Tensor grid) {
        int knots = grid.size(1);
        double[] t = grid.detach().toDoubleArray();
        for (int i = 0; i < t.length; i++) {
            if (!Double.isFinite(t[i])) {
                throw new IllegalArgumentException(op + ": knot " + (i % knots) + " of input " + (i / knots)
                        + " is " + t[i] + "; knots must be finite");
            }
            if (i % knots > 0 && t[i] < t[i - 1]) {
                throw new IllegalArgumentException(op + ": the knots of input " + (i / knots) + " decrease at "
                        + (i % knots) + " (" + t[i - 1] + " then " + t[i] + "); each grid row must be non-decreasing");
            }
        }
    }
}
