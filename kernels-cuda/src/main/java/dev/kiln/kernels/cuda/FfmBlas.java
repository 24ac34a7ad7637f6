package dev.kiln.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * cuBLAS through Java's FFM API (java.lang.foreign): the library is opened by path, each
 * function is a downcall handle, device pointers go in as raw addresses. Works with cuBLAS 12
 * and 13, whose signatures for these calls are the same; JCublas 12.6 cannot load cuBLAS 13.
 * Not thread-safe on its own: calls are serialised.
 */
final class FfmBlas implements Blas {
    /** Every function Kiln binds, with its C signature (all return cublasStatus_t). */
    static final Map<String, FunctionDescriptor> FUNCTIONS = functions();

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private final MethodHandle destroy;
    private final MethodHandle setMathMode;
    private final MethodHandle sgemm;
    private final MethodHandle sgemmStridedBatched;
    private final MethodHandle dgemm;
    private final MethodHandle dgemmStridedBatched;
    private final MethodHandle gemmEx;
    private final MemorySegment handle;
    private final MemorySegment scalars;  // alpha, beta as float then double
    private final String version;
    private int mathMode = DEFAULT_MATH;

    private static Map<String, FunctionDescriptor> functions() {
        Map<String, FunctionDescriptor> f = new LinkedHashMap<>();
        f.put("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        f.put("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        f.put("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        f.put("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        f.put("cublasGetProperty", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        // handle, transa, transb, m, n, k, alpha*, A, lda, B, ldb, beta*, C, ldc
        FunctionDescriptor gemm = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
        f.put("cublasSgemm_v2", gemm);
        f.put("cublasDgemm_v2", gemm);
        // ... A, lda, strideA, B, ldb, strideB, beta*, C, ldc, strideC, batchCount
        FunctionDescriptor batched = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_LONG, JAVA_INT);
        f.put("cublasSgemmStridedBatched", batched);
        f.put("cublasDgemmStridedBatched", batched);
        // handle, transa, transb, m, n, k, alpha*, A, Atype, lda, B, Btype, ldb, beta*, C, Ctype, ldc, computeType, algo
        f.put("cublasGemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        return Map.copyOf(f);
    }

    /** The names of {@link #FUNCTIONS} that the library does not export (empty when all resolve). */
    static List<String> missingSymbols(SymbolLookup lib) {
        List<String> missing = new ArrayList<>();
        for (String name : FUNCTIONS.keySet()) {
            if (lib.find(name).isEmpty()) {
                missing.add(name);
            }
        }
        missing.sort(null);
        return missing;
    }

    /** Downcall handles for every function; fails naming the symbols that are missing. */
    static Map<String, MethodHandle> bind(SymbolLookup lib) {
        List<String> missing = missingSymbols(lib);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("cuBLAS library lacks " + missing);
        }
        Linker linker = Linker.nativeLinker();
        Map<String, MethodHandle> handles = new LinkedHashMap<>();
        FUNCTIONS.forEach((name, desc) -> handles.put(name, linker.downcallHandle(lib.find(name).orElseThrow(), desc)));
        return handles;
    }

    static FfmBlas open(Path path) {
        return new FfmBlas(path);
    }

    private FfmBlas(Path path) {
        this.path = path;
        SymbolLookup lib = SymbolLookup.libraryLookup(path, arena);
        Map<String, MethodHandle> h = bind(lib);
        this.destroy = h.get("cublasDestroy_v2");
        this.setMathMode = h.get("cublasSetMathMode");
        this.sgemm = h.get("cublasSgemm_v2");
        this.sgemmStridedBatched = h.get("cublasSgemmStridedBatched");
        this.dgemm = h.get("cublasDgemm_v2");
        this.dgemmStridedBatched = h.get("cublasDgemmStridedBatched");
        this.gemmEx = h.get("cublasGemmEx");
        MemorySegment out = arena.allocate(ADDRESS);
        check("cublasCreate_v2", invoke(h.get("cublasCreate_v2"), out));
        this.handle = out.get(ADDRESS, 0);
        // the legacy default stream, as every Kiln kernel
        check("cublasSetStream_v2", invoke(h.get("cublasSetStream_v2"), handle, MemorySegment.NULL));
        MemorySegment v = arena.allocate(JAVA_INT);
        int[] parts = new int[3];
        for (int i = 0; i < 3; i++) {  // MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL
            check("cublasGetProperty", invoke(h.get("cublasGetProperty"), i, v));
            parts[i] = v.get(JAVA_INT, 0);
        }
        this.version = parts[0] + "." + parts[1] + "." + parts[2];
        this.scalars = arena.allocate(32, 8);
    }

    private static int invoke(MethodHandle mh, Object... args) {
        try {
            return (int) mh.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(String call, int status) {
        if (status != 0) {
            throw new IllegalStateException("cuda: " + call + " failed: " + Blas.status(status));
        }
    }

    @Override
    public String description() {
        return "cuBLAS " + version + " via FFM (" + path + ")";
    }

    private static MemorySegment ptr(long address) {
        return MemorySegment.ofAddress(address);
    }

    private void mathMode(int mode) {
        if (mode != mathMode) {
            check("cublasSetMathMode", invoke(setMathMode, handle, mode));
            mathMode = mode;
        }
    }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA,
                                   long b, int ldb, long strideB, long c, int ldc, long strideC, int batch,
                                   boolean tf32) {
        MemorySegment alpha = scalars.asSlice(0, 4);
        MemorySegment beta = scalars.asSlice(4, 4);
        alpha.set(JAVA_FLOAT, 0, 1f);
        beta.set(JAVA_FLOAT, 0, 0f);
        int ta = transA ? OP_T : OP_N;
        int tb = transB ? OP_T : OP_N;
        try {
            if (batch == 1 && tf32) {
                check("cublasGemmEx", (int) gemmEx.invokeExact(handle, ta, tb, m, n, k, alpha, ptr(a), CUDA_R_32F, lda,
                        ptr(b), CUDA_R_32F, ldb, beta, ptr(c), CUDA_R_32F, ldc, COMPUTE_32F_FAST_TF32, GEMM_DEFAULT));
                return;
            }
            mathMode(tf32 ? TF32_TENSOR_OP_MATH : DEFAULT_MATH);
            if (batch == 1) {
                check("cublasSgemm_v2", (int) sgemm.invokeExact(handle, ta, tb, m, n, k, alpha, ptr(a), lda, ptr(b),
                        ldb, beta, ptr(c), ldc));
            } else {
                check("cublasSgemmStridedBatched", (int) sgemmStridedBatched.invokeExact(handle, ta, tb, m, n, k,
                        alpha, ptr(a), lda, strideA, ptr(b), ldb, strideB, beta, ptr(c), ldc, strideC, batch));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public synchronized void dgemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long strideA,
                                   long b, int ldb, long strideB, long c, int ldc, long strideC, int batch) {
        MemorySegment alpha = scalars.asSlice(8, 8);
        MemorySegment beta = scalars.asSlice(16, 8);
        alpha.set(JAVA_DOUBLE, 0, 1d);
        beta.set(JAVA_DOUBLE, 0, 0d);
        int ta = transA ? OP_T : OP_N;
        int tb = transB ? OP_T : OP_N;
        try {
            if (batch == 1) {
                check("cublasDgemm_v2", (int) dgemm.invokeExact(handle, ta, tb, m, n, k, alpha, ptr(a), lda, ptr(b),
                        ldb, beta, ptr(c), ldc));
            } else {
                check("cublasDgemmStridedBatched", (int) dgemmStridedBatched.invokeExact(handle, ta, tb, m, n, k,
                        alpha, ptr(a), lda, strideA, ptr(b), ldb, strideB, beta, ptr(c), ldc, strideC, batch));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public synchronized void close() {
        invoke(destroy, handle);
        arena.close();
    }
}
