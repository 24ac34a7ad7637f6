package dev.kiln.layers;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The base of every layer, as {@code torch.nn.Module}: named parameters, buffers and sub-modules
 * registered in order, train/eval mode, and state dicts keyed by PyTorch's dotted names.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Applies the module to one input. */
    public abstract Tensor forward(Tensor input);

    /** Registers a parameter under a name and returns it. */
    protected final Parameter registerParameter(String name, Parameter p) {
        checkName(name);
        parameters.put(name, p);
        return p;
    }

    /** Registers a non-learnable tensor saved in the state dict (e.g. running statistics). */
    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, t);
        return t;
    }

    /** Replaces a registered buffer's tensor (buffers may be reassigned, parameters are updated in place). */
    protected final void setBuffer(String name, Tensor t) {
        if (!buffers.containsKey(name)) {
            throw new IllegalArgumentException("setBuffer: no buffer named '" + name + "' in " + getClass().getSimpleName());
        }
        buffers.put(name, t);
    }

    /** Registers a sub-module under a name and returns it. */
    protected final <M extends Module> M registerModule(String name, M m) {
        checkName(name);
        children.put(name, m);
        return m;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("register: invalid name '" + name + "' (non-empty, no dots)");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("register: '" + name + "' is already registered in "
                    + getClass().getSimpleName());
        }
    }

    /** Every parameter of this module and its descendants, each once, in registration order. */
    public List<Parameter> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /** Parameters by dotted name ("0.weight", "attn.qkv.bias"); a shared parameter appears once. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Map<Parameter, Boolean> seen = new java.util.IdentityHashMap<>();
        collectParameters("", out, seen);
        return Collections.unmodifiableMap(out);
    }

    private void collectParameters(String prefix, Map<String, Parameter> out, Map<Parameter, Boolean> seen) {
        for (var e : parameters.entrySet()) {
            if (seen.put(e.getValue(), Boolean.TRUE) == null) {
                out.put(prefix + e.getKey(), e.getValue());
            }
        }
        for (var e : children.entrySet()) {
            e.getValue().collectParameters(prefix + e.getKey() + ".", out, seen);
        }
    }

    /** Buffers by dotted name. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, v) -> v.collectBuffers(prefix + k + ".", out));
    }

    /** Direct sub-modules by name. */
    public Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

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

    /** Parameters and buffers by PyTorch's dotted names; values are detached views of the live tensors. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((k, p) -> out.put(k, p.tensor().detach()));
        out.putAll(namedBuffers());
        return out;
    }

    /** Loads every entry strictly: missing, unexpected or wrongly shaped entries are an error. */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * Copies values into the live parameters and buffers (in place, so optimizers keep working).
     * With {@code strict}, missing and unexpected keys are errors; shape and dtype mismatches always are.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Parameter> params = namedParameters();
        Map<String, Tensor> bufs = namedBuffers();
        TreeSet<String> missing = new TreeSet<>();
        TreeSet<String> unexpected = new TreeSet<>(state.keySet());
        List<String> wrong = new ArrayList<>();
        Map<String, Tensor> targets = new LinkedHashMap<>();
        params.forEach((k, p) -> targets.put(k, p.tensor()));
        targets.putAll(bufs);
        for (var e : targets.entrySet()) {
            Tensor src = state.get(e.getKey());
            unexpected.remove(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape()) || src.dtype() != e.getValue().dtype()) {
                wrong.add(e.getKey() + ": expected " + e.getValue().dtype() + " " + Shapes.str(e.getValue().shape())
                        + ", got " + src.dtype() + " " + Shapes.str(src.shape()));
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

    /** Total number of parameter elements. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    /** The line that names this module in a summary, e.g. "Linear(in=784, out=512, bias=true)". */
    protected String extraRepr() {
        return "";
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        appendTree(sb, 0);
        sb.append("\nparameters: ").append(String.format(java.util.Locale.ROOT, "%,d", parameterCount()));
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
            sb.append("  # ").append(String.format(java.util.Locale.ROOT, "%,d", own)).append(" params");
        }
    }
}
