package dev.kiln.bench.cuda;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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

import dev.kiln.kernels.cuda.CudaBackend;
import dev.kiln.kernels.cuda.CudaGemm;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * What fraction of the GPU's memory bandwidth do Kiln's elementwise kernels reach? Each is
 * timed on n floats against a device-to-device copy (cuMemcpyDtoD, the baseline): copy and
 * unary move 8n bytes, binary 12n (two reads, one write); GB/s = bytes / time per op. Outputs
 * are preallocated, so only the kernel is timed (the Tensor API also zero-fills each fresh
 * output). Target from the issue: at least 80% of the copy's bandwidth. Fails at setup, with
 * the reason, where there is no GPU.
 *
 * <p>Run on the GPU machine: {@code bash .device/run.sh java org.openjdk.jmh.Main CudaElementwiseBench -f 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CudaElementwiseBench {
    static final int REPS = 20;

    /** 64 MiB per operand: far beyond the L2 cache (50 MiB on an H100). */
    @Param({"16777216"})
    public int n;

    private final CudaBackend cuda = new CudaBackend();
    private Tensor a;
    private Tensor b;
    private Tensor out;
    private Tensor strided;
    private Tensor stridedOut;

    @Setup
    public void setup() {
        CudaBench.requireGpu();
        a = CudaBench.randn(1, n);
        b = CudaBench.randn(2, n);
        out = CudaBench.zeros(n);
        int side = (int) Math.sqrt(n);
        strided = CudaBench.randn(3, side, side).transpose(0, 1);
        stridedOut = CudaBench.zeros(side, side);
        CudaGemm.synchronize(out);
    }

    @TearDown
    public void printRate() {
        System.out.println("(GB/s: copy and unary " + 8.0 * n / 1e3 + ", binary " + 12.0 * n / 1e3 + " / us per op)");
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor deviceToDeviceCopy() {
        for (int i = 0; i < REPS; i++) {
            cuda.copy(out, a);
        }
        CudaGemm.synchronize(out);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor addContiguous() {
        for (int i = 0; i < REPS; i++) {
            cuda.binary(BinaryOp.ADD, out, a, b);
        }
        CudaGemm.synchronize(out);
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor expUnary() {
        for (int i = 0; i < REPS; i++) {
            cuda.unary(UnaryOp.EXP, out, a);
        }
        CudaGemm.synchronize(out);
        return out;
    }

    /** The generic strided path (a transposed input, not float4): what a non-contiguous view costs. */
    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor negTransposed() {
        for (int i = 0; i < REPS; i++) {
            cuda.unary(UnaryOp.NEG, stridedOut, strided);
        }
        CudaGemm.synchronize(stridedOut);
        return stridedOut;
    }
}
