package dev.kiln.bench.layers;

import dev.kiln.tensor.Generator;
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

import java.util.concurrent.TimeUnit;

/**
 * How much does the fused LayerNorm / RMSNorm op (one kernel each way, saving mean and 1/std)
 * gain over the same norm written as a composition of tensor ops (mean, var, sub, div, mul, add
 * and their separate backward rules)? Forward plus backward of a [rows, d] tensor with a gain (and
 * bias), on whatever CPU backend is on the class path, at a square-ish shape and at a transformer
 * shape (batch 8 × 256 tokens × d 768). Both variants run in one JMH run, so compare them with
 * each other, not across runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class NormBench {
    @Param({"4096x1024", "2048x768"})
    public String shape;

    private Tensor x;
    private Tensor weight;
    private Tensor bias;
    private Tensor seed;
    private int d;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        int rows = Integer.parseInt(p[0]);
        d = Integer.parseInt(p[1]);
        Generator rng = new Generator(1);
        x = Tensor.randn(rng, rows, d).requiresGrad(true);
        weight = Tensor.randn(rng, d).requiresGrad(true);
        bias = Tensor.randn(rng, d).requiresGrad(true);
        seed = Tensor.randn(rng, rows, d);
    }

    private Tensor backward(Tensor y) {
        x.zeroGrad();
        weight.zeroGrad();
        bias.zeroGrad();
        y.backward(seed);
        return x.grad();
    }

    @Benchmark
    public Tensor layerNormFused() {
        return backward(x.layerNorm(new int[] {d}, weight, bias, 1e-5));
    }

    @Benchmark
    public Tensor layerNormComposed() {
        Tensor mean = x.mean(-1, true);
        Tensor var = x.var(new int[] {1}, 0, true);
        return backward(x.sub(mean).div(var.add(1e-5).sqrt()).mul(weight).add(bias));
    }

    @Benchmark
    public Tensor rmsNormFused() {
        return backward(x.rmsNorm(new int[] {d}, weight, 1e-6));
    }

    @Benchmark
    public Tensor rmsNormComposed() {
        return backward(x.mul(x.square().mean(-1, true).add(1e-6).rsqrt()).mul(weight));
    }
}
