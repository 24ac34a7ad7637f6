package dev.kiln.layers.suite;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.kiln.tensor.testing.Json.list;
import static dev.kiln.tensor.testing.Json.map;

/**
 * A tensor of the fixture: torch's dtype name, shape and values (as doubles). A result with more
 * than the tracer's sample size holds the values at evenly spaced flat positions
 * ({@code k * numel / count}) plus the float64 sums of its values and of their magnitudes.
 */
record Expected(String dtype, int[] shape, double[] values, int sampleCount, double sum, double absSum) {

    static Expected decode(Object json) {
        Map<String, Object> m = map(json);
        List<Object> dims = list(m.get("shape"));
        int[] shape = new int[dims.size()];
        for (int k = 0; k < shape.length; k++) {
            shape[k] = ((Number) dims.get(k)).intValue();
        }
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode((String) m.get("data"))).order(ByteOrder.LITTLE_ENDIAN);
        String store = (String) m.get("store");
        int width = switch (store) {
            case "float32" -> 4;
            case "float64", "int64" -> 8;
            case "bool" -> 1;
            default -> throw new IllegalStateException("fixture: unknown store " + store);
        };
        double[] v = new double[b.remaining() / width];
        for (int k = 0; k < v.length; k++) {
            v[k] = switch (store) {
                case "float32" -> b.getFloat();
                case "float64" -> b.getDouble();
                case "int64" -> b.getLong();
                default -> b.get();
            };
        }
        if (m.get("sampled") instanceof Map<?, ?> s) {
            return new Expected((String) m.get("dtype"), shape, v, ((Number) s.get("count")).intValue(),
                    Trace.number(s.get("sum")), Trace.number(s.get("abssum")));
        }
        return new Expected((String) m.get("dtype"), shape, v, 0, 0, 0);
    }

    /** A flat tensor in the given shape; Kiln's of(data) with no shape is 1-D, torch's [] is 0-d. */
    static Tensor shaped(Tensor flat, int[] shape) {
        return flat.reshape(shape);
    }

    int numel() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    boolean floating() {
        return dtype.startsWith("float") || dtype.equals("half") || dtype.equals("bfloat16");
    }

    /** The Kiln tensor of these values (inputs and constants are never sampled). */
    Tensor toKiln() {
        DType d = TorchDtype.kilnOrNull(dtype);
        if (d == null) {
            throw new Unsupported("dtype " + dtype);
        }
        int n = values.length;
        return switch (d) {
            case F32 -> {
                float[] a = new float[n];
                for (int k = 0; k < n; k++) {
                    a[k] = (float) values[k];
                }
                yield Expected.shaped(Tensor.of(a), shape);
            }
            case F64 -> Expected.shaped(Tensor.of(values.clone()), shape);
            case I32 -> {
                int[] a = new int[n];
                for (int k = 0; k < n; k++) {
                    if (values[k] < Integer.MIN_VALUE || values[k] > Integer.MAX_VALUE) {
                        throw new Unsupported("an int64 value " + (long) values[k] + " outside int32");
                    }
                    a[k] = (int) values[k];
                }
                yield Expected.shaped(Tensor.of(a), shape);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int k = 0; k < n; k++) {
                    a[k] = values[k] != 0;
                }
                yield Expected.shaped(Tensor.of(a), shape);
            }
            // the values are torch's, exact in a double: convert to the dtype without rounding
            case F16, BF16 -> Expected.shaped(Tensor.of(values.clone()).to(d), shape);
            case I64, I8, U8 -> {
                long[] a = new long[n];
                for (int k = 0; k < n; k++) {
                    a[k] = (long) values[k];
                }
                yield Expected.shaped(Tensor.of(a).to(d), shape);
            }
        };
    }
}
