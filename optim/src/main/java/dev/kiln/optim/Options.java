package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checks every optimizer's settings share, and the settings records' encoding as F64 tensors
 * for state dicts: each component under its snake_case name, a Double, Integer, Boolean,
 * double[] (betas) or enum value.
 */
final class Options {
    private Options() {
    }

    static void lr(String opt, double x) {
        if (!(x >= 0) || Double.isInfinite(x)) {
            throw new IllegalArgumentException(opt + ": lr must be a finite number >= 0, got " + x);
        }
    }

    static void nonNegative(String opt, String key, double x) {
        if (!(x >= 0) || Double.isInfinite(x)) {
            throw new IllegalArgumentException(opt + ": " + key + " must be a finite number >= 0, got " + x);
        }
    }

    static void positiveInt(String opt, String key, int x) {
        if (x < 1) {
            throw new IllegalArgumentException(opt + ": " + key + " must be >= 1, got " + x);
        }
    }

    static void betas(String opt, double[] b) {
        for (int i = 0; i < 2; i++) {
            if (!(b[i] >= 0 && b[i] < 1)) {
                throw new IllegalArgumentException(opt + ": betas must lie in [0, 1), got (" + b[0] + ", " + b[1]
                        + "): beta" + (i + 1) + " = " + b[i] + " is outside");
            }
        }
    }

    /** A private copy of (β1, β2) for a settings record. */
    static double[] betasCopy(double[] b) {
        if (b == null || b.length != 2) {
            throw new IllegalArgumentException("betas must be two numbers (beta1, beta2), got "
                    + (b == null ? "null" : java.util.Arrays.toString(b)));
        }
        return b.clone();
    }

    // ------------------------------------------------------------------ settings records <-> state dicts

    /** A settings record's values by state-dict key (its component names in snake_case), in component order. */
    static Map<String, Object> components(Record r) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                out.put(snake(c.getName()), c.getAccessor().invoke(r));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r, e);
            }
        }
        return out;
    }

    /** A record of template's type holding these values, given by state-dict key in component order. */
    static <R extends Record> R withComponents(R template, Map<String, Object> values) {
        RecordComponent[] cs = template.getClass().getRecordComponents();
        Class<?>[] types = new Class<?>[cs.length];
        Object[] args = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            types[i] = cs[i].getType();
            args[i] = values.get(snake(cs[i].getName()));
        }
        try {
            @SuppressWarnings("unchecked")
            Class<R> type = (Class<R>) template.getClass();
            return type.getDeclaredConstructor(types).newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + template.getClass().getSimpleName(), e);
        }
    }

    /** weightDecay -> weight_decay: PyTorch's names for the state dicts. */
    static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                sb.append('_').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** An option as an F64 tensor: a 0-d scalar (booleans 0/1, enums their ordinal) or a 1-D array. */
    static Tensor encode(Object v) {
        if (v instanceof double[] a) {
            return Tensor.of(a);
        }
        if (v instanceof Boolean b) {
            return Tensor.scalar(b ? 1 : 0, DType.F64);
        }
        if (v instanceof Enum<?> e) {
            return Tensor.scalar(e.ordinal(), DType.F64);
        }
        return Tensor.scalar(((Number) v).doubleValue(), DType.F64);
    }

    /** The inverse of {@link #encode}, shaped and typed like template. */
    static Object decode(String opt, String key, Tensor t, Object template) {
        if (template instanceof double[] a) {
            if (t.dim() != 1 || t.size(0) != a.length) {
                throw new IllegalArgumentException(opt + ": loadStateDict: '" + key + "' should have shape [" + a.length
                        + "], got " + Shapes.str(t.shape()));
            }
            return t.toDoubleArray();
        }
        if (t.numel() != 1 || t.dim() != 0) {
            throw new IllegalArgumentException(opt + ": loadStateDict: '" + key + "' should be a 0-d tensor, got shape "
                    + Shapes.str(t.shape()));
        }
        double x = t.item();
        if (template instanceof Boolean) {
            return x != 0;
        }
        if (template instanceof Enum<?> e) {
            Object[] values = e.getDeclaringClass().getEnumConstants();
            int i = (int) x;
            if (i != x || i < 0 || i >= values.length) {
                throw new IllegalArgumentException(opt + ": loadStateDict: '" + key + "' holds " + x + ", not a "
                        + e.getDeclaringClass().getSimpleName());
            }
            return values[i];
        }
        if (template instanceof Integer) {
            if (x != Math.rint(x) || Math.abs(x) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(opt + ": loadStateDict: '" + key + "' holds " + x
                        + ", not an integer");
            }
            return (int) x;
        }
        return x;
    }

    /** A string as an I32 tensor of its UTF-16 code units, so names can live in a Map of tensors. */
    static Tensor encodeString(String s) {
        int[] c = new int[s.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = s.charAt(i);
        }
        return Tensor.of(c, c.length);
    }

    static String decodeString(Tensor t) {
        if (t.dtype() != DType.I32 || t.dim() != 1) {
            return "<not a name: " + t.dtype() + " " + Shapes.str(t.shape()) + ">";
        }
        int[] c = t.toIntArray();
        StringBuilder sb = new StringBuilder();
        for (int x : c) {
            sb.append((char) x);
        }
        return sb.toString();
    }
}
