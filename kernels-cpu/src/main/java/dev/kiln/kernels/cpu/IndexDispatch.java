package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's indexSelect, indexAdd, gather and scatterAdd onto {@link IndexKernels}.
 */
final class IndexDispatch {
    private IndexDispatch() {
    }

    static void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        if (out.numel() == 0) {
            // nothing to copy; a zero-size x's offset may lie past its empty storage, which arraycopy refuses
            return;
        }
        if (!x.isContiguous() || out.dtype() != x.dtype() || index.dtype() != DType.I32) {
            REF.indexSelect(out, x, dim, index);
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        int m = index.numel();
        Object y = array(out);
        Object xa = array(x);
        int[] idx = ints(index);
        int is = index.dim() == 0 ? 0 : index.strides()[0];
        Parallel.forRange(outer * m, rowGrain(inner, GRAIN), (u0, u1) -> IndexKernels.indexSelect(y, out.offset(), xa,
                x.offset(), idx, index.offset(), is, u0, u1, n, m, inner));
    }

    static void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        if (!f32(out, src) || !src.isContiguous() || index.dtype() != DType.I32) {
            REF.indexAdd(out, dim, index, src);
            return;
        }
        int[] shape = out.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        int m = index.numel();
        float[] y = f(out);
        float[] s = f(src);
        int[] idx = ints(index);
        int is = index.dim() == 0 ? 0 : index.strides()[0];
        // split by columns: repeated indices then never race
        int grain = Math.max(4 * Simd.F32.length(), rowGrain(outer * m, GRAIN));
        Parallel.forRange(inner, grain, (c0, c1) -> IndexKernels.indexAdd(y, out.offset(), idx, index.offset(), is, s,
                src.offset(), outer, n, m, inner, c0, c1));
    }

    static void gather(Tensor out, Tensor x, int dim, Tensor index) {
        if (!f32(out, x) || index.dtype() != DType.I32) {
            REF.gather(out, x, dim, index);
            return;
        }
        int[] xStrides = x.strides();
        int xd = x.dim() == 0 ? 0 : xStrides[dim];
        if (x.dim() > 0) {
            xStrides[dim] = 0;
        }
        int[] shape = index.shape();
        StridedLoop lp = StridedLoop.of(shape, new int[][] {out.strides(), index.strides(), xStrides},
                new int[] {out.offset(), index.offset(), x.offset()});
        float[] y = f(out);
        float[] xa = f(x);
        int[] idx = ints(index);
        int is = lp.innerStride[1];
        int xs = lp.innerStride[2];
        lp.run(GRAIN, (o, len) -> IndexKernels.gather(y, o[0], xa, o[2], xs, xd, idx, o[1], is, len));
    }

    static void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        if (!f32(out, src) || index.dtype() != DType.I32) {
            REF.scatterAdd(out, dim, index, src);
            return;
        }
        int[] outStrides = out.strides();
        int od = out.dim() == 0 ? 0 : outStrides[dim];
        if (out.dim() > 0) {
            outStrides[dim] = 0;
        }
        StridedLoop lp = StridedLoop.of(index.shape(), new int[][] {outStrides, index.strides(), src.strides()},
                new int[] {out.offset(), index.offset(), src.offset()});
        float[] y = f(out);
        float[] s = f(src);
        int[] idx = ints(index);
        int os = lp.innerStride[0];
        int is = lp.innerStride[1];
        int ss = lp.innerStride[2];
        // one thread: two positions may scatter into one element
        lp.forEach(0, lp.numel, (o, len) -> IndexKernels.scatterAdd(y, o[0], os, od, idx, o[1], is, s, o[2], ss, len));
    }
}
