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
 * What does one fused activation op (a forward kernel and one dy ⊙ f'(x) backward kernel) save
 * over the same function composed of elementwise ops, each with its own kernel, intermediate
 * tensor and backward rule? GELU (tanh form, which composes from existing ops; the erf form has
 * no composition) and Mish, forward plus backward on n elements, both variants in one run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ActivationBench {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    @Param({"4194304"})
    public int n;

    private Tensor x;
    private Tensor seed;

    @Setup
    public void setup() {
        Generator rng = new Generator(2);
        x = Tensor.randn(rng, n).requiresGrad(true);
        seed = Tensor.randn(rng, n);
    }

    private Tensor backward(Tensor y) {
        x.zeroGrad();
        y.backward(seed);
        return x.grad();
    }

    @Benchmark
    public Tensor geluTanhFused() {
        return backward(x.gelu("tanh"));
    }

    @Benchmark
    public Tensor geluTanhComposed() {
        Tensor inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
        return backward(x.mul(0.5).mul(inner.tanh().add(1)));
    }

    @Benchmark
    public Tensor mishFused() {
        return backward(x.mish());
    }

    @Benchmark
    public Tensor mishComposed() {
        // softplus as log(1 + eˣ): what a user without a fused op would write
        return backward(x.mul(x.exp().add(1).log().tanh()));
    }
}
