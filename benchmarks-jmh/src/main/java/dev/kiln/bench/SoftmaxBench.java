package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How close do softmax, log-softmax and softmax's backward over the rows of a 4096 × 1024 F32
 * matrix come to the machine's memory bandwidth? {@code cpu} is CpuBackend (all cores unless
 * -Dkiln.threads says otherwise), {@code reference} is ReferenceBackend; each writes into a
 * preallocated output.
 *
 * <p>GB/s = {@link #bytesPerOp} / time per op, with bytes = (matrices read + matrices written) × 4 ×
 * rows × cols: 2 for the forward ops (x in, y out), 3 for the backward (y and dy in, dx out). The
 * goal is ≥ 60% of {@link CopyBandwidth}'s GB/s on the same machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SoftmaxBench {
    @Param({"softmax", "logSoftmax", "softmaxBackward"})
    public String op;

    @Param({"4096"})
    public int rows;

    @Param({"1024"})
    public int cols;

    /** Bytes read and written by one call, for the report's GB/s. */
    public static double bytesPerOp(Map<String, String> params) {
        int matrices = "softmaxBackward".equals(params.get("op")) ? 3 : 2;
        return matrices * 4.0 * Integer.parseInt(params.get("rows")) * Integer.parseInt(params.get("cols"));
    }

    private final Backend cpu = new CpuBackend();
    private final Backend ref = ReferenceBackend.INSTANCE;
    private Tensor x;
    private Tensor y;
    private Tensor dy;
    private Tensor out;

    @Setup
    public void setup() {
        if (!op.equals("softmax") && !op.equals("logSoftmax") && !op.equals("softmaxBackward")) {
            throw new IllegalArgumentException("SoftmaxBench: op must be softmax, logSoftmax or softmaxBackward, got " + op);
        }
        var rng = new Generator(2);
        x = Tensor.randn(rng, rows, cols);
        y = x.softmax(1);
        dy = Tensor.randn(rng, rows, cols);
        out = Tensor.zeros(rows, cols);
    }

    private Tensor run(Backend backend) {
        switch (op) {
            case "softmax" -> backend.softmax(out, x, 1);
            case "logSoftmax" -> backend.logSoftmax(out, x, 1);
            default -> backend.softmaxBackward(out, y, dy, 1);
        }
        return out;
    }

    @Benchmark
    public Tensor cpu() {
        return run(cpu);
    }

    @Benchmark
    public Tensor reference() {
        return run(ref);
    }
}
