package dev.kiln.models;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.math.BigDecimal;

/**
 * Typed, range-checked reads of a configuration in JSON (a checkpoint's "config" metadata, which
 * may come from anywhere): a missing field, a wrong type or an out-of-range value is an
 * IllegalArgumentException that names the field by its path (e.g. {@code model.layers}), never a
 * Gson ClassCastException, NullPointerException or NumberFormatException.
 */
public final class ConfigJson {
    private ConfigJson() {
    }

    /** Parses a JSON object; malformed JSON is described without Gson's advice on how to relax its parser. */
    public static JsonObject parseObject(String json, String what) {
        JsonElement e;
        try {
            e = JsonParser.parseString(json);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + JsonErrors.describe(ex));
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + abbreviate(e));
        }
        return e.getAsJsonObject();
    }

    public static JsonObject object(JsonObject o, String key, String path) {
        JsonElement e = require(o, key, path);
        if (!e.isJsonObject()) {
            throw wrong(path, key, "an object", e);
        }
        return e.getAsJsonObject();
    }

    public static String string(JsonObject o, String key, String path) {
        JsonElement e = require(o, key, path);
        if (!(e instanceof JsonPrimitive p) || !p.isString()) {
            throw wrong(path, key, "a string", e);
        }
        return p.getAsString();
    }

    public static boolean bool(JsonObject o, String key, String path) {
        JsonElement e = require(o, key, path);
        if (!(e instanceof JsonPrimitive p) || !p.isBoolean()) {
            throw wrong(path, key, "true or false", e);
        }
        return p.getAsBoolean();
    }

    /** An integer in [min, max]. */
    public static int integer(JsonObject o, String key, String path, int min, int max) {
        return checkedInt(require(o, key, path), path + "." + key, min, max);
    }

    /** A finite number in [min, max]. */
    public static double number(JsonObject o, String key, String path, double min, double max) {
        JsonElement e = require(o, key, path);
        if (!(e instanceof JsonPrimitive p) || !p.isNumber() || !(p.getAsDouble() >= min && p.getAsDouble() <= max)) {
            throw wrong(path, key, "a number in [" + min + ", " + max + "]", e);
        }
        return p.getAsDouble();
    }

    /** A non-empty array of integers, each in [min, max], at most maxLength long. */
    public static int[] integers(JsonObject o, String key, String path, int min, int max, int maxLength) {
        JsonElement e = require(o, key, path);
        if (!e.isJsonArray() || e.getAsJsonArray().isEmpty() || e.getAsJsonArray().size() > maxLength) {
            throw wrong(path, key, "an array of 1 to " + maxLength + " integers", e);
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = checkedInt(a.get(i), path + "." + key + "[" + i + "]", min, max);
        }
        return out;
    }

    private static int checkedInt(JsonElement e, String where, int min, int max) {
        if (e instanceof JsonPrimitive p && p.isNumber()) {
            try {
                BigDecimal d = new BigDecimal(p.getAsString());
                if (d.compareTo(BigDecimal.valueOf(min)) >= 0 && d.compareTo(BigDecimal.valueOf(max)) <= 0) {
                    return d.intValueExact(); // 2.5 throws: not an integer
                }
            } catch (NumberFormatException | ArithmeticException ex) {
                // reported below
            }
        }
        throw new IllegalArgumentException(where + " must be an integer in [" + min + ", " + max + "], got " + abbreviate(e));
    }

    private static JsonElement require(JsonObject o, String key, String path) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException(path + " has no '" + key + "'");
        }
        return e;
    }

    private static IllegalArgumentException wrong(String path, String key, String expected, JsonElement got) {
        return new IllegalArgumentException(path + "." + key + " must be " + expected + ", got " + abbreviate(got));
    }

    /** The element as JSON, cut to 60 characters (a hostile file may hold megabytes there). */
    static String abbreviate(JsonElement e) {
        String s = String.valueOf(e);
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
