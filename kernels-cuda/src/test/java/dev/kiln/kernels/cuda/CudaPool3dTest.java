package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Pool3dOps;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * 3-d pooling on CUDA tensors (pool.cu's kernels, which also serve 2-d pooling): each Backend
 * method and the ops through their entry points against the reference; skipped without a GPU.
 */
class CudaPool3dTest extends GpuTesting {

    @Test
    void pooling3dKernels() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            int[] shape = {2, 3, 5, 7, 6};
            Tensor x = randn(t, shape);
            PoolWindows3d max = Pool3dOps.maxPool3dWindows("test", shape, new int[] {3}, new int[] {2}, new int[] {1},
                    new int[] {1}, true);
            PoolWindows3d avg = Pool3dOps.avgPool3dWindows("test", shape, new int[] {3}, new int[] {2}, new int[] {1},
                    true, false, null);
            int[] out = {2, 3, max.outD(), max.outH(), max.outW()};
            checkKernel("maxPool3d " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, out)),
                on(dev, Tensor.zeros(DType.I32, out)), on(dev, x)}, (be, a) -> be.maxPool3d(a[0], a[1], a[2], max));
            int[] aout = {2, 3, avg.outD(), avg.outH(), avg.outW()};
            checkKernel("avgPool3d " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, aout)), on(dev, x)},
                    (be, a) -> be.avgPool3d(a[0], a[1], avg));
            Tensor dy = randn(t, aout);
            checkKernel("avgPool3dBackward " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)),
                on(dev, dy)}, (be, a) -> be.avgPool3dBackward(a[0], a[1], avg));
            // dilated and asymmetric windows; average windows with padding counted and a divisor override
            int[] shape2 = {1, 2, 6, 5, 4};
            Tensor x2 = randn(t, shape2);
            PoolWindows3d dilated = Pool3dOps.maxPool3dWindows("test", shape2, new int[] {2, 3, 2},
                    new int[] {1, 2, 1}, new int[] {1, 1, 0}, new int[] {2, 1, 1}, false);
            int[] out2 = {1, 2, dilated.outD(), dilated.outH(), dilated.outW()};
            checkKernel("maxPool3d dilated " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, out2)),
                on(dev, Tensor.zeros(DType.I32, out2)), on(dev, x2)}, (be, a) -> be.maxPool3d(a[0], a[1], a[2], dilated));
            PoolWindows3d avg2 = Pool3dOps.avgPool3dWindows("test", shape2, new int[] {3, 2, 3}, new int[] {2, 1, 2},
                    new int[] {1, 1, 1}, true, true, 5);
            int[] aout2 = {1, 2, avg2.outD(), avg2.outH(), avg2.outW()};
            checkKernel("avgPool3d divisor 5 " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, aout2)),
                on(dev, x2)}, (be, a) -> be.avgPool3d(a[0], a[1], avg2));
            Tensor dy2 = randn(t, aout2);
            checkKernel("avgPool3dBackward divisor 5 " + t, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape2)),
                on(dev, dy2)}, (be, a) -> be.avgPool3dBackward(a[0], a[1], avg2));
            check("maxPool3d op " + t, tol, ts -> Pool3dOps.maxPool3d(ts[0], new int[] {2}, null, new int[] {0},
                    new int[] {1}, false), x);
            check("avgPool3d op " + t, tol, ts -> Pool3dOps.avgPool3d(ts[0], new int[] {2, 3, 2}, new int[] {1},
                    new int[] {1, 1, 0}, false, true, null), x);
        }
    }
}
