package dev.kiln.bench;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.spi.ScanOp;
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
 * The issue-15 kernels on a rows × cols F32 matrix: cumsum along the rows (the last dim) and down
 * the columns (dim 0), prod of each row, a full sort of each row and the top 8 of each row.
 * {@code cpu} is CpuBackend (ScanKernels, all cores unless -Dkiln.threads says otherwise),
 * {@code reference} ReferenceBackend's loops, and {@code topkBySort} what a user would write
 * without topk: a full sort of each row, then the first 8 (its time is the sort's, so the
 * {@code op=topk} row of {@code cpu} against it is what the heap saves). Outputs are preallocated.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ScanBench {
    @Param({"cumsumRows", "cumsumColumns", "prodRows", "sort", "topk"})
    public String op;

    @Param({"1024"})
    public int rows;

    @Param({"1024"})
    public int cols;

    private static final int K = 8;

    private final Backend cpu = new CpuBackend();
    private final Backend ref = ReferenceBackend.INSTANCE;
    private Tensor x;
    private Tensor out;
    private Tensor indices;
    private Tensor top;
    private Tensor topIndices;
    private Tensor rowOut;

    @Setup
    public void setup() {
        if (!java.util.List.of("cumsumRows", "cumsumColumns", "prodRows", "sort", "topk").contains(op)) {
            throw new IllegalArgumentException("ScanBench: unknown op " + op);
        }
        x = Tensor.randn(new Generator(15), rows, cols).mul(0.01).add(1);
        out = Tensor.zeros(rows, cols);
        indices = Tensor.zeros(DType.I32, rows, cols);
        top = Tensor.zeros(rows, K);
        topIndices = Tensor.zeros(DType.I32, rows, K);
        rowOut = Tensor.zeros(rows, 1);
    }

    private Tensor run(Backend b) {
        switch (op) {
            case "cumsumRows" -> b.scan(ScanOp.CUMSUM, out, null, x, 1);
            case "cumsumColumns" -> b.scan(ScanOp.CUMSUM, out, null, x, 0);
            case "prodRows" -> b.prod(rowOut, x, 1);
            case "sort" -> b.sort(out, indices, x, false);
            default -> b.topk(top, topIndices, x, K, true);
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

    @Benchmark
    public Tensor topkBySort() {
        cpu.sort(out, indices, x, true);
        return out.narrow(1, 0, K);
    }
}
