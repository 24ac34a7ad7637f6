package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's KAN B-spline basis onto {@link KanKernels}; F64 goes to the reference loops.
 */
final class KanDispatch {
    private KanDispatch() {
    }

    static void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        if (x.dtype() != DType.F32) {
            REF.bsplineBasis(out, derivative, x, grid, order);
            return;
        }
        int in = grid.size(0);
        int knots = grid.size(1);
        KanKernels.bsplineBasis(f(out), out.offset(), derivative == null ? null : f(derivative),
                derivative == null ? 0 : derivative.offset(), f(x), x.offset(), f(grid), grid.offset(),
                in == 0 ? 0 : x.numel() / in, in, knots, order);
    }

    static void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        if (dy.dtype() != DType.F32) {
            REF.bsplineBasisBackward(dx, dy, derivative);
            return;
        }
        KanKernels.bsplineBasisBackward(f(dx), dx.offset(), f(dy), dy.offset(), f(derivative),
                derivative.offset(), dx.numel(), dy.size(dy.dim() - 1));
    }
}
