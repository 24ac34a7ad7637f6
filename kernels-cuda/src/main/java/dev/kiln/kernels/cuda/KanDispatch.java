package dev.kiln.kernels.cuda;

import java.util.Arrays;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's KAN B-spline basis: the kernels of kan.cu.
 */
final class KanDispatch {
    private KanDispatch() {
    }

    static void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        int in = grid.size(0);
        int knots = grid.size(1);
        int rows = in == 0 ? 0 : x.numel() / in;
        if (knots > Kernels.KAN_MAX_KNOTS) {
            throw new IllegalArgumentException("bsplineBasis: the CUDA kernel takes up to " + Kernels.KAN_MAX_KNOTS
                    + " knots per input, got a grid " + java.util.Arrays.toString(grid.shape()));
        }
        dev(out).launch1d(Kernels.BSPLINE_BASIS, sfx(x), (long) rows * in, new Args().i(rows).i(in).i(knots).i(order)
                .ptr(ptr(out)).ptr(ptrOrNull(derivative)).ptr(ptr(x)).ptr(ptr(grid)));
    }

    static void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        int m = dx.numel();
        int n = dy.size(dy.dim() - 1);
        dev(dx).launch1d(Kernels.BSPLINE_BASIS_BACKWARD, sfx(dy), m, new Args().i(m).i(n).ptr(ptr(dx)).ptr(ptr(dy))
                .ptr(ptr(derivative)));
    }
}
