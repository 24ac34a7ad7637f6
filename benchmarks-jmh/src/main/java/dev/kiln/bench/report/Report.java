package dev.kiln.bench.report;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes docs/BENCHMARKS.md from JMH JSON result files (run.sh calls it). A benchmark class says what
 * its figure is with a public static method taking the JMH params:
 * <ul>
 *   <li>{@code double flopsPerOp(Map<String, String>)}: compute-bound; the table shows GFLOP/s with one
 *       column per benchmark method, each divided by the {@code openblas} method's figure for the same
 *       params when the class has one (and {@code double targetVsBaseline(Map)} adds the goal);</li>
 *   <li>{@code double bytesPerOp(Map<String, String>)}: memory-bound; GB/s and its ratio to
 *       {@code CopyBandwidth}'s GB/s in the same run;</li>
 *   <li>neither: the time alone.</li>
 * </ul>
 * A class may name another method as the ratio's baseline with {@code static String baselineMethod()}
 * (the convolution benchmark divides by PyTorch's figures). Where the inputs hold the same benchmark
 * and params more than once (rounds of one comparison), the tables take the fastest; the raw table
 * lists them all.
 * <p>
 * The results may come in sections, one per ISA run (run.sh: native, and forced AVX2 on an AVX-512
 * machine): each gets its own header rows, tables and raw table, and its ratios divide figures of
 * that run only. A section without results (not run, or its files unreadable) says so instead.
 * <p>
 * Usage: {@code Report out=docs/BENCHMARKS.md [by=script] [note=...] [cpu=...] [flags=...] [commit=...]
 * [notes=FILE] [isa=NAME [simd=...] [jvm=...] [openblas=...] [settings=...] [load=...] [results=DIR]
 * [skipped=WHY] result.json...]...}; without {@code isa=} the section options and files form one
 * unnamed section (conv.sh's report).
 */
public final class Report {
    private static final String COPY = "dev.kiln.bench.CopyBandwidth";

    private Report() {
    }

    /** One JMH result line. */
    record Result(String cls, String method, Map<String, String> params, double score, double error, String unit,
                  String jdk, String vm) {
        double secondsPerOp() {
            double scale = switch (unit.replace("/op", "").replace("ops/", "")) {
                case "s" -> 1;
                case "ms" -> 1e-3;
                case "us" -> 1e-6;
                case "ns" -> 1e-9;
                case "min" -> 60;
                default -> throw new IllegalArgumentException("Report: unknown JMH unit " + unit);
            };
            return unit.startsWith("ops/") ? scale / score : score * scale;
        }

        String paramText() {
            StringBuilder b = new StringBuilder();
            params.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append('=').append(v));
            return b.toString();
        }
    }

    /** Options that belong to the ISA section opened last by {@code isa=NAME}; the others are the report's. */
    static final Set<String> SECTION_KEYS = Set.of("simd", "jvm", "openblas", "settings", "load", "results", "skipped");

    /**
     * One ISA's run: its name ("native", "avx2"; null for a report without sections, as conv.sh
     * writes), its options, its results, and the inputs that could not be read.
     */
    record Section(String name, Map<String, String> opts, List<Result> results, List<String> missing) {
        Section(String name) {
            this(name, new LinkedHashMap<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        List<Section> sections = parse(args, opts);
        String md = render(sections, opts);
        Path out = Path.of(opts.getOrDefault("out", "docs/BENCHMARKS.md"));
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, md);
        int n = sections.stream().mapToInt(s -> s.results().size()).sum();
        System.out.println("Report: wrote " + out + " from " + n + " results");
    }

    /**
     * Reads the arguments in order: {@code isa=NAME} opens a section, and the section options and
     * JSON files after it belong to it; before any {@code isa=} they form one unnamed section. A JSON
     * file that is absent or unreadable is noted in its section (and on stderr), not fatal.
     */
    static List<Section> parse(String[] args, Map<String, String> opts) {
        List<Section> sections = new ArrayList<>();
        Section current = null;
        for (String a : args) {
            int eq = a.indexOf('=');
            String key = eq > 0 && !a.endsWith(".json") ? a.substring(0, eq) : null;
            if (key != null && key.equals("isa")) {
                current = new Section(a.substring(eq + 1));
                sections.add(current);
                continue;
            }
            if (key != null && !SECTION_KEYS.contains(key)) {
                opts.put(key, a.substring(eq + 1));
                continue;
            }
            if (current == null) {
                current = new Section(null);
                sections.add(current);
            }
            if (key != null) {
                current.opts().put(key, a.substring(eq + 1));
                continue;
            }
            try {
                current.results().addAll(read(Path.of(a)));
            } catch (IOException | RuntimeException e) {
                String why = e instanceof java.nio.file.NoSuchFileException ? "absent" : String.valueOf(e.getMessage());
                System.err.println("Report: skipped " + a + ": " + why);
                current.missing().add(a + " (" + why + ")");
            }
        }
        if (sections.isEmpty()) {
            sections.add(new Section(null));
        }
        return sections;
    }

    @SuppressWarnings("unchecked")
    static List<Result> read(Path file) throws IOException {
        String text = Files.readString(file).trim();
        List<Result> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        for (Object o : (List<Object>) Json.parse(text)) {
            Map<String, Object> r = (Map<String, Object>) o;
            String full = (String) r.get("benchmark");
            int dot = full.lastIndexOf('.');
            Map<String, String> params = new LinkedHashMap<>();
            Object ps = r.get("params");
            if (ps instanceof Map<?, ?> pm) {
                pm.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
            }
            Map<String, Object> pm = (Map<String, Object>) r.get("primaryMetric");
            out.add(new Result(full.substring(0, dot), full.substring(dot + 1), params,
                    ((Number) pm.get("score")).doubleValue(), number(pm.get("scoreError")),
                    (String) pm.get("scoreUnit"), String.valueOf(r.get("jdkVersion")),
                    r.get("vmName") + " " + r.get("vmVersion")));
        }
        return out;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String render(List<Section> sections, Map<String, String> opts) throws IOException {
        boolean named = sections.stream().anyMatch(s -> s.name() != null);
        StringBuilder md = new StringBuilder();
        md.append("# Kiln benchmarks\n\n");
        md.append("Written by `").append(opts.getOrDefault("by", "benchmarks-jmh/run.sh"))
                .append("` (JMH JSON → `dev.kiln.bench.report.Report`); do not edit by hand.\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "Date", opts.getOrDefault("date", java.time.ZonedDateTime.now().withNano(0).toString()));
        row(md, "Machine", opts.getOrDefault("cpu", "?"));
        if (opts.containsKey("flags")) {
            row(md, "ISA flags (Kiln's CpuInfo)", opts.get("flags"));
        }
        if (opts.containsKey("commit")) {
            row(md, "Commit", opts.get("commit"));
        }
        sections.stream().flatMap(s -> s.results().stream()).findFirst()
                .ifPresent(r -> row(md, "JDK", r.jdk() + " (" + r.vm() + ")"));
        if (named) {
            StringBuilder isas = new StringBuilder();
            for (Section s : sections) {
                isas.append(isas.isEmpty() ? "" : "; ").append(s.name()).append(": ").append(summary(s));
            }
            row(md, "ISAs", isas.toString());
            // the library as the first run found it; a forced core shows in its own section
            sections.stream().filter(s -> !s.results().isEmpty() && s.opts().containsKey("openblas")).findFirst()
                    .ifPresent(s -> row(md, "OpenBLAS", s.opts().get("openblas")));
        } else {
            sectionRows(md, sections.get(0), opts, opts.get("out"));
        }
        row(md, "Conditions", opts.getOrDefault("note", "not stated"));
        md.append('\n');

        for (Section s : sections) {
            String h = "## ";
            if (named) {
                md.append("## ISA: ").append(s.name()).append("\n\n");
                if (s.results().isEmpty()) {
                    md.append("Not measured: ").append(s.opts().getOrDefault("skipped",
                            s.missing().isEmpty() ? "no results given" : "its result files could not be read"))
                            .append(".\n\n");
                    missing(md, s);
                    continue;
                }
                md.append("| | |\n|---|---|\n");
                sectionRows(md, s, Map.of(), opts.get("out"));
                md.append("\nEvery ratio below divides two figures of this ISA's run.\n\n");
                h = "### ";
            }
            missing(md, s);
            tables(md, h, s.results());
        }
        if (opts.containsKey("notes") && Files.exists(Path.of(opts.get("notes")))) {
            md.append(Files.readString(Path.of(opts.get("notes")))).append('\n');
        }
        md.append("## Raw JMH results\n\n");
        for (Section s : sections) {
            if (named) {
                if (s.results().isEmpty()) {
                    continue;
                }
                md.append("### ").append(s.name()).append("\n\n");
                if (s.opts().containsKey("results")) {
                    md.append("JSON: ").append(link(s.opts().get("results"), opts.get("out"))).append("\n\n");
                }
            }
            md.append("| benchmark | params | score | error (99.9%) | unit |\n|---|---|---:|---:|---|\n");
            for (Result r : s.results()) {
                md.append(String.format(Locale.ROOT, "| %s.%s | %s | %.4g | %.2g | %s |%n", simple(r.cls()), r.method(),
                        r.paramText(), r.score(), r.error(), r.unit()));
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** "512-bit (AVX-512) ..., 123 results" or why the section has none. */
    private static String summary(Section s) {
        if (s.results().isEmpty()) {
            return "not measured (" + s.opts().getOrDefault("skipped", "no results") + ")";
        }
        return s.opts().getOrDefault("simd", "?") + ", " + s.results().size() + " results";
    }

    /** The header rows one run has: from the section's options, else the report's (unnamed section). */
    private static void sectionRows(StringBuilder md, Section s, Map<String, String> fallback, String out) {
        String[][] rows = {
            {"simd", "Kiln SIMD"}, {"jvm", "ISA forced by"}, {"openblas", "OpenBLAS"}, {"settings", "JMH settings"},
            {"load", "Load average (1, 5, 15 min) before / after"}, {"results", "Raw JSON"},
        };
        for (String[] r : rows) {
            String v = s.opts().getOrDefault(r[0], fallback.get(r[0]));
            if (v != null) {
                row(md, r[1], r[0].equals("results") ? link(v, out) : v);
            } else if (r[0].equals("openblas") || r[0].equals("settings") || r[0].equals("load")) {
                row(md, r[1], "?");
            }
        }
    }

    private static void missing(StringBuilder md, Section s) {
        if (!s.missing().isEmpty()) {
            md.append("Result files that could not be read: ").append(String.join(", ", s.missing())).append(".\n\n");
        }
    }

    /** A Markdown link to a results folder, relative to the report's folder. */
    static String link(String dir, String out) {
        Path target = Path.of(dir).toAbsolutePath().normalize();
        Path from = Path.of(out == null ? "docs/BENCHMARKS.md" : out).toAbsolutePath().normalize().getParent();
        String rel = (from == null ? target : from.relativize(target)).toString().replace('\\', '/');
        return "[" + dir + "](" + rel + "/)";
    }

    /** One table per benchmark class, compute-bound or memory-bound, from one run's results. */
    private static void tables(StringBuilder md, String h, List<Result> results) {
        Map<String, List<Result>> byClass = new TreeMap<>();
        for (Result r : fastest(results)) {
            byClass.computeIfAbsent(r.cls(), c -> new ArrayList<>()).add(r);
        }
        double copyGbs = copyBandwidth(byClass.get(COPY));
        for (Map.Entry<String, List<Result>> e : byClass.entrySet()) {
            Class<?> cls = load(e.getKey());
            Method flops = staticMethod(cls, "flopsPerOp");
            Method bytes = staticMethod(cls, "bytesPerOp");
            if (flops != null) {
                computeTable(md, h, cls, flops, e.getValue());
            } else {
                memoryTable(md, h, e.getKey(), bytes, e.getValue(), copyGbs);
            }
        }
    }

    /** GFLOP/s per method, pivoted so each row is one set of params; ratios to the baseline column (openblas unless the class names another). */
    private static void computeTable(StringBuilder md, String h, Class<?> cls, Method flops, List<Result> rs) {
        String baseName = baseline(cls);
        String baseLabel = baseName.equals("openblas") ? "OpenBLAS" : baseName;
        List<String> methods = new ArrayList<>();
        for (String preferred : new String[] {"kiln", baseName, "ejml", "reference"}) {
            if (rs.stream().anyMatch(r -> r.method().equals(preferred))) {
                methods.add(preferred);
            }
        }
        rs.stream().map(Result::method).distinct().filter(m -> !methods.contains(m)).forEach(methods::add);
        Map<String, Map<String, Double>> gflops = new LinkedHashMap<>();
        Map<String, Map<String, String>> paramsOf = new LinkedHashMap<>();
        for (Result r : rs) {
            String key = r.paramText();
            paramsOf.putIfAbsent(key, r.params());
            double g = invoke(flops, r.params()) / r.secondsPerOp() / 1e9;
            gflops.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(r.method(), g);
        }
        sortRows(gflops, paramsOf);
        boolean hasBase = methods.contains(baseName);
        Method target = staticMethod(cls, "targetVsBaseline");
        md.append(h).append(cls.getSimpleName()).append(" (GFLOP/s").append(hasBase ? "; × = ratio to " + baseLabel + ", same params, same run" : "").append(")\n\n");
        md.append("| params |");
        for (String m : methods) {
            md.append(' ').append(m).append(" |");
        }
        if (target != null && hasBase) {
            md.append(" goal (kiln ≥ × ").append(baseLabel).append(") |");
        }
        md.append("\n|---|");
        md.append("---:|".repeat(methods.size()));
        if (target != null && hasBase) {
            md.append("---|");
        }
        md.append('\n');
        for (Map.Entry<String, Map<String, Double>> e : gflops.entrySet()) {
            Double base = e.getValue().get(baseName);
            md.append("| ").append(e.getKey()).append(" |");
            for (String m : methods) {
                Double g = e.getValue().get(m);
                if (g == null) {
                    md.append(" – |");
                } else if (base != null && !m.equals(baseName)) {
                    md.append(String.format(Locale.ROOT, " %.1f (%.2f×) |", g, g / base));
                } else {
                    md.append(String.format(Locale.ROOT, " %.1f |", g));
                }
            }
            if (target != null && hasBase) {
                double goal = invoke(target, paramsOf.get(e.getKey()));
                Double kiln = e.getValue().get("kiln");
                if (Double.isNaN(goal) || base == null || kiln == null) {
                    md.append(" – |");
                } else {
                    md.append(String.format(Locale.ROOT, " %.2f× %s |", goal, kiln / base >= goal ? "met" : "**missed**"));
                }
            }
            md.append('\n');
        }
        md.append('\n');
    }

    /** Orders rows by each param in turn (the first param slowest), values in order of first appearance. */
    private static void sortRows(Map<String, Map<String, Double>> rows, Map<String, Map<String, String>> paramsOf) {
        Map<String, List<String>> seen = new LinkedHashMap<>();
        for (Map<String, String> ps : paramsOf.values()) {
            ps.forEach((k, v) -> {
                List<String> vs = seen.computeIfAbsent(k, x -> new ArrayList<>());
                if (!vs.contains(v)) {
                    vs.add(v);
                }
            });
        }
        List<String> keys = new ArrayList<>(rows.keySet());
        keys.sort((x, y) -> {
            for (Map.Entry<String, List<String>> e : seen.entrySet()) {
                int c = Integer.compare(e.getValue().indexOf(paramsOf.get(x).get(e.getKey())),
                        e.getValue().indexOf(paramsOf.get(y).get(e.getKey())));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        Map<String, Map<String, Double>> sorted = new LinkedHashMap<>();
        for (String key : keys) {
            sorted.put(key, rows.get(key));
        }
        rows.clear();
        rows.putAll(sorted);
    }

    /** One row per result: time, GB/s when the class declares its traffic, and the ratio to copy bandwidth. */
    private static void memoryTable(StringBuilder md, String h, String cls, Method bytes, List<Result> rs, double copyGbs) {
        md.append(h).append(simple(cls)).append(bytes != null ? " (GB/s; × = ratio to the copy bandwidth of this run)" : "").append("\n\n");
        md.append("| method | params | time per op | ").append(bytes != null ? "GB/s | × copy |" : "").append('\n');
        md.append("|---|---|---:|").append(bytes != null ? "---:|---:|" : "").append('\n');
        for (Result r : rs) {
            md.append("| ").append(r.method()).append(" | ").append(r.paramText()).append(" | ")
                    .append(time(r.secondsPerOp())).append(" |");
            if (bytes != null) {
                double gbs = invoke(bytes, r.params()) / r.secondsPerOp() / 1e9;
                md.append(String.format(Locale.ROOT, " %.1f | %s |", gbs,
                        Double.isNaN(copyGbs) ? "–" : String.format(Locale.ROOT, "%.2f×", gbs / copyGbs)));
            }
            md.append('\n');
        }
        md.append('\n');
    }

    /** One result per benchmark method and params, the fastest, in order of first appearance. */
    static List<Result> fastest(List<Result> results) {
        Map<String, Result> best = new LinkedHashMap<>();
        for (Result r : results) {
            best.merge(r.cls() + "." + r.method() + " " + r.paramText(), r,
                    (a, b) -> b.secondsPerOp() < a.secondsPerOp() ? b : a);
        }
        return new ArrayList<>(best.values());
    }

    /** The method a class's ratios divide by: its {@code baselineMethod()}, else openblas. */
    private static String baseline(Class<?> cls) {
        try {
            Method m = cls.getMethod("baselineMethod");
            if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == String.class) {
                return (String) m.invoke(null);
            }
        } catch (ReflectiveOperationException e) {
            // none declared
        }
        return "openblas";
    }

    /** GB/s of CopyBandwidth's best result (the largest buffer when there are several), or NaN. */
    private static double copyBandwidth(List<Result> rs) {
        if (rs == null) {
            return Double.NaN;
        }
        Method bytes = staticMethod(load(COPY), "bytesPerOp");
        if (bytes == null) {
            return Double.NaN;
        }
        double best = Double.NaN;
        for (Result r : rs) {
            double g = invoke(bytes, r.params()) / r.secondsPerOp() / 1e9;
            best = Double.isNaN(best) ? g : Math.max(best, g);
        }
        return best;
    }

    private static String time(double s) {
        if (s >= 1) {
            return String.format(Locale.ROOT, "%.3g s", s);
        }
        if (s >= 1e-3) {
            return String.format(Locale.ROOT, "%.3g ms", s * 1e3);
        }
        if (s >= 1e-6) {
            return String.format(Locale.ROOT, "%.3g µs", s * 1e6);
        }
        return String.format(Locale.ROOT, "%.3g ns", s * 1e9);
    }

    private static void row(StringBuilder md, String k, String v) {
        md.append("| ").append(k).append(" | ").append(v.replace("|", "\\|").replace("\n", " ")).append(" |\n");
    }

    private static String simple(String cls) {
        return cls.startsWith("dev.kiln.bench.") ? cls.substring("dev.kiln.bench.".length()) : cls;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, Report.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return Object.class;
        }
    }

    private static Method staticMethod(Class<?> cls, String name) {
        try {
            Method m = cls.getMethod(name, Map.class);
            return Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static double invoke(Method m, Map<String, String> params) {
        try {
            return ((Number) m.invoke(null, params)).doubleValue();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Report: " + m + " failed for " + params, e);
        }
    }
}
