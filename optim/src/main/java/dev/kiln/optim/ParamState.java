package dev.kiln.optim;

import dev.kiln.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimizer state of one parameter (PyTorch's {@code optimizer.state[p]}): its step count and
 * named tensors such as "exp_avg". Everything an optimizer needs to resume bit for bit lives here
 * or in the optimizer's global state, and all of it is saved by {@link Optimizer#stateDict()}.
 */
public final class ParamState {
    private long step;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** The number of updates applied to this parameter (t of docs/formulas/optimizers.md, after its increment). */
    public long step() {
        return step;
    }

    void setStep(long step) {
        this.step = step;
    }

    /** The named state tensor, or null. */
    public Tensor get(String name) {
        return tensors.get(name);
    }

    void put(String name, Tensor t) {
        tensors.put(name, t);
    }

    void remove(String name) {
        tensors.remove(name);
    }

    /** Every state tensor by name, read-only. */
    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** Bytes held by the state tensors. */
    public long bytes() {
        long b = 0;
        for (Tensor t : tensors.values()) {
            b += (long) t.numel() * t.dtype().byteSize();
        }
        return b;
    }
}
