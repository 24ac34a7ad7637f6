package dev.kiln.bench.conv;

import dev.kiln.kernels.cpu.Parallel;
import dev.kiln.tensor.ConvOps;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fast is Kiln's conv2d on ResNet-18's layers at batch 32, next to PyTorch 1.13 (oneDNN) on the
 * same machine and thread count? {@code pass=forward} times {@code conv2d(x, w, b)} alone;
 * {@code pass=train} times the forward and the backward of a seed gradient through autograd (input,
 * weight and bias gradients, every leaf's gradient cleared first, as
 * {@code zero_grad(set_to_none=True)}). {@code tools/torch_conv_bench.py} times PyTorch on the same
 * {@link #LAYERS} the same way (warm-up and measured iterations of a fixed length, the mean time per
 * op of each) and writes its figures as this class's {@code torch} method, so the report puts both in
 * one table; {@code benchmarks-jmh/conv.sh} runs the two in alternating rounds.
 *
 * <p>A layer is {@code c<in>h<size>-o<out>k<kernel>s<stride>}: input [32, in, size, size], weight
 * [out, in, kernel, kernel], padding kernel / 2: the 3×3 layers of each stage, the stride-2 3×3s
 * that open stages 2-4, and the 7×7/2 stem.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class Conv2dBench {
    /** ResNet-18's 3×3 convolutions (per stage, then the stride-2 ones) and its stem, as {@code layer} values. */
    public static final String[] LAYERS = {
        "c64h56-o64k3s1", "c128h28-o128k3s1", "c256h14-o256k3s1", "c512h7-o512k3s1",
        "c64h56-o128k3s2", "c128h28-o256k3s2", "c256h14-o512k3s2", "c3h224-o64k7s2"};

    /** Samples per batch, as the target. */
    public static final int BATCH = 32;

    private static final Pattern LAYER = Pattern.compile("c(\\d+)h(\\d+)-o(\\d+)k(\\d+)s(\\d+)");

    @Param({"c64h56-o64k3s1", "c128h28-o128k3s1", "c256h14-o256k3s1", "c512h7-o512k3s1",
        "c64h56-o128k3s2", "c128h28-o256k3s2", "c256h14-o512k3s2", "c3h224-o64k7s2"})
    public String layer;

    @Param({"forward", "train"})
    public String pass;

    @Param({"2"})
    public int threads;

    private Tensor x;
    private Tensor weight;
    private Tensor bias;
    private Tensor seed;
    private int[] stride;
    private int[] padding;
    private int savedThreads;

    /** {cIn, size, cOut, kernel, stride} of a layer name. */
    static int[] parse(String layer) {
        Matcher m = LAYER.matcher(layer);
        if (!m.matches()) {
            throw new IllegalArgumentException("Conv2dBench: layer must look like c64h56-o64k3s1, got " + layer);
        }
        int[] v = new int[5];
        for (int i = 0; i < 5; i++) {
            v[i] = Integer.parseInt(m.group(i + 1));
        }
        return v;
    }

    /** Output height (= width) of a layer: padding kernel / 2. */
    static int outSize(int[] l) {
        return (l[1] + 2 * (l[3] / 2) - l[3]) / l[4] + 1;
    }

    /**
     * 2·N·cOut·out²·cIn·k² per forward; train adds the input gradient and the weight gradient (the
     * same again each; the bias gradient's sum is not counted).
     */
    public static double flopsPerOp(Map<String, String> params) {
        int[] l = parse(params.get("layer"));
        int out = outSize(l);
        double forward = 2.0 * BATCH * l[2] * out * out * l[0] * l[3] * l[3];
        return "train".equals(params.get("pass")) ? 3 * forward : forward;
    }

    /** The report's ratio column: Kiln against PyTorch. */
    public static String baselineMethod() {
        return "torch";
    }

    @Setup(Level.Trial)
    public void setup() {
        int[] l = parse(layer);
        Generator rng = new Generator(7);
        x = Tensor.randn(rng, BATCH, l[0], l[1], l[1]);
        // He-scaled weights keep the activations of the order of the input
        weight = Tensor.randn(rng, l[2], l[0], l[3], l[3]).mul(Math.sqrt(2.0 / (l[0] * l[3] * l[3])));
        bias = Tensor.randn(rng, l[2]).mul(0.1);
        boolean train = "train".equals(pass);
        x.requiresGrad(train);
        weight.requiresGrad(train);
        bias.requiresGrad(train);
        int out = outSize(l);
        seed = Tensor.randn(rng, BATCH, l[2], out, out);
        stride = new int[] {l[4], l[4]};
        padding = new int[] {l[3] / 2, l[3] / 2};
        savedThreads = Parallel.threads();
        Parallel.setThreads(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(savedThreads);
    }

    @Benchmark
    public Tensor kiln() {
        Tensor y = ConvOps.conv2d(x, weight, bias, stride, padding, new int[] {1, 1}, 1);
        if (!"train".equals(pass)) {
            return y;
        }
        x.zeroGrad();
        weight.zeroGrad();
        bias.zeroGrad();
        y.backward(seed);
        return weight.grad();
    }
}
