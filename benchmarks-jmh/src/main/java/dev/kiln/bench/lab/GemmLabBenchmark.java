package dev.kiln.bench.lab;

import dev.kiln.tensor.Generator;
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

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The lab's versions of GEMM side by side (see {@link GemmLab}); each is checked against
 * ReferenceBackend before it is timed. Not part of run.sh's suite; run it with
 * {@code java -jar benchmarks-jmh/target/benchmarks.jar GemmLabBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmLabBenchmark {
    @Param({"v1", "v2", "v3", "v4", "v5", "v6"})
    public String version;

    @Param({"256", "1024"})
    public int n;

    private GemmLab.Version v;
    private float[] a;
    private float[] b;
    private float[] c;

    public static double flopsPerOp(Map<String, String> params) {
        double n = Double.parseDouble(params.get("n"));
        return 2 * n * n * n;
    }

    @Setup(Level.Trial)
    public void setup() {
        GemmLab.check(version);
        v = GemmLab.version(version);
        Generator g = new Generator(3);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = g.nextFloat() - 0.5f;
            b[i] = g.nextFloat() - 0.5f;
        }
    }

    @Benchmark
    public float[] gemm() {
        v.run(c, a, b, n, n, n);
        return c;
    }
}
