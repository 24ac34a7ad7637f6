package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * layer_norm and rms_norm over trailing dims, on fused kernels that save their statistics.
 *
 * <p>Each op's fused backward kernel sits next to its forward; the backwards are public because
 * autograd's derivative rules (another module) call them. Users reach the forwards through {@link Tensor}.
 */
public final class NormOps {
    private NormOps() {
    }

    static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        int d = check("layerNorm", x, normalizedShape, weight, bias, eps);
        int rows = x.numel() / Math.max(d, 1);
        Backend b = Dispatch.backend("layerNorm", present(x, weight, bias));
        Tensor xc = x.contiguous().detach();
        Tensor out = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        Tensor mean = Dispatch.empty(b, x.dtype(), new int[] {rows}, x.device());
        Tensor rstd = Dispatch.empty(b, x.dtype(), new int[] {rows}, x.device());
        b.layerNorm(out, mean, rstd, xc, flat(weight), flat(bias), eps);
        Op op = new Op.LayerNorm(normalizedShape.clone(), eps, weight != null, bias != null, mean, rstd);
        return Dispatch.record(op, out, present(x, weight, bias));
    }

    /**
     * Gradients of layer_norm: {dx, dweight, dbias}; dweight/dbias are computed only when asked for
     * (and weight is then required for dweight). mean and rstd are the forward's saved statistics.
     */
    public static Tensor[] layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor weight,
                                             int[] normalizedShape, boolean wantWeight, boolean wantBias) {
        String name = "layerNormBackward";
        Dispatch.notRecorded(name, dy, x, weight);
        Dispatch.sameShape(name, dy, x);
        Backend b = Dispatch.backend(name, dy, x, mean, rstd);
        Tensor dx = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), normalizedShape, x.device()) : null;
        Tensor db = wantBias ? Dispatch.empty(b, x.dtype(), normalizedShape, x.device()) : null;
        b.layerNormBackward(dx, flat(dw), flat(db), dy.contiguous(), x.contiguous(), mean, rstd, flat(weight));
        return new Tensor[] {dx, dw, db};
    }

    static Tensor rmsNorm(Tensor x, int[] normalizedShape, Tensor weight, double eps) {
        int d = check("rmsNorm", x, normalizedShape, weight, null, eps);
        int rows = x.numel() / Math.max(d, 1);
        Backend b = Dispatch.backend("rmsNorm", present(x, weight, null));
        Tensor xc = x.contiguous().detach();
        Tensor out = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        Tensor rstd = Dispatch.empty(b, x.dtype(), new int[] {rows}, x.device());
        b.rmsNorm(out, rstd, xc, flat(weight), eps);
        Op op = new Op.RmsNorm(normalizedShape.clone(), eps, weight != null, rstd);
        return Dispatch.record(op, out, present(x, weight, null));
    }

    /** Gradients of rms_norm: {dx, dweight}; dweight only when asked for. */
    public static Tensor[] rmsNormBackward(Tensor dy, Tensor x, Tensor rstd, Tensor weight, int[] normalizedShape,
                                           boolean wantWeight) {
        String name = "rmsNormBackward";
        Dispatch.notRecorded(name, dy, x, weight);
        Dispatch.sameShape(name, dy, x);
        Backend b = Dispatch.backend(name, dy, x, rstd);
        Tensor dx = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), normalizedShape, x.device()) : null;
        b.rmsNormBackward(dx, flat(dw), dy.contiguous(), x.contiguous(), rstd, flat(weight));
        return new Tensor[] {dx, dw};
    }

    /** Checks the trailing dims and the affine parameters; returns the normalized size d. */
    private static int check(String op, Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Dispatch.requireFloat(op, x);
        if (normalizedShape.length == 0 || normalizedShape.length > x.dim()) {
            throw new IllegalArgumentException(op + ": normalizedShape " + Shapes.str(normalizedShape)
                    + " must name 1 to " + x.dim() + " trailing dims of the input " + Shapes.str(x.shape()));
        }
        int[] tail = Arrays.copyOfRange(x.shape(), x.dim() - normalizedShape.length, x.dim());
        if (!Arrays.equals(tail, normalizedShape)) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " does not end with normalizedShape "
                    + Shapes.str(normalizedShape));
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException(op + ": eps must be >= 0, got " + eps);
        }
        for (Tensor p : new Tensor[] {weight, bias}) {
            if (p == null) {
                continue;
            }
            String what = p == weight ? "weight" : "bias";
            Dispatch.sameDType(op, x, p);
            if (!Arrays.equals(p.shape(), normalizedShape)) {
                throw new IllegalArgumentException(op + ": " + what + " has shape " + Shapes.str(p.shape())
                        + " but normalizedShape is " + Shapes.str(normalizedShape));
            }
        }
        return Shapes.numel(normalizedShape);
    }

    private static Tensor flat(Tensor p) {
        return p == null ? null : p.contiguous().detach().reshape(-1);
    }

    private static Tensor[] present(Tensor x, Tensor weight, Tensor bias) {
        if (weight == null && bias == null) {
            return new Tensor[] {x};
        }
        if (bias == null) {
            return new Tensor[] {x, weight};
        }
        if (weight == null) {
            return new Tensor[] {x, bias};
        }
        return new Tensor[] {x, weight, bias};
    }
}
