package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;

/**
 * Activations with parameters: scalar ones ({@link Activation}), PReLU and PAU. Checks, dispatch, recording.
 *
 * <p>Each op's fused backward kernel sits next to its forward; the backwards are public because
 * autograd's derivative rules (another module) call them. Users reach the forwards through {@link Tensor}.
 */
public final class ActivationOps {
    private ActivationOps() {
    }

    static Tensor activation(Tensor x, Activation f) {
        if (f == null) {
            throw new IllegalArgumentException("activation: the Activation is null");
        }
        String name = f.kind().opName();
        Dispatch.requireFloat(name, x);
        Backend b = Dispatch.backend(name, x);
        Tensor out = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
        b.activation(f, out, x);
        return Dispatch.record(new Op.Activate(f), out, x);
    }

    /** Tensor.softplus(beta, threshold): softplus(βx)/β, x where βx &gt; threshold (PyTorch's shortcut). */
    static Tensor softplus(Tensor x, double beta, double threshold) {
        if (!Double.isFinite(beta) || beta == 0 || Double.isNaN(threshold)) {
            throw new IllegalArgumentException("softplus: beta must be finite and nonzero and threshold not NaN, got beta "
                    + beta + ", threshold " + threshold);
        }
        Dispatch.requireFloat("softplus", x);
        Tensor sp = beta == 1 ? x.softplus() : x.mul(beta).softplus().div(beta);
        return Tensor.where(x.detach().mul(beta).gt(threshold), x, sp);
    }

    /** Tensor.glu: the first half of dim times the sigmoid of the second half (narrow, sigmoid, mul). */
    static Tensor glu(Tensor x, int dim) {
        Dispatch.requireFloat("glu", x);
        if (x.dim() == 0) {
            throw new IllegalArgumentException("glu: expected at least 1 dim, got a 0-d tensor");
        }
        int d = Shapes.normalizeDim("glu", dim, x.dim());
        int n = x.size(d);
        if (n % 2 != 0) {
            throw new IllegalArgumentException("glu: dim " + d + " of " + Shapes.str(x.shape()) + " has odd size " + n
                    + "; it must split into two halves");
        }
        return x.narrow(d, 0, n / 2).mul(x.narrow(d, n / 2, n / 2).sigmoid());
    }

    /** dx = dy ⊙ f'(x) for an activation with scalar parameters. */
    public static Tensor activationBackward(Activation f, Tensor x, Tensor dy) {
        String name = f.kind().opName() + "Backward";
        Dispatch.notRecorded(name, x, dy);
        Dispatch.requireFloat(name, x);
        Dispatch.sameDType(name, x, dy);
        Dispatch.sameShape(name, x, dy);
        Backend b = Dispatch.backend(name, x, dy);
        Tensor dx = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
        b.activationBackward(f, dx, x, dy);
        return dx;
    }

    static Tensor prelu(Tensor x, Tensor weight) {
        String name = "prelu";
        Dispatch.requireFloat(name, x);
        Dispatch.sameDType(name, x, weight);
        Backend b = Dispatch.backend(name, x, weight);
        checkPreluWeight(x, weight);
        Tensor out = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
        b.prelu(out, x.contiguous().detach(), flat(weight));
        return Dispatch.record(new Op.Prelu(), out, x, weight);
    }

    /** A weight of one element is shared; otherwise it is 1-D with one slope per channel at dim 1. */
    static void checkPreluWeight(Tensor x, Tensor weight) {
        int w = weight.numel();
        if (w == 1) {
            return;
        }
        if (weight.dim() != 1) {
            throw new IllegalArgumentException("prelu: weight must be 1-D [channels] or have one element, got "
                    + Shapes.str(weight.shape()));
        }
        int channels = x.dim() >= 2 ? x.size(1) : 1;
        if (w != channels) {
            throw new IllegalArgumentException("prelu: weight " + Shapes.str(weight.shape()) + " has " + w
                    + " slopes but the input " + Shapes.str(x.shape()) + " has " + channels
                    + " channel(s) at dim 1; use one slope per channel or a single shared one");
        }
    }

    /** Gradients of prelu: {dx, dweight}, each computed only when asked for (else null); dweight has weight's shape. */
    public static Tensor[] preluBackward(Tensor dy, Tensor x, Tensor weight, boolean wantInput, boolean wantWeight) {
        String name = "preluBackward";
        Dispatch.notRecorded(name, dy, x, weight);
        Dispatch.sameShape(name, dy, x);
        Dispatch.sameDType(name, x, dy);
        Dispatch.sameDType(name, x, weight);
        checkPreluWeight(x, weight);
        Backend b = Dispatch.backend(name, dy, x, weight);
        Tensor dx = wantInput ? Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device()) : null;
        Tensor dw = wantWeight ? Dispatch.empty(b, x.dtype(), weight.shape(), x.device()) : null;
        b.preluBackward(dx, flat(dw), dy.contiguous(), x.contiguous(), flat(weight));
        return new Tensor[] {dx, dw};
    }

    static Tensor pau(Tensor x, Tensor numerator, Tensor denominator) {
        String name = "pau";
        Dispatch.requireFloat(name, x);
        Dispatch.sameDType(name, x, numerator);
        Dispatch.sameDType(name, x, denominator);
        Backend b = Dispatch.backend(name, x, numerator, denominator);
        if (numerator.dim() != 1 || numerator.numel() == 0 || denominator.dim() != 1) {
            throw new IllegalArgumentException("pau: numerator must be 1-D and non-empty and denominator 1-D, got "
                    + Shapes.str(numerator.shape()) + " and " + Shapes.str(denominator.shape()));
        }
        Tensor out = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
        b.pau(out, x.contiguous().detach(), flat(numerator), flat(denominator));
        return Dispatch.record(new Op.Pau(), out, x, numerator, denominator);
    }

    /** Gradients of pau: {dx, dnumerator, ddenominator}, each only when asked for (else null). */
    public static Tensor[] pauBackward(Tensor dy, Tensor x, Tensor numerator, Tensor denominator, boolean wantInput,
                                       boolean wantNumerator, boolean wantDenominator) {
        String name = "pauBackward";
        Dispatch.notRecorded(name, dy, x, numerator, denominator);
        Dispatch.sameShape(name, dy, x);
        Dispatch.sameDType(name, x, dy);
        Backend b = Dispatch.backend(name, dy, x, numerator, denominator);
        Tensor dx = wantInput ? Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device()) : null;
        Tensor da = wantNumerator ? Dispatch.empty(b, x.dtype(), numerator.shape(), x.device()) : null;
        Tensor db = wantDenominator ? Dispatch.empty(b, x.dtype(), denominator.shape(), x.device()) : null;
        b.pauBackward(dx, da, db, dy.contiguous(), x.contiguous(), flat(numerator),
                flat(denominator));
        return new Tensor[] {dx, da, db};
    }

    /** A contiguous, unrecorded 1-D view for kernels (null stays null: a gradient not asked for). */
    static Tensor flat(Tensor t) {
        return t == null ? null : t.contiguous().detach().reshape(-1);
    }
}
