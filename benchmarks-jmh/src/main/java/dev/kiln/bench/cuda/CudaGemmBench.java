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

import dev.kiln.kernels.cuda.CudaGemm;
import dev.kiln.tensor.Tensor;

/**
 * How fast is SGEMM on the GPU: cuBLAS in FP32 and TF32 against Kiln's hand-written kernels
 * (gemm.cu: v2 register-blocked, v1 shared-memory tiled)? Square n×n×n; each invocation
 * queues {@value #REPS} GEMMs and waits for them, so launch overhead and the final
 * synchronisation are amortised. TFLOP/s = 2n³ / (time per op). Target from the issue: v2 at
 * least 0.7× cuBLAS FP32 at n = 4096. Fails at setup, with the reason, where there is no GPU.
 *
 * <p>Run on the GPU machine: {@code bash .device/run.sh java org.openjdk.jmh.Main CudaGemmBench -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CudaGemmBench {
    static final int REPS = 10;

    @Param({"4096"})
    public int n;

    private Tensor a;
    private Tensor b;
    private Tensor c;

    @Setup
    public void setup() {
        CudaBench.requireGpu();
        a = CudaBench.randn(1, n, n);
        b = CudaBench.randn(2, n, n);
        c = CudaBench.zeros(n, n);
        CudaGemm.synchronize(c);
    }

    @TearDown
    public void printRate() {
        System.out.println("(TFLOP/s = " + 2.0 * n * n * n / 1e9 + " / ms per op)");
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor cublasFp32() {
        for (int i = 0; i < REPS; i++) {
            CudaGemm.cublas(c, a, b, false);
        }
        CudaGemm.synchronize(c);
        return c;
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor cublasTf32() {
        for (int i = 0; i < REPS; i++) {
            CudaGemm.cublas(c, a, b, true);
        }
        CudaGemm.synchronize(c);
        return c;
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor handwrittenRegisterBlocked() {
        for (int i = 0; i < REPS; i++) {
            CudaGemm.registerBlocked(c, a, b);
        }
        CudaGemm.synchronize(c);
        return c;
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public Tensor handwrittenTiled() {
        for (int i = 0; i < REPS; i++) {
            CudaGemm.tiled(c, a, b);
        }
        CudaGemm.synchronize(c);
        return c;
    }
}
