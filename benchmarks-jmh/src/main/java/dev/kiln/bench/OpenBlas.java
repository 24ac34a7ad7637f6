package dev.kiln.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * cblas_sgemm and openblas_set_num_threads from the system's OpenBLAS, bound with Java's FFM API
 * (no JNI, no wrapper library). The library is {@code -Dkiln.openblas=PATH}, else the Debian/Ubuntu
 * location, else whatever {@code dlopen("libopenblas.so.0")} finds; {@link #load()} says why when none.
 *
 * <p>Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its kernel for this CPU,
 * except where it cannot: a DYNAMIC_ARCH build older than the CPU (Debian's 0.3.21 on Emerald Rapids,
 * family 6 model 207) falls back to its generic SSE3 core Prescott, about a fifth of the speed of
 * its AVX-512 kernels. {@link #coreToForce} says when that happened and which core to set instead; run.sh
 * sets it for the benchmark JVMs (OPENBLAS_CORETYPE is read when the library loads, so this JVM cannot).
 */
public final class OpenBlas {
    public static final int ROW_MAJOR = 101;
    public static final int NO_TRANS = 111;
    public static final int TRANS = 112;

    private static final String[] CANDIDATES = {
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
        "/usr/lib64/libopenblas.so.0", "/usr/local/lib/libopenblas.so.0",
    };

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;
    private final MethodHandle config;
    private final MethodHandle corename;
    public final String library;

    /*
     * OpenBLAS's x86 cores (the names openblas_get_corename returns, as in its dynamic.c) whose kernels
     * stop below AVX2: the generic cores a DYNAMIC_ARCH build falls back to when it does not know a CPU,
     * and Sandybridge (AVX), which it picks for some AVX2 CPUs it half knows. Excavator, Zen, Haswell
     * and the AVX-512 cores have AVX2 kernels.
     */
    private static final Set<String> PRE_AVX2_CORES = Set.of("unknown", "katmai", "coppermine", "northwood",
            "prescott", "banias", "atom", "core2", "penryn", "dunnington", "nehalem", "athlon", "opteron",
            "opteron_sse3", "barcelona", "nano", "bobcat", "sandybridge", "bulldozer", "piledriver", "steamroller");

    private OpenBlas(SymbolLookup lookup, String library) {
        Linker linker = Linker.nativeLinker();
        this.library = library;
        this.sgemm = linker.downcallHandle(lookup.find("cblas_sgemm").orElseThrow(),
                FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT,
                        ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT));
        this.setThreads = linker.downcallHandle(lookup.find("openblas_set_num_threads").orElseThrow(),
                FunctionDescriptor.ofVoid(JAVA_INT));
        this.config = lookup.find("openblas_get_config")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ADDRESS)))
                .orElse(null);
        this.corename = lookup.find("openblas_get_corename")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ADDRESS)))
                .orElse(null);
    }

    /**
     * The OpenBLAS core to force with OPENBLAS_CORETYPE, or empty when the one OpenBLAS picked is right:
     * when {@code picked} is one of its pre-AVX2 x86 cores while the CPU has AVX-512 (F, BW and VL:
     * SkylakeX, or Cooperlake where it also has avx512_bf16; their SGEMM is the same) or AVX2 with FMA
     * (Haswell), OpenBLAS did not recognise the CPU and fell back. {@code cpuFlags} are /proc/cpuinfo's
     * names ({@link #cpuFlags}); a core of another architecture, or a CPU without these flags, forces nothing.
     */
    public static Optional<String> coreToForce(Set<String> cpuFlags, String picked) {
        if (cpuFlags == null || picked == null) {
            throw new IllegalArgumentException("OpenBlas.coreToForce: need the CPU flags and the picked core, got flags "
                    + cpuFlags + ", core " + picked);
        }
        if (!PRE_AVX2_CORES.contains(picked.trim().toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        if (cpuFlags.containsAll(Set.of("avx512f", "avx512bw", "avx512vl"))) {
            return Optional.of(cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX");
        }
        if (cpuFlags.containsAll(Set.of("avx2", "fma"))) {
            return Optional.of("Haswell");
        }
        return Optional.empty();
    }

    /** The first processor's flags from /proc/cpuinfo text; empty when it has none (not x86 Linux). */
    public static Set<String> cpuFlags(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                return Arrays.stream(line.substring(colon + 1).trim().split("\\s+"))
                        .filter(f -> !f.isEmpty()).collect(Collectors.toUnmodifiableSet());
            }
        }
        return Set.of();
    }

    /** This machine's CPU flags, or none when /proc/cpuinfo cannot be read. */
    public static Set<String> cpuFlags() {
        try {
            return cpuFlags(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** The bound library, or an exception whose message says what was tried. */
    public static OpenBlas load() {
        String forced = System.getProperty("kiln.openblas");
        StringBuilder tried = new StringBuilder();
        if (forced != null) {
            return open(forced, tried);
        }
        for (String c : CANDIDATES) {
            if (Files.exists(Path.of(c))) {
                return open(c, tried);
            }
            tried.append(c).append(" (absent); ");
        }
        return open("libopenblas.so.0", tried);
    }

    private static OpenBlas open(String name, StringBuilder tried) {
        try {
            OpenBlas blas = new OpenBlas(SymbolLookup.libraryLookup(name, Arena.global()), name);
            String set = System.getenv("OPENBLAS_CORETYPE");
            if (set == null || set.isBlank()) {
                // the lab harnesses load it directly: say why their OpenBLAS figures would be low
                coreToForce(cpuFlags(), blas.coreName()).ifPresent(c -> System.err.println("OpenBlas: " + blas.version()
                        + " fell back to " + blas.coreName() + " on this CPU; set OPENBLAS_CORETYPE=" + c
                        + " for its best kernel"));
            }
            return blas;
        } catch (RuntimeException e) {
            tried.append(name).append(" (").append(e.getMessage()).append(")");
            throw new IllegalStateException("OpenBLAS not found, benchmark skipped (install libopenblas0-pthread "
                    + "or pass -Dkiln.openblas=PATH); tried: " + tried, e);
        }
    }

    /** C = op(A) · op(B), row-major, α = 1, β = 0. */
    public void sgemm(int transA, int transB, int m, int n, int k, MemorySegment a, int lda, MemorySegment b, int ldb,
                      MemorySegment c, int ldc) {
        try {
            sgemm.invokeExact(ROW_MAJOR, transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }

    public void setThreads(int threads) {
        try {
            setThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** OpenBLAS's build line (version, target, threading), or "" when the symbol is missing. */
    public String config() {
        if (config == null) {
            return "";
        }
        try {
            MemorySegment s = (MemorySegment) config.invokeExact();
            return s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    /** The core OpenBLAS runs (openblas_get_corename, e.g. "SkylakeX"), or "" when the symbol is missing. */
    public String coreName() {
        if (corename == null) {
            return "";
        }
        try {
            MemorySegment s = (MemorySegment) corename.invokeExact();
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    /** "OpenBLAS 0.3.21" from the build line, else "OpenBLAS". */
    public String version() {
        String[] words = config().trim().split("\\s+");
        return words.length >= 2 && words[0].equals("OpenBLAS") ? words[0] + " " + words[1] : "OpenBLAS";
    }

    /**
     * Prints what run.sh reads, as {@code key=value} lines: {@code library}, {@code config} (the build
     * line), {@code version}, {@code core} (the core running), and {@code force}: the core to set with
     * OPENBLAS_CORETYPE where OpenBLAS fell back below what the CPU runs, empty where it did not or where
     * OPENBLAS_CORETYPE is already set (the user's choice is kept). Or why the library cannot be loaded.
     */
    public static void main(String[] args) {
        try {
            OpenBlas blas = load();
            String set = System.getenv("OPENBLAS_CORETYPE");
            String force = set != null && !set.isBlank() ? "" : coreToForce(cpuFlags(), blas.coreName()).orElse("");
            System.out.println("library=" + blas.library);
            System.out.println("config=" + blas.config());
            System.out.println("version=" + blas.version());
            System.out.println("core=" + blas.coreName());
            System.out.println("force=" + force);
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
            System.exit(1);
        }
    }
}
