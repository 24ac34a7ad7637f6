package dev.kiln.layers.suite;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One torch call's arguments bound to its parameters by PyTorch's rules: positional arguments in
 * the order of the parameter list, keywords by name ({@code axis} is {@code dim}, as PyTorch
 * accepts), a parameter written {@code *name} takes the remaining positional arguments (or one
 * list: {@code x.reshape(2, 3)} and {@code x.reshape((2, 3))}), and a parameter written
 * {@code name=} may be absent. A keyword the registry does not know is refused, unless it is one
 * that changes nothing here (its default, or a deprecated or in-place flag that is off).
 */
final class Call {
    private static final Map<String, String> ALIASES = Map.of("axis", "dim", "self", "input", "dims", "dims");
    private static final Set<String> INERT = Set.of("_stacklevel", "size_average", "reduce", "out", "inplace",
            "requires_grad", "antialias", "recompute_scale_factor");

    final String fn;
    private final Map<String, Object> named = new HashMap<>();

    Call(String fn, List<Object> args, Map<String, Object> kwargs, String signature) {
        this.fn = fn;
        String[] params = signature.isBlank() ? new String[0] : signature.trim().split("\\s+");
        int p = 0;
        for (int a = 0; a < args.size(); a++) {
            if (p >= params.length) {
                throw new Unsupported(fn + " with " + args.size() + " positional arguments");
            }
            String param = params[p];
            if (param.startsWith("*")) {
                List<Object> rest = new ArrayList<>(args.subList(a, args.size()));
                named.put(param.substring(1), rest.size() == 1 && rest.get(0) instanceof List<?> l ? l : rest);
                break;
            }
            named.put(strip(param), args.get(a));
            p++;
        }
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            String k = ALIASES.getOrDefault(e.getKey(), e.getKey());
            if (knows(params, k)) {
                named.put(k, e.getValue());
            } else if (!(INERT.contains(k) || e.getValue() == null || Boolean.FALSE.equals(e.getValue()))) {
                throw new Unsupported(fn + "(" + e.getKey() + "=...)");
            }
        }
        for (String param : params) {
            if (!param.endsWith("=") && !param.startsWith("*") && !named.containsKey(param)) {
                throw new Unsupported(fn + " without " + param);
            }
        }
        for (String flag : new String[] {"inplace"}) {
            if (Boolean.TRUE.equals(kwargs.get(flag))) {
                throw new Unsupported(fn + "(inplace=True)");
            }
        }
    }

    private static boolean knows(String[] params, String k) {
        for (String p : params) {
            if (strip(p).equals(k)) {
                return true;
            }
        }
        return false;
    }

    private static String strip(String p) {
        return p.replace("=", "").replace("*", "");
    }

    boolean has(String name) {
        return named.get(name) != null;
    }

    Object o(String name) {
        return named.get(name);
    }

    Tensor t(String name) {
        Object v = named.get(name);
        if (v instanceof Tensor t) {
            return t;
        }
        throw new Unsupported(fn + ": " + name + " is " + describe(v) + ", not a tensor");
    }

    Tensor tOrNull(String name) {
        return has(name) ? t(name) : null;
    }

    int i(String name) {
        return toInt(fn, name, named.get(name));
    }

    int i(String name, int def) {
        return has(name) ? i(name) : def;
    }

    double d(String name, double def) {
        Object v = named.get(name);
        return v == null ? def : toDouble(fn, name, v);
    }

    boolean b(String name, boolean def) {
        Object v = named.get(name);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        return toInt(fn, name, v) != 0;
    }

    String s(String name, String def) {
        Object v = named.get(name);
        return v == null ? def : v.toString();
    }

    /** An int or a list of ints. */
    int[] ints(String name) {
        Object v = named.get(name);
        if (v instanceof List<?> l) {
            int[] r = new int[l.size()];
            for (int k = 0; k < r.length; k++) {
                r[k] = toInt(fn, name, l.get(k));
            }
            return r;
        }
        return new int[] {toInt(fn, name, v)};
    }

    int[] intsOr(String name, int[] def) {
        return has(name) ? ints(name) : def;
    }

    List<Tensor> tensors(String name) {
        Object v = named.get(name);
        if (!(v instanceof List<?> l)) {
            throw new Unsupported(fn + ": " + name + " is not a list of tensors");
        }
        List<Tensor> r = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Tensor t)) {
                throw new Unsupported(fn + ": " + name + " holds " + describe(o));
            }
            r.add(t);
        }
        return r;
    }

    DType dtype(String name, DType def) {
        Object v = named.get(name);
        if (v == null) {
            return def;
        }
        if (v instanceof TorchDtype d) {
            return d.kiln();
        }
        throw new Unsupported(fn + ": " + name + " is " + describe(v));
    }

    static int toInt(String fn, String name, Object v) {
        if (v instanceof Long l) {
            return Math.toIntExact(l);
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new Unsupported(fn + ": " + name + " is " + describe(v) + ", not an int");
    }

    static double toDouble(String fn, String name, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new Unsupported(fn + ": " + name + " is " + describe(v) + ", not a number");
    }

    static String describe(Object v) {
        return v == null ? "None" : v instanceof Tensor t ? "a tensor" : v.getClass().getSimpleName() + " " + v;
    }
}
