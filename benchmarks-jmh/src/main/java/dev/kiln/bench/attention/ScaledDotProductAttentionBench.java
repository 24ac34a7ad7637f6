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
 * How much faster is the fused attention kernel than the same math written with Kiln's tensor
 * ops? B = 1, H = 8, D = 64 at T = 128, 512, 2048, causal or not, on the default CPU backend.
 * <ul>
 *   <li>{@code fused*}: {@link Tensor#scaledDotProductAttention} (online softmax over key tiles,
 *       nothing of size T×T; backward recomputes P from the saved log-sum-exp).</li>
 *   <li>{@code unfused*}: softmax(q·kᵀ·scale + mask)·v with matmul, mul, where and softmax: the
 *       composition a user would write, materialising S and P ([B, H, T, T] each).</li>
 *   <li>{@code masked*}: the PyTorch-2 signature with a BOOL [T, T] attnMask (the causal mask, or all
 *       true): the fused kernel reading the mask in place as each score tile is made; against
 *       {@code fused*} it costs the mask's reads, and without causal it skips no tiles.</li>
 *   <li>{@code paddedForward}: a float key-padding mask [B, 1, 1, T] (the last eighth of the keys
 *       −∞, never causal), read through stride-0 dims: the layout of a padded batch.</li>
 * </ul>
 * Backward is timed alone: each state builds its graph once and {@code backward(dout, true)}
 * re-runs it (gradients accumulate into the leaves, the same small extra cost on both sides).
 *
 * <p>{@link Gpt}: the shape of the GPT training step ({@code kiln bench gpt}: B = 16, H = 4, T = 128,
 * D = 64, causal), fused forward and backward, on the whole-row kernels ({@code wholeRows=true}, the
 * default for T ≤ 256) and on the tiled ones ({@code false}, the path of longer sequences): an A/B
 * of the two in one run, e.g. {@code -p wholeRows=true,false ScaledDotProductAttentionBench.Gpt}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ScaledDotProductAttentionBench {
    static final int B = 1;
    static final int H = 8;
    static final int D = 64;

    @Param({"128", "512", "2048"})
    public int t;

    @Param({"false", "true"})
    public boolean causal;

    Tensor q;
    Tensor k;
    Tensor v;
    Tensor dout;
    Tensor mask;
    Tensor attnMask;
    Tensor padding;
    double scale;

    @Setup(Level.Trial)
    public void setup() {
        Generator rng = new Generator(42);
        q = Tensor.randn(rng, B, H, t, D).requiresGrad(true);
        k = Tensor.randn(rng, B, H, t, D).requiresGrad(true);
        v = Tensor.randn(rng, B, H, t, D).requiresGrad(true);
        dout = Tensor.randn(rng, B, H, t, D);
        scale = 1 / Math.sqrt(D);
        boolean[] m = new boolean[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                m[i * t + j] = true;
            }
        }
        mask = Tensor.of(m, t, t);
        attnMask = causal ? mask : Tensor.ones(t, t).gt(0);
        float[] pad = new float[B * t];
        for (int j = t - t / 8; j < t; j++) {
            pad[j] = Float.NEGATIVE_INFINITY;
        }
        padding = Tensor.of(pad, B, 1, 1, t);
    }

    Tensor masked() {
        return Tensor.scaledDotProductAttention(q, k, v, attnMask, 0.0, false, scale, null);
    }

    Tensor fused() {
        return Tensor.scaledDotProductAttention(q, k, v, causal, scale);
    }

    Tensor unfused() {
        Tensor s = q.matmul(k.transpose(-1, -2)).mul(scale);
        if (causal) {
            s = Tensor.where(mask, s, Double.NEGATIVE_INFINITY);
        }
        return s.softmax(-1).matmul(v);
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

    @Benchmark
    public Tensor maskedForward() {
        try (NoGrad ignored = NoGrad.enter()) {
            return masked();
        }
    }

    @Benchmark
    public Tensor paddedForward() {
        try (NoGrad ignored = NoGrad.enter()) {
            return Tensor.scaledDotProductAttention(q, k, v, padding, 0.0, false, scale, null);
        }
    }

    /** The fused op's graph, built once per trial. */
    @State(Scope.Benchmark)
    public static class FusedGraph {
        Tensor out;

        @Setup(Level.Trial)
        public void build(ScaledDotProductAttentionBench b) {
            out = b.fused();
        }
    }

    /** The composition's graph (S and P kept for backward), built once per trial. */
    @State(Scope.Benchmark)
    public static class UnfusedGraph {
        Tensor out;

        @Setup(Level.Trial)
        public void build(ScaledDotProductAttentionBench b) {
            out = b.unfused();
        }
    }

    /** The masked fused op's graph, built once per trial. */
    @State(Scope.Benchmark)
    public static class MaskedGraph {
        Tensor out;

        @Setup(Level.Trial)
        public void build(ScaledDotProductAttentionBench b) {
            out = b.masked();
        }
    }

    @Benchmark
    public Tensor maskedBackward(MaskedGraph g) {
        g.out.backward(dout, true);
        return q.grad();
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

    /** The GPT step's attention shape, on either CPU path (see the class comment). */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
    public static class Gpt {
        /** The whole-row kernels (true) or the tiled ones (false): the property the CPU backend reads per call. */
        @Param({"true", "false"})
        public String wholeRows;

        Tensor q;
        Tensor k;
        Tensor v;
        Tensor dout;
        Tensor out;
        double scale;

        @Setup(Level.Trial)
        public void setup() {
            System.setProperty("kiln.attn.wholeRows", wholeRows);
            Generator rng = new Generator(42);
            q = Tensor.randn(rng, 16, 4, 128, 64).requiresGrad(true);
            k = Tensor.randn(rng, 16, 4, 128, 64).requiresGrad(true);
            v = Tensor.randn(rng, 16, 4, 128, 64).requiresGrad(true);
            dout = Tensor.randn(rng, 16, 4, 128, 64);
            scale = 1 / Math.sqrt(64);
            out = Tensor.scaledDotProductAttention(q, k, v, true, scale);
        }

        @Benchmark
        public Tensor gptForward() {
            try (NoGrad ignored = NoGrad.enter()) {
                return Tensor.scaledDotProductAttention(q, k, v, true, scale);
            }
        }

        @Benchmark
        public Tensor gptBackward() {
            out.backward(dout, true);
            return q.grad();
        }
    }
}
