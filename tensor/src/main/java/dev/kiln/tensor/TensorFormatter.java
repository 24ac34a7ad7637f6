package dev.kiln.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PyTorch-style printing, following torch/_tensor_str.py: one number style and column width for
 * the whole tensor (chosen from the elements shown), 4 decimals or scientific, "..." beyond 1000
 * elements, lines wrapped at 80 characters. Kiln's dtype names stand in for torch's.
 */
final class TensorFormatter {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;
    private static final int LINE_WIDTH = 80;
    private static final String PREFIX = "tensor(";

    private TensorFormatter() {
    }

    static String format(Tensor t) {
        Tensor h = t.detach().to(Device.CPU);
        double[] values;
        String[] exact = null;
        if (t.dtype().isIntegral()) {
            // I64 beyond 2^53 has no exact double: the values become positions into their exact texts
            long[] longs = h.toLongArray();
            exact = new String[longs.length];
            values = new double[longs.length];
            for (int i = 0; i < longs.length; i++) {
                exact[i] = Long.toString(longs[i]);
                values[i] = i;
            }
        } else {
            values = h.toDoubleArray();
        }
        int[] shape = h.shape();
        List<String> suffixes = new ArrayList<>();
        if (!t.device().isCpu()) {
            suffixes.add("device='" + t.device() + "'");
        }
        String body;
        if (values.length == 0) {
            body = "[]";
            if (shape.length != 1) {
                suffixes.add("size=" + tuple(shape));
            }
        } else {
            boolean summarize = values.length > THRESHOLD;
            int[] strides = Shapes.contiguousStrides(shape);
            List<Double> shown = new ArrayList<>();
            collectShown(shown, values, shape, strides, 0, 0, summarize);
            Style style = Style.of(t.dtype(), shown, exact);
            StringBuilder sb = new StringBuilder();
            if (shape.length == 0) {
                sb.append(style.format(values[0]));
            } else {
                appendDim(sb, values, shape, strides, 0, 0, style, summarize);
            }
            body = sb.toString();
        }
        if (t.dtype() != DType.F32) {
            suffixes.add("dtype=" + t.dtype());
        }
        if (t.gradFn() != null) {
            suffixes.add("grad_fn=<" + t.gradFn().name() + ">");
        } else if (t.requiresGrad()) {
            suffixes.add("requires_grad=true");
        }
        return withSuffixes(PREFIX + body, suffixes);
    }

    /** Appends ", suffix" or, when the line would pass 80 characters, ",\n" and the suffix (PyTorch's rule). */
    private static String withSuffixes(String s, List<String> suffixes) {
        StringBuilder sb = new StringBuilder(s);
        int indent = PREFIX.length();
        // PyTorch counts the last line two characters long; kept so the wrapping matches
        int lastLine = s.length() - s.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (lastLine + suffix.length() + 2 > LINE_WIDTH) {
                sb.append(",\n").append(" ".repeat(indent)).append(suffix);
                lastLine = indent + suffix.length();
            } else {
                sb.append(", ").append(suffix);
                lastLine += suffix.length() + 2;
            }
        }
        return sb.append(')').toString();
    }

    /** The elements that will be printed, in order: the style is chosen from these only, as PyTorch does. */
    private static void collectShown(List<Double> out, double[] v, int[] shape, int[] strides, int dim, int base,
                                     boolean summarize) {
        if (dim == shape.length) {
            out.add(v[base]);
            return;
        }
        int n = shape[dim];
        boolean cut = summarize && n > 2 * EDGE;
        for (int i = 0; i < n; i++) {
            if (cut && i == EDGE) {
                i = n - EDGE;
            }
            collectShown(out, v, shape, strides, dim + 1, base + i * strides[dim], summarize);
        }
    }

    private static void appendDim(StringBuilder sb, double[] v, int[] shape, int[] strides, int dim, int base,
                                  Style style, boolean summarize) {
        int n = shape[dim];
        int indent = PREFIX.length() + dim;
        boolean cut = summarize && n > 2 * EDGE;
        if (dim == shape.length - 1) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (cut && i == EDGE) {
                    items.add(" ...");
                    i = n - EDGE - 1;
                    continue;
                }
                items.add(style.format(v[base + i * strides[dim]]));
            }
            int perLine = Math.max(1, (LINE_WIDTH - indent) / (style.width + 2));
            sb.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(i % perLine == 0 ? ",\n" + " ".repeat(indent + 1) : ", ");
                }
                sb.append(items.get(i));
            }
            sb.append(']');
            return;
        }
        String sep = "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(indent + 1);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(sep);
            }
            if (cut && i == EDGE) {
                sb.append("...").append(sep);
                i = n - EDGE;
            }
            appendDim(sb, v, shape, strides, dim + 1, base + i * strides[dim], style, summarize);
        }
        sb.append(']');
    }

    /** PyTorch's size tuple, e.g. "(2, 0)". */
    private static String tuple(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** How numbers are written and how wide the column is, chosen as PyTorch's _Formatter does. */
    private static final class Style {
        enum Mode { BOOL, INT, FLOAT_INTEGRAL, FIXED, SCIENTIFIC }

        final Mode mode;
        final int width;
        // INT mode: the exact text of each element, indexed by the position that stands for it
        private final String[] exact;

        private Style(Mode mode, int width, String[] exact) {
            this.mode = mode;
            this.width = width;
            this.exact = exact;
        }

        private Style(Mode mode, int width) {
            this(mode, width, null);
        }

        static Style of(DType dtype, List<Double> shown, String[] exact) {
            if (dtype == DType.BOOL || dtype.isIntegral()) {
                Mode mode = dtype == DType.BOOL ? Mode.BOOL : Mode.INT;
                Style style = new Style(mode, 1, exact);
                int width = 1;
                for (double v : shown) {
                    width = Math.max(width, style.raw(v).length());
                }
                return new Style(mode, width, exact);
            }
            // float widths come from the non-zero finite values only
            boolean integral = true;
            double maxAbs = 0;
            double minAbs = Double.POSITIVE_INFINITY;
            List<Double> nonZero = new ArrayList<>();
            for (double v : shown) {
                if (!Double.isFinite(v) || v == 0) {
                    continue;
                }
                nonZero.add(v);
                integral &= v == Math.ceil(v);
                maxAbs = Math.max(maxAbs, Math.abs(v));
                minAbs = Math.min(minAbs, Math.abs(v));
            }
            if (nonZero.isEmpty()) {
                return new Style(Mode.FLOAT_INTEGRAL, 1);
            }
            Mode mode;
            if (integral) {
                mode = maxAbs / minAbs > 1000 || maxAbs > 1e8 ? Mode.SCIENTIFIC : Mode.FLOAT_INTEGRAL;
            } else {
                mode = maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4 ? Mode.SCIENTIFIC : Mode.FIXED;
            }
            int width = 1;
            for (double v : nonZero) {
                width = Math.max(width, new Style(mode, 1).raw(v).length());
            }
            return new Style(mode, width);
        }

        /** The value right-aligned in the column. */
        String format(double v) {
            String s = raw(v);
            return " ".repeat(Math.max(0, width - s.length())) + s;
        }

        private String raw(double v) {
            if (mode == Mode.BOOL) {
                return v != 0 ? "True" : "False";
            }
            if (mode == Mode.INT) {
                return exact[(int) v];
            }
            if (Double.isNaN(v)) {
                return "nan";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            return switch (mode) {
                case FLOAT_INTEGRAL -> String.format(Locale.ROOT, "%.0f.", v);
                case FIXED -> String.format(Locale.ROOT, "%.4f", v);
                default -> String.format(Locale.ROOT, "%.4e", v);
            };
        }
    }
}
