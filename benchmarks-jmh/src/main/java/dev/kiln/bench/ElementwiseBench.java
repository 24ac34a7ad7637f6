package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
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
 * How close do the elementwise kernels (ReLU, GELU in its exact erf form and its backward, GELU's tanh form, sin,
 * hardswish, add) on 16M floats come
 * to the machine's memory bandwidth? {@code cpu} is CpuBackend (its pool, all cores unless
 * -Dkiln.threads says otherwise), {@code reference} is ReferenceBackend (one thread, double
 * loops); each writes into a preallocated output.
 *
 * <p>GB/s = {@link #bytesPerOp} / time per op, with bytes = (arrays read + arrays written) × 4 × n:
 * 2 arrays for the unary ops (x in, y out), 3 for add (a and b in, y out) and for GELU's backward (x and dy in,
 * dx out). The goal is ≥ 75% of
 * {@link CopyBandwidth}'s GB/s on the same machine (the report prints the ratio).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBench {
    @Param({"relu", "gelu", "geluBackward", "geluTanh", "sin", "hardswish", "add"})
    public String op;

    @Param({"16777216"})
    public int n;

    /** Bytes read and written by one call, for the report's GB/s. */
    public static double bytesPerOp(Map<String, String> params) {
        int arrays = "add".equals(params.get("op")) || "geluBackward".equals(params.get("op")) ? 3 : 2;
        return arrays * 4.0 * Integer.parseInt(params.get("n"));
    }

    private final Backend cpu = new CpuBackend();
    private final Backend ref = ReferenceBackend.INSTANCE;
    private Tensor a;
    private Tensor b;
    private Tensor out;

    @Setup
    public void setup() {
        if (!java.util.List.of("relu", "gelu", "geluBackward", "geluTanh", "sin", "hardswish", "add").contains(op)) {
            throw new IllegalArgumentException("ElementwiseBench: op must be relu, gelu, geluBackward, geluTanh, sin, "
                    + "hardswish or add, got " + op);
        }
        var rng = new Generator(1);
        a = Tensor.randn(rng, n);
        b = Tensor.randn(rng, n);
        out = Tensor.zeros(n);
    }

    private Tensor run(Backend backend) {
        switch (op) {
            case "relu" -> backend.unary(UnaryOp.RELU, out, a);
            case "gelu" -> backend.unary(UnaryOp.GELU, out, a);
            case "geluBackward" -> backend.unaryBackward(UnaryOp.GELU, out, a, b);
            case "geluTanh" -> backend.unary(UnaryOp.GELU_TANH, out, a);
            case "sin" -> backend.unary(UnaryOp.SIN, out, a);
            case "hardswish" -> backend.unary(UnaryOp.HARDSWISH, out, a);
            default -> backend.binary(BinaryOp.ADD, out, a, b);
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
