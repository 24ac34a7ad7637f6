package dev.kiln.kernels.cuda;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.BinaryOp;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's conv2d and its two gradients: im2col/col2im (conv.cu) around batched GEMMs
 * (cuBLAS, or gemm.cu through {@link GemmDispatch}), over chunks of samples so that the column
 * buffer stays bounded. Per group g, with the columns col[patch, L] of a sample
 * (patch = cIn/groups·kH·kW rows, L = outH·outW output positions):
 * <ul>
 *   <li>forward: out[n, g] = W[g]·col[n, g], W[g] the [cOut/groups, patch] slice of the weight;
 *   <li>input gradient: dcol[n, g] = W[g]ᵀ·dy[n, g], then col2im sums it back onto dx;
 *   <li>weight gradient: dW[g] = dy[g]·col[g]ᵀ with the samples of a chunk side by side along
 *       K (dy copied to [cOut, n, L] for that), so one GEMM per chunk sums over the batch.
 * </ul>
 * A 1×1 convolution with stride 1 and no padding reads x itself as its columns (no im2col) and
 * writes its input gradient straight into dx (no col2im).
 */
final class ConvDispatch {
    private ConvDispatch() {
    }

    /**
     * Scratch elements per chunk of samples (columns, and for the weight gradient dy's copy):
     * 2^26, 256 MB in F32. Settable for tests, which force several chunks.
     */
    static volatile long scratchElements = 1L << 26;

    /**
     * Tests only: lay the weight gradient's columns out as for cuBLAS ([g, patch, n, L], read
     * transposed) even when the hand-written GEMM runs (GemmDispatch then copies them row-major),
     * so that this layout is checked where no cuBLAS is.
     */
    static volatile boolean cublasColumnLayout;

    static void conv2d(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        CudaDevice d = dev(out);
        int l = s.outH() * s.outW();
        int g = s.groups();
        int opg = s.cOutPerGroup();
        int patch = s.patch();
        boolean direct = pointwise(s);
        int nb = direct ? s.n() : chunk("conv2d", s, (long) s.cIn() * s.kH() * s.kW() * l);
        CudaStorage col = direct ? null : scratch(d, x.dtype(), (long) nb * g * patch * l);
        try {
            for (int n0 = 0; n0 < s.n(); n0 += nb) {
                int m = Math.min(nb, s.n() - n0);
                Tensor cols;
                if (direct) {
                    // x [m, cIn, h·w] is already [m, g, patch, L]
                    cols = view(x, n0 * s.cIn() * l, new int[] {m, g, patch, l});
                } else {
                    im2col(d, s, m, view(x, n0 * s.cIn() * s.h() * s.w(), new int[] {m, s.cIn(), s.h(), s.w()}), col,
                            g * patch * l, patch * l, l, 1);
                    cols = Tensor.fromStorage(col, new int[] {m, g, patch, l}, contiguousStrides(new int[] {m, g, patch, l}), 0);
                }
                Tensor w = Tensor.fromStorage(weight.storage(), new int[] {m, g, opg, patch},
                        new int[] {0, opg * patch, patch, 1}, weight.offset());
                GemmDispatch.matmul(view(out, n0 * s.cOut() * l, new int[] {m, g, opg, l}), w, cols);
            }
        } finally {
            close(col);
        }
        if (bias != null) {
            Tensor b = Tensor.fromStorage(bias.storage(), out.shape(), new int[] {0, 1, 0, 0}, bias.offset());
            ElementwiseDispatch.binary(BinaryOp.ADD, out, out, b);
        }
    }

    static void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape s) {
        CudaDevice d = dev(dx);
        int l = s.outH() * s.outW();
        int g = s.groups();
        int opg = s.cOutPerGroup();
        int patch = s.patch();
        boolean direct = pointwise(s);
        int nb = direct ? s.n() : chunk("conv2dBackwardInput", s, (long) s.cIn() * s.kH() * s.kW() * l);
        // W[g]ᵀ as a contiguous [g, patch, opg] copy (weights are small), which every GEMM path reads as is
        CudaStorage wt = scratch(d, dy.dtype(), (long) g * patch * opg);
        CudaStorage dcol = direct ? null : scratch(d, dy.dtype(), (long) nb * g * patch * l);
        try {
            MemoryDispatch.copy(Tensor.fromStorage(wt, new int[] {g, patch, opg}, new int[] {patch * opg, opg, 1}, 0),
                    Tensor.fromStorage(weight.storage(), new int[] {g, patch, opg}, new int[] {opg * patch, 1, patch},
                            weight.offset()));
            for (int n0 = 0; n0 < s.n(); n0 += nb) {
                int m = Math.min(nb, s.n() - n0);
                Tensor w = Tensor.fromStorage(wt, new int[] {m, g, patch, opg}, new int[] {0, patch * opg, opg, 1}, 0);
                Tensor dyChunk = view(dy, n0 * s.cOut() * l, new int[] {m, g, opg, l});
                int xOffset = n0 * s.cIn() * s.h() * s.w();
                if (direct) {
                    GemmDispatch.matmul(view(dx, xOffset, new int[] {m, g, patch, l}), w, dyChunk);
                } else {
                    int[] shape = {m, g, patch, l};
                    GemmDispatch.matmul(Tensor.fromStorage(dcol, shape, contiguousStrides(shape), 0), w, dyChunk);
                    col2im(d, s, m, view(dx, xOffset, new int[] {m, s.cIn(), s.h(), s.w()}), dcol, g * patch * l,
                            patch * l, l, 1);
                }
            }
        } finally {
            close(wt);
            close(dcol);
        }
    }

    static void conv2dBackwardWeight(Tensor dw, Tensor dy, Tensor x, ConvShape s) {
        CudaDevice d = dev(dw);
        DType t = dy.dtype();
        int l = s.outH() * s.outW();
        int g = s.groups();
        int opg = s.cOutPerGroup();
        int patch = s.patch();
        int nb = chunk("conv2dBackwardWeight", s, (long) s.cIn() * s.kH() * s.kW() * l + (long) s.cOut() * l);
        // cuBLAS reads a transposed operand as it is: columns as [g, patch, n, L] (coalesced
        // writes); the hand-written GEMM wants row-major operands: [g, n, L, patch]
        boolean rowMajorCols = GemmDispatch.handwritten(d) && !cublasColumnLayout;
        CudaStorage col = scratch(d, t, (long) nb * g * patch * l);
        CudaStorage dyT = scratch(d, t, (long) nb * s.cOut() * l);
        CudaStorage partial = nb < s.n() ? scratch(d, t, dw.numel()) : null;
        Tensor dwGroups = Tensor.fromStorage(dw.storage(), new int[] {g, opg, patch}, new int[] {opg * patch, patch, 1},
                dw.offset());
        try {
            for (int n0 = 0; n0 < s.n(); n0 += nb) {
                int m = Math.min(nb, s.n() - n0);
                int k = m * l;
                // dy [m, cOut, L] → [cOut, m, L], which is [g, opg, K] with K = (sample, position)
                MemoryDispatch.copy(Tensor.fromStorage(dyT, new int[] {s.cOut(), m, l}, new int[] {m * l, l, 1}, 0),
                        Tensor.fromStorage(dy.storage(), new int[] {s.cOut(), m, l}, new int[] {l, s.cOut() * l, 1},
                                dy.offset() + n0 * s.cOut() * l));
                Tensor xChunk = view(x, n0 * s.cIn() * s.h() * s.w(), new int[] {m, s.cIn(), s.h(), s.w()});
                Tensor colT;
                if (rowMajorCols) {
                    im2col(d, s, m, xChunk, col, l * patch, k * patch, 1, patch);
                    colT = Tensor.fromStorage(col, new int[] {g, k, patch}, new int[] {k * patch, patch, 1}, 0);
                } else {
                    im2col(d, s, m, xChunk, col, l, patch * k, k, 1);
                    colT = Tensor.fromStorage(col, new int[] {g, k, patch}, new int[] {patch * k, 1, k}, 0);
                }
                Tensor a = Tensor.fromStorage(dyT, new int[] {g, opg, k}, new int[] {opg * k, k, 1}, 0);
                if (n0 == 0) {
                    GemmDispatch.matmul(dwGroups, a, colT);
                } else {
                    Tensor p = Tensor.fromStorage(partial, new int[] {g, opg, patch}, new int[] {opg * patch, patch, 1}, 0);
                    GemmDispatch.matmul(p, a, colT);
                    ElementwiseDispatch.binary(BinaryOp.ADD, dwGroups, dwGroups, p);
                }
            }
        } finally {
            close(col);
            close(dyT);
            close(partial);
        }
    }

    /** A 1×1 kernel with stride 1, no padding and no dilation: the columns are x itself. */
    private static boolean pointwise(ConvShape s) {
        return s.kH() == 1 && s.kW() == 1 && s.strideH() == 1 && s.strideW() == 1 && s.padH() == 0 && s.padW() == 0
                && s.outH() == s.h() && s.outW() == s.w();
    }

    /** Samples per chunk so that the scratch stays within {@link #scratchElements}; at least one. */
    private static int chunk(String op, ConvShape s, long perSample) {
        if (perSample > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": on CUDA one sample's im2col buffer would hold " + perSample
                    + " elements (more than 2^31 - 1) for " + s);
        }
        long budget = Math.max(1, scratchElements / Math.max(1, perSample));
        return (int) Math.max(1, Math.min(s.n(), budget));
    }

    /** cols (layout by the strides) = the columns of the m samples of x. */
    private static void im2col(CudaDevice d, ConvShape s, int m, Tensor x, CudaStorage col, int colN, int colG, int colR,
                               int colL) {
        long total = (long) m * s.cIn() * s.kH() * s.kW() * s.outH() * s.outW();
        if (total > Integer.MAX_VALUE) {  // the kernel indexes columns in 32 bits; chunk() prevents this
            throw new IllegalStateException("cuda: " + total + " im2col elements in one launch for " + s);
        }
        d.launch1d(Kernels.IM2COL, sfx(x), total, new Args().convGeom(ConvGeom.pack(s, m, colN, colG, colR, colL))
                .ptr(col.address()).ptr(ptr(x)));
    }

    /** dx (the m samples) = the adjoint of im2col applied to dcol. */
    private static void col2im(CudaDevice d, ConvShape s, int m, Tensor dx, CudaStorage dcol, int colN, int colG,
                               int colR, int colL) {
        d.launch1d(Kernels.COL2IM, sfx(dx), dx.numel(), new Args().convGeom(ConvGeom.pack(s, m, colN, colG, colR, colL))
                .ptr(ptr(dx)).ptr(dcol.address()));
    }

    /** A contiguous view of t's storage from t's offset + at. */
    private static Tensor view(Tensor t, int at, int[] shape) {
        return Tensor.fromStorage(t.storage(), shape, contiguousStrides(shape), t.offset() + at);
    }

    /** Device memory for numel elements, uninitialised (every kernel that reads it wrote it first). */
    private static CudaStorage scratch(CudaDevice d, DType dtype, long numel) {
        if (numel > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cuda: a convolution scratch buffer of " + numel + " elements is too large");
        }
        return new CudaStorage(d, dtype, (int) Math.max(1, numel), d.scratch(Math.max(1, numel) * dtype.byteSize()));
    }

    private static void close(CudaStorage s) {
        if (s != null) {
            s.close();
        }
    }
}
