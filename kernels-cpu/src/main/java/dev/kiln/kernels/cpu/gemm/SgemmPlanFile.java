package dev.kiln.kernels.cpu.gemm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The plan file {@code kiln tune} writes and {@link SgemmPlan#active} reads: one flat JSON object of
 * strings and numbers, for example
 * <pre>
 * {"cpu": "AMD EPYC | avx avx2 fma avx512f | 256-bit", "tile": "12x1", "mc": 252, "kc": 512,
 *  "nc": 4096, "gflops": 97.5, "made": "2026-12-06T13:40:00Z"}
 * </pre>
 * Read by the small parser below (kernels-cpu has no dependencies), which accepts exactly that: an
 * object whose values are strings without escapes other than \" and \\, or numbers.
 */
public final class SgemmPlanFile {
    private SgemmPlanFile() {
    }

    /** Writes the plan for a CPU, with the rate it measured (GFLOP/s) and when; creates the folder. */
    public static void write(Path file, SgemmPlan plan, CpuInfo cpu, double gflops, String made) throws IOException {
        Blocking b = plan.blocking();
        String json = "{\n"
                + "  \"cpu\": " + quote(cpu.key()) + ",\n"
                + "  \"tile\": " + quote(plan.tile()) + ",\n"
                + "  \"mc\": " + b.mc() + ",\n"
                + "  \"kc\": " + b.kc() + ",\n"
                + "  \"nc\": " + b.nc() + ",\n"
                + "  \"gflops\": " + String.format(Locale.ROOT, "%.1f", gflops) + ",\n"
                + "  \"made\": " + quote(made) + "\n"
                + "}\n";
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    /**
     * The plan in a file, or null (after one line to {@code warn}) when it was made on another CPU.
     *
     * @throws IllegalArgumentException with a one-line message naming the file when it cannot be
     *     read, is not a plan, or asks for a tile this machine has too few registers for
     */
    public static SgemmPlan read(Path file, CpuInfo cpu, Consumer<String> warn) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("GEMM plan " + file + " cannot be read: " + e);
        }
        Map<String, String> fields;
        try {
            fields = parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("GEMM plan " + file + " is not a plan file: " + e.getMessage());
        }
        String madeOn = require(fields, "cpu", file);
        if (!madeOn.equals(cpu.key())) {
            warn.accept("ignoring GEMM plan " + file + ": it was made on \"" + madeOn + "\", this is \"" + cpu.key()
                    + "\" (run kiln tune again); using the built-in plan");
            return null;
        }
        String tile = require(fields, "tile", file);
        int x = tile.indexOf('x');
        SgemmPlan plan;
        try {
            plan = new SgemmPlan(Integer.parseInt(tile.substring(0, Math.max(0, x))), Integer.parseInt(tile.substring(x + 1)),
                    new Blocking(integer(fields, "mc", file), integer(fields, "kc", file), integer(fields, "nc", file)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GEMM plan " + file + ": tile must be like \"12x1\", got \"" + tile + "\"");
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("GEMM plan ")) {
                throw e;
            }
            throw new IllegalArgumentException("GEMM plan " + file + ": " + e.getMessage());
        }
        if (plan.registersNeeded() > cpu.registers()) {
            throw new IllegalArgumentException("GEMM plan " + file + ": tile " + tile + " needs " + plan.registersNeeded()
                    + " vector registers, this machine has " + cpu.registers());
        }
        return plan;
    }

    private static String require(Map<String, String> fields, String name, Path file) {
        String v = fields.get(name);
        if (v == null) {
            throw new IllegalArgumentException("GEMM plan " + file + " has no \"" + name + "\"");
        }
        return v;
    }

    private static int integer(Map<String, String> fields, String name, Path file) {
        String v = require(fields, name, file);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GEMM plan " + file + ": \"" + name + "\" must be an integer, got " + v);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A flat JSON object of strings and numbers, as name → text of the value. */
    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        int[] at = {skip(text, 0)};
        expect(text, at, '{');
        at[0] = skip(text, at[0]);
        if (at[0] < text.length() && text.charAt(at[0]) == '}') {
            at[0]++;
        } else {
            while (true) {
                at[0] = skip(text, at[0]);
                String name = string(text, at);
                at[0] = skip(text, at[0]);
                expect(text, at, ':');
                at[0] = skip(text, at[0]);
                String value = at[0] < text.length() && text.charAt(at[0]) == '"' ? string(text, at) : number(text, at);
                if (out.put(name, value) != null) {
                    throw new IllegalArgumentException("\"" + name + "\" appears twice");
                }
                at[0] = skip(text, at[0]);
                if (at[0] < text.length() && text.charAt(at[0]) == ',') {
                    at[0]++;
                    continue;
                }
                expect(text, at, '}');
                break;
            }
        }
        if (skip(text, at[0]) != text.length()) {
            throw new IllegalArgumentException("text after the object at character " + at[0]);
        }
        return out;
    }

    private static int skip(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void expect(String s, int[] at, char c) {
        if (at[0] >= s.length() || s.charAt(at[0]) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at character " + at[0]
                    + (at[0] >= s.length() ? " (end of file)" : ", found '" + s.charAt(at[0]) + "'"));
        }
        at[0]++;
    }

    private static String string(String s, int[] at) {
        expect(s, at, '"');
        StringBuilder b = new StringBuilder();
        for (int i = at[0]; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                at[0] = i + 1;
                return b.toString();
            }
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                c = s.charAt(++i);
            } else if (c == '\\' || c == '\n') {
                throw new IllegalArgumentException("unsupported character in a string at character " + i);
            }
            b.append(c);
        }
        throw new IllegalArgumentException("unterminated string from character " + at[0]);
    }

    private static String number(String s, int[] at) {
        int i = at[0];
        while (i < s.length() && "+-.eE0123456789".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (i == at[0]) {
            throw new IllegalArgumentException("expected a string or a number at character " + at[0]);
        }
        String v = s.substring(at[0], i);
        try {
            Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number at character " + at[0] + ": " + v);
        }
        at[0] = i;
        return v;
    }
}
