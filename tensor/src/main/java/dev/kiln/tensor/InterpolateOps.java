package dev.kiln.tensor;

import java.util.Arrays;

/**
 * PyTorch's {@code F.interpolate} over the trailing spatial dims of [N, C, *] (1 to 3 of them):
 * modes "nearest", "nearest-exact", "linear" (3-D input), "bilinear" (4-D), "trilinear" (5-D). Each
 * spatial dim is resampled in turn with index_select and per-position weights, so the gradient comes
 * from those ops' rules (index_add). docs/formulas/convolution.md gives the source-index rules.
 */
public final class InterpolateOps {
    private InterpolateOps() {
    }

    /**
     * @param size         the output size of each spatial dim (one value for all, or one each), or null
     * @param scaleFactor  the scale of each spatial dim (one or one each), or null; exactly one of size
     *                     and scaleFactor. With scaleFactor the output is ⌊in·scale⌋ and, as PyTorch
     *                     (recompute_scale_factor unset), 1/scale maps output to input positions
     * @param alignCorners null for the nearest modes; for the linear modes null means false
     */
    public static Tensor interpolate(Tensor input, int[] size, double[] scaleFactor, String mode, Boolean alignCorners) {
        String op = "interpolate";
        if (input.dtype().isIntegral() && ("nearest".equals(mode) || "nearest-exact".equals(mode))) {
            // PyTorch's nearest modes take integer tensors (uint8 images); they select, so the F64 copy is exact
            return interpolate(input.to(DType.F64), size, scaleFactor, mode, alignCorners).to(input.dtype());
        }
        Dispatch.requireFloat(op, input);
        int spatial = input.dim() - 2;
        if (spatial < 1 || spatial > 3) {
            throw new IllegalArgumentException(op + ": expected a 3-D, 4-D or 5-D input [N, C, *], got "
                    + Shapes.str(input.shape()));
        }
        boolean nearest = "nearest".equals(mode) || "nearest-exact".equals(mode);
        int linearDims = switch (mode == null ? "" : mode) {
            case "linear" -> 1;
            case "bilinear" -> 2;
            case "trilinear" -> 3;
            default -> 0;
        };
        if (!nearest && linearDims == 0) {
            throw new IllegalArgumentException(op + ": mode must be nearest, nearest-exact, linear, bilinear or trilinear, got "
                    + mode);
        }
        if (linearDims != 0 && linearDims != spatial) {
            throw new IllegalArgumentException(op + ": mode " + mode + " takes a " + (linearDims + 2) + "-D input, got "
                    + Shapes.str(input.shape()));
        }
        if (nearest && alignCorners != null) {
            throw new IllegalArgumentException(op + ": alignCorners can only be set with the linear modes, not " + mode
                    + " (as PyTorch)");
        }
        if ((size == null) == (scaleFactor == null)) {
            throw new IllegalArgumentException(op + ": give exactly one of size and scaleFactor");
        }
        int[] in = Arrays.copyOfRange(input.shape(), 2, input.dim());
        int[] out = new int[spatial];
        double[] scales = new double[spatial];
        for (int d = 0; d < spatial; d++) {
            if (size != null) {
                if (size.length != 1 && size.length != spatial) {
                    throw new IllegalArgumentException(op + ": size must have 1 or " + spatial + " values, got "
                            + Arrays.toString(size));
                }
                out[d] = size[size.length == 1 ? 0 : d];
                scales[d] = Double.NaN;
            } else {
                if (scaleFactor.length != 1 && scaleFactor.length != spatial) {
                    throw new IllegalArgumentException(op + ": scaleFactor must have 1 or " + spatial + " values, got "
                            + Arrays.toString(scaleFactor));
                }
                double f = scaleFactor[scaleFactor.length == 1 ? 0 : d];
                if (!(f > 0) || Double.isInfinite(f)) {
                    throw new IllegalArgumentException(op + ": scaleFactor must be positive and finite, got "
                            + Arrays.toString(scaleFactor));
                }
                out[d] = (int) Math.min(Integer.MAX_VALUE, Math.floor(in[d] * f));
                scales[d] = 1 / f;
            }
            if (out[d] < 1 || in[d] < 1) {
                throw new IllegalArgumentException(op + ": input " + Shapes.str(input.shape()) + " and output size "
                        + Arrays.toString(out) + " must be non-empty in every spatial dim");
            }
        }
        boolean corners = alignCorners != null && alignCorners;
        Tensor y = input;
        for (int d = 0; d < spatial; d++) {
            int axis = 2 + d;
            if (nearest) {
                y = y.indexSelect(axis, nearestIndex(in[d], out[d], scales[d], "nearest-exact".equals(mode))
                        .to(input.device()));
            } else {
                y = linear(y, axis, in[d], out[d], scales[d], corners);
            }
        }
        return y;
    }

    /**
     * PyTorch's nearest source index, in float as its kernel: ⌊dst·scale⌋ ("nearest") or
     * ⌊(dst + ½)·scale⌋ ("nearest-exact"), at most in − 1, with scale = in/out unless given.
     */
    private static Tensor nearestIndex(int in, int out, double scale, boolean exact) {
        int[] idx = new int[out];
        float s = Double.isNaN(scale) ? (float) in / out : (float) scale;
        for (int o = 0; o < out; o++) {
            float src = exact ? (o + 0.5f) * s : o * s;
            idx[o] = Math.min((int) Math.floor(src), in - 1);
        }
        return Tensor.of(idx, out);
    }

    /**
     * Linear resampling along one axis: y[o] = (1 − λ)·x[i0] + λ·x[i1] with src = o·(in − 1)/(out − 1)
     * when aligning corners, else max((o + ½)·scale − ½, 0); i0 = ⌊src⌋, i1 = min(i0 + 1, in − 1), λ = src − i0.
     */
    private static Tensor linear(Tensor x, int axis, int in, int out, double scale, boolean alignCorners) {
        int[] i0 = new int[out];
        int[] i1 = new int[out];
        double[] lambda = new double[out];
        double s = alignCorners ? (out > 1 ? (in - 1) / (double) (out - 1) : 0)
                : Double.isNaN(scale) ? in / (double) out : scale;
        for (int o = 0; o < out; o++) {
            double src = alignCorners ? s * o : Math.max(s * (o + 0.5) - 0.5, 0);
            i0[o] = Math.min((int) src, in - 1);
            i1[o] = Math.min(i0[o] + 1, in - 1);
            lambda[o] = src - i0[o];
        }
        int[] view = new int[x.dim()];
        Arrays.fill(view, 1);
        view[axis] = out;
        double[] rest = new double[out];
        for (int o = 0; o < out; o++) {
            rest[o] = 1 - lambda[o];
        }
        Tensor a = x.indexSelect(axis, Tensor.of(i0, out).to(x.device()));
        Tensor b = x.indexSelect(axis, Tensor.of(i1, out).to(x.device()));
        // (1 − λ)·x0 + λ·x1 in PyTorch's order of operations
        return a.mul(weights(rest, view, x)).add(b.mul(weights(lambda, view, x)));
    }

    private static Tensor weights(double[] w, int[] view, Tensor like) {
        return Tensor.of(w, view).to(like.dtype()).to(like.device());
    }
}
