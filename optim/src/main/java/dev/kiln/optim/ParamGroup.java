package dev.kiln.optim;

import dev.kiln.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One parameter group (PyTorch's {@code optimizer.param_groups[i]}): its parameters and its
 * hyperparameters under PyTorch's snake_case keys ("lr", "betas", "weight_decay", ...).
 * Hyperparameters may be changed between steps (a scheduler sets "lr"); every change is checked
 * as the builder checks it.
 */
public final class ParamGroup {
    private final Optimizer owner;
    private final List<Tensor> params;
    private final boolean[] decay;
    private final int firstIndex;
    private final Map<String, Object> options;

    ParamGroup(Optimizer owner, List<Tensor> params, boolean[] decay, int firstIndex, Map<String, Object> options) {
        this.owner = owner;
        this.params = List.copyOf(params);
        this.decay = decay.clone();
        this.firstIndex = firstIndex;
        this.options = new LinkedHashMap<>(options);
    }

    /** The parameters (leaf tensors), in order. */
    public List<Tensor> params() {
        return params;
    }

    public int size() {
        return params.size();
    }

    public Tensor param(int i) {
        return params.get(i);
    }

    /** The index of the group's i-th parameter among all of the optimizer's parameters (PyTorch's numbering). */
    public int index(int i) {
        return firstIndex + i;
    }

    /**
     * Whether weight decay applies to the group's i-th parameter: false for a
     * {@link dev.kiln.layers.Parameter} marked {@code noWeightDecay()}.
     */
    public boolean decays(int i) {
        return decay[i];
    }

    /** The weight decay for the group's i-th parameter: the group's value, or 0 where the parameter opts out. */
    public double weightDecayFor(int i) {
        return decay[i] ? getDouble("weight_decay") : 0;
    }

    public double lr() {
        return getDouble("lr");
    }

    public void setLr(double lr) {
        set("lr", lr);
    }

    /** All hyperparameters, read-only, in a stable order. */
    public Map<String, Object> options() {
        return Collections.unmodifiableMap(options);
    }

    public Object get(String key) {
        Object v = options.get(key);
        if (v == null) {
            throw new IllegalArgumentException(owner.name() + ": parameter groups have no option '" + key
                    + "'; options are " + options.keySet());
        }
        return v instanceof double[] a ? a.clone() : v;
    }

    public double getDouble(String key) {
        return ((Number) get(key)).doubleValue();
    }

    public int getInt(String key) {
        return ((Number) get(key)).intValue();
    }

    public boolean getBoolean(String key) {
        return (Boolean) get(key);
    }

    /** (β1, β2). */
    public double[] betas() {
        return (double[]) get("betas");
    }

    /** Changes a hyperparameter; the key must exist and the value must pass the optimizer's checks. */
    public void set(String key, Object value) {
        Object old = options.get(key);
        if (old == null) {
            throw new IllegalArgumentException(owner.name() + ": parameter groups have no option '" + key
                    + "'; options are " + options.keySet());
        }
        Object v = Options.coerce(owner.name(), key, value, old);
        owner.checkOption(key, v);
        if (owner.fixedOptions().contains(key) && !Options.same(v, old)) {
            throw new IllegalArgumentException(owner.name() + ": option '" + key + "' cannot change once the optimizer "
                    + "is built (the state's shapes depend on it): it is " + Options.show(old) + ", got " + Options.show(v));
        }
        options.put(key, v instanceof double[] a ? a.clone() : v);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ParamGroup(").append(params.size()).append(" params");
        options.forEach((k, v) -> sb.append(", ").append(k).append('=').append(Options.show(v)));
        return sb.append(')').toString();
    }
}
