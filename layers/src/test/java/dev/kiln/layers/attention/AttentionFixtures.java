package dev.kiln.layers.attention;

import dev.kiln.layers.Fixtures;
import dev.kiln.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads fixtures/attention.json, written by tools/make_attention_fixtures.py (its docstring gives the layout). */
final class AttentionFixtures {
    private AttentionFixtures() {
    }

    /** One case: its arguments and its F64 tensors by name (inputs, "param.*", "out", "w", "grad.*"). */
    record Case(String name, Map<String, String> args, Map<String, Tensor> tensors) {
        Tensor tensor(String key) {
            Tensor t = tensors.get(key);
            if (t == null) {
                throw new IllegalArgumentException("fixture " + name + " has no tensor '" + key + "' (has "
                        + tensors.keySet() + ")");
            }
            return t;
        }

        String arg(String key) {
            String v = args.get(key);
            if (v == null) {
                throw new IllegalArgumentException("fixture " + name + " has no arg '" + key + "'");
            }
            return v;
        }

        int intArg(String key) {
            return Integer.parseInt(arg(key));
        }

        /** A number; "nan" (Python's spelling) is NaN, which the ops read as "the default". */
        double doubleArg(String key) {
            String v = arg(key);
            return v.equalsIgnoreCase("nan") ? Double.NaN : Double.parseDouble(v);
        }

        boolean boolArg(String key) {
            return Boolean.parseBoolean(arg(key));
        }

        /** The parameters by their state-dict names. */
        Map<String, Tensor> params() {
            Map<String, Tensor> p = new LinkedHashMap<>();
            tensors.forEach((k, v) -> {
                if (k.startsWith("param.")) {
                    p.put(k.substring("param.".length()), v);
                }
            });
            return p;
        }
    }

    static List<Case> load() {
        // the layer fixtures' layout and reader (Fixtures); these cases add attention's helpers
        return Fixtures.load("attention.json").values().stream()
                .map(c -> new Case(c.name(), c.args(), c.tensors())).toList();
    }
}
