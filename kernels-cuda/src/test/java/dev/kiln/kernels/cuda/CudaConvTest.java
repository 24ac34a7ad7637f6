package dev.kiln.kernels.cuda;

import dev.kiln.tensor.ConvOps;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Convolution (im2col/col2im + GEMM) and pooling kernels against the reference: each Backend
 * method on varied geometries (strides, padding incl. "same"'s extra bottom/right row, dilation,
 * groups, depthwise, 1×1, kernels wider than the input, odd sizes; ceil mode, countIncludePad,
 * divisorOverride, adaptive and dilated windows, NaN and −∞), forward and gradients, then the ops
 * that run on them (conv1d/2d, convTranspose2d, unfold/fold, the pools). Convolutions run with
 * both GEMM paths. Skipped without a GPU.
 */
class CudaConvTest extends GpuTesting {
    /**
     * Float sums of up to a few hundred products in another order than the reference's double
     * loop: the absolute error grows with the terms' magnitudes, not the (possibly cancelled) result's.
     */
    private static final Tol F32_CONV = new Tol(2e-5, 2e-5);

    /**
     * Both GEMM paths, which read differently laid out columns: cuBLAS (on the emulator, its
     * stand-in EmulatorBlas) and the hand-written kernels of gemm.cu.
     */
    private static final boolean[] HANDWRITTEN = {false, true};

    /** {n, cIn, h, w, cOut, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups}. */
    private static final int[][] GEOMETRIES = {
        {2, 4, 7, 6, 6, 3, 3, 2, 1, 1, 1, 1, 2, 2},     // strided, dilated, grouped
        {3, 5, 4, 5, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1},     // 1x1: the columns are x itself
        {2, 6, 3, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2},     // 1x1 with groups
        {2, 3, 5, 5, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1},     // 1x1 strided: through im2col
        {2, 4, 6, 5, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4},     // depthwise, channel multiplier 2
        {1, 3, 9, 8, 5, 2, 3, 3, 2, 0, 2, 2, 1, 1},     // asymmetric kernel, stride, padding, dilation
        {2, 2, 2, 3, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1},     // kernel larger than the input
        {1, 1, 11, 13, 2, 4, 4, 1, 3, 3, 0, 1, 1, 1},   // one channel, odd sizes
        {2, 9, 5, 4, 6, 3, 2, 1, 2, 2, 1, 2, 1, 3},     // 3 groups of 3
        {2, 0, 3, 3, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1},     // no input channels: the output is the bias
    };

    private static ConvShape shape(int[] g) {
        int outH = (g[2] + 2 * g[9] - g[11] * (g[5] - 1) - 1) / g[7] + 1;
        int outW = (g[3] + 2 * g[10] - g[12] * (g[6] - 1) - 1) / g[8] + 1;
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13],
                outH, outW);
    }

    private void checkConvKernels(String what, DType t, ConvShape s) {
        Tol tol = floats(t, F32_CONV, F64_SUMS);
        int[] xs = {s.n(), s.cIn(), s.h(), s.w()};
        int[] ws = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
        int[] ys = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = randn(t, xs);
        Tensor w = randn(t, ws);
        Tensor b = randn(t, s.cOut());
        Tensor dy = randn(t, ys);
        String at = what + " " + t + " " + s;
        checkKernel("conv2d " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, ys)), on(dev, x), on(dev, w),
            on(dev, b)}, (be, a) -> be.conv2d(a[0], a[1], a[2], a[3], s));
        checkKernel("conv2d without bias " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, ys)), on(dev, x),
            on(dev, w)}, (be, a) -> be.conv2d(a[0], a[1], a[2], null, s));
        checkKernel("conv2dBackwardInput " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, xs)), on(dev, dy),
            on(dev, w)}, (be, a) -> be.conv2dBackwardInput(a[0], a[1], a[2], s));
        checkKernel("conv2dBackwardWeight " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, ws)), on(dev, dy),
            on(dev, x)}, (be, a) -> be.conv2dBackwardWeight(a[0], a[1], a[2], s));
    }

    @AfterEach
    void restoreDefaults() {
        CudaBackend.setHandwrittenGemm(false);
    }

    private static String gemm(boolean handwritten) {
        return handwritten ? "hand-written GEMM" : "cuBLAS";
    }

    @Test
    void convolutionKernelsOnVariedGeometries() {
        for (boolean hw : HANDWRITTEN) {
            CudaBackend.setHandwrittenGemm(hw);
            for (DType t : new DType[] {DType.F32, DType.F64}) {
                for (int[] g : GEOMETRIES) {
                    checkConvKernels(gemm(hw), t, shape(g));
                }
                // "same" with an even kernel: one more padding row/column at the bottom/right than at the top/left
                checkConvKernels(gemm(hw) + " same", t, new ConvShape(1, 2, 5, 6, 3, 4, 4, 1, 1, 1, 1, 1, 1, 1, 5, 6));
            }
        }
    }

    @Test
    void convolutionInChunksOfSamples() {
        // a scratch budget smaller than one sample's columns: a chunk per sample, and the weight
        // gradient summed over chunks
        long saved = ConvDispatch.scratchElements;
        try {
            for (boolean hw : HANDWRITTEN) {
                CudaBackend.setHandwrittenGemm(hw);
                ConvDispatch.scratchElements = 50;
                for (DType t : new DType[] {DType.F32, DType.F64}) {
                    checkConvKernels(gemm(hw) + " chunked", t, shape(GEOMETRIES[0]));
                    checkConvKernels(gemm(hw) + " chunked", t, shape(GEOMETRIES[8]));
                    checkConvKernels(gemm(hw) + " chunked", t, shape(new int[] {5, 3, 6, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1}));
                }
                ConvDispatch.scratchElements = 2000;  // two or three samples per chunk, the last one short
                checkConvKernels(gemm(hw) + " chunked by 2", DType.F32,
                        shape(new int[] {5, 3, 6, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1}));
            }
        } finally {
            ConvDispatch.scratchElements = saved;
        }
    }

    @Test
    void convolutionOps() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_CONV, F64_SUMS);
            Tensor x = randn(t, 2, 4, 7, 6);
            check("conv2d same " + t, tol, ts -> ConvOps.conv2d(ts[0], ts[1], ts[2], new int[] {1}, "same",
                    new int[] {1}, 2), x, randn(t, 6, 2, 3, 3), randn(t, 6));
            check("conv1d " + t, tol, ts -> ConvOps.conv1d(ts[0], ts[1], ts[2], 2, 1, 2, 1), randn(t, 3, 4, 11),
                    randn(t, 5, 4, 3), randn(t, 5));
            check("convTranspose2d " + t, tol, ts -> ConvOps.convTranspose2d(ts[0], ts[1], ts[2], new int[] {2},
                    new int[] {1}, new int[] {1}, 2, new int[] {1}), x, randn(t, 4, 3, 3, 3), randn(t, 6));
            check("unfold " + t, tol, ts -> ConvOps.unfold(ts[0], new int[] {2, 3}, new int[] {1}, new int[] {1},
                    new int[] {2, 1}), x);
            check("fold " + t, tol, ts -> ConvOps.fold(ts[0], new int[] {5, 6}, new int[] {2, 2}, new int[] {1},
                    new int[] {0}, new int[] {1}), randn(t, 2, 12, 20));
        }
    }

    private void checkPoolKernels(String what, DType t, PoolWindows p, Tensor x) {
        Tol tol = floats(t, F32_SUMS, F64_SUMS);
        int[] in = {p.n(), p.c(), p.h(), p.w()};
        int[] out = {p.n(), p.c(), p.outH(), p.outW()};
        Tensor dy = randn(t, out);
        String at = what + " " + t + " " + in[2] + "x" + in[3] + " -> " + out[2] + "x" + out[3];
        checkKernel("maxPool2d " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, out)),
            on(dev, Tensor.zeros(DType.I32, out)), on(dev, x)}, (be, a) -> be.maxPool2d(a[0], a[1], a[2], p));
        checkKernel("avgPool2d " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, out)), on(dev, x)},
                (be, a) -> be.avgPool2d(a[0], a[1], p));
        checkKernel("avgPool2dBackward " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, in)), on(dev, dy)},
                (be, a) -> be.avgPool2dBackward(a[0], a[1], p));
        // the max's gradient through the reference's indices (overlapping windows share inputs)
        Tensor idx = Tensor.zeros(DType.I32, out);
        dev.kiln.tensor.spi.ReferenceBackend.INSTANCE.maxPool2d(Tensor.zeros(t, out), idx, x, p);
        int[] planes = {p.n() * p.c(), p.outH() * p.outW()};
        Tensor dy2 = dy.reshape(planes);
        Tensor idx2 = idx.reshape(planes);
        checkKernel("maxPoolBackward " + at, tol, dev -> new Tensor[] {on(dev, Tensor.zeros(t, p.n() * p.c(),
            p.h() * p.w())), on(dev, dy2), on(dev, idx2)}, (be, a) -> be.maxPoolBackward(a[0], a[1], a[2]));
    }

    /** The windows with a fixed divisor, so that average pooling over max pooling's (dilated) windows is defined. */
    private static PoolWindows withDivisor(PoolWindows p, int divisor) {
        return new PoolWindows(p.n(), p.c(), p.h(), p.w(), p.outH(), p.outW(), p.hStart(), p.hEnd(), p.wStart(),
                p.wEnd(), p.dilationH(), p.dilationW(), p.hCount(), p.wCount(), divisor);
    }

    @Test
    void poolingKernels() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            int[] s1 = {2, 3, 7, 8};
            Tensor x1 = randn(t, s1);
            checkPoolKernels("k3 s2 p1 ceil", t, PoolOps.avgPool2dWindows("t", s1, new int[] {3}, new int[] {2},
                    new int[] {1}, true, false, null), x1);
            checkPoolKernels("k3 s2 p1 ceil countIncludePad", t, PoolOps.avgPool2dWindows("t", s1, new int[] {3},
                    new int[] {2}, new int[] {1}, true, true, null), x1);
            checkPoolKernels("k2 divisorOverride 3", t, PoolOps.avgPool2dWindows("t", s1, new int[] {2, 3},
                    new int[] {1, 2}, new int[] {0, 1}, false, true, 3), x1);
            checkPoolKernels("adaptive 3x5", t, PoolOps.adaptivePool2dWindows("t", s1, new int[] {3, 5}), x1);
            checkPoolKernels("adaptive 1x1", t, PoolOps.adaptivePool2dWindows("t", s1, new int[] {1, 1}), x1);
            checkPoolKernels("adaptive 9x11 (overlapping)", t, PoolOps.adaptivePool2dWindows("t", s1,
                    new int[] {9, 11}), x1);
            int[] s2 = {1, 2, 9, 7};
            Tensor x2 = randn(t, s2);
            checkPoolKernels("max windows k(3,2) s(1,3) p(1,0) d(2,1)", t, withDivisor(PoolOps.maxPool2dWindows("t", s2,
                    new int[] {3, 2}, new int[] {1, 3}, new int[] {1, 0}, new int[] {2, 1}, false), 4), x2);
            // dilation 3 and padding: window starts move onto the input in a non-monotone order
            checkPoolKernels("max windows k3 s1 p1 d3", t, withDivisor(PoolOps.maxPool2dWindows("t", s2,
                    new int[] {3}, new int[] {1}, new int[] {1}, new int[] {3}, false), 5), x2);
            checkPoolKernels("max windows k3 s2 p1 ceil", t, withDivisor(PoolOps.maxPool2dWindows("t", s1,
                    new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, true), 9), x1);
            // NaN wins (the last one's index), a window of −∞ reports its first element
            double inf = Double.NEGATIVE_INFINITY;
            Tensor special = Tensor.of(new double[] {
                1, Double.NaN, 3, Double.NaN,
                inf, inf, 2, 0,
                inf, inf, 5, -1,
                inf, inf, 7, 7}, 1, 1, 4, 4).to(t);
            checkPoolKernels("NaN and -inf", t, withDivisor(PoolOps.maxPool2dWindows("t", new int[] {1, 1, 4, 4},
                    new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, false), 4), special);
        }
    }

    @Test
    void poolingWithMoreWindowTablesThanTheDeviceKeeps() {
        // tables are cached per device by content; cycling through more than it keeps evicts and re-uploads
        Tensor x = randn(DType.F32, 1, 2, 9, 9);
        for (int round = 0; round < 2; round++) {
            for (int size = 1; size <= PoolDispatch.CACHED_TABLES + 3; size++) {
                int[] out = {size % 9 + 1, size / 9 + 1};
                check("adaptiveAvgPool2d " + out[0] + "x" + out[1] + " round " + round, F32_SUMS,
                        ts -> PoolOps.adaptiveAvgPool2d(ts[0], out), x);
            }
        }
    }

    @Test
    void poolingOps() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            Tensor x = randn(t, 2, 3, 7, 8);
            check("maxPool2d op " + t, tol, ts -> PoolOps.maxPool2d(ts[0], new int[] {3}, new int[] {2},
                    new int[] {1}, new int[] {1}, true), x);
            check("maxPool2d indices " + t, EXACT, ts -> PoolOps.maxPool2dWithIndices(ts[0], new int[] {2},
                    null, new int[] {0}, new int[] {2}, false).indices(), x);
            check("avgPool2d op " + t, tol, ts -> PoolOps.avgPool2d(ts[0], new int[] {3, 2}, null, new int[] {1, 0},
                    true, false, null), x);
            check("adaptiveAvgPool2d op " + t, tol, ts -> PoolOps.adaptiveAvgPool2d(ts[0], new int[] {3, 5}), x);
            check("adaptiveMaxPool2d op " + t, tol, ts -> PoolOps.adaptiveMaxPool2d(ts[0], new int[] {4, 3}), x);
            check("maxPool1d op " + t, tol, ts -> PoolOps.maxPool1d(ts[0], 3, 2, 1, 1, false), randn(t, 2, 3, 10));
        }
    }
}
