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
 * How close does LayerNorm (with weight and bias) over the rows of a 4096 × 1024 F32 matrix come
 * to the machine's memory bandwidth? Each method writes into preallocated outputs.
 *
 * <p>The score is GB/s: JMH counts one "op" per byte moved, so its ops/ns are bytes/ns = GB/s.
 * Bytes moved, with R = 4096 rows of d = 1024: forward 4·(2·R·d + 2·d + 2·R) (x in, y out,
 * weight and bias in, mean and rstd out); backward 4·(3·R·d + 2·R + 3·d) (dy and x in, dx out,
 * mean and rstd in, weight in, dweight and dbias out). The goal is ≥ 60% of the copy bandwidth
 * ({@link ElementwiseBench#arraycopy}, {@link CopyBandwidth}). {@code *_cpu} runs CpuBackend
 * ({@code threads}: 0 = the default, all cores), {@code *_reference} ReferenceBackend.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LayerNormBench {
    static final int ROWS = 4096;
    static final int D = 1024;
    static final int FORWARD_BYTES = 4 * (2 * ROWS * D + 2 * D + 2 * ROWS);
    static final int BACKWARD_BYTES = 4 * (3 * ROWS * D + 2 * ROWS + 3 * D);

    @Param({"0"})
    public int threads;

    private final CpuBackend cpu = new CpuBackend();
    private final ReferenceBackend ref = ReferenceBackend.INSTANCE;
    private int threadsBefore;
    private Tensor x;
    private Tensor weight;
    private Tensor bias;
    private Tensor out;
    private Tensor mean;
    private Tensor rstd;
    private Tensor dy;
    private Tensor dx;
    private Tensor dweight;
    private Tensor dbias;

    @Setup(Level.Trial)
    public void setup() {
        threadsBefore = Parallel.threads();
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        var rng = new Generator(3);
        x = Tensor.randn(rng, ROWS, D);
        weight = Tensor.randn(rng, D);
        bias = Tensor.randn(rng, D);
        out = Tensor.zeros(ROWS, D);
        mean = Tensor.zeros(ROWS);
        rstd = Tensor.zeros(ROWS);
        dy = Tensor.randn(rng, ROWS, D);
        dx = Tensor.zeros(ROWS, D);
        dweight = Tensor.zeros(D);
        dbias = Tensor.zeros(D);
        cpu.layerNorm(out, mean, rstd, x, weight, bias, 1e-5);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(threadsBefore);
    }

    @Benchmark
    @OperationsPerInvocation(FORWARD_BYTES)
    public Tensor layerNorm_cpu() {
        cpu.layerNorm(out, mean, rstd, x, weight, bias, 1e-5);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(FORWARD_BYTES)
    public Tensor layerNorm_reference() {
        ref.layerNorm(out, mean, rstd, x, weight, bias, 1e-5);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(BACKWARD_BYTES)
    public Tensor layerNormBackward_cpu() {
        cpu.layerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
        return dx;
    }
}
