package dev.kiln.kernels.cuda;

import java.util.Arrays;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's indexSelect, indexAdd, gather and scatterAdd: the kernels of index.cu.
 */
final class IndexDispatch {
    private IndexDispatch() {
    }

    static void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        // gather over out's shape: x's stride at dim is applied through the index value
        int rank = out.dim();
        int[] indexStrides = new int[rank];
        indexStrides[dim] = index.strides()[0];
        gatherKernel(out, x, index, out.shape(), zeroAt(x.strides(), dim), indexStrides, x.strides()[dim]);
    }

    static void gather(Tensor out, Tensor x, int dim, Tensor index) {
        int xDimStride = x.dim() == 0 ? 0 : x.strides()[dim];
        gatherKernel(out, x, index, index.shape(), zeroAt(x.strides(), dim), index.strides(), xDimStride);
    }

    private static void gatherKernel(Tensor out, Tensor x, Tensor index, int[] shape, int[] xStrides,
                                     int[] indexStrides, int xDimStride) {
        Layout layout = Layout.of(shape, out.strides(), xStrides, indexStrides);
        forEachChunk(dev(out), Kernels.GATHER, sfx(x), layout, new Tensor[] {out, x, index},
                (l, a) -> new Args().layout(l).i(xDimStride).ptr(a[0]).ptr(a[1]).ptr(a[2]));
    }

    static void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        int[] indexStrides = new int[src.dim()];
        indexStrides[dim] = index.strides()[0];
        scatterKernel(out, src, index, src.shape(), zeroAt(out.strides(), dim), src.strides(), indexStrides,
                out.strides()[dim]);
    }

    static void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        int outDimStride = out.dim() == 0 ? 0 : out.strides()[dim];
        int[] srcStrides = Arrays.copyOf(src.strides(), index.dim());
        scatterKernel(out, src, index, index.shape(), zeroAt(out.strides(), dim), srcStrides, index.strides(),
                outDimStride);
    }

    private static void scatterKernel(Tensor out, Tensor src, Tensor index, int[] shape, int[] outStrides,
                                      int[] srcStrides, int[] indexStrides, int outDimStride) {
        Layout layout = Layout.of(shape, outStrides, srcStrides, indexStrides);
        forEachChunk(dev(out), Kernels.SCATTER_ADD, sfx(out), layout, new Tensor[] {out, src, index},
                (l, a) -> new Args().layout(l).i(outDimStride).ptr(a[0]).ptr(a[1]).ptr(a[2]));
    }
}
