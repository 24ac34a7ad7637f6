package dev.kiln.models;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Gson's parse errors into what is wrong with the file: Gson's messages end with advice to
 * the programmer ("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
 * "See https://github.com/google/gson/...") that means nothing to someone holding a bad file.
 */
public final class JsonErrors {
    private static final Pattern WHERE = Pattern.compile("at line (\\d+) column (\\d+)(?: path (\\S+))?");

    private JsonErrors() {
    }

    public static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause(); // Gson wraps its reader's exception; the innermost has the plain message
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        m = m.lines().filter(l -> !l.startsWith("See ")).findFirst().orElse(m);
        Matcher where = WHERE.matcher(m);
        String place = where.find() ? " at line " + where.group(1) + ", column " + where.group(2) : "";
        String what = where.reset().replaceAll("").strip();
        if (what.startsWith("Use JsonReader.setStrictness") || what.isEmpty()) {
            what = "malformed JSON";
        } else if (what.startsWith("java.io.EOFException") || what.startsWith("End of input")) {
            what = "the JSON ends early";
        }
        what = what.replaceFirst("^(com\\.google\\.gson|java\\.io)\\.[\\w.]+: ", "");
        return what + place;
    }
}
