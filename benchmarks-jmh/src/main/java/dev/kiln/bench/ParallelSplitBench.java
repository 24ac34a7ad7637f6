package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.kernels.cpu.ElementwiseKernels;
import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
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

import java.util.concurrent.TimeUnit;

/**
 * From what size does splitting a cheap elementwise op (ReLU) over the CPU backend's pool pay
 * off, and what does one parallel loop cost? {@code relu_forcedSplit} always splits into
 * {@code threads} chunks (grain 1), so comparing threads = 1 with threads = 2 at each n shows the
 * hand-off cost and the crossover; {@code relu_cpu} is the backend as shipped, whose grain keeps
 * small ops on the calling thread. Scores are microseconds per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ParallelSplitBench {
    @Param({"8192", "32768", "131072", "524288"})
    public int n;

    @Param({"1", "2"})
    public int threads;

    private final CpuBackend cpu = new CpuBackend();
    private int threadsBefore;
    private Tensor x;
    private Tensor out;
    private float[] xs;
    private float[] ys;

    @Setup(Level.Trial)
    public void setup() {
        threadsBefore = Parallel.threads();
        Parallel.setThreads(threads);
        x = Tensor.randn(new Generator(4), n);
        out = Tensor.zeros(n);
        xs = x.toFloatArray();
        ys = new float[n];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(threadsBefore);
    }

    @Benchmark
    public float[] relu_forcedSplit() {
        float[] a = xs;
        float[] y = ys;
        Parallel.forRange(n, 1, (s, e) -> ElementwiseKernels.relu(y, s, a, s, e - s));
        return y;
    }

    @Benchmark
    public Tensor relu_cpu() {
        cpu.unary(dev.kiln.tensor.UnaryOp.RELU, out, x);
        return out;
    }
}
