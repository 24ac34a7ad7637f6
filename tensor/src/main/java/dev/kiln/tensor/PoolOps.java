package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * PyTorch's 2-d pooling (max, average, adaptive average and adaptive max) over [N, C, H, W] or
 * unbatched [C, H, W], and the 1-d forms as views of the 2-d ones (height 1). Each op resolves its
 * windows into a {@link PoolWindows} here; the backend only walks them.
 *
 * <p>Output size, as PyTorch: out = ⌊(in + 2·pad − dilation·(k − 1) − 1 + (ceilMode ? stride − 1 : 0)) / stride⌋ + 1,
 * less one when ceilMode would start the last window at or past the end of input + left padding.
 * The max ops' gradient goes to the recorded index of each window (a gather's gradient), as PyTorch.
 */
public final class PoolOps {
    private PoolOps() {
    }

    /** Values and the flat index ih·W + iw of each maximum in its input plane (I32; PyTorch's are int64). */
    public record MaxPoolResult(Tensor values, Tensor indices) {
    }

    /** {@code F.max_pool2d}; stride null or empty means the kernel size. */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return maxPool2dWithIndices(input, kernelSize, stride, padding, dilation, ceilMode).values();
    }

    /** {@code F.max_pool2d(..., return_indices=True)}. */
    public static MaxPoolResult maxPool2dWithIndices(Tensor input, int[] kernelSize, int[] stride, int[] padding,
                                                     int[] dilation, boolean ceilMode) {
        String op = "maxPool2d";
        if (input.dtype().isIntegral()) {
            // PyTorch 2 pools integer tensors too (1.13 refuses); a max selects, and F64 holds every I32
            // exactly (I64 up to 2^53), so pooling the F64 copy and converting back is exact
            MaxPoolResult r = maxPool2dWithIndices(input.to(DType.F64), kernelSize, stride, padding, dilation, ceilMode);
            return new MaxPoolResult(r.values().to(input.dtype()), r.indices());
        }
        Tensor x = batched(op, input);
        MaxPoolResult r = maxOver(op, x, maxPool2dWindows(op, x.shape(), kernelSize, stride, padding, dilation, ceilMode));
        return input.dim() == 4 ? r : new MaxPoolResult(r.values().squeeze(0), r.indices().squeeze(0));
    }

    /** {@code F.max_pool1d} over [N, C, L] or [C, L]: max_pool2d over a height of 1. */
    public static Tensor maxPool1d(Tensor input, int kernelSize, int stride, int padding, int dilation,
                                   boolean ceilMode) {
        String op = "maxPool1d";
        Tensor x = as2d(op, input);
        Tensor y = maxPool2d(x, new int[] {1, kernelSize}, new int[] {1, stride <= 0 ? kernelSize : stride},
                new int[] {0, padding}, new int[] {1, dilation}, ceilMode);
        return y.squeeze(-2);
    }

    /** {@code F.avg_pool2d}; stride null or empty means the kernel size; divisorOverride null means none. */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        String op = "avgPool2d";
        Tensor x = batched(op, input);
        Tensor y = avgOver(op, x, avgPool2dWindows(op, x.shape(), kernelSize, stride, padding, ceilMode, countIncludePad,
                divisorOverride));
        return input.dim() == 4 ? y : y.squeeze(0);
    }

    /** {@code F.avg_pool1d} over [N, C, L] or [C, L]: avg_pool2d over a height of 1. */
    public static Tensor avgPool1d(Tensor input, int kernelSize, int stride, int padding, boolean ceilMode,
                                   boolean countIncludePad) {
        Tensor x = as2d("avgPool1d", input);
        Tensor y = avgPool2d(x, new int[] {1, kernelSize}, new int[] {1, stride <= 0 ? kernelSize : stride},
                new int[] {0, padding}, ceilMode, countIncludePad, null);
        return y.squeeze(-2);
    }

    /**
     * {@code F.adaptive_avg_pool2d}: output cell o of a dim of size in averages input
     * [⌊o·in/out⌋, ⌈(o+1)·in/out⌉), as PyTorch.
     */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        String op = "adaptiveAvgPool2d";
        Tensor x = batched(op, input);
        PoolWindows pw = adaptivePool2dWindows(op, x.shape(), outputSize);
        Tensor y = avgOver(op, x, pw);
        return input.dim() == 4 ? y : y.squeeze(0);
    }

    /** {@code F.adaptive_max_pool2d} over the windows of {@link #adaptiveAvgPool2d}, with indices. */
    public static MaxPoolResult adaptiveMaxPool2dWithIndices(Tensor input, int[] outputSize) {
        String op = "adaptiveMaxPool2d";
        Tensor x = batched(op, input);
        MaxPoolResult r = maxOver(op, x, adaptivePool2dWindows(op, x.shape(), outputSize));
        return input.dim() == 4 ? r : new MaxPoolResult(r.values().squeeze(0), r.indices().squeeze(0));
    }

    /** {@code F.adaptive_max_pool2d}. */
    public static Tensor adaptiveMaxPool2d(Tensor input, int[] outputSize) {
        return adaptiveMaxPool2dWithIndices(input, outputSize).values();
    }

    /**
     * PyTorch's {@code F.max_unpool2d}: zeros of [N, C, outputSize] (default (in − 1)·stride −
     * 2·padding + kernel per dim) with each input value written at its index (as maxPool2dWithIndices
     * gives them, flat within the plane). Where two values share an index (overlapping windows) the
     * first is kept (PyTorch keeps one of them, which one unspecified); the gradient of every input
     * value is the output gradient at its index, as PyTorch's.
     */
    public static Tensor maxUnpool2d(Tensor input, Tensor indices, int[] kernelSize, int[] stride, int[] padding,
                                     int[] outputSize) {
        String op = "maxUnpool2d";
        Tensor x = batched(op, input);
        indices = Dispatch.requireIndex(op, "indices", indices);
        if (!Arrays.equals(input.shape(), indices.shape())) {
            throw new IllegalArgumentException(op + ": indices " + Shapes.str(indices.shape())
                    + " must have the input's shape " + Shapes.str(input.shape()));
        }
        int[] k = ConvOps.pair(op, "kernelSize", kernelSize);
        int[] s = stride == null || stride.length == 0 ? k : ConvOps.pair(op, "stride", stride);
        int[] p = ConvOps.pair(op, "padding", padding);
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
            long def = (long) (x.size(2 + i) - 1) * s[i] - 2L * p[i] + k[i];
            // PyTorch also takes the full size (batch, channels, height, width) and reads its last two
            int[] size = outputSize != null && outputSize.length == 4 ? Arrays.copyOfRange(outputSize, 2, 4) : outputSize;
            out[i] = size == null ? (int) def : ConvOps.pair(op, "outputSize", size)[i];
            if (out[i] < 1 || def < 1) {
                throw new IllegalArgumentException(op + ": the output size " + (outputSize == null ? def : out[i])
                        + " in spatial dim " + i + " is not positive (input " + Shapes.str(input.shape()) + ")");
            }
        }
        int planes = x.size(0) * x.size(1);
        int plane = Math.multiplyExact(out[0], out[1]);
        Tensor idx = indices.reshape(planes, -1).contiguous();
        Dispatch.checkIndexRange(op, "index", idx, 0, plane, null);
        // write each index once (its first value), as an assignment: a scatter-add of the values
        // whose index has not appeared before in their plane
        Tensor hostIdx = idx.to(Device.CPU).contiguous();
        int[] iv = ((CpuStorage) hostIdx.storage()).ints();
        int per = planes == 0 ? 0 : idx.numel() / planes;
        boolean[] first = new boolean[idx.numel()];
        int[] seen = new int[plane];
        for (int pl = 0; pl < planes; pl++) {
            for (int j = 0; j < per; j++) {
                int at = iv[hostIdx.offset() + pl * per + j];
                if (seen[at] != pl + 1) {
                    seen[at] = pl + 1;
                    first[pl * per + j] = true;
                }
            }
        }
        Tensor keep = Tensor.of(first, planes, per).to(x.device());
        Tensor values = Tensor.where(keep, x.detach().reshape(planes, per), 0);
        Tensor zeros = Tensor.zeros(x.dtype(), planes, plane).to(x.device());
        // nothing here requires grad (the values are detached): the op records itself below
        Tensor y = zeros.scatterAdd(1, idx, values).reshape(x.size(0), x.size(1), out[0], out[1]);
        y = Dispatch.record(new Op.MaxUnpool2d(idx), y, x);
        return input.dim() == 4 ? y : y.squeeze(0);
    }

    /** The gradient of avg_pool2d / adaptive_avg_pool2d with respect to its 4-D input. */
    public static Tensor avgPool2dBackward(Tensor dy, PoolWindows pw) {
        String name = "avgPool2dBackward";
        Dispatch.notRecorded(name, dy);
        Backend b = Dispatch.backend(name, dy);
        Tensor dx = Dispatch.empty(b, dy.dtype(), new int[] {pw.n(), pw.c(), pw.h(), pw.w()}, dy.device());
        if (dy.numel() > 0) {
            b.avgPool2dBackward(dx, dy.contiguous(), pw);
        }
        return dx;
    }

    /**
     * The gradient of a max pool (2-d or 3-d) with respect to its input of shape inShape [N, C, ...]:
     * each output's gradient goes to the input position its index records (summed where windows
     * overlap, in output order on every backend).
     */
    public static Tensor maxPoolBackward(Tensor dy, Tensor indices, int[] inShape) {
        String name = "maxPoolBackward";
        Dispatch.notRecorded(name, dy);
        Backend b = Dispatch.backend(name, dy, indices);
        long inNumel = Shapes.numel(inShape);
        if (indices.dtype() != DType.I32 || indices.dim() != 2 || dy.numel() != indices.numel() || inShape.length < 3
                || indices.size(0) == 0 || inNumel % indices.size(0) != 0) {
            throw new IllegalArgumentException(name + ": expected I32 indices [planes, outPlane] with as many elements as "
                    + "dy, and an input shape [N, C, ...] of whole planes; got dy " + Shapes.str(dy.shape()) + ", indices "
                    + indices.dtype() + " " + Shapes.str(indices.shape()) + ", input " + Shapes.str(inShape));
        }
        int planes = indices.size(0);
        if (indices.numel() > 0 && (indices.amin().item() < 0 || indices.amax().item() >= inNumel / planes)) {
            throw new IllegalArgumentException(name + ": an index lies outside its input plane of " + inNumel / planes
                    + " elements; indices must come from the max pool of an input of shape " + Shapes.str(inShape));
        }
        Tensor dx = Dispatch.empty(b, dy.dtype(), new int[] {planes, (int) (inNumel / planes)}, dy.device());
        if (dy.numel() > 0) {
            b.maxPoolBackward(dx, dy.contiguous().reshape(indices.shape()), indices);
        }
        return dx.reshape(inShape);
    }

    /** The windows of max_pool2d over an input of shape [N, C, H, W]; op names the caller in messages. */
    public static PoolWindows maxPool2dWindows(String op, int[] shape, int[] kernelSize, int[] stride, int[] padding,
                                               int[] dilation, boolean ceilMode) {
        int[] k = ConvOps.pair(op, "kernelSize", kernelSize);
        int[] s = stride == null || stride.length == 0 ? k : ConvOps.pair(op, "stride", stride);
        int[] p = ConvOps.pair(op, "padding", padding);
        int[] d = ConvOps.pair(op, "dilation", dilation);
        checkWindow(op, k, s, p, d);
        int[][] h = windows(op, shape, 0, k[0], s[0], p[0], d[0], ceilMode, true, false);
        int[][] w = windows(op, shape, 1, k[1], s[1], p[1], d[1], ceilMode, true, false);
        return new PoolWindows(shape[0], shape[1], shape[2], shape[3], h[0].length, w[0].length, h[0], h[1], w[0], w[1],
                d[0], d[1], h[2], w[2], 0);
    }

    /** The windows of avg_pool2d over an input of shape [N, C, H, W]. */
    public static PoolWindows avgPool2dWindows(String op, int[] shape, int[] kernelSize, int[] stride, int[] padding,
                                               boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        int[] k = ConvOps.pair(op, "kernelSize", kernelSize);
        int[] s = stride == null || stride.length == 0 ? k : ConvOps.pair(op, "stride", stride);
        int[] p = ConvOps.pair(op, "padding", padding);
        checkWindow(op, k, s, p, new int[] {1, 1});
        if (divisorOverride != null && divisorOverride == 0) {
            throw new IllegalArgumentException(op + ": divisorOverride must not be 0");
        }
        int[][] h = windows(op, shape, 0, k[0], s[0], p[0], 1, ceilMode, false, countIncludePad);
        int[][] w = windows(op, shape, 1, k[1], s[1], p[1], 1, ceilMode, false, countIncludePad);
        return new PoolWindows(shape[0], shape[1], shape[2], shape[3], h[0].length, w[0].length, h[0], h[1], w[0], w[1],
                1, 1, h[2], w[2], divisorOverride == null ? 0 : divisorOverride);
    }

    private static MaxPoolResult maxOver(String op, Tensor x, PoolWindows pw) {
        Backend b = Dispatch.backend(op, x);
        int[] shape = {pw.n(), pw.c(), pw.outH(), pw.outW()};
        Tensor out = Dispatch.empty(b, x.dtype(), shape, x.device());
        Tensor idx = Dispatch.empty(b, DType.I32, shape, x.device());
        if (out.numel() > 0) {
            b.maxPool2d(out, idx, x.contiguous().detach(), pw);
        }
        if (out.numel() > 0) {
            // the gradient goes to the recorded maximum of each window, as PyTorch's
            out = Dispatch.record(new Op.MaxPool(idx.reshape(pw.n() * pw.c(), pw.outH() * pw.outW()), x.shape()), out, x);
        }
        return new MaxPoolResult(out, idx);
    }

    private static Tensor avgOver(String op, Tensor x, PoolWindows pw) {
        Backend b = Dispatch.backend(op, x);
        Tensor out = Dispatch.empty(b, x.dtype(), new int[] {pw.n(), pw.c(), pw.outH(), pw.outW()}, x.device());
        if (out.numel() > 0) {
            b.avgPool2d(out, x.contiguous().detach(), pw);
        }
        return Dispatch.record(new Op.AvgPool2d(pw), out, x);
    }

    /** The windows of adaptive pooling over an input of shape [N, C, H, W]. */
    public static PoolWindows adaptivePool2dWindows(String op, int[] shape, int[] outputSize) {
        int[] size = ConvOps.pair(op, "outputSize", outputSize);
        int[][][] hw = new int[2][][];
        for (int a = 0; a < 2; a++) {
            int in = shape[2 + a];
            int out = size[a];
            if (out < 1) {
                throw new IllegalArgumentException(op + ": outputSize must be >= 1, got " + Arrays.toString(size));
            }
            if (in < 1) {
                throw new IllegalArgumentException(op + ": input " + Shapes.str(shape)
                        + " has an empty spatial dim; adaptive pooling needs at least one element per window");
            }
            int[] start = new int[out];
            int[] end = new int[out];
            int[] count = new int[out];
            for (int o = 0; o < out; o++) {
                start[o] = (int) ((long) o * in / out);
                end[o] = (int) (((long) (o + 1) * in + out - 1) / out);
                count[o] = end[o] - start[o];
            }
            hw[a] = new int[][] {start, end, count};
        }
        return new PoolWindows(shape[0], shape[1], shape[2], shape[3], size[0], size[1], hw[0][0], hw[0][1],
                hw[1][0], hw[1][1], 1, 1, hw[0][2], hw[1][2], 0);
    }

    /** Kernel, stride and dilation at least 1, padding at most half the kernel, per spatial dim (2 or 3 of them). */
    static void checkWindow(String op, int[] k, int[] s, int[] p, int[] d) {
        for (int i = 0; i < k.length; i++) {
            if (k[i] < 1) {
                throw new IllegalArgumentException(op + ": kernelSize must be >= 1, got " + Arrays.toString(k));
            }
            if (s[i] < 1) {
                throw new IllegalArgumentException(op + ": stride must be >= 1, got " + Arrays.toString(s));
            }
            if (d[i] < 1) {
                throw new IllegalArgumentException(op + ": dilation must be >= 1, got " + Arrays.toString(d));
            }
            // PyTorch: padding at most half the kernel, so that no window lies wholly in the padding
            if (p[i] < 0 || p[i] > k[i] / 2) {
                throw new IllegalArgumentException(op + ": padding must be between 0 and half the kernel size, got padding "
                        + Arrays.toString(p) + " for kernelSize " + Arrays.toString(k));
            }
        }
    }

    /**
     * One spatial dim's windows: {start, end, count}, start/end clipped to the input (start moved
     * onto the dilation lattice); count is the average's divisor factor. shape is [N, C, spatial...]
     * (4-D or 5-D); axis counts the spatial dims.
     */
    static int[][] windows(String op, int[] shape, int axis, int k, int stride, int pad, int dilation,
                                   boolean ceilMode, boolean max, boolean countIncludePad) {
        int in = shape[2 + axis];
        long span = (long) dilation * (k - 1) + 1;
        long num = in + 2L * pad - span + (ceilMode ? stride - 1 : 0);
        long out = num < 0 ? 0 : num / stride + 1;
        // PyTorch: in ceil mode the last window must start inside the input or its left padding
        if (ceilMode && out > 0 && (out - 1) * stride >= in + pad) {
            out--;
        }
        if (out < 1) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(shape) + " is too small for a kernel of "
                    + "dilated size " + span + " with padding " + pad + " in spatial dim " + axis
                    + " (the output would be empty)");
        }
        int n = Math.toIntExact(out);
        int[] start = new int[n];
        int[] end = new int[n];
        int[] count = new int[n];
        for (int o = 0; o < n; o++) {
            long s = (long) o * stride - pad;
            long e;
            if (max) {
                e = Math.min(s + span, in);
                while (s < 0) {
                    s += dilation;
                }
                if (s >= e) {
                    // possible only with dilation > 1 on a tiny input; PyTorch would report −∞ at an index outside the input
                    throw new IllegalArgumentException(op + ": window " + o + " of spatial dim " + axis + " of input "
                            + Shapes.str(shape) + " holds no input element (kernel " + k + ", dilation " + dilation
                            + ", padding " + pad + ")");
                }
            } else {
                // PyTorch's avg_pool2d: the padded size counts up to in + pad, then clips to the input
                e = Math.min(s + k, (long) in + pad);
                long withPad = e - s;
                s = Math.max(s, 0);
                e = Math.min(e, in);
                count[o] = (int) (countIncludePad ? withPad : e - s);
            }
            start[o] = (int) s;
            end[o] = (int) e;
        }
        return new int[][] {start, end, count};
    }

    private static Tensor batched(String op, Tensor input) {
        Dispatch.requireFloat(op, input);
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], got "
                    + Shapes.str(input.shape()));
        }
        return input.dim() == 4 ? input : input.unsqueeze(0);
    }

    private static Tensor as2d(String op, Tensor input) {
        Dispatch.requireFloat(op, input);
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException(op + ": expected a 2-D (unbatched) or 3-D (batched) input [N, C, L], got "
                    + Shapes.str(input.shape()));
        }
        return input.unsqueeze(-2);
    }
}
