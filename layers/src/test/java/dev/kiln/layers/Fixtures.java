package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the PyTorch fixtures written by tools/make_layer_fixtures.py (its docstring gives the format;
 * tools/make_kan_fixtures.py writes the same format). Public for the tests of the layer sub-packages.
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

    public static Map<String, Case> load(String resource) {
        Map<String, Case> cases = new LinkedHashMap<>();
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
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
                    Tensor t;
                    if (head[2].equals("i32")) {
                        int[] v = new int[vals.length];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = Integer.parseInt(vals[i]);
                        }
                        t = Tensor.of(v).reshape(shape);
                    } else {
                        double[] v = new double[vals.length];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = Double.parseDouble(vals[i]);
                        }
                        t = Tensor.of(v).reshape(shape);
                    }
                    tensors.put(head[1], t);
                } else if (line.equals("end")) {
                    cases.put(name, new Case(name, Map.copyOf(args), tensors));
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
