package dev.kiln.layers.suite;

import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the values of a traced call: the fixture's JSON forms as Java objects (tools/suite/trace_test_ops.py). */
final class Trace {
    private Trace() {
    }

    /** {"f": x} with x a number or "nan", "inf", "-inf". */
    static double number(Object o) {
        if (o instanceof Map<?, ?> m) {
            o = m.get("f");
        }
        if (o instanceof String s) {
            return switch (s) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalStateException("fixture: bad float " + s);
            };
        }
        return ((Number) o).doubleValue();
    }

    /**
     * A traced argument: tensors by reference, ints as Long, floats as Double, and the Python forms
     * (slice, ..., dtype) as {@link ShapeCalls.Slice}, {@link ShapeCalls#ELLIPSIS}, {@link TorchDtype}.
     */
    @SuppressWarnings("unchecked")
    static Object value(Object json, Map<Integer, Object> refs) {
        if (json == null || json instanceof Boolean || json instanceof String) {
            return json;
        }
        if (json instanceof Number n) {
            return n.longValue();
        }
        if (json instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(value(o, refs));
            }
            return out;
        }
        Map<?, ?> m = (Map<?, ?>) json;
        if (m.containsKey("t")) {
            int r = ((Number) m.get("t")).intValue();
            Object v = refs.get(r);
            if (v == null) {
                throw new IllegalStateException("fixture: tensor " + r + " used before it is made");
            }
            return v;
        }
        if (m.containsKey("f")) {
            return number(m);
        }
        if (m.containsKey("seq")) {
            return new ShapeCalls.IndexList((List<Object>) value(m.get("seq"), refs));
        }
        if (m.containsKey("slice")) {
            List<?> s = (List<?>) m.get("slice");
            return new ShapeCalls.Slice(value(s.get(0), refs), value(s.get(1), refs), value(s.get(2), refs));
        }
        if (m.containsKey("ellipsis")) {
            return ShapeCalls.ELLIPSIS;
        }
        if (m.containsKey("dtype")) {
            return new TorchDtype((String) m.get("dtype"));
        }
        throw new Unsupported("an argument of Python type " + m.get("other"));
    }

    static Map<String, Object> kwargs(Object json, Map<Integer, Object> refs) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (json instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put((String) e.getKey(), value(e.getValue(), refs));
            }
        }
        return out;
    }

    /** Binds a call's result to the refs the tracer gave it (a tensor, or nested lists for tuples). */
    static void bind(Object outRefs, Object result, Map<Integer, Object> refs, String fn) {
        if (outRefs == null) {
            return;
        }
        if (outRefs instanceof Number n) {
            if (!(result instanceof Tensor)) {
                throw new Unsupported(fn + " gave " + Call.describe(result) + " where torch gave a tensor");
            }
            refs.put(n.intValue(), result);
            return;
        }
        List<?> want = (List<?>) outRefs;
        if (!(result instanceof List<?> got) || got.size() != want.size()) {
            throw new Unsupported(fn + " gave " + (result instanceof List<?> g ? g.size() + " results" : "one result")
                    + " where torch gave " + want.size());
        }
        for (int k = 0; k < want.size(); k++) {
            bind(want.get(k), got.get(k), refs, fn);
        }
    }
}
