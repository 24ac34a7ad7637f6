package dev.kiln.models;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kiln.layers.Module;
import dev.kiln.layers.kan.KAN;
import dev.kiln.models.nn.BilinearMlp;
import dev.kiln.models.nn.ByteMlpLm;
import dev.kiln.models.nn.ConvNet;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.tensor.Generator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;

/**
 * Builds a model from the configuration a checkpoint carries (its "config" metadata, JSON with a
 * "model" field), so {@code kiln eval} and {@code kiln generate} need nothing but the checkpoint.
 * Each model kind registers a builder here.
 */
public final class Models {
    private static final Map<String, BiFunction<JsonObject, Generator, Module>> BUILDERS = new LinkedHashMap<>();
    // a lower bound on each built-in model's parameter count, from its configuration alone
    private static final Map<String, ToDoubleFunction<JsonObject>> MIN_PARAMETERS = new LinkedHashMap<>();
    // bounds on a checkpoint's sizes: generous, they only keep hostile numbers out of the arithmetic
    private static final String M = "model";
    private static final int SIZE = 1 << 20;
    private static final int DEPTH = 4_096;

    static {
        register("mlp", (c, rng) -> MlpClassifier.build(mlpConfig(c), rng));
        register("bytelm", (c, rng) -> new ByteMlpLm(byteLmConfig(c), rng));
        register("gpt", (c, rng) -> new Gpt(gptConfig(c), rng));
        register("bilinear", (c, rng) -> BilinearMlp.build(bilinearConfig(c), rng));
        register("kan", (c, rng) -> KAN.builder(ConfigJson.integers(c, "widths", M, 1, SIZE, DEPTH))
                .gridSize(ConfigJson.integer(c, "grid_size", M, 1, 1_000))
                .splineOrder(ConfigJson.integer(c, "spline_order", M, 1, 10)).build(rng));
        register("cnn", (c, rng) -> new ConvNet(cnnConfig(c), rng));
        MIN_PARAMETERS.put("cnn", c -> {
            // the 3×3 convolutions of each stage's first block and the head
            ConvNet.Config m = cnnConfig(c);
            int[] w = m.widths();
            double sum = (double) w[w.length - 1] * m.classes();
            int in = m.channels();
            for (int x : w) {
                sum += 9.0 * in * x;
                in = x;
            }
            return sum;
        });
        MIN_PARAMETERS.put("mlp", c -> {
            MlpClassifier.Config m = mlpConfig(c);
            return chain(m.inFeatures(), m.hidden(), m.classes(), 1);
        });
        MIN_PARAMETERS.put("bilinear", c -> {
            BilinearMlp.Config b = bilinearConfig(c);
            int d = b.embed() > 0 ? b.embed() : b.inFeatures();
            return (double) b.inFeatures() * b.embed() + 2.0 * d * b.hidden() + (double) b.hidden() * b.classes();
        });
        MIN_PARAMETERS.put("kan", c -> {
            int[] w = ConfigJson.integers(c, "widths", M, 1, SIZE, DEPTH);
            if (w.length < 2) {
                throw new IllegalArgumentException("model.widths must hold at least 2 sizes, got " + w.length);
            }
            int basis = ConfigJson.integer(c, "grid_size", M, 1, 1_000) + ConfigJson.integer(c, "spline_order", M, 1, 10);
            return chain(w[0], java.util.Arrays.copyOfRange(w, 1, w.length - 1), w[w.length - 1], basis);
        });
        MIN_PARAMETERS.put("bytelm", c -> {
            ByteMlpLm.Config b = byteLmConfig(c);
            return 256.0 * b.embed() + (double) b.context() * b.embed() * b.hidden() + 256.0 * b.hidden();
        });
        MIN_PARAMETERS.put("gpt", c -> {
            // the token embedding, and per block at least the query and output projections and two FFN matrices
            int layers = ConfigJson.integer(c, "layers", M, 1, DEPTH);
            double d = ConfigJson.integer(c, "d_model", M, 1, SIZE);
            double hidden = ConfigJson.integer(c, "hidden", M, 1, SIZE);
            return 256 * d + layers * (2 * d * d + 2 * d * hidden);
        });
    }

    /** Weights of the matrices between consecutive sizes, times {@code per} values per weight. */
    private static double chain(int in, int[] hidden, int out, int per) {
        double sum = 0;
        int prev = in;
        for (int h : hidden) {
            sum += (double) prev * h * per;
            prev = h;
        }
        return sum + (double) prev * out * per;
    }

    private Models() {
    }

    /** Adds a model kind (for models defined elsewhere); a kind registered twice is an error. */
    public static synchronized void register(String kind, BiFunction<JsonObject, Generator, Module> builder) {
        if (BUILDERS.putIfAbsent(kind, builder) != null) {
            throw new IllegalArgumentException("Models.register: '" + kind + "' is already registered");
        }
    }

    public static synchronized Module build(JsonObject config, Generator rng) {
        return builder(config).apply(config, rng);
    }

    private static BiFunction<JsonObject, Generator, Module> builder(JsonObject config) {
        String kind = ConfigJson.string(config, "model", M);
        var b = BUILDERS.get(kind);
        if (b == null) {
            throw new IllegalArgumentException("Models.build: unknown model '" + kind + "'; known: " + BUILDERS.keySet());
        }
        return b;
    }

    /**
     * A lower bound on the number of parameters of the model a configuration describes, computed
     * without building it (0 for kinds registered without one). A checkpoint whose tensors hold
     * fewer values than this does not describe itself honestly, and nothing that large is built.
     */
    public static synchronized double minParameterCount(JsonObject config) {
        builder(config);
        var f = MIN_PARAMETERS.get(ConfigJson.string(config, "model", M));
        return f == null ? 0 : f.applyAsDouble(config);
    }

    /** Parses a configuration: a JSON object, or an error that says what is wrong with the text. */
    public static JsonObject parse(String json) {
        return ConfigJson.parseObject(json, "the configuration");
    }

    // ------------------------------------------------------------------ configurations

    public static JsonObject toJson(MlpClassifier.Config c) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "mlp");
        o.addProperty("in_features", c.inFeatures());
        JsonArray h = new JsonArray();
        for (int x : c.hidden()) {
            h.add(x);
        }
        o.add("hidden", h);
        o.addProperty("classes", c.classes());
        o.addProperty("activation", c.activation());
        o.addProperty("norm", c.norm());
        return o;
    }

    public static MlpClassifier.Config mlpConfig(JsonObject o) {
        return new MlpClassifier.Config(ConfigJson.integer(o, "in_features", M, 1, SIZE),
                ConfigJson.integers(o, "hidden", M, 1, SIZE, DEPTH), ConfigJson.integer(o, "classes", M, 1, SIZE),
                ConfigJson.string(o, "activation", M), ConfigJson.string(o, "norm", M));
    }

    public static JsonObject toJson(ConvNet.Config c) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "cnn");
        o.addProperty("arch", c.arch());
        JsonArray w = new JsonArray();
        for (int x : c.widths()) {
            w.add(x);
        }
        o.add("widths", w);
        o.addProperty("blocks", c.blocks());
        o.addProperty("channels", c.channels());
        o.addProperty("size", c.size());
        o.addProperty("classes", c.classes());
        return o;
    }

    public static ConvNet.Config cnnConfig(JsonObject o) {
        return new ConvNet.Config(ConfigJson.string(o, "arch", M), ConfigJson.integers(o, "widths", M, 1, SIZE, DEPTH),
                ConfigJson.integer(o, "blocks", M, 1, DEPTH), ConfigJson.integer(o, "channels", M, 1, SIZE),
                ConfigJson.integer(o, "size", M, 1, SIZE), ConfigJson.integer(o, "classes", M, 1, SIZE));
    }

    public static BilinearMlp.Config bilinearConfig(JsonObject o) {
        return new BilinearMlp.Config(ConfigJson.integer(o, "in_features", M, 1, SIZE), ConfigJson.integer(o, "embed", M, 0, SIZE),
                ConfigJson.integer(o, "hidden", M, 1, SIZE), ConfigJson.integer(o, "classes", M, 1, SIZE));
    }

    public static JsonObject toJson(BilinearMlp.Config c) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "bilinear");
        o.addProperty("in_features", c.inFeatures());
        o.addProperty("embed", c.embed());
        o.addProperty("hidden", c.hidden());
        o.addProperty("classes", c.classes());
        return o;
    }

    /** A B-spline KAN of these widths with grid size G and spline order k (the grid buffers come from the state dict). */
    public static JsonObject kanJson(int[] widths, int gridSize, int splineOrder) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "kan");
        JsonArray w = new JsonArray();
        for (int x : widths) {
            w.add(x);
        }
        o.add("widths", w);
        o.addProperty("grid_size", gridSize);
        o.addProperty("spline_order", splineOrder);
        return o;
    }

    public static JsonObject toJson(ByteMlpLm.Config c) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "bytelm");
        o.addProperty("context", c.context());
        o.addProperty("embed", c.embed());
        o.addProperty("hidden", c.hidden());
        return o;
    }

    public static ByteMlpLm.Config byteLmConfig(JsonObject o) {
        return new ByteMlpLm.Config(ConfigJson.integer(o, "context", M, 1, SIZE), ConfigJson.integer(o, "embed", M, 1, SIZE),
                ConfigJson.integer(o, "hidden", M, 1, SIZE));
    }

    public static JsonObject toJson(Gpt.Config c) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "gpt");
        o.addProperty("layers", c.layers());
        o.addProperty("d_model", c.dModel());
        o.addProperty("heads", c.heads());
        o.addProperty("kv_heads", c.kvHeads());
        o.addProperty("context", c.context());
        o.addProperty("hidden", c.hidden());
        o.addProperty("norm", c.norm());
        o.addProperty("placement", c.placement());
        if (c.placement().equals("mix")) {
            o.addProperty("mix_alpha", c.mixAlpha());
        }
        o.addProperty("attention", c.attention());
        o.addProperty("feed_forward", c.feedForward());
        o.addProperty("positions", c.positions());
        o.addProperty("bias", c.bias());
        return o;
    }

    public static Gpt.Config gptConfig(JsonObject o) {
        return new Gpt.Config(ConfigJson.integer(o, "layers", M, 1, DEPTH), ConfigJson.integer(o, "d_model", M, 1, SIZE),
                ConfigJson.integer(o, "heads", M, 1, SIZE), ConfigJson.integer(o, "kv_heads", M, 1, SIZE),
                ConfigJson.integer(o, "context", M, 1, SIZE), ConfigJson.integer(o, "hidden", M, 1, SIZE),
                ConfigJson.string(o, "norm", M), ConfigJson.string(o, "placement", M),
                o.has("mix_alpha") ? ConfigJson.number(o, "mix_alpha", M, 0, 1) : 0.25, ConfigJson.string(o, "attention", M),
                ConfigJson.string(o, "feed_forward", M), ConfigJson.string(o, "positions", M), ConfigJson.bool(o, "bias", M));
    }
}
