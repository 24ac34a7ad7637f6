package dev.kiln.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * cblas_sgemm and openblas_set_num_threads from the system's OpenBLAS, bound with Java's FFM API
 * (no JNI, no wrapper library). The library is {@code -Dkiln.openblas=PATH}, else the Debian/Ubuntu
 * location, else whatever {@code dlopen("libopenblas.so.0")} finds; {@link #load()} says why when none.
 *
 * <p>Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its kernel for this CPU.
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
    public final String library;

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
            return new OpenBlas(SymbolLookup.libraryLookup(name, Arena.global()), name);
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

    /** Prints the build line, or why the library cannot be loaded (used by run.sh). */
    public static void main(String[] args) {
        try {
            OpenBlas blas = load();
            System.out.println(blas.library + ": " + blas.config());
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
            System.exit(1);
        }
    }
}
