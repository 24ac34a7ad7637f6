package dev.kiln.optim;

import dev.kiln.autograd.NoGrad;
import dev.kiln.autograd.RecycleActivations;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The base of every optimizer, as {@code torch.optim.Optimizer}: parameter groups with their own
 * hyperparameters, per-parameter state made of tensors, {@link #zeroGrad()}, {@link #step()} and
 * a state dict that resumes a run bit for bit.
 *
 * <p>Parameters are {@link Parameter}s (whose {@code weightDecay()} flag is respected) or plain
 * leaf tensors; each may be listed once. Steps run inside a NoGrad scope and update the leaves in
 * place, so every module holding a parameter sees the new values.
 *
 * <p>State dict layout (every value a tensor, so it fits a safetensors checkpoint):
 * <pre>
 *   optimizer.type              I32 code units of the optimizer's name ("AdamW")
 *   param_groups.G.params       I32 global indices of group G's parameters
 *   param_groups.G.lr           F64 0-d, and likewise every hyperparameter (betas as F64 [2])
 *   global.KEY                  F64 optimizer-wide settings and counters (SPAM's total step, ...)
 *   state.I.step                F64 0-d: updates applied to parameter I
 *   state.I.NAME                the state tensors of parameter I ("exp_avg", ...)
 * </pre>
 */
public abstract class Optimizer {
    private static final System.Logger LOG = System.getLogger("dev.kiln.optim");

    private final String name;
    private final List<ParamGroup> groups;
    private final List<Tensor> params;
    private final ParamState[] states;
    private Settings globals;
    private final boolean skipNonFinite;
    private long skippedSteps;

    /** A loss-recomputing function for {@link #step(Closure)}: zeroGrad, forward, backward, return the loss. */
    @FunctionalInterface
    public interface Closure {
        Tensor evaluate();
    }

    protected Optimizer(Builder<?, ?, ?> b) {
        this.name = b.optimizerName();
        if (b.isGroupBuilder()) {
            throw new IllegalStateException(name + ": build() was called on a group builder; call it on the top-level builder");
        }
        List<GroupSpec> specs = b.groupSpecs();
        List<ParamGroup> gs = new ArrayList<>();
        List<Tensor> all = new ArrayList<>();
        Map<Tensor, String> seen = new IdentityHashMap<>();
        Map<Storage, String> seenStorage = new IdentityHashMap<>();
        for (int g = 0; g < specs.size(); g++) {
            GroupSpec spec = specs.get(g);
            List<Tensor> ts = new ArrayList<>();
            boolean[] decay = new boolean[spec.params().size()];
            for (int i = 0; i < spec.params().size(); i++) {
                Object o = spec.params().get(i);
                Tensor t = leaf(name, o, g, i);
                String where = "group " + g + " (position " + i + ")";
                String before = seen.put(t, where);
                if (before != null) {
                    throw new IllegalArgumentException(name + ": the parameter " + t.dtype() + " " + Shapes.str(t.shape())
                            + " is listed twice, in " + before + " and in " + where + "; list each parameter once");
                }
                String shared = seenStorage.put(t.storage(), where);
                if (shared != null) {
                    throw new IllegalArgumentException(name + ": the parameters in " + shared + " and in " + where
                            + " share storage, so one step would update it twice; list each parameter once");
                }
                decay[i] = !(o instanceof Parameter p) || p.weightDecay();
                ts.add(t);
            }
            gs.add(new ParamGroup(this, ts, decay, all.size(), spec.settings()));
            all.addAll(ts);
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException(name + ": got an empty parameter list");
        }
        this.groups = List.copyOf(gs);
        this.params = List.copyOf(all);
        this.states = new ParamState[all.size()];
        this.globals = b.globals();
        this.skipNonFinite = b.skipNonFinite;
    }

    private static Tensor leaf(String name, Object o, int group, int i) {
        Tensor t;
        if (o instanceof Parameter p) {
            t = p.tensor();
        } else if (o instanceof Tensor x) {
            t = x;
        } else {
            throw new IllegalArgumentException(name + ": parameter " + i + " of group " + group + " is a "
                    + (o == null ? "null" : o.getClass().getName()) + "; expected a Parameter or a Tensor");
        }
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(name + ": parameter " + i + " of group " + group + " is " + t.dtype()
                    + " " + Shapes.str(t.shape()) + "; only F32 and F64 tensors can be optimized");
        }
        if (!t.isLeaf()) {
            throw new IllegalArgumentException(name + ": parameter " + i + " of group " + group + " (" + t.dtype() + " "
                    + Shapes.str(t.shape()) + ") is not a leaf tensor (it was made by " + t.gradFn().name()
                    + "); optimize leaves, e.g. detach().requiresGrad(true)");
        }
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(name + ": parameter " + i + " of group " + group + " (" + t.dtype() + " "
                    + Shapes.str(t.shape()) + ") is not contiguous; optimize a contiguous tensor");
        }
        return t;
    }

    // ------------------------------------------------------------------ what subclasses provide

    /** One update of every parameter that has a gradient; runs inside a NoGrad scope. */
    protected abstract void update();

    /**
     * Checks a change of one group's settings (both already passed their own checks) beyond the
     * values themselves: what cannot change once the optimizer is built (GaLore's rank), or what
     * the optimizer-wide settings rule out. Throws IllegalArgumentException; by default allows all.
     */
    protected void checkChange(GroupSettings<?> old, GroupSettings<?> next) {
    }

    /**
     * Checks the state loaded for parameter {@code index} (names, shapes, dtypes) and throws
     * IllegalArgumentException with a clear message when it does not fit.
     */
    protected abstract void checkLoadedState(int index, ParamState state);

    /** Writes optimizer-wide state beyond the global options (counters) under "global.*" keys. */
    protected void saveExtraState(Map<String, Tensor> out) {
    }

    /**
     * Reads what {@link #saveExtraState} wrote: validates, marks the keys it used in
     * {@code consumed}, and returns the action that installs the values (run only once every
     * other check has passed, so a failed load changes nothing).
     */
    protected Runnable loadExtraState(Map<String, Tensor> dict, Set<String> consumed) {
        return () -> { };
    }

    // ------------------------------------------------------------------ public API

    /** The optimizer's name, as in messages and state dicts ("AdamW"). */
    public final String name() {
        return name;
    }

    public final List<ParamGroup> paramGroups() {
        return groups;
    }

    /** Every parameter (leaf tensors), in PyTorch's numbering across groups. */
    public final List<Tensor> params() {
        return params;
    }

    /**
     * Clears every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=True)}). Inside
     * {@link RecycleActivations} (a training step's promise that nothing else holds its buffers) the
     * cleared gradients' buffers also go back to the backend's pool, so that the next backward writes
     * the new gradients into memory still in cache rather than fresh memory the JVM must zero.
     */
    public void zeroGrad() {
        boolean recycle = RecycleActivations.isActive();
        for (Tensor p : params) {
            Tensor g = p.grad();
            p.zeroGrad();
            if (recycle && g != null) {
                g.storage().recycle();
            }
        }
    }

    /**
     * One optimization step from the current gradients. With {@code skipNonFinite} set, a step
     * whose gradients hold NaN or ±∞ changes nothing, is counted in {@link #skippedSteps()}, and
     * is reported as a warning on the "dev.kiln.optim" System.Logger.
     */
    public void step() {
        if (skipNonFinite && !gradientsFinite()) {
            skippedSteps++;
            LOG.log(System.Logger.Level.WARNING, name + ".step: skipped a step because " + firstNonFinite()
                    + " holds NaN or infinite values (" + skippedSteps + " skipped so far)");
            return;
        }
        try (NoGrad ignored = NoGrad.enter()) {
            update();
        }
    }

    /** Evaluates the closure (which recomputes the loss and its gradients), steps, and returns the loss. */
    public Tensor step(Closure closure) {
        Tensor loss = closure.evaluate();
        step();
        return loss;
    }

    /** Steps skipped for non-finite gradients. */
    public final long skippedSteps() {
        return skippedSteps;
    }

    /** The state of one parameter (a Parameter or one of the tensors), or null before its first step. */
    public final ParamState state(Object param) {
        return states[indexOf(param)];
    }

    /** Bytes of optimizer state held for one parameter. */
    public final long stateBytes(Object param) {
        ParamState s = state(param);
        return s == null ? 0 : s.bytes();
    }

    /** Bytes of optimizer state held in total. */
    public long stateBytes() {
        long b = 0;
        for (ParamState s : states) {
            if (s != null) {
                b += s.bytes();
            }
        }
        return b;
    }

    /** The global index of a parameter given as a Parameter or its tensor. */
    public final int indexOf(Object param) {
        Tensor t = param instanceof Parameter p ? p.tensor() : (Tensor) param;
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) == t) {
                return i;
            }
        }
        throw new IllegalArgumentException(name + ": the tensor " + t.dtype() + " " + Shapes.str(t.shape())
                + " is not one of this optimizer's parameters");
    }

    /** The optimizer-wide settings (SPAM's {@link SpamSchedule}, AdamW's convention), or null where there are none. */
    protected final Settings globals() {
        return globals;
    }

    // ------------------------------------------------------------------ for subclasses

    /** The state of parameter {@code index}, created empty on first use. */
    protected final ParamState stateAt(int index) {
        ParamState s = states[index];
        if (s == null) {
            s = new ParamState();
            states[index] = s;
        }
        return s;
    }

    /** The state of parameter {@code index}, or null before its first step. */
    protected final ParamState existingStateAt(int index) {
        return states[index];
    }

    protected static void putState(ParamState s, String name, Tensor t) {
        s.put(name, t);
    }

    protected static void removeState(ParamState s, String name) {
        s.remove(name);
    }

    protected static void setStep(ParamState s, long step) {
        s.setStep(step);
    }

    /** Fails unless the state holds exactly the named tensors. */
    protected final void requireStateNames(int index, ParamState s, String... names) {
        Set<String> want = new TreeSet<>(Arrays.asList(names));
        Set<String> have = new TreeSet<>(s.tensors().keySet());
        if (!want.equals(have)) {
            throw new IllegalArgumentException(name + ".loadStateDict: state of parameter " + index + " holds " + have
                    + " but this optimizer keeps " + want);
        }
    }

    /** Fails unless state tensor {@code key} exists with this shape and the parameter's dtype. */
    protected final void requireStateTensor(int index, ParamState s, String key, int[] shape) {
        Tensor t = s.get(key);
        Tensor p = params.get(index);
        if (t == null) {
            throw new IllegalArgumentException(name + ".loadStateDict: state of parameter " + index + " lacks '" + key + "'");
        }
        if (!Arrays.equals(t.shape(), shape) || t.dtype() != p.dtype()) {
            throw new IllegalArgumentException(name + ".loadStateDict: state '" + key + "' of parameter " + index
                    + " (" + p.dtype() + " " + Shapes.str(p.shape()) + ") should be " + p.dtype() + " " + Shapes.str(shape)
                    + ", got " + t.dtype() + " " + Shapes.str(t.shape()));
        }
    }

    // ------------------------------------------------------------------ non-finite gradients

    private boolean gradientsFinite() {
        // 0·x is NaN exactly where x is NaN or ±∞, so one sum over all of them needs one host read
        Tensor acc = null;
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g != null) {
                Tensor s = g.detach().mul(0).sum().to(DType.F64);
                acc = acc == null ? s : acc.add(s);
            }
        }
        return acc == null || !Double.isNaN(acc.item());
    }

    private String firstNonFinite() {
        for (int i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).grad();
            if (g != null && Double.isNaN(g.detach().mul(0).sum().item())) {
                return "the gradient of parameter " + i + " (" + g.dtype() + " " + Shapes.str(g.shape()) + ")";
            }
        }
        return "a gradient";
    }

    // ------------------------------------------------------------------ state dicts

    /** A snapshot of the hyperparameters and state (copies, so later steps leave it unchanged). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("optimizer.type", Options.encodeString(name));
        for (int g = 0; g < groups.size(); g++) {
            ParamGroup group = groups.get(g);
            int[] idx = new int[group.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = group.index(i);
            }
            out.put("param_groups." + g + ".params", Tensor.of(idx, idx.length));
            for (var e : Options.components((Record) group.settings()).entrySet()) {
                out.put("param_groups." + g + "." + e.getKey(), Options.encode(e.getValue()));
            }
        }
        if (globals != null) {
            for (var e : Options.components((Record) globals).entrySet()) {
                out.put("global." + e.getKey(), Options.encode(e.getValue()));
            }
        }
        saveExtraState(out);
        for (int i = 0; i < states.length; i++) {
            ParamState s = states[i];
            if (s == null) {
                continue;
            }
            out.put("state." + i + ".step", Tensor.scalar(s.step(), DType.F64));
            for (var e : s.tensors().entrySet()) {
                out.put("state." + i + "." + e.getKey(), e.getValue().detach().clone());
            }
        }
        return out;
    }

    /**
     * Restores a state dict written by {@link #stateDict()} of the same optimizer type over the
     * same parameter layout: hyperparameters, per-parameter state and global counters. Anything
     * that does not fit (another optimizer's dict, other groups or shapes, missing or unknown
     * keys) is an IllegalArgumentException, and then nothing is changed.
     */
    public void loadStateDict(Map<String, Tensor> dict) {
        String op = name + ".loadStateDict";
        Tensor typeTensor = dict.get("optimizer.type");
        if (typeTensor == null) {
            throw new IllegalArgumentException(op + ": not an optimizer state dict (no 'optimizer.type' key); keys: "
                    + new TreeSet<>(dict.keySet()));
        }
        String type = Options.decodeString(typeTensor);
        if (!type.equals(name)) {
            throw new IllegalArgumentException(op + ": the state dict was saved by " + type + ", not by " + name
                    + "; load it into a " + type);
        }
        Set<String> consumed = new HashSet<>();
        consumed.add("optimizer.type");
        // groups: same count, same parameter indices
        int savedGroups = 0;
        while (dict.containsKey("param_groups." + savedGroups + ".params")) {
            savedGroups++;
        }
        if (savedGroups != groups.size()) {
            throw new IllegalArgumentException(op + ": the state dict has " + savedGroups + " parameter groups, this "
                    + "optimizer has " + groups.size());
        }
        List<GroupSettings<?>> newSettings = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            ParamGroup group = groups.get(g);
            String prefix = "param_groups." + g + ".";
            int[] saved = dict.get(prefix + "params").toIntArray();
            int[] mine = new int[group.size()];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = group.index(i);
            }
            if (!Arrays.equals(saved, mine)) {
                throw new IllegalArgumentException(op + ": group " + g + " holds parameters " + Arrays.toString(saved)
                        + " in the state dict but " + Arrays.toString(mine) + " here");
            }
            consumed.add(prefix + "params");
            GroupSettings<?> loaded = (GroupSettings<?>) decodeSettings(op, dict, prefix, (Record) group.settings(),
                    consumed);
            checkChange(group.settings(), loaded);
            newSettings.add(loaded);
        }
        Settings newGlobals = globals == null ? null : decodeSettings(op, dict, "global.", (Record) globals, consumed);
        // per-parameter state
        ParamState[] loaded = new ParamState[states.length];
        for (int i = 0; i < states.length; i++) {
            String prefix = "state." + i + ".";
            Tensor step = dict.get(prefix + "step");
            ParamState s = null;
            for (var e : dict.entrySet()) {
                if (!e.getKey().startsWith(prefix)) {
                    continue;
                }
                if (step == null) {
                    throw new IllegalArgumentException(op + ": '" + e.getKey() + "' has no matching '" + prefix + "step'");
                }
                if (s == null) {
                    s = new ParamState();
                }
                consumed.add(e.getKey());
                String tensorName = e.getKey().substring(prefix.length());
                if (tensorName.equals("step")) {
                    double v = step.item();
                    if (v < 0 || v != Math.rint(v)) {
                        throw new IllegalArgumentException(op + ": '" + e.getKey() + "' holds " + v + ", not a step count");
                    }
                    s.setStep((long) v);
                } else {
                    s.put(tensorName, e.getValue().detach().clone().to(params.get(i).device()));
                }
            }
            if (s != null) {
                checkLoadedState(i, s);
            }
            loaded[i] = s;
        }
        Runnable extra = loadExtraState(dict, consumed);
        Set<String> unexpected = new TreeSet<>(dict.keySet());
        unexpected.removeAll(consumed);
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(op + ": unexpected keys " + unexpected);
        }
        // every check passed: install
        globals = newGlobals;
        for (int g = 0; g < groups.size(); g++) {
            groups.get(g).setSettings(newSettings.get(g));
        }
        System.arraycopy(loaded, 0, states, 0, states.length);
        extra.run();
    }

    /** Reads a settings record saved under prefix + its snake_case keys, checked; marks the keys consumed. */
    private Settings decodeSettings(String op, Map<String, Tensor> dict, String prefix, Record current,
                                    Set<String> consumed) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (var e : Options.components(current).entrySet()) {
            String key = prefix + e.getKey();
            Tensor t = dict.get(key);
            if (t == null) {
                throw new IllegalArgumentException(op + ": missing key '" + key + "'");
            }
            values.put(e.getKey(), Options.decode(name, key, t, e.getValue()));
            consumed.add(key);
        }
        Settings s = (Settings) Options.withComponents(current, values);
        s.check(name);
        return s;
    }

    // ------------------------------------------------------------------ builder

    /** One group as the builder resolved it: its parameters and its settings. */
    record GroupSpec(List<?> params, GroupSettings<?> settings) {
    }

    /**
     * The builder every optimizer's builder extends: PyTorch's keyword arguments as methods,
     * checked as they are set, and parameter groups through
     * {@code .group(params, g -> g.lr(...).weightDecay(...))}. The parameters given to
     * {@code builder(params)} form group 0 with the top-level settings; each {@code group(...)}
     * adds a group whose settings override the top-level ones.
     *
     * @param <S> the optimizer's group settings record
     */
    public abstract static class Builder<B extends Builder<B, O, S>, O extends Optimizer, S extends GroupSettings<S>> {
        final List<?> params;
        private final boolean groupBuilder;
        /** The top-level (or, in a group builder, the group's) changes to the defaults, in order. */
        private final List<UnaryOperator<S>> edits = new ArrayList<>();
        private final List<Map.Entry<List<?>, List<UnaryOperator<S>>>> groups = new ArrayList<>();
        boolean skipNonFinite;

        /** A top-level builder over these parameters (Parameters or leaf Tensors). */
        protected Builder(Iterable<?> params) {
            if (params == null) {
                throw new IllegalArgumentException("builder: params is null");
            }
            List<Object> list = new ArrayList<>();
            params.forEach(list::add);
            this.params = Collections.unmodifiableList(list);
            this.groupBuilder = false;
        }

        /** A builder for the settings of one group (what {@code group(params, g -> ...)} hands to g). */
        protected Builder() {
            this.params = List.of();
            this.groupBuilder = true;
        }

        protected abstract B self();

        /** A fresh group builder of the same type. */
        protected abstract B newGroupBuilder();

        /** The optimizer's name for messages and state dicts. */
        protected abstract String optimizerName();

        /** The group settings before any builder call. */
        protected abstract S defaults();

        /** The optimizer-wide settings as set (null for an optimizer without any). */
        protected Settings globals() {
            return null;
        }

        public abstract O build();

        final boolean isGroupBuilder() {
            return groupBuilder;
        }

        /**
         * Changes the group settings (in a group builder: for that group only). The change is
         * checked at once, applied to the defaults, so a bad value fails where it is set.
         */
        protected final B set(UnaryOperator<S> edit) {
            edit.apply(defaults()).check(optimizerName());
            edits.add(edit);
            return self();
        }

        /** Changes the top-level settings after the calls so far, e.g. a default that depends on them. */
        protected final void setLast(UnaryOperator<S> edit) {
            edits.add(edit);
        }

        /** The top-level settings: the defaults with every top-level change applied. */
        protected final S topLevel() {
            return apply(defaults(), edits);
        }

        /** Fails inside {@code group(...)}: optimizer-wide settings belong to the top-level builder. */
        protected final void requireTopLevel(String what) {
            if (groupBuilder) {
                throw new IllegalStateException(optimizerName() + ": " + what + " applies to the whole optimizer; "
                        + "set it on the top-level builder, not inside group(...)");
            }
        }

        public B lr(double lr) {
            return set(s -> s.withLr(lr));
        }

        /**
         * Adds a parameter group: {@code configure} receives a builder whose settings apply to
         * these parameters only (unset values come from the top-level builder and the defaults).
         */
        public B group(Iterable<?> groupParams, Consumer<? super B> configure) {
            requireTopLevel("group(...)");
            if (groupParams == null) {
                throw new IllegalArgumentException(optimizerName() + ": group params is null");
            }
            B g = newGroupBuilder();
            configure.accept(g);
            List<Object> list = new ArrayList<>();
            groupParams.forEach(list::add);
            groups.add(Map.entry(Collections.unmodifiableList(list), List.copyOf(((Builder<B, O, S>) g).edits)));
            return self();
        }

        /** Every group's parameters and settings: group 0 (the builder's params) first, when present. */
        final List<GroupSpec> groupSpecs() {
            S top = topLevel();
            List<GroupSpec> specs = new ArrayList<>();
            if (!params.isEmpty() || groups.isEmpty()) {
                specs.add(new GroupSpec(params, top));
            }
            for (var g : groups) {
                S s = apply(top, g.getValue());
                s.check(optimizerName());
                specs.add(new GroupSpec(g.getKey(), s));
            }
            return specs;
        }

        /** The settings of each group, as {@link #groupSpecs} resolves them. */
        protected final List<S> groupSettings() {
            S top = topLevel();
            List<S> out = new ArrayList<>();
            if (!params.isEmpty() || groups.isEmpty()) {
                out.add(top);
            }
            for (var g : groups) {
                out.add(apply(top, g.getValue()));
            }
            return out;
        }

        private static <S> S apply(S start, List<UnaryOperator<S>> changes) {
            S s = start;
            for (UnaryOperator<S> c : changes) {
                s = c.apply(s);
            }
            return s;
        }

        /**
         * Whether a step whose gradients hold NaN or ±∞ is skipped (with a warning and a count in
         * {@link Optimizer#skippedSteps()}) instead of being applied. Off by default.
         */
        public B skipNonFinite(boolean skip) {
            requireTopLevel("skipNonFinite");
            this.skipNonFinite = skip;
            return self();
        }
    }
}
