package dev.kiln.bench.kan;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.kan.BSplineBasis;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Splines;
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
 * What does the fused KAN B-spline basis op (one kernel: the knot span, de Boor's triangle on it,
 * dB/dx in the same pass; one row-dot kernel backward) gain over the basis written as efficient-kan
 * writes it, a Cox–de Boor composition of broadcast tensor ops over the whole grid
 * ({@link BSplineBasis#composed}) with autograd through every step? Cubic splines, inputs [batch,
 * in] spread over the grid and its margins, at efficient-kan's MNIST layer shape (784 inputs,
 * G = 5) and at the [2, 1, 1] experiment's finest grid (2 inputs, 1000 samples, G = 50).
 * Forward alone (no derivative is computed when nothing records) and forward plus backward, fused
 * and composed in one run on the default CPU backend; {@code fusedReference} runs the fused op on
 * the reference loops (the full Cox–de Boor per element, in double) as the scalar baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KanBasisBench {
    /** batch x in x G. */
    @Param({"128x784x5", "1000x2x50"})
    public String shape;

    private static final int ORDER = 3;

    private Tensor x;
    private Tensor grid;
    private Tensor seed;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        int batch = Integer.parseInt(p[0]);
        int in = Integer.parseInt(p[1]);
        int g = Integer.parseInt(p[2]);
        Generator rng = new Generator(3);
        grid = BSplineBasis.uniformGrid(in, g, ORDER, -1, 1, dev.kiln.tensor.DType.F32);
        x = Tensor.rand(rng, batch, in).mul(2.4).sub(1.2).detach().requiresGrad(true);
        seed = Tensor.randn(rng, batch, in, g + ORDER);
    }

    private Tensor backward(Tensor basis) {
        x.zeroGrad();
        basis.backward(seed);
        return x.grad();
    }

    @Benchmark
    public Tensor fusedForward() {
        try (NoGrad ignored = NoGrad.enter()) {
            return Splines.bsplineBasis(x, grid, ORDER);
        }
    }

    @Benchmark
    public Tensor composedForward() {
        try (NoGrad ignored = NoGrad.enter()) {
            return BSplineBasis.composed(x, grid, ORDER);
        }
    }

    @Benchmark
    public Tensor fusedForwardBackward() {
        return backward(Splines.bsplineBasis(x, grid, ORDER));
    }

    @Benchmark
    public Tensor composedForwardBackward() {
        return backward(BSplineBasis.composed(x, grid, ORDER));
    }

    @Benchmark
    public Tensor fusedReferenceForward() {
        try (NoGrad ignored = NoGrad.enter(); var scope = Backends.use(ReferenceBackend.INSTANCE)) {
            return Splines.bsplineBasis(x, grid, ORDER);
        }
    }
}
