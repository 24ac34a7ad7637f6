package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.ReferenceBackend;
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

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The elementwise functions of issue 15 on 4M floats: kernels-cpu's MathKernels and ELU (Kiln's
 * own polynomial tan, asinh, expm1, log10, atan2, hypot; exact floor) as {@code cpu} against
 * ReferenceBackend's double loops as {@code reference} (one thread), each into a preallocated
 * output. GB/s as {@link ElementwiseBench}'s: 2 arrays for the unary ops, 3 for the binary ones.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MathBench {
    private static final List<String> OPS = List.of("tan", "asinh", "expm1", "log10", "floor", "elu", "atan2", "hypot");
    private static final List<String> BINARY = List.of("atan2", "hypot");

    @Param({"tan", "asinh", "expm1", "log10", "floor", "elu", "atan2", "hypot"})
    public String op;

    @Param({"4194304"})
    public int n;

    /** Bytes read and written by one call, for the report's GB/s. */
    public static double bytesPerOp(Map<String, String> params) {
        int arrays = BINARY.contains(params.get("op")) ? 3 : 2;
        return arrays * 4.0 * Integer.parseInt(params.get("n"));
    }

    private final Backend cpu = new CpuBackend();
    private final Backend ref = ReferenceBackend.INSTANCE;
    private final Activation elu = Activation.elu(1.0);
    private Tensor a;
    private Tensor b;
    private Tensor out;

    @Setup
    public void setup() {
        if (!OPS.contains(op)) {
            throw new IllegalArgumentException("MathBench: op must be one of " + OPS + ", got " + op);
        }
        var rng = new Generator(1);
        a = Tensor.randn(rng, n).mul(3);
        if ("log10".equals(op)) {
            a = a.abs();
        }
        b = Tensor.randn(rng, n);
        out = Tensor.zeros(n);
    }

    private Tensor run(Backend backend) {
        switch (op) {
            case "tan" -> backend.unary(UnaryOp.TAN, out, a);
            case "asinh" -> backend.unary(UnaryOp.ASINH, out, a);
            case "expm1" -> backend.unary(UnaryOp.EXPM1, out, a);
            case "log10" -> backend.unary(UnaryOp.LOG10, out, a);
            case "floor" -> backend.unary(UnaryOp.FLOOR, out, a);
            case "elu" -> backend.activation(elu, out, a);
            case "atan2" -> backend.binary(BinaryOp.ATAN2, out, a, b);
            default -> backend.binary(BinaryOp.HYPOT, out, a, b);
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
