package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.mult.MatrixMatrixMult_MT_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How fast is C = A · B (F32, row-major, M × K times K × N) with Kiln's CPU backend, next to the
 * scalar ReferenceBackend, EJML (pure Java) and OpenBLAS (cblas_sgemm through FFM), at 1 and 2 threads?
 * Each implementation writes into a preallocated C; the report turns times into GFLOP/s (2·M·N·K per op)
 * and divides by OpenBLAS's figure for the same shape and threads.
 *
 * <p>{@code shape} is "n" for n × n × n or "MxKxN". ReferenceBackend is single-threaded and runs at
 * well under 1 GFLOP/s, so run.sh runs it only up to n = 256 at 1 thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {

    /** 2·M·N·K: what the report divides by the time to get GFLOP/s. */
    public static double flopsPerOp(Map<String, String> params) {
        int[] s = parse(params.get("shape"));
        return 2.0 * s[0] * s[1] * s[2];
    }

    /**
     * The goal for Kiln ÷ OpenBLAS: 0.9 at n = 256, 1024, 2048 and the transformer shapes, on every ISA (issue 12,
     * "portable speed"; the first GEMM issue asked 0.85, and 0.8 at n = 256).
     */
    public static double targetVsBaseline(Map<String, String> params) {
        return switch (params.get("shape")) {
            case "256", "1024", "2048", "4096x768x3072", "128x784x512", "2048x256x768" -> 0.9;
            default -> Double.NaN;
        };
    }

    /** {M, K, N} from "n" or "MxKxN". */
    static int[] parse(String shape) {
        String[] p = shape.split("x");
        if (p.length == 1) {
            int n = Integer.parseInt(p[0]);
            return new int[] {n, n, n};
        }
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    @State(Scope.Benchmark)
    public abstract static class Operands {
        @Param({"64", "128", "256", "512", "1024", "2048", "4096x768x3072", "128x784x512", "2048x256x768"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        int m;
        int k;
        int n;
        float[] a;
        float[] b;

        void makeOperands() {
            int[] s = parse(shape);
            m = s[0];
            k = s[1];
            n = s[2];
            Generator g = new Generator(42);
            a = new float[m * k];
            b = new float[k * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = g.nextFloat() - 0.5f;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = g.nextFloat() - 0.5f;
            }
        }
    }

    public static class KilnState extends Operands {
        final CpuBackend backend = new CpuBackend();
        Tensor ta;
        Tensor tb;
        Tensor out;
        int savedThreads;

        @Setup(Level.Trial)
        public void setup() {
            makeOperands();
            ta = Tensor.of(a, m, k);
            tb = Tensor.of(b, k, n);
            out = Tensor.zeros(m, n);
            savedThreads = Parallel.threads();
            Parallel.setThreads(threads);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Parallel.setThreads(savedThreads);
        }
    }

    public static class ReferenceState extends Operands {
        Tensor ta;
        Tensor tb;
        Tensor out;

        @Setup(Level.Trial)
        public void setup() {
            makeOperands();
            ta = Tensor.of(a, m, k);
            tb = Tensor.of(b, k, n);
            out = Tensor.zeros(m, n);
        }
    }

    public static class EjmlState extends Operands {
        FMatrixRMaj ea;
        FMatrixRMaj eb;
        FMatrixRMaj ec;

        @Setup(Level.Trial)
        public void setup() {
            makeOperands();
            ea = new FMatrixRMaj(m, k);
            eb = new FMatrixRMaj(k, n);
            ec = new FMatrixRMaj(m, n);
            System.arraycopy(a, 0, ea.data, 0, a.length);
            System.arraycopy(b, 0, eb.data, 0, b.length);
            EjmlConcurrency.setMaxThreads(threads);
        }
    }

    public static class OpenBlasState extends Operands {
        OpenBlas blas;
        Arena arena;
        MemorySegment sa;
        MemorySegment sb;
        MemorySegment sc;

        @Setup(Level.Trial)
        public void setup() {
            blas = OpenBlas.load();
            makeOperands();
            arena = Arena.ofShared();
            sa = arena.allocate((long) a.length * Float.BYTES, 64);
            sb = arena.allocate((long) b.length * Float.BYTES, 64);
            sc = arena.allocate((long) m * n * Float.BYTES, 64);
            MemorySegment.copy(a, 0, sa, ValueLayout.JAVA_FLOAT, 0, a.length);
            MemorySegment.copy(b, 0, sb, ValueLayout.JAVA_FLOAT, 0, b.length);
            blas.setThreads(threads);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public Tensor kiln(KilnState s) {
        s.backend.matmul(s.out, s.ta, s.tb);
        return s.out;
    }

    @Benchmark
    public Tensor reference(ReferenceState s) {
        ReferenceBackend.INSTANCE.matmul(s.out, s.ta, s.tb);
        return s.out;
    }

    @Benchmark
    public FMatrixRMaj ejml(EjmlState s) {
        if (s.threads > 1) {
            MatrixMatrixMult_MT_FDRM.mult_reorder(s.ea, s.eb, s.ec);
        } else {
            CommonOps_FDRM.mult(s.ea, s.eb, s.ec);
        }
        return s.ec;
    }

    @Benchmark
    public MemorySegment openblas(OpenBlasState s) {
        s.blas.sgemm(OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, s.m, s.n, s.k, s.sa, s.k, s.sb, s.n, s.sc, s.n);
        return s.sc;
    }
}
