package dev.kiln.kernels.cuda;

import dev.kiln.tensor.ConvOps;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Convolution and pooling on CUDA tensors, which run on host copies (HostFallback) until their
 * kernels land: each Backend method and the ops through autograd's entry points against the
 * reference; skipped without a GPU.
 */
class CudaConvTest extends GpuTesting {

    @Test
    void convolutionKernels() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            ConvShape s = new ConvShape(2, 4, 7, 6, 6, 3, 3, 2, 1, 1, 1, 1, 2, 2, 4, 4);
            Tensor x = randn(t, 2, 4, 7, 6);
            Tensor w = randn(t, 6, 2, 3, 3);
            Tensor b = randn(t, 6);
            Tensor dy = randn(t, 2, 6, 4, 4);
            checkKernel("conv2d " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, 2, 6, 4, 4)), on(dev, x),
                on(dev, w), on(dev, b)}, (be, a) -> be.conv2d(a[0], a[1], a[2], a[3], s));
            checkKernel("conv2dBackwardInput " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, 2, 4, 7, 6)),
                on(dev, dy), on(dev, w)}, (be, a) -> be.conv2dBackwardInput(a[0], a[1], a[2], s));
            checkKernel("conv2dBackwardWeight " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, 6, 2, 3, 3)),
                on(dev, dy), on(dev, x)}, (be, a) -> be.conv2dBackwardWeight(a[0], a[1], a[2], s));
            check("conv2d op " + t, tol, ts -> ConvOps.conv2d(ts[0], ts[1], ts[2], new int[] {1}, "same",
                    new int[] {1}, 2), x, w, b);
        }
    }

    @Test
    void poolingKernels() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            int[] shape = {2, 3, 7, 8};
            Tensor x = randn(t, shape);
            PoolWindows max = PoolOps.maxPool2dWindows("test", shape, new int[] {3}, new int[] {2}, new int[] {1},
                    new int[] {1}, true);
            PoolWindows avg = PoolOps.avgPool2dWindows("test", shape, new int[] {3}, new int[] {2}, new int[] {1},
                    true, false, null);
            int[] out = {2, 3, max.outH(), max.outW()};
            checkKernel("maxPool2d " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, out)),
                on(dev, Tensor.zeros(DType.I32, out)), on(dev, x)}, (be, a) -> be.maxPool2d(a[0], a[1], a[2], max));
            int[] aout = {2, 3, avg.outH(), avg.outW()};
            checkKernel("avgPool2d " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, aout)), on(dev, x)},
                    (be, a) -> be.avgPool2d(a[0], a[1], avg));
            Tensor dy = randn(t, aout);
            checkKernel("avgPool2dBackward " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)),
                on(dev, dy)}, (be, a) -> be.avgPool2dBackward(a[0], a[1], avg));
            check("adaptiveAvgPool2d op " + t, tol, ts -> PoolOps.adaptiveAvgPool2d(ts[0], new int[] {3, 5}), x);
        }
    }
}
