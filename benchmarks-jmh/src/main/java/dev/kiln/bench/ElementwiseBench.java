package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.tensor.BinaryOp;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * How close do the elementwise kernels (ReLU, GELU, add) on 16M floats come to the machine's
 * memory bandwidth? Each method writes into a preallocated output.
 *
 * <p>The score is GB/s: JMH counts one "op" per byte moved, so its ops/ns are bytes/ns = GB/s
 * (10⁹ bytes per second). Bytes moved = (arrays read + arrays written) × 4 × n: 2 arrays for
 * ReLU, GELU and the copy, 3 for add. {@code arraycopy} is the bandwidth baseline
 * ({@link CopyBandwidth} in the same units, single-threaded); the goal for elementwise kernels
 * is ≥ 75% of it. {@code *_cpu} runs CpuBackend (its pool, {@code threads}: 0 = the default,
 * all cores), {@code *_reference} runs ReferenceBackend (one thread, double loops).
 *
 * <p>GELU is the exact (erf) form, PyTorch's default.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBench {
    static final int N = 1 << 24;
    static final int TWO_ARRAYS = 2 * 4 * N;
    static final int THREE_ARRAYS = 3 * 4 * N;

    @Param({"0"})
    public int threads;

    private final CpuBackend cpu = new CpuBackend();
    private final ReferenceBackend ref = ReferenceBackend.INSTANCE;
    private int threadsBefore;
    private Tensor a;
    private Tensor b;
    private Tensor out;
    private float[] src;
    private float[] dst;

    @Setup(Level.Trial)
    public void setup() {
        threadsBefore = Parallel.threads();
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        var rng = new Generator(1);
        a = Tensor.randn(rng, N);
        b = Tensor.randn(rng, N);
        out = Tensor.zeros(N);
        src = a.toFloatArray();
        dst = new float[N];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(threadsBefore);
    }

    @Benchmark
    @OperationsPerInvocation(TWO_ARRAYS)
    public float[] arraycopy() {
        System.arraycopy(src, 0, dst, 0, N);
        return dst;
    }

    @Benchmark
    @OperationsPerInvocation(TWO_ARRAYS)
    public Tensor relu_cpu() {
        cpu.unary(UnaryOp.RELU, out, a);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(TWO_ARRAYS)
    public Tensor relu_reference() {
        ref.unary(UnaryOp.RELU, out, a);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(THREE_ARRAYS)
    public Tensor add_cpu() {
        cpu.binary(BinaryOp.ADD, out, a, b);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(THREE_ARRAYS)
    public Tensor add_reference() {
        ref.binary(BinaryOp.ADD, out, a, b);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(TWO_ARRAYS)
    public Tensor gelu_cpu() {
        cpu.unary(UnaryOp.GELU, out, a);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(TWO_ARRAYS)
    public Tensor gelu_reference() {
        ref.unary(UnaryOp.GELU, out, a);
        return out;
    }
}
