package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;

import java.util.Arrays;

/**
 * PyTorch's 3-d pooling, {@code F.max_pool3d} and {@code F.avg_pool3d}, over [N, C, D, H, W] or
 * unbatched [C, D, H, W]. Each op resolves its windows into a {@link PoolWindows3d} with the same
 * per-dim rules as {@link PoolOps} (output size, ceil mode, padding at most half the kernel, the
 * average's divisor); the backend only walks them. As the 2-d ops, the max's gradient goes to the
 * recorded index of each window ({@link PoolOps#maxPoolBackward}, deterministic on every backend).
 */
public final class Pool3dOps {
    private Pool3dOps() {
    }

    /** {@code F.max_pool3d}; stride null or empty means the kernel size. */
    public static Tensor maxPool3d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return maxPool3dWithIndices(input, kernelSize, stride, padding, dilation, ceilMode).values();
    }

    /**
     * {@code F.max_pool3d(..., return_indices=True)}: the values and the flat index
     * id·H·W + ih·W + iw of each maximum in its input volume (I32; PyTorch's are int64).
     */
    public static PoolOps.MaxPoolResult maxPool3dWithIndices(Tensor input, int[] kernelSize, int[] stride,
                                                             int[] padding, int[] dilation, boolean ceilMode) {
        String op = "maxPool3d";
        Tensor x = batched(op, input);
        PoolWindows3d pw = maxPool3dWindows(op, x.shape(), kernelSize, stride, padding, dilation, ceilMode);
        Backend b = Dispatch.backend(op, x);
        int[] shape = {pw.n(), pw.c(), pw.outD(), pw.outH(), pw.outW()};
        Tensor out = Dispatch.empty(b, x.dtype(), shape, x.device());
        Tensor idx = Dispatch.empty(b, DType.I32, shape, x.device());
        if (out.numel() > 0) {
            b.maxPool3d(out, idx, x.contiguous().detach(), pw);
        }
        if (out.numel() > 0) {
            // the gradient goes to the recorded maximum of each window, as PyTorch's
            out = Dispatch.record(new Op.MaxPool(idx.reshape(pw.n() * pw.c(), pw.outVolume()), x.shape()), out, x);
        }
        PoolOps.MaxPoolResult r = new PoolOps.MaxPoolResult(out, idx);
        return input.dim() == 5 ? r : new PoolOps.MaxPoolResult(r.values().squeeze(0), r.indices().squeeze(0));
    }

    /** {@code F.avg_pool3d}; stride null or empty means the kernel size; divisorOverride null means none. */
    public static Tensor avgPool3d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        String op = "avgPool3d";
        Tensor x = batched(op, input);
        PoolWindows3d pw = avgPool3dWindows(op, x.shape(), kernelSize, stride, padding, ceilMode, countIncludePad,
                divisorOverride);
        Backend b = Dispatch.backend(op, x);
        Tensor out = Dispatch.empty(b, x.dtype(), new int[] {pw.n(), pw.c(), pw.outD(), pw.outH(), pw.outW()},
                x.device());
        if (out.numel() > 0) {
            b.avgPool3d(out, x.contiguous().detach(), pw);
        }
        Tensor y = Dispatch.record(new Op.AvgPool3d(pw), out, x);
        return input.dim() == 5 ? y : y.squeeze(0);
    }

    /** The gradient of avg_pool3d with respect to its 5-D input. */
    public static Tensor avgPool3dBackward(Tensor dy, PoolWindows3d pw) {
        String name = "avgPool3dBackward";
        Dispatch.notRecorded(name, dy);
        Backend b = Dispatch.backend(name, dy);
        Tensor dx = Dispatch.empty(b, dy.dtype(), new int[] {pw.n(), pw.c(), pw.d(), pw.h(), pw.w()}, dy.device());
        if (dy.numel() > 0) {
            b.avgPool3dBackward(dx, dy.contiguous(), pw);
        }
        return dx;
    }

    /** The windows of max_pool3d over an input of shape [N, C, D, H, W]; op names the caller in messages. */
    public static PoolWindows3d maxPool3dWindows(String op, int[] shape, int[] kernelSize, int[] stride, int[] padding,
                                                 int[] dilation, boolean ceilMode) {
        int[] k = triple(op, "kernelSize", kernelSize);
        int[] s = stride == null || stride.length == 0 ? k : triple(op, "stride", stride);
        int[] p = triple(op, "padding", padding);
        int[] d = triple(op, "dilation", dilation);
        PoolOps.checkWindow(op, k, s, p, d);
        int[][][] win = new int[3][][];
        for (int a = 0; a < 3; a++) {
            win[a] = PoolOps.windows(op, shape, a, k[a], s[a], p[a], d[a], ceilMode, true, false);
        }
        return of(shape, win, d, 0);
    }

    /** The windows of avg_pool3d over an input of shape [N, C, D, H, W]. */
    public static PoolWindows3d avgPool3dWindows(String op, int[] shape, int[] kernelSize, int[] stride, int[] padding,
                                                 boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        int[] k = triple(op, "kernelSize", kernelSize);
        int[] s = stride == null || stride.length == 0 ? k : triple(op, "stride", stride);
        int[] p = triple(op, "padding", padding);
        PoolOps.checkWindow(op, k, s, p, new int[] {1, 1, 1});
        if (divisorOverride != null && divisorOverride == 0) {
            throw new IllegalArgumentException(op + ": divisorOverride must not be 0");
        }
        int[][][] win = new int[3][][];
        for (int a = 0; a < 3; a++) {
            win[a] = PoolOps.windows(op, shape, a, k[a], s[a], p[a], 1, ceilMode, false, countIncludePad);
        }
        return of(shape, win, new int[] {1, 1, 1}, divisorOverride == null ? 0 : divisorOverride);
    }

    private static PoolWindows3d of(int[] shape, int[][][] win, int[] dilation, int divisor) {
        return new PoolWindows3d(shape[0], shape[1], shape[2], shape[3], shape[4], win[0][0].length, win[1][0].length,
                win[2][0].length, win[0][0], win[0][1], win[1][0], win[1][1], win[2][0], win[2][1], dilation[0],
                dilation[1], dilation[2], win[0][2], win[1][2], win[2][2], divisor);
    }

    private static int[] triple(String op, String what, int[] v) {
        if (v == null || (v.length != 1 && v.length != 3)) {
            throw new IllegalArgumentException(op + ": " + what + " must have 1 or 3 values, got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0], v[0]} : v.clone();
    }

    private static Tensor batched(String op, Tensor input) {
        Dispatch.requireFloat(op, input);
        if (input.dim() != 4 && input.dim() != 5) {
            throw new IllegalArgumentException(op + ": expected a 4-D (unbatched) or 5-D (batched) input "
                    + "[N, C, D, H, W], got " + Shapes.str(input.shape()));
        }
        return input.dim() == 5 ? input : input.unsqueeze(0);
    }
}
