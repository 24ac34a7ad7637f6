package dev.kiln.tensor;

import java.util.Locale;

/** PyTorch-style printing: aligned columns, 4 decimals or scientific, "..." beyond 1000 elements. */
final class TensorFormatter {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;
    private static final String PREFIX = "tensor(";

    private TensorFormatter() {
    }

    static String format(Tensor t) {
        Tensor h = t.detach().to(Device.CPU);
        double[] values = h.to(DType.F64).contiguous().toDoubleArray();
        int[] shape = h.shape();
        boolean summarize = values.length > THRESHOLD;
        Style style = Style.of(t.dtype(), values);
        StringBuilder sb = new StringBuilder(PREFIX);
        if (shape.length == 0) {
            sb.append(style.format(values[0]).strip());
        } else {
            int width = 0;
            for (double v : values) {
                width = Math.max(width, style.format(v).length());
            }
            int[] strides = Shapes.contiguousStrides(shape);
            appendDim(sb, values, shape, strides, 0, 0, style, width, summarize);
        }
        if (t.dtype() != DType.F32) {
            sb.append(", dtype=").append(t.dtype());
        }
        if (!t.device().isCpu()) {
            sb.append(", device='").append(t.device()).append('\'');
        }
        if (t.gradFn() != null) {
            sb.append(", grad_fn=<").append(t.gradFn().name()).append('>');
        } else if (t.requiresGrad()) {
            sb.append(", requires_grad=true");
        }
        return sb.append(')').toString();
    }

    private static void appendDim(StringBuilder sb, double[] v, int[] shape, int[] strides, int dim, int base,
                                  Style style, int width, boolean summarize) {
        int n = shape[dim];
        sb.append('[');
        boolean last = dim == shape.length - 1;
        String indent = " ".repeat(PREFIX.length() + dim + 1);
        String sep = last ? ", " : "," + "\n".repeat(shape.length - dim - 1) + indent;
        boolean cut = summarize && n > 2 * EDGE;
        boolean first = true;
        for (int i = 0; i < n; i++) {
            if (cut && i == EDGE) {
                sb.append(sep).append("...");
                i = n - EDGE - 1;
                continue;
            }
            if (!first) {
                sb.append(sep);
            }
            first = false;
            if (last) {
                String s = style.format(v[base + i * strides[dim]]);
                sb.append(" ".repeat(Math.max(0, width - s.length()))).append(s);
            } else {
                appendDim(sb, v, shape, strides, dim + 1, base + i * strides[dim], style, width, summarize);
            }
        }
        sb.append(']');
    }

    /** How numbers are written, chosen from the values as PyTorch's formatter does. */
    private enum Style {
        BOOL, INT, FLOAT_INTEGRAL, FIXED, SCIENTIFIC;

        static Style of(DType dtype, double[] values) {
            if (dtype == DType.BOOL) {
                return BOOL;
            }
            if (dtype == DType.I32) {
                return INT;
            }
            boolean integral = true;
            double maxAbs = 0;
            double minAbs = Double.POSITIVE_INFINITY;
            for (double v : values) {
                if (!Double.isFinite(v)) {
                    continue;
                }
                integral &= v == Math.rint(v);
                double a = Math.abs(v);
                maxAbs = Math.max(maxAbs, a);
                if (a > 0) {
                    minAbs = Math.min(minAbs, a);
                }
            }
            if (integral) {
                return maxAbs >= 1e8 ? SCIENTIFIC : FLOAT_INTEGRAL;
            }
            if (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000) {
                return SCIENTIFIC;
            }
            return FIXED;
        }

        String format(double v) {
            if (this == BOOL) {
                return v != 0 ? "True" : "False";
            }
            if (Double.isNaN(v)) {
                return "nan";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            return switch (this) {
                case INT -> Long.toString((long) v);
                case FLOAT_INTEGRAL -> String.format(Locale.ROOT, "%.0f.", v);
                case FIXED -> String.format(Locale.ROOT, "%.4f", v);
                default -> String.format(Locale.ROOT, "%.4e", v);
            };
        }
    }
}
