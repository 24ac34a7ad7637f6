package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's reductions and argmax/argmin: the kernels of reduce.cu.
 */
final class ReduceDispatch {
    private ReduceDispatch() {
    }

    static void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        CudaDevice d = dev(out);
        if (out.numel() == 0) {
            return;
        }
        ReduceLayout r = ReduceLayout.of(x.shape(), x.strides(), dims);
        if (r.inner == 0) {  // only SUM gets here (max/min of nothing is refused): zeros
            MemoryDispatch.fill(out, 0);
            return;
        }
        if (!r.fits()) {
            reduceStepwise(op, out, x, dims);
            return;
        }
        int code = OpCodes.reduce(op);
        boolean rows = r.innerReducedStride() == 1 && r.inner >= 32;
        int sm = d.multiprocessors();
        int splits = 1;
        if (rows && r.outer < 2 * sm) {
            splits = (int) Math.min(ceilDiv(r.inner, 4096), ceilDiv(4L * sm, r.outer));
        } else if (!rows && r.outer < 64L * sm * 32) {
            splits = (int) Math.min(ceilDiv(r.inner, 64), ceilDiv(2L * sm * 1024, r.outer));
        }
        splits = Math.max(1, Math.min(splits, 65535));
        CachingAllocator.Block partial = splits > 1 ? d.scratch((long) r.outer * splits * 8) : null;
        try {
            long partialPtr = partial == null ? 0 : partial.address();
            Args args = new Args().reduceLayout(r.pack()).i(code).ptr(ptr(out)).ptr(partialPtr).ptr(ptr(x)).i(splits);
            if (rows) {
                d.launch(Kernels.REDUCE_ROWS, sfx(x), r.outer, splits, 1, rowBlock(r.inner / splits + 1), 0, args);
            } else {
                d.launch(Kernels.REDUCE_COLS, sfx(x), CudaDevice.blocks(r.outer, 256), splits, 1, 256, 0, args);
            }
            if (partial != null) {
                d.launch(Kernels.REDUCE_FINISH, sfx(out), r.outer, 1, 1, rowBlock(splits), 0,
                        new Args().i(r.outer).i(splits).i(code).ptr(ptr(out)).ptr(partialPtr));
            }
        } finally {
            if (partial != null) {
                d.release(partial);
            }
        }
    }

    /**
     * Reductions whose kept or reduced dims do not coalesce into 8 groups: make x contiguous,
     * then reduce one dim at a time (each step keeps the dim with size 1).
     */
    private static void reduceStepwise(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        CudaDevice d = dev(out);
        Tensor cur = x.isContiguous() ? x : contiguousCopy(x);
        for (int i = 0; i < dims.length; i++) {
            int[] shape = cur.shape();
            shape[dims[i]] = 1;
            boolean last = i == dims.length - 1;
            DType dtype = op == ReduceOp.SUM && cur.dtype() == DType.BOOL ? DType.I32 : cur.dtype();
            Tensor next = last ? out
                    : Tensor.fromStorage(d.allocate(dtype, Math.max(1, numel(shape))), shape, contiguousStrides(shape), 0);
            reduce(op, next, cur, new int[] {dims[i]});
            if (cur != x) {
                ((CudaStorage) cur.storage()).close();  // an intermediate, already consumed in stream order
            }
            cur = next;
        }
    }

    static void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        CudaDevice d = dev(out);
        if (out.numel() == 0) {
            return;
        }
        ReduceLayout r = ReduceLayout.ofDim(x.shape(), x.strides(), dim);
        Tensor src = x;
        if (!r.fits()) {
            src = contiguousCopy(x);
            r = ReduceLayout.ofDim(src.shape(), src.strides(), dim);
        }
        Args args = new Args().reduceLayout(r.pack()).i(OpCodes.reduce(op)).ptr(ptr(out)).ptr(ptr(src));
        if (r.inner >= 256 && r.innerReducedStride() == 1) {
            d.launch(Kernels.ARGREDUCE_ROWS, sfx(src), r.outer, 1, 1, rowBlock(r.inner), 0, args);
        } else {
            d.launch(Kernels.ARGREDUCE_COLS, sfx(src), CudaDevice.blocks(r.outer, 256), 1, 1, 256, 0, args);
        }
    }
}
