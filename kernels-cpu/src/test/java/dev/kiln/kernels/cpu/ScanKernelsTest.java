package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.ScanOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ScanKernels (prod, the scans, sort and top-k) against the reference loops on shapes shorter
 * and longer than a vector, odd, of size 1 and 0, along every dim, with NaN, ±∞, ±0 and ties in
 * the data. Scans, sorts and top-k must match the reference bit for bit (the same double
 * sequence, the same stable order); products within 1e-6 relative (vector lanes multiply in
 * another order). The results do not depend on the thread count.
 */
class ScanKernelsTest {

    private static final List<int[]> SHAPES = List.of(new int[] {1}, new int[] {7}, new int[] {3, 1},
            new int[] {5, 17}, new int[] {2, 33, 9}, new int[] {4, 3, 70}, new int[] {0, 5}, new int[] {3, 0},
            new int[] {2, 300});

    /** Values with ties (a small set of levels), zeros, −0.0, NaN and ±∞ mixed in. */
    private static double[] data(SplittableRandom rng, int n, boolean special) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double u = rng.nextDouble();
            v[i] = u < 0.3 ? Math.round(rng.nextDouble() * 6 - 3) / 2.0 : (0.5 + rng.nextDouble()) * (u < 0.65 ? 1 : -1);
            if (special) {
                double s = rng.nextDouble();
                v[i] = s < 0.03 ? Double.NaN : s < 0.05 ? Double.POSITIVE_INFINITY : s < 0.07
                        ? Double.NEGATIVE_INFINITY : s < 0.1 ? -0.0 : v[i];
            }
        }
        return v;
    }

    private static List<Tensor> inputs(int seed, int[] shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Tensor> out = new ArrayList<>();
        for (boolean special : new boolean[] {false, true}) {
            double[] v = data(rng, KernelCheck.numel(shape), special);
            out.add(input(v, shape, Layout.CONTIGUOUS));
            out.add(input(v, shape, Layout.OFFSET));
        }
        return out;
    }

    @Test
    void prodMatchesTheReference() {
        int seed = 1;
        for (int[] shape : SHAPES) {
            for (Tensor x : inputs(seed++, shape)) {
                for (int dim = 0; dim < shape.length; dim++) {
                    String what = "prod " + Arrays.toString(shape) + " dim " + dim;
                    int[] outShape = Shapes.reducedShape(shape, new int[] {dim}, true);
                    Tensor out = poisoned(outShape);
                    CPU.prod(out, x, dim);
                    if (out.numel() > 0) {
                        assertWrittenExactly(what, out);
                    }
                    Tensor ref = poisoned(outShape);
                    REF.prod(ref, x, dim);
                    assertClose(what, out, ref, 1e-6, 0);
                }
            }
        }
    }

    @Test
    void scansMatchTheReferenceExactly() {
        int seed = 100;
        for (int[] shape : SHAPES) {
            for (Tensor x : inputs(seed++, shape)) {
                for (int dim = 0; dim < shape.length; dim++) {
                    for (ScanOp op : ScanOp.values()) {
                        String what = op + " " + Arrays.toString(shape) + " dim " + dim;
                        Tensor out = poisoned(shape);
                        Tensor idx = op.hasIndices() ? poisoned(DType.I32, shape) : null;
                        CPU.scan(op, out, idx, x, dim);
                        Tensor ref = poisoned(shape);
                        Tensor refIdx = op.hasIndices() ? poisoned(DType.I32, shape) : null;
                        REF.scan(op, ref, refIdx, x, dim);
                        if (out.numel() > 0) {
                            assertWrittenExactly(what, out);
                        }
                        assertClose(what, out, ref, 0, 0);
                        if (idx != null) {
                            assertThat(Arrays.equals(KernelCheck.values(idx), KernelCheck.values(refIdx)))
                                    .as(what + " indices equal").isTrue();
                        }
                    }
                }
            }
        }
    }

    @Test
    void sortAndTopkMatchTheReferenceExactly() {
        int seed = 200;
        for (int[] shape : SHAPES) {
            int n = shape[shape.length - 1];
            if (n == 0) {
                continue; // the dispatcher never calls a kernel on empty rows
            }
            for (Tensor x : inputs(seed++, shape)) {
                for (boolean flag : new boolean[] {false, true}) {
                    check("sort " + (flag ? "descending " : "") + Arrays.toString(shape), shape,
                            (v, i) -> CPU.sort(v, i, x, flag), (v, i) -> REF.sort(v, i, x, flag));
                    for (int k : new int[] {0, 1, 3, n - 1, n}) {
                        if (k < 0 || k > n) {
                            continue;
                        }
                        int[] kShape = shape.clone();
                        kShape[kShape.length - 1] = k;
                        check("topk " + k + (flag ? " largest " : " smallest ") + Arrays.toString(shape), kShape,
                                (v, i) -> CPU.topk(v, i, x, k, flag), (v, i) -> REF.topk(v, i, x, k, flag));
                    }
                }
            }
        }
    }

    private interface Call {
        void run(Tensor values, Tensor indices);
    }

    private static void check(String what, int[] outShape, Call cpu, Call ref) {
        Tensor v = poisoned(outShape);
        Tensor i = poisoned(DType.I32, outShape);
        cpu.run(v, i);
        if (v.numel() > 0) {
            assertWrittenExactly(what, v);
            assertWrittenExactly(what + " indices", i);
        }
        Tensor rv = poisoned(outShape);
        Tensor ri = poisoned(DType.I32, outShape);
        ref.run(rv, ri);
        assertThat(Arrays.equals(KernelCheck.values(i), KernelCheck.values(ri))).as(what + " indices equal").isTrue();
        // the same elements, so the same bits (−0.0 stays −0.0)
        double[] a = KernelCheck.values(v);
        double[] e = KernelCheck.values(rv);
        for (int k = 0; k < a.length; k++) {
            assertThat(Double.doubleToLongBits(a[k])).as(what + " value " + k).isEqualTo(Double.doubleToLongBits(e[k]));
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        SplittableRandom rng = new SplittableRandom(7);
        Tensor rows = input(data(rng, 3000 * 41, true), new int[] {3000, 41}, Layout.CONTIGUOUS);
        Tensor wide = input(data(rng, 3 * 40 * 1100, false), new int[] {3, 40, 1100}, Layout.CONTIGUOUS);
        List<Supplier<Tensor[]>> calls = new ArrayList<>();
        calls.add(() -> {
            Tensor o = poisoned(3000, 1);
            CPU.prod(o, rows, 1);
            return new Tensor[] {o};
        });
        calls.add(() -> {
            Tensor o = poisoned(3, 1, 1100);
            CPU.prod(o, wide, 1);
            return new Tensor[] {o};
        });
        for (ScanOp op : ScanOp.values()) {
            calls.add(() -> {
                Tensor o = poisoned(3, 40, 1100);
                Tensor i = op.hasIndices() ? poisoned(DType.I32, 3, 40, 1100) : null;
                CPU.scan(op, o, i, wide, 1);
                return i == null ? new Tensor[] {o} : new Tensor[] {o, i};
            });
        }
        calls.add(() -> {
            Tensor v = poisoned(3000, 41);
            Tensor i = poisoned(DType.I32, 3000, 41);
            CPU.sort(v, i, rows, true);
            Tensor tv = poisoned(3000, 5);
            Tensor ti = poisoned(DType.I32, 3000, 5);
            CPU.topk(tv, ti, rows, 5, false);
            return new Tensor[] {v, i, tv, ti};
        });
        int before = Parallel.threads();
        try {
            List<double[]> first = null;
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                List<double[]> got = new ArrayList<>();
                for (Supplier<Tensor[]> c : calls) {
                    for (Tensor t : c.get()) {
                        got.add(KernelCheck.values(t));
                    }
                }
                if (first == null) {
                    first = got;
                    continue;
                }
                for (int k = 0; k < got.size(); k++) {
                    // NaN's sign bit may differ between interpreted and compiled vector code: NaNs compare equal
                    assertThat(Arrays.equals(bits(got.get(k)), bits(first.get(k))))
                            .as("output %d on %d threads has the bits it has on 1 thread", k, threads).isTrue();
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToLongBits(v[i]);
        }
        return b;
    }
}
