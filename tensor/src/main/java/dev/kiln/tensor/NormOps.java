package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * layer_norm and rms_norm over trailing dims, and batch_norm over channels, on fused kernels that save
 * their statistics.
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
        Tensor out = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
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
        Tensor dx = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
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
        Tensor out = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
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
        Tensor dx = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), normalizedShape, x.device()) : null;
        b.rmsNormBackward(dx, flat(dw), dy.contiguous(), x.contiguous(), rstd, flat(weight));
        return new Tensor[] {dx, dw};
    }

    /**
     * PyTorch's batch_norm over x [N, C, *]. With batch statistics (training, or no running
     * statistics) it is one fused kernel that saves the channels' mean and invstd for its fused
     * backward, and updates the running statistics in place when given; with running statistics
     * it is a per-channel scale and shift.
     */
    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                            boolean training, double momentum, double eps) {
        return batchNorm("batchNorm", x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
    }

    /**
     * relu(batch_norm(x, ...)): with batch statistics one kernel where the backend fuses them (the
     * normalised values never go to memory) and one backward that masks the gradient itself; with
     * running statistics the two ops.
     */
    static Tensor batchNormRelu(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                boolean training, double momentum, double eps) {
        return batchNorm("batchNormRelu", x, runningMean, runningVar, weight, bias, training, momentum, eps, true);
    }

    private static Tensor batchNorm(String op, Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
                                    Tensor bias, boolean training, double momentum, double eps, boolean relu) {
        Dispatch.requireFloat(op, x);
        if (x.dim() < 2) {
            throw new IllegalArgumentException(op + ": expected an input [N, C, *] with at least 2 dims, got "
                    + Shapes.str(x.shape()));
        }
        int c = x.size(1);
        checkChannelParam(op, x, "runningMean", runningMean, c);
        checkChannelParam(op, x, "runningVar", runningVar, c);
        checkChannelParam(op, x, "weight", weight, c);
        checkChannelParam(op, x, "bias", bias, c);
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException(op + ": give both runningMean and runningVar, or neither");
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException(op + ": eps must be >= 0, got " + eps);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(op + ": momentum must be in [0, 1], got " + momentum);
        }
        int[] view = new int[x.dim()];
        Arrays.fill(view, 1);
        view[1] = c;
        if (!training && runningMean != null) {
            // (x − r_mean)/√(r_var + eps)·weight + bias folded into x·scale + shift over [C]
            Tensor scale = runningVar.add(eps).rsqrt();
            if (weight != null) {
                scale = scale.mul(weight);
            }
            Tensor shift = runningMean.mul(scale).neg();
            if (bias != null) {
                shift = shift.add(bias);
            }
            if (Dispatch.wouldRecord(x, runningMean, runningVar, scale, shift)) {
                Tensor y = x.mul(scale.reshape(view)).add(shift.reshape(view));
                return relu ? y.relu() : y;
            }
            // inference: one pass, no gradient to keep
            int n = x.size(0);
            int sp = n * c == 0 ? 0 : x.numel() / (n * c);
            Backend b = Dispatch.backend(op, x, scale, shift);
            Tensor out = Dispatch.uninitialized(b, x.dtype(), new int[] {n, c, sp}, x.device());
            b.batchNormEval(out, x.contiguous().reshape(n, c, sp), scale.contiguous(), shift.contiguous());
            if (relu) {
                b.unary(UnaryOp.RELU, out, out);
            }
            return out.reshape(x.shape());
        }
        int n = x.size(0);
        int sp = n * c == 0 ? 0 : x.numel() / (n * c);
        long perChannel = (long) n * sp;
        if (perChannel <= 1) {
            // as PyTorch: the batch variance of one value is undefined
            throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, got input "
                    + Shapes.str(x.shape()));
        }
        Backend b = Dispatch.backend(op, present(x, weight, bias));
        Tensor xc = x.contiguous().detach().reshape(n, c, sp);
        Tensor out = Dispatch.uninitialized(b, x.dtype(), xc.shape(), x.device());
        Tensor mean = Dispatch.empty(b, x.dtype(), new int[] {c}, x.device());
        Tensor invstd = Dispatch.empty(b, x.dtype(), new int[] {c}, x.device());
        if (relu) {
            b.batchNormRelu(out, mean, invstd, xc, flat(weight), flat(bias), eps);
        } else {
            b.batchNorm(out, mean, invstd, xc, flat(weight), flat(bias), eps);
        }
        if (training && runningMean != null) {
            // r ← (1 − momentum)·r + momentum·s with the unbiased batch variance, as PyTorch;
            // σ² = invstd⁻² − eps recovers the biased variance the kernel used
            Tensor unbiased = invstd.pow(-2).sub(eps).mul(perChannel / (double) (perChannel - 1));
            runningMean.detach().mul_(1 - momentum).add_(mean.to(runningMean.dtype()), momentum);
            runningVar.detach().mul_(1 - momentum).add_(unbiased.to(runningVar.dtype()), momentum);
        }
        Op rec = new Op.BatchNorm(weight != null, bias != null, mean, invstd, relu);
        return Dispatch.record(rec, out.reshape(x.shape()), present(x, weight, bias));
    }

    /**
     * Gradients of batch_norm with batch statistics: {dx, dweight, dbias}; dweight/dbias only when
     * asked for. mean and invstd [C] are the forward's saved statistics.
     */
    public static Tensor[] batchNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor invstd, Tensor weight,
                                             boolean wantWeight, boolean wantBias) {
        return batchNormBackward("batchNormBackward", dy, x, null, mean, invstd, weight, null, wantWeight, wantBias);
    }

    /**
     * Gradients of relu(batch_norm(x)) with batch statistics, whose output was out: {dx, dweight,
     * dbias} as {@link #batchNormBackward} of dy masked where out ≤ 0. bias may be null.
     */
    public static Tensor[] batchNormReluBackward(Tensor dy, Tensor x, Tensor out, Tensor mean, Tensor invstd,
                                                 Tensor weight, Tensor bias, boolean wantWeight, boolean wantBias) {
        return batchNormBackward("batchNormReluBackward", dy, x, out, mean, invstd, weight, bias, wantWeight, wantBias);
    }

    private static Tensor[] batchNormBackward(String name, Tensor dy, Tensor x, Tensor out, Tensor mean, Tensor invstd,
                                              Tensor weight, Tensor bias, boolean wantWeight, boolean wantBias) {
        Dispatch.notRecorded(name, dy, x, weight);
        Dispatch.sameShape(name, dy, x);
        if (out != null) {
            Dispatch.notRecorded(name, out, bias);
            Dispatch.sameShape(name, out, x);
        }
        Backend b = Dispatch.backend(name, dy, x, mean, invstd);
        int n = x.size(0);
        int c = x.size(1);
        int sp = n * c == 0 ? 0 : x.numel() / (n * c);
        Tensor dx = Dispatch.uninitialized(b, x.dtype(), new int[] {n, c, sp}, x.device());
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), new int[] {c}, x.device()) : null;
        Tensor db = wantBias ? Dispatch.empty(b, x.dtype(), new int[] {c}, x.device()) : null;
        if (out != null) {
            b.batchNormReluBackward(dx, dw, db, dy.contiguous().reshape(n, c, sp), x.contiguous().reshape(n, c, sp),
                    out.contiguous().reshape(n, c, sp), mean, invstd, flat(weight), flat(bias));
        } else {
            b.batchNormBackward(dx, dw, db, dy.contiguous().reshape(n, c, sp), x.contiguous().reshape(n, c, sp), mean,
                    invstd, flat(weight));
        }
        return new Tensor[] {dx.reshape(x.shape()), dw, db};
    }

    private static void checkChannelParam(String op, Tensor x, String what, Tensor p, int c) {
        if (p != null && (p.dim() != 1 || p.size(0) != c || p.dtype() != x.dtype())) {
            throw new IllegalArgumentException(op + ": " + what + " must be " + x.dtype() + " [" + c + "] for input "
                    + Shapes.str(x.shape()) + ", got " + p.dtype() + " " + Shapes.str(p.shape()));
        }
        if (p != null && !p.device().equals(x.device())) {
            throw new IllegalArgumentException(op + ": " + what + " is on " + p.device() + " but the input "
                    + Shapes.str(x.shape()) + " is on " + x.device());
        }
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
