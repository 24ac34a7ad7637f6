package dev.kiln.kernels.cuda;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.ScanOp;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/** CudaBackend's prod, scans, sort and top-k: the kernels of scan.cu. */
final class ScanDispatch {
    private ScanDispatch() {
    }

    static void prod(Tensor out, Tensor x, int dim) {
        if (out.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = outer(shape, dim);
        int inner = inner(shape, dim);
        dev(out).launch1d(Kernels.PROD, sfx(x), (long) outer * inner,
                new Args().i(outer).i(shape[dim]).i(inner).ptr(ptr(out)).ptr(ptr(x)));
    }

    static void scan(ScanOp op, Tensor out, Tensor indices, Tensor x, int dim) {
        if (out.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = outer(shape, dim);
        int inner = inner(shape, dim);
        dev(out).launch1d(Kernels.SCAN, sfx(x), (long) outer * inner, new Args().i(outer).i(shape[dim]).i(inner)
                .i(OpCodes.scan(op)).ptr(ptr(out)).ptr(ptrOrNull(indices)).ptr(ptr(x)));
    }

    /** The first k of each row's stable sort (descending when largest); sort is k = n. */
    static void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest) {
        if (values.numel() == 0) {
            return;
        }
        int n = x.size(-1);
        int rows = x.numel() / n;
        dev(values).launch(Kernels.TOPK, sfx(x), rows, 1, 1, rowBlock(n), 0,
                new Args().i(n).i(k).i(largest ? 1 : 0).ptr(ptr(values)).ptr(ptr(indices)).ptr(ptr(x)));
    }
}
