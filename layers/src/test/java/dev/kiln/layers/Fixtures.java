package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

import dev.kiln.tensor.testing.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The PyTorch fixtures written by tools/make_layer_fixtures.py, make_kan_fixtures.py and
 * make_attention_fixtures.py (read with the shared {@link Json} reader), as cases of named
 * arguments and tensors. Public for the tests of the layer sub-packages.
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** One case: its arguments and its tensors (F64 or I32) by name. */
    public record Case(String name, Map<String, String> args, Map<String, Tensor> tensors) {
        public Tensor tensor(String key) {
            Tensor t = tensors.get(key);
            if (t == null) {
                throw new IllegalArgumentException("fixture " + name + " has no tensor '" + key + "' (has " + tensors.keySet() + ")");
            }
            return t;
        }

        public boolean has(String key) {
            return tensors.containsKey(key);
        }

        public String arg(String key) {
            String v = args.get(key);
            if (v == null) {
                throw new IllegalArgumentException("fixture " + name + " has no arg '" + key + "'");
            }
            return v;
        }

        public double doubleArg(String key) {
            return Double.parseDouble(arg(key));
        }
    }

    /**
     * The cases of /fixtures/{@code file} by name: each case has "name", "args" (strings, as the
     * generator printed them) and "tensors" ({"dtype": "f64" or "i32", "shape", "data"} by name).
     */
    public static Map<String, Case> load(String file) {
        Map<String, Case> cases = new LinkedHashMap<>();
        for (Map<String, Object> c : Json.cases(Fixtures.class, file)) {
            String name = (String) c.get("name");
            Map<String, String> args = new LinkedHashMap<>();
            Json.map(c.get("args")).forEach((k, v) -> args.put(k, (String) v));
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Json.map(c.get("tensors")).forEach((k, v) -> tensors.put(k, tensor(file, name, k, Json.map(v))));
            cases.put(name, new Case(name, Map.copyOf(args), tensors));
        }
        return cases;
    }

    private static Tensor tensor(String file, String caseName, String key, Map<String, Object> t) {
        int[] shape = Json.ints(t.get("shape"));
        return switch ((String) t.get("dtype")) {
            case "i32" -> Tensor.of(Json.ints(t.get("data"))).reshape(shape);
            case "f64" -> Tensor.of(Json.doubles(t.get("data"))).reshape(shape);
            default -> throw new IllegalStateException("fixture " + file + ", case " + caseName + ": tensor " + key
                    + " has dtype " + t.get("dtype") + "; expected f64 or i32");
        };
    }
}
