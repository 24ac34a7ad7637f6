package dev.kiln.bench.cuda;

import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.kiln.kernels.cuda.CudaBackend;
import dev.kiln.kernels.cuda.CudaGemm;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Tensor;

/**
 * conv2d on the GPU (im2col/col2im kernels + cuBLAS) on ResNet-18's 3×3 stride-1 layers at batch
 * 32: forward, input gradient and weight gradient, each on preallocated outputs, so that only the
 * kernels and GEMMs are timed. Each does 2·N·cOut·H·W·cIn·9 flops: TFLOP/s = that / time per op
 * (printed at teardown). Fails at setup, with the reason, where there is no GPU.
 *
 * <p>Run on the GPU machine: {@code bash .device/run.sh java org.openjdk.jmh.Main CudaConvBench -f 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CudaConvBench {
    /** Spatial size × channels of the layer (in = out channels, 3×3, stride 1, padding 1). */
    @Param({"56x64", "28x128", "14x256", "7x512"})
    public String layer;

    private static final int BATCH = 32;

    private final CudaBackend cuda = new CudaBackend();
    private ConvShape shape;
    private Tensor x;
    private Tensor w;
    private Tensor b;
    private Tensor y;
    private Tensor dy;
    private Tensor dx;
    private Tensor dw;

    @Setup
    public void setup() {
        CudaBench.requireGpu();
        String[] p = layer.split("x");
        int s = Integer.parseInt(p[0]);
        int c = Integer.parseInt(p[1]);
        shape = new ConvShape(BATCH, c, s, s, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, s, s);
        x = CudaBench.randn(1, BATCH, c, s, s);
        w = CudaBench.randn(2, c, c, 3, 3);
        b = CudaBench.randn(3, c);
        dy = CudaBench.randn(4, BATCH, c, s, s);
        y = CudaBench.zeros(BATCH, c, s, s);
        dx = CudaBench.zeros(BATCH, c, s, s);
        dw = CudaBench.zeros(c, c, 3, 3);
        CudaGemm.synchronize(y);
    }

    @TearDown
    public void printRate() {
        double flops = 2.0 * BATCH * shape.cOut() * shape.outH() * shape.outW() * shape.cIn() * 9;
        System.out.println("(TFLOP/s = " + flops / 1e6 + " / us per op)");
    }

    @Benchmark
    public Tensor forward() {
        cuda.conv2d(y, x, w, b, shape);
        CudaGemm.synchronize(y);
        return y;
    }

    @Benchmark
    public Tensor backwardInput() {
        cuda.conv2dBackwardInput(dx, dy, w, shape);
        CudaGemm.synchronize(dx);
        return dx;
    }

    @Benchmark
    public Tensor backwardWeight() {
        cuda.conv2dBackwardWeight(dw, dy, x, shape);
        CudaGemm.synchronize(dw);
        return dw;
    }
}
