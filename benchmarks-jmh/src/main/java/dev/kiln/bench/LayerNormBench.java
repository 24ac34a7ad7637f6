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
 * How close does LayerNorm (with weight and bias) over the rows of a 4096 × 1024 F32 matrix,
 * forward and backward, come to the machine's memory bandwidth? {@code cpu} is CpuBackend (all
 * cores unless -Dkiln.threads says otherwise), {@code reference} is ReferenceBackend; each writes
 * into preallocated outputs.
 *
 * <p>GB/s = {@link #bytesPerOp} / time per op, with R rows of d and 4 bytes per float: forward
 * 4·(2·R·d + 2·d + 2·R) (x in, y out, weight and bias in, mean and rstd out); backward
 * 4·(3·R·d + 2·R + 3·d) (dy and x in, dx out, mean and rstd in, weight in, dweight and dbias out).
 * The goal is ≥ 60% of {@link CopyBandwidth}'s GB/s on the same machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LayerNormBench {
    @Param({"forward", "backward"})
    public String pass;

    @Param({"4096"})
    public int rows;

    @Param({"1024"})
    public int d;

    /** Bytes read and written by one call, for the report's GB/s. */
    public static double bytesPerOp(Map<String, String> params) {
        double r = Integer.parseInt(params.get("rows"));
        double d = Integer.parseInt(params.get("d"));
        return "backward".equals(params.get("pass")) ? 4 * (3 * r * d + 2 * r + 3 * d) : 4 * (2 * r * d + 2 * d + 2 * r);
    }

    private final Backend cpu = new CpuBackend();
    private final Backend ref = ReferenceBackend.INSTANCE;
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

    @Setup
    public void setup() {
        if (!pass.equals("forward") && !pass.equals("backward")) {
            throw new IllegalArgumentException("LayerNormBench: pass must be forward or backward, got " + pass);
        }
        var rng = new Generator(3);
        x = Tensor.randn(rng, rows, d);
        weight = Tensor.randn(rng, d);
        bias = Tensor.randn(rng, d);
        out = Tensor.zeros(rows, d);
        mean = Tensor.zeros(rows);
        rstd = Tensor.zeros(rows);
        dy = Tensor.randn(rng, rows, d);
        dx = Tensor.zeros(rows, d);
        dweight = Tensor.zeros(d);
        dbias = Tensor.zeros(d);
        cpu.layerNorm(out, mean, rstd, x, weight, bias, 1e-5); // the statistics the backward reads
    }

    private Tensor run(Backend backend) {
        if (pass.equals("forward")) {
            backend.layerNorm(out, mean, rstd, x, weight, bias, 1e-5);
            return out;
        }
        backend.layerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
        return dx;
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
