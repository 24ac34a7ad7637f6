package dev.kiln.layers;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * A learnable tensor of a module: a leaf that requires grad, plus what optimizers need to know
 * about it (whether weight decay applies). Optimizers update {@link #tensor()} in place, so every
 * module holding this parameter sees the new values.
 */
public final class Parameter {
    private Tensor tensor;
    private boolean weightDecay = true;

    /**
     * A new leaf requiring grad over {@code initial}'s data: shared when {@code initial} is
     * contiguous (as {@code nn.Parameter}), else a contiguous copy. The leaf is cut from any graph
     * {@code initial} belongs to.
     */
    public Parameter(Tensor initial) {
        this.tensor = leaf(initial, true);
    }

    private static Tensor leaf(Tensor initial, boolean requiresGrad) {
        if (initial == null) {
            throw new IllegalArgumentException("Parameter: the initial tensor is null");
        }
        if (!initial.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Parameter: expected a floating-point tensor, got " + initial.dtype() + " "
                    + Arrays.toString(initial.shape()));
        }
        Tensor t = initial.detach();
        return (t.isContiguous() ? t : t.contiguous().detach()).requiresGrad(requiresGrad);
    }

    /** The leaf tensor; use it in forward passes (read it each time: {@link Module#to} may replace it). */
    public Tensor tensor() {
        return tensor;
    }

    /**
     * Replaces the data (PyTorch's {@code param.data = t}), keeping whether it requires grad and
     * clearing the gradient. For dtype and device moves; optimizers built before hold stale state.
     */
    public void setData(Tensor data) {
        this.tensor = leaf(data, tensor.requiresGrad());
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

    public DType dtype() {
        return tensor.dtype();
    }

    public Device device() {
        return tensor.device();
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
        return "Parameter(" + Arrays.toString(tensor.shape()) + ", " + tensor.dtype()
                + (weightDecay ? "" : ", noWeightDecay") + ")";
    }
}
