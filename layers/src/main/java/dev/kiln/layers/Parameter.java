package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

/**
 * A learnable tensor of a module: a leaf that requires grad, plus what optimizers need to know
 * about it (whether weight decay applies). Optimizers update {@link #tensor()} in place, so every
 * module holding this parameter sees the new values.
 */
public final class Parameter {
    private final Tensor tensor;
    private boolean weightDecay = true;

    /** Wraps a detached, contiguous copy-free view of {@code initial} as a new leaf requiring grad. */
    public Parameter(Tensor initial) {
        if (!initial.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Parameter: expected an F32 or F64 tensor, got " + initial.dtype());
        }
        Tensor t = initial.detach();
        this.tensor = (t.isContiguous() ? t : t.contiguous()).requiresGrad(true);
    }

    /** The leaf tensor; use it in forward passes. */
    public Tensor tensor() {
        return tensor;
    }

    public Tensor grad() {
        return tensor.grad();
    }

    public int[] shape() {
        return tensor.shape();
    }

    public int numel() {
        return tensor.numel();
    }

    /** Whether optimizers apply weight decay to this parameter (default true). */
    public boolean weightDecay() {
        return weightDecay;
    }

    /** Marks this parameter as exempt from weight decay (norm gains, learnable activation shapes); returns this. */
    public Parameter noWeightDecay() {
        this.weightDecay = false;
        return this;
    }

    @Override
    public String toString() {
        return "Parameter(" + java.util.Arrays.toString(tensor.shape()) + ", " + tensor.dtype() + ")";
    }
}
