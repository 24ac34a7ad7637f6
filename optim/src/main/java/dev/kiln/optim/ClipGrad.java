package dev.kiln.optim;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}.
 * Gradients are scaled in place; parameters without a gradient are skipped.
 */
public final class ClipGrad {
    private ClipGrad() {
    }

    /** Clips by the global 2-norm; see {@link #clipGradNorm(Iterable, double, double, boolean)}. */
    public static Tensor clipGradNorm(Iterable<?> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2, false);
    }

    public static Tensor clipGradNorm(Iterable<?> params, double maxNorm, double normType) {
        return clipGradNorm(params, maxNorm, normType, false);
    }

    /**
     * Scales every gradient by min(1, maxNorm/(total + 1e-6)), where total is the normType-norm of
     * all gradients together (∞ for the largest magnitude), and returns total as a 0-d tensor in
     * the first gradient's dtype (0 when there are no gradients), exactly as PyTorch. The scale
     * stays on the device: no host synchronisation unless errorIfNonfinite asks for the check.
     */
    public static Tensor clipGradNorm(Iterable<?> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        String op = "clipGradNorm";
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException(op + ": maxNorm must be a finite number >= 0, got " + maxNorm);
        }
        if (!(normType > 0)) {
            throw new IllegalArgumentException(op + ": normType must be positive (or infinite), got " + normType);
        }
        List<Tensor> grads = grads(op, params);
        if (grads.isEmpty()) {
            return Tensor.scalar(0);
        }
        DType dtype = grads.getFirst().dtype();
        Tensor total = null;
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor g : grads) {
                Tensor a = g.detach().abs().to(DType.F64);
                Tensor part = Double.isInfinite(normType) ? a.max()
                        : normType == 2 ? a.mul(a).sum() : a.pow(normType).sum();
                total = total == null ? part : Double.isInfinite(normType) ? total.maximum(part) : total.add(part);
            }
            if (!Double.isInfinite(normType)) {
                total = normType == 2 ? total.sqrt() : total.pow(1 / normType);
            }
            if (errorIfNonfinite) {
                double v = total.item();
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException(op + ": the total norm of the gradients is " + v
                            + "; the gradients cannot be clipped (pass errorIfNonfinite = false to scale them anyway)");
                }
            }
            Tensor coef = Tensor.full(maxNorm, DType.F64, total.device()).div(total.add(1e-6)).clampMax(1.0);
            for (Tensor g : grads) {
                g.mul_(coef.to(g.dtype()));
            }
        }
        return total.to(dtype);
    }

    /** Clamps every gradient element to [−clipValue, clipValue] (PyTorch's {@code clip_grad_value_}). */
    public static void clipGradValue(Iterable<?> params, double clipValue) {
        if (!(clipValue >= 0) || Double.isInfinite(clipValue)) {
            throw new IllegalArgumentException("clipGradValue: clipValue must be a finite number >= 0, got " + clipValue);
        }
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor g : grads("clipGradValue", params)) {
                g.clamp_(-clipValue, clipValue);
            }
        }
    }

    private static List<Tensor> grads(String op, Iterable<?> params) {
        List<Tensor> out = new ArrayList<>();
        for (Object o : params) {
            Tensor t;
            if (o instanceof Parameter p) {
                t = p.tensor();
            } else if (o instanceof Tensor x) {
                t = x;
            } else {
                throw new IllegalArgumentException(op + ": expected Parameters or Tensors, got "
                        + (o == null ? "null" : o.getClass().getName()));
            }
            if (t.grad() != null) {
                out.add(t.grad());
            }
        }
        return out;
    }
}
