package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.ReferenceBackend;
import dev.kiln.tensor.Tensor;
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
 * How close does softmax over the rows of a 4096 × 1024 F32 matrix come to the machine's memory
 * bandwidth? Each method writes into a preallocated output.
 *
 * <p>The score is GB/s: JMH counts one "op" per byte moved, so its ops/ns are bytes/ns = GB/s.
 * Bytes moved = (arrays read + arrays written) × 4 × 4096 × 1024: 2 for the forward (x in,
 * y out), 3 for the backward (y and dy in, dx out). The goal is ≥ 60% of the copy bandwidth
 * ({@link ElementwiseBench#arraycopy}, {@link CopyBandwidth}). {@code *_cpu} runs CpuBackend
 * ({@code threads}: 0 = the default, all cores), {@code *_reference} ReferenceBackend.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SoftmaxBench {
    static final int ROWS = 4096;
    static final int COLS = 1024;
    static final int TWO_MATRICES = 2 * 4 * ROWS * COLS;
    static final int THREE_MATRICES = 3 * 4 * ROWS * COLS;

    @Param({"0"})
    public int threads;

    private final CpuBackend cpu = new CpuBackend();
    private final ReferenceBackend ref = ReferenceBackend.INSTANCE;
    private int threadsBefore;
    private Tensor x;
    private Tensor y;
    private Tensor dy;
    private Tensor out;

    @Setup(Level.Trial)
    public void setup() {
        threadsBefore = Parallel.threads();
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        var rng = new Generator(2);
        x = Tensor.randn(rng, ROWS, COLS);
        y = x.softmax(1);
        dy = Tensor.randn(rng, ROWS, COLS);
        out = Tensor.zeros(ROWS, COLS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(threadsBefore);
    }

    @Benchmark
    @OperationsPerInvocation(TWO_MATRICES)
    public Tensor softmax_cpu() {
        cpu.softmax(out, x, 1);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(TWO_MATRICES)
    public Tensor softmax_reference() {
        ref.softmax(out, x, 1);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(TWO_MATRICES)
    public Tensor logSoftmax_cpu() {
        cpu.logSoftmax(out, x, 1);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(THREE_MATRICES)
    public Tensor softmaxBackward_cpu() {
        cpu.softmaxBackward(out, y, dy, 1);
        return out;
    }
}
