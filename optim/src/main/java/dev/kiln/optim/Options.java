package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * Hyperparameter values: the checks every optimizer shares, type coercion, and their encoding as
 * F64 tensors for state dicts. Values are Double, Integer, Boolean, double[] (betas) or an enum.
 */
final class Options {
    private Options() {
    }

    static void lr(String opt, Object v) {
        double x = (Double) v;
        if (!(x >= 0) || Double.isInfinite(x)) {
            throw new IllegalArgumentException(opt + ": lr must be a finite number >= 0, got " + x);
        }
    }

    static void nonNegative(String opt, String key, Object v) {
        double x = ((Number) v).doubleValue();
        if (!(x >= 0) || Double.isInfinite(x)) {
            throw new IllegalArgumentException(opt + ": " + key + " must be a finite number >= 0, got " + x);
        }
    }

    static void positiveInt(String opt, String key, Object v) {
        int x = (Integer) v;
        if (x < 1) {
            throw new IllegalArgumentException(opt + ": " + key + " must be >= 1, got " + x);
        }
    }

    static void betas(String opt, Object v) {
        double[] b = (double[]) v;
        for (int i = 0; i < 2; i++) {
            if (!(b[i] >= 0 && b[i] < 1)) {
                throw new IllegalArgumentException(opt + ": betas must lie in [0, 1), got (" + b[0] + ", " + b[1]
                        + "): beta" + (i + 1) + " = " + b[i] + " is outside");
            }
        }
    }

    static void unknown(String opt, String key) {
        throw new IllegalArgumentException(opt + ": unknown option '" + key + "'");
    }

    /** value converted to the type of template (the option's current value), or a clear error. */
    static Object coerce(String opt, String key, Object value, Object template) {
        if (value == null) {
            throw new IllegalArgumentException(opt + ": option '" + key + "' cannot be null");
        }
        if (template instanceof Double) {
            if (value instanceof Number n) {
                return n.doubleValue();
            }
        } else if (template instanceof Integer) {
            if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
                return n.intValue();
            }
        } else if (template instanceof Boolean) {
            if (value instanceof Boolean) {
                return value;
            }
        } else if (template instanceof double[] t) {
            if (value instanceof double[] a && a.length == t.length) {
                return a.clone();
            }
        } else if (template instanceof Enum<?> e) {
            if (e.getDeclaringClass().isInstance(value)) {
                return value;
            }
        }
        throw new IllegalArgumentException(opt + ": option '" + key + "' expects " + describe(template) + ", got "
                + value.getClass().getSimpleName() + " " + value);
    }

    private static String describe(Object template) {
        if (template instanceof Integer) {
            return "an integer";
        }
        if (template instanceof Boolean) {
            return "a boolean";
        }
        if (template instanceof double[] t) {
            return "a double[" + t.length + "]";
        }
        if (template instanceof Enum<?> e) {
            return "a " + e.getDeclaringClass().getSimpleName();
        }
        return "a number";
    }

    static boolean same(Object a, Object b) {
        if (a instanceof double[] x && b instanceof double[] y) {
            return java.util.Arrays.equals(x, y);
        }
        return a.equals(b);
    }

    static String show(Object v) {
        return v instanceof double[] a ? java.util.Arrays.toString(a) : String.valueOf(v);
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
            return coerce(opt, key, x, template);
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
