package dev.kiln.optim;

import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * One parameter group (PyTorch's {@code optimizer.param_groups[i]}): its parameters and its
 * typed settings ({@link SgdSettings}, {@link AdamSettings}, ...). Settings may be changed between
 * steps (a scheduler sets the learning rate); every change is checked as the builder checks it.
 */
public final class ParamGroup {
    private final Optimizer owner;
    private final List<Tensor> params;
    private final boolean[] decay;
    private final int firstIndex;
    private GroupSettings<?> settings;

    ParamGroup(Optimizer owner, List<Tensor> params, boolean[] decay, int firstIndex, GroupSettings<?> settings) {
        this.owner = owner;
        this.params = List.copyOf(params);
        this.decay = decay.clone();
        this.firstIndex = firstIndex;
        this.settings = settings;
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

    /** The group's settings (an immutable record; change them with {@link #setSettings}). */
    public GroupSettings<?> settings() {
        return settings;
    }

    /** The group's settings as the optimizer's settings type, e.g. {@code settings(SgdSettings.class)}. */
    public <S extends GroupSettings<S>> S settings(Class<S> type) {
        if (!type.isInstance(settings)) {
            throw new IllegalArgumentException(owner.name() + ": parameter groups hold "
                    + settings.getClass().getSimpleName() + ", not " + type.getSimpleName());
        }
        return type.cast(settings);
    }

    /**
     * Replaces the group's settings: they must be of the optimizer's settings type, pass its checks,
     * and keep what cannot change once the optimizer is built (GaLore's rank).
     */
    public void setSettings(GroupSettings<?> next) {
        if (next == null || next.getClass() != settings.getClass()) {
            throw new IllegalArgumentException(owner.name() + ": parameter groups hold "
                    + settings.getClass().getSimpleName() + ", got " + (next == null ? "null"
                    : next.getClass().getSimpleName()));
        }
        next.check(owner.name());
        owner.checkChange(settings, next);
        settings = next;
    }

    public double lr() {
        return settings.lr();
    }

    public void setLr(double lr) {
        setSettings(settings.withLr(lr));
    }

    @Override
    public String toString() {
        return "ParamGroup(" + params.size() + " params, " + settings + ")";
    }
}
