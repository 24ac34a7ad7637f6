package dev.kiln.models;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kiln.layers.Module;
import dev.kiln.layers.kan.KAN;
import dev.kiln.models.nn.BilinearMlp;
import dev.kiln.models.nn.ByteMlpLm;
import dev.kiln.models.nn.Gpt;
import dev.kiln.models.nn.MlpClassifier;
import dev.kiln.tensor.Generator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Builds a model from the configuration a checkpoint carries (its "config" metadata, JSON with a
 * "model" field), so {@code kiln eval} and {@code kiln generate} need nothing but the checkpoint.
 * Each model kind registers a builder here.
 */
public final class Models {
    private static final Map<String, BiFunction<JsonObject, Generator, Module>> BUILDERS = new LinkedHashMap<>();

    static {
        register("mlp", (c, rng) -> MlpClassifier.build(mlpConfig(c), rng));
        register("bytelm", (c, rng) -> new ByteMlpLm(byteLmConfig(c), rng));
        register("gpt", (c, rng) -> new Gpt(gptConfig(c), rng));
        register("bilinear", (c, rng) -> BilinearMlp.build(new BilinearMlp.Config(c.get("in_features").getAsInt(),
                c.get("embed").getAsInt(), c.get("hidden").getAsInt(), c.get("classes").getAsInt()), rng));
        register("kan", (c, rng) -> {
            JsonArray w = c.getAsJsonArray("widths");
            int[] widths = new int[w.size()];
            for (int i = 0; i < widths.length; i++) {
                widths[i] = w.get(i).getAsInt();
            }
            return KAN.builder(widths).gridSize(c.get("grid_size").getAsInt()).splineOrder(c.get("spline_order").getAsInt())
                    .build(rng);
        });
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
        if (!config.has("model")) {
            throw new IllegalArgumentException("Models.build: the configuration has no 'model' field: " + config);
        }
        String kind = config.get("model").getAsString();
        var b = BUILDERS.get(kind);
        if (b == null) {
            throw new IllegalArgumentException("Models.build: unknown model '" + kind + "'; known: " + BUILDERS.keySet());
        }
        return b.apply(config, rng);
    }

    public static JsonObject parse(String json) {
        return JsonParser.parseString(json).getAsJsonObject();
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
        JsonArray h = o.getAsJsonArray("hidden");
        int[] hidden = new int[h.size()];
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = h.get(i).getAsInt();
        }
        return new MlpClassifier.Config(o.get("in_features").getAsInt(), hidden, o.get("classes").getAsInt(),
                o.get("activation").getAsString(), o.get("norm").getAsString());
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
        return new ByteMlpLm.Config(o.get("context").getAsInt(), o.get("embed").getAsInt(), o.get("hidden").getAsInt());
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
        return new Gpt.Config(o.get("layers").getAsInt(), o.get("d_model").getAsInt(), o.get("heads").getAsInt(),
                o.get("kv_heads").getAsInt(), o.get("context").getAsInt(), o.get("hidden").getAsInt(),
                o.get("norm").getAsString(), o.get("placement").getAsString(),
                o.has("mix_alpha") ? o.get("mix_alpha").getAsDouble() : 0.25, o.get("attention").getAsString(),
                o.get("feed_forward").getAsString(), o.get("positions").getAsString(), o.get("bias").getAsBoolean());
    }
}
