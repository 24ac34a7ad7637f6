package dev.kiln.layers;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The base of every layer, as {@code torch.nn.Module}: named parameters, buffers and sub-modules
 * registered in order, train/eval mode, and state dicts keyed by PyTorch's dotted names.
 *
 * <p>A subclass registers what it owns in its constructor and reads its parameters through
 * {@link Parameter#tensor()} at every forward (never caching the tensor), so that {@link #to(DType)}
 * and {@link #to(Device)} can swap the data underneath.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Applies the module to one input. */
    public abstract Tensor forward(Tensor input);

    // ------------------------------------------------------------------ registration

    /** Registers a parameter under a name and returns it. */
    protected final Parameter registerParameter(String name, Parameter p) {
        checkName("registerParameter", name, p);
        parameters.put(name, p);
        return p;
    }

    /** Registers a non-learnable tensor saved in the state dict (e.g. running statistics). */
    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName("registerBuffer", name, t);
        buffers.put(name, t);
        return t;
    }

    /** Replaces a registered buffer's tensor (buffers may be reassigned, parameters are updated in place). */
    protected final void setBuffer(String name, Tensor t) {
        if (!buffers.containsKey(name)) {
            throw new IllegalArgumentException("setBuffer: no buffer named '" + name + "' in " + getClass().getSimpleName());
        }
        if (t == null) {
            throw new IllegalArgumentException("setBuffer: buffer '" + name + "' cannot be set to null");
        }
        buffers.put(name, t);
    }

    /** The registered buffer of that name in this module (not its children). */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException("buffer: no buffer named '" + name + "' in " + getClass().getSimpleName());
        }
        return t;
    }

    /** Registers a sub-module under a name and returns it. */
    protected final <M extends Module> M registerModule(String name, M m) {
        checkName("registerModule", name, m);
        if (m == this) {
            throw new IllegalArgumentException("registerModule: a module cannot contain itself ('" + name + "')");
        }
        children.put(name, m);
        return m;
    }

    private void checkName(String method, String name, Object value) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(method + ": invalid name '" + name + "' in " + getClass().getSimpleName()
                    + " (non-empty, no dots)");
        }
        if (value == null) {
            throw new IllegalArgumentException(method + ": '" + name + "' in " + getClass().getSimpleName() + " is null");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(method + ": '" + name + "' is already registered in "
                    + getClass().getSimpleName());
        }
    }

    // ------------------------------------------------------------------ traversal

    /** Every parameter of this module and its descendants, each once, in registration order. */
    public List<Parameter> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /**
     * Parameters by dotted name ("0.weight", "attn.qkv.bias"), as PyTorch orders them: a module's own
     * parameters before its children's. A shared parameter appears once, under its first name.
     */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        for (var e : allParameters().entrySet()) {
            if (seen.put(e.getValue(), Boolean.TRUE) == null) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Every (name, parameter) pair, a shared parameter under each of its names (as PyTorch's state_dict). */
    private Map<String, Parameter> allParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        visit("", new IdentityHashMap<>(), (prefix, m) -> m.parameters.forEach((k, p) -> out.put(prefix + k, p)));
        return out;
    }

    /** Buffers by dotted name, a shared buffer under each of its names. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        visit("", new IdentityHashMap<>(), (prefix, m) -> m.buffers.forEach((k, b) -> out.put(prefix + k, b)));
        return Collections.unmodifiableMap(out);
    }

    /** Direct sub-modules by name. */
    public Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /** This module and every descendant by dotted name ("" for this one), each module once. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        Map<Module, Boolean> seen = new IdentityHashMap<>();
        visit("", new IdentityHashMap<>(), (prefix, m) -> {
            if (seen.put(m, Boolean.TRUE) == null) {
                out.put(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), m);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** This module and every descendant, each once, parents before children. */
    public List<Module> modules() {
        return List.copyOf(namedModules().values());
    }

    /** Calls fn on every descendant, then on this module (PyTorch's {@code apply}); returns this. */
    public Module apply(Consumer<Module> fn) {
        for (Module m : children.values()) {
            m.apply(fn);
        }
        fn.accept(this);
        return this;
    }

    /** The sub-module at a dotted path ("blocks.3.attn"); "" is this module. */
    public Module getSubmodule(String target) {
        if (target.isEmpty()) {
            return this;
        }
        Module m = this;
        for (String part : target.split("\\.", -1)) {
            Module next = m.children.get(part);
            if (next == null) {
                throw new IllegalArgumentException("getSubmodule: " + m.getClass().getSimpleName() + " has no sub-module '"
                        + part + "' (looking for '" + target + "'); it has " + m.children.keySet());
            }
            m = next;
        }
        return m;
    }

    /** The parameter at a dotted path ("0.weight"). */
    public Parameter getParameter(String target) {
        int dot = target.lastIndexOf('.');
        Module owner = getSubmodule(dot < 0 ? "" : target.substring(0, dot));
        Parameter p = owner.parameters.get(target.substring(dot + 1));
        if (p == null) {
            throw new IllegalArgumentException("getParameter: " + owner.getClass().getSimpleName() + " has no parameter '"
                    + target.substring(dot + 1) + "' (looking for '" + target + "'); it has " + owner.parameters.keySet());
        }
        return p;
    }

    private interface Visitor {
        void visit(String prefix, Module m);
    }

    /** Depth-first over the tree; a module reached again through its own ancestors is a cycle and refused. */
    private void visit(String prefix, Map<Module, Boolean> onPath, Visitor v) {
        if (onPath.put(this, Boolean.TRUE) != null) {
            throw new IllegalStateException("Module: " + getClass().getSimpleName() + " at '" + prefix
                    + "' contains itself; module trees must not have cycles");
        }
        v.visit(prefix, this);
        for (var e : children.entrySet()) {
            e.getValue().visit(prefix + e.getKey() + ".", onPath, v);
        }
        onPath.remove(this);
    }

    // ------------------------------------------------------------------ modes and gradients

    /** Sets training mode here and in every descendant; returns this. */
    public Module train(boolean mode) {
        training = mode;
        for (Module m : children.values()) {
            m.train(mode);
        }
        return this;
    }

    public Module train() {
        return train(true);
    }

    public Module eval() {
        return train(false);
    }

    public boolean isTraining() {
        return training;
    }

    /** Clears the gradients of every parameter. */
    public void zeroGrad() {
        for (Parameter p : parameters()) {
            p.tensor().zeroGrad();
        }
    }

    /** Freezes (false) or unfreezes (true) every parameter (PyTorch's {@code requires_grad_}); returns this. */
    public Module requiresGrad(boolean requires) {
        for (Parameter p : parameters()) {
            p.tensor().requiresGrad(requires);
        }
        return this;
    }

    // ------------------------------------------------------------------ dtype and device

    /**
     * Converts every parameter and floating buffer to a floating-point dtype, in place: the
     * {@link Parameter} objects stay the same, their data is replaced (and a converted parameter's
     * gradient is cleared). Do it before building an optimizer, as in PyTorch. Returns this.
     */
    public Module to(DType dtype) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("Module.to: parameters must be a floating-point dtype (F32, F64, F16 or BF16), got " + dtype);
        }
        for (Module m : modules()) {
            for (Parameter p : m.parameters.values()) {
                if (p.tensor().dtype() != dtype) {
                    p.setData(p.tensor().detach().to(dtype));
                }
            }
            m.buffers.replaceAll((k, b) -> b.dtype().isFloatingPoint() ? b.to(dtype) : b);
        }
        return this;
    }

    /** Moves every parameter and buffer to a device, in place, as {@link #to(DType)}. Returns this. */
    public Module to(Device device) {
        for (Module m : modules()) {
            for (Parameter p : m.parameters.values()) {
                if (!p.tensor().device().equals(device)) {
                    p.setData(p.tensor().detach().to(device));
                }
            }
            m.buffers.replaceAll((k, b) -> b.to(device));
        }
        return this;
    }

    // ------------------------------------------------------------------ state dicts

    /**
     * Parameters and buffers by PyTorch's dotted names (a tied parameter under each of its names, as
     * PyTorch). Values are detached views of the live tensors: they share storage with the model.
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        visit("", new IdentityHashMap<>(), (prefix, m) -> {
            // PyTorch's order: each module's parameters, then its buffers, then its children
            m.parameters.forEach((k, p) -> out.put(prefix + k, p.tensor().detach()));
            m.buffers.forEach((k, b) -> out.put(prefix + k, b));
        });
        return out;
    }

    /** Loads every entry strictly: missing, unexpected or wrongly shaped entries are an error. */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * Copies values into the live parameters and buffers (in place, so optimizers keep working).
     * With {@code strict}, missing and unexpected keys are errors; shape and dtype mismatches always
     * are. Nothing is written unless every entry can be.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> targets = new LinkedHashMap<>();
        allParameters().forEach((k, p) -> targets.put(k, p.tensor()));
        targets.putAll(namedBuffers());
        TreeSet<String> missing = new TreeSet<>();
        TreeSet<String> unexpected = new TreeSet<>(state.keySet());
        List<String> wrong = new ArrayList<>();
        for (var e : targets.entrySet()) {
            Tensor src = state.get(e.getKey());
            Tensor dst = e.getValue();
            unexpected.remove(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), dst.shape()) || src.dtype() != dst.dtype()) {
                wrong.add(e.getKey() + ": expected " + dst.dtype() + " " + Shapes.str(dst.shape()) + ", got "
                        + src.dtype() + " " + Shapes.str(src.shape()));
            }
        }
        if (!wrong.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            StringBuilder sb = new StringBuilder("loadStateDict: cannot load into " + getClass().getSimpleName());
            if (!missing.isEmpty()) {
                sb.append("; missing keys ").append(missing);
            }
            if (!unexpected.isEmpty()) {
                sb.append("; unexpected keys ").append(unexpected);
            }
            if (!wrong.isEmpty()) {
                sb.append("; wrong shape or dtype: ").append(String.join(", ", wrong));
            }
            throw new IllegalArgumentException(sb.toString());
        }
        try (NoGrad ignored = NoGrad.enter()) {
            for (var e : targets.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) {
                    e.getValue().copy_(src.to(e.getValue().device()));
                }
            }
        }
    }

    // ------------------------------------------------------------------ summary

    /** Total number of parameter elements, a shared parameter counted once. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    /** What goes inside this module's parentheses in a summary, e.g. "inFeatures=784, outFeatures=512, bias=true". */
    protected String extraRepr() {
        return "";
    }

    /** This module's one-line name, "Linear(inFeatures=784, outFeatures=512, bias=true)", for messages. */
    public String describe() {
        return getClass().getSimpleName() + "(" + extraRepr() + ")";
    }

    /**
     * A tree of the modules with their settings and parameter counts, as PyTorch's repr, then the
     * total: <pre>
     * Sequential(
     *   (0): Linear(inFeatures=784, outFeatures=512, bias=true)  # 401,920 params
     *   (1): PReLU(numParameters=1)  # 1 param
     * )
     * parameters: 401,921</pre>
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        appendTree(sb, 0);
        sb.append("\nparameters: ").append(count(parameterCount()));
        return sb.toString();
    }

    private void appendTree(StringBuilder sb, int depth) {
        sb.append(getClass().getSimpleName()).append('(').append(extraRepr());
        if (children.isEmpty()) {
            sb.append(')');
        } else {
            for (var e : children.entrySet()) {
                sb.append('\n').append("  ".repeat(depth + 1)).append('(').append(e.getKey()).append("): ");
                e.getValue().appendTree(sb, depth + 1);
            }
            sb.append('\n').append("  ".repeat(depth)).append(')');
        }
        long own = 0;
        for (Parameter p : parameters.values()) {
            own += p.numel();
        }
        if (own > 0) {
            sb.append("  # ").append(count(own)).append(own == 1 ? " param" : " params");
        }
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
