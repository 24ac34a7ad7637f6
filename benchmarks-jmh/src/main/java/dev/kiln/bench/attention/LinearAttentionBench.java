package dev.kiln.bench.attention;

import dev.kiln.autograd.NoGrad;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Causal linear attention (SLAB's, φ = ReLU already applied): the fused prefix-sum kernel
 * ({@link Tensor#linearAttention}, O(T·D²) time, O(D²) state per head) against the quadratic masked
 * composition (φq·φkᵀ ⊙ M)·v / (rowsum + eps) written with tensor ops (O(T²·D), a [B, H, T, T]
 * matrix). B = 1, H = 8, D = 64 at T = 128, 512, 2048; forward and backward (as in
 * {@link ScaledDotProductAttentionBench}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class LinearAttentionBench {
    static final int B = 1;
    static final int H = 8;
    static final int D = 64;
    static final double EPS = 1e-6;

    @Param({"128", "512", "2048"})
    public int t;

    Tensor q;
    Tensor k;
    Tensor v;
    Tensor dout;
    Tensor mask;

    @Setup(Level.Trial)
    public void setup() {
        Generator rng = new Generator(42);
        q = Tensor.rand(rng, B, H, t, D).requiresGrad(true); // non-negative, as after φ = ReLU
        k = Tensor.rand(rng, B, H, t, D).requiresGrad(true);
        v = Tensor.randn(rng, B, H, t, D).requiresGrad(true);
        dout = Tensor.randn(rng, B, H, t, D);
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                m[i * t + j] = 1;
            }
        }
        mask = Tensor.of(m, t, t);
    }

    Tensor fused() {
        return Tensor.linearAttention(q, k, v, true, EPS);
    }

    Tensor unfused() {
        Tensor a = q.matmul(k.transpose(-1, -2)).mul(mask);
        return a.matmul(v).div(a.sum(-1, true).add(EPS));
    }

    @Benchmark
    public Tensor fusedForward() {
        try (NoGrad ignored = NoGrad.enter()) {
            return fused();
        }
    }

    @Benchmark
    public Tensor unfusedForward() {
        try (NoGrad ignored = NoGrad.enter()) {
            return unfused();
        }
    }

    @State(Scope.Benchmark)
    public static class FusedGraph {
        Tensor out;

        @Setup(Level.Trial)
        public void build(LinearAttentionBench b) {
            out = b.fused();
        }
    }

    @State(Scope.Benchmark)
    public static class UnfusedGraph {
        Tensor out;

        @Setup(Level.Trial)
        public void build(LinearAttentionBench b) {
            out = b.unfused();
        }
    }

    @Benchmark
    public Tensor fusedBackward(FusedGraph g) {
        g.out.backward(dout, true);
        return q.grad();
    }

    @Benchmark
    public Tensor unfusedBackward(UnfusedGraph g) {
        g.out.backward(dout, true);
        return q.grad();
    }
}
