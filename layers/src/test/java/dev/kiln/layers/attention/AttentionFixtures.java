package dev.kiln.layers.attention;

import dev.kiln.tensor.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads fixtures/attention.txt, written by tools/make_attention_fixtures.py (its docstring gives the format). */
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
        String resource = "/fixtures/attention.txt";
        List<Case> cases = new ArrayList<>();
        try (InputStream in = AttentionFixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("fixture resource " + resource + " not found");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String name = null;
            Map<String, String> args = null;
            Map<String, Tensor> tensors = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("case ")) {
                    name = line.substring(5).trim();
                    args = new LinkedHashMap<>();
                    tensors = new LinkedHashMap<>();
                } else if (line.startsWith("arg ")) {
                    String[] p = line.split(" ", 3);
                    args.put(p[1], p[2]);
                } else if (line.startsWith("tensor ")) {
                    int colon = line.indexOf(" : ");
                    String[] head = line.substring(0, colon).split(" ");
                    String body = line.substring(colon + 3).trim();
                    String[] vals = body.isEmpty() ? new String[0] : body.split(" ");
                    int[] shape = new int[head.length - 3];
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = Integer.parseInt(head[3 + i]);
                    }
                    double[] v = new double[vals.length];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = Double.parseDouble(vals[i]);
                    }
                    tensors.put(head[1], Tensor.of(v).reshape(shape));
                } else if (line.equals("end")) {
                    cases.add(new Case(name, Map.copyOf(args), tensors));
                } else {
                    throw new IllegalStateException("fixture " + resource + ": cannot read line: " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }
}
