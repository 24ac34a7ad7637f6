package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.numel;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static dev.kiln.kernels.cpu.KernelCheck.str;

/**
 * Reductions over every subset of dims (a selection for rank 4) against the reference. Error
 * bounds: MAX, MIN, argmax and argmin exact; SUM within 1e-5·Σ|x| of the double-precision sum
 * (float accumulation over blocks of 2048, the blocks' totals added in double or float).
 */
class ReduceKernelsTest {

    /** Every subset of dims for rank ≤ 3; for higher ranks the empty, single, pair and full sets. */
    static List<int[]> dimSets(int rank) {
        List<int[]> sets = new ArrayList<>();
        if (rank <= 3) {
            for (int mask = 0; mask < (1 << rank); mask++) {
                sets.add(bits(mask, rank));
            }
        } else {
            for (int mask : new int[] {0, 1, 1 << (rank - 1), 0b0110, 0b0101, 0b1001, (1 << rank) - 1}) {
                sets.add(bits(mask, rank));
            }
        }
        return sets;
    }

    private static int[] bits(int mask, int rank) {
        return java.util.stream.IntStream.range(0, rank).filter(d -> (mask & (1 << d)) != 0).toArray();
    }

    static int[] reducedShape(int[] shape, int[] dims) {
        return Shapes.reducedShape(shape, dims, true);
    }

    /** Checks one reduction of x over dims against the reference. */
    static void check(ReduceOp op, Tensor x, int[] dims, String what) {
        int[] outShape = reducedShape(x.shape(), dims);
        Tensor out = poisoned(outShape);
        CPU.reduce(op, out, x, dims);
        assertWrittenExactly(what, out);
        Tensor ref = poisoned(outShape);
        REF.reduce(op, ref, x, dims);
        if (op != ReduceOp.SUM) {
            assertClose(what, out, ref, 0, 0);
            return;
        }
        // error bound per output element: 1e-5 · Σ|x| over the elements it sums
        Tensor absSum = poisoned(outShape);
        Tensor absX = poisoned(x.shape());
        REF.unary(dev.kiln.tensor.UnaryOp.ABS, absX, x);
        REF.reduce(ReduceOp.SUM, absSum, absX, dims);
        double[] a = KernelCheck.values(out);
        double[] e = KernelCheck.values(ref);
        double[] s = KernelCheck.values(absSum);
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - e[i]) > 1e-5 * s[i] + 1e-30) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + ", expected " + e[i]
                        + " (bound 1e-5·Σ|x| = " + 1e-5 * s[i] + ")");
            }
        }
    }

    private static boolean allowed(ReduceOp op, int[] shape, int[] dims) {
        if (op == ReduceOp.SUM) {
            return true;
        }
        for (int d : dims) {
            if (shape[d] == 0) {
                return false; // max/min over an empty dim has no identity; tensor refuses it
            }
        }
        return true;
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceMatchesReferenceOverEveryDimSet(ReduceOp op) {
        var rng = new Generator(11);
        for (int[] shape : KernelCheck.allShapes()) {
            double[] v = KernelCheck.randn(rng, numel(shape), 1, 0.5);
            for (int[] dims : dimSets(shape.length)) {
                if (!allowed(op, shape, dims)) {
                    continue;
                }
                for (Layout layout : KernelCheck.layouts()) {
                    check(op, input(v, shape, layout), dims,
                            op + " " + str(shape) + " dims " + str(dims) + " " + layout);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceTakesEachParallelPath(ReduceOp op) {
        // whole tensor, rows, few wide slabs, few narrow slabs (partials), many slabs
        int[][][] cases = {{{200003}, {0}}, {{300, 301}, {1}}, {{20, 8000}, {0}}, {{50000, 4}, {0}},
            {{3, 20000, 3}, {1}}, {{4, 5000, 8}, {1}}, {{1, 200000}, {1}}, {{7, 9001}, {0, 1}}};
        var rng = new Generator(12);
        for (int[][] c : cases) {
            if (KernelCheck.skipLarge(c[0])) {
                continue;
            }
            double[] v = KernelCheck.randn(rng, numel(c[0]), 1, 0.5);
            check(op, input(v, c[0], Layout.CONTIGUOUS), c[1], op + " " + str(c[0]) + " dims " + str(c[1]));
        }
    }

    @Test
    void maxAndMinPropagateNaNFromAnyPosition() {
        var rng = new Generator(13);
        for (int n : new int[] {1, 7, 16, 17, 40, 100}) {
            for (int at : new int[] {0, n / 2, n - 1}) {
                double[] v = KernelCheck.randn(rng, n, 1, 0);
                v[at] = Double.NaN;
                for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
                    check(op, input(v, new int[] {n}, Layout.CONTIGUOUS), new int[] {0}, op + " NaN at " + at + " of " + n);
                    check(op, input(v, new int[] {1, n}, Layout.CONTIGUOUS), new int[] {1}, op + " row NaN at " + at);
                    check(op, input(v, new int[] {n, 1}, Layout.CONTIGUOUS), new int[] {0}, op + " col NaN at " + at);
                    check(op, input(v, new int[] {n, 1}, Layout.STRIDED), new int[] {0}, op + " strided NaN at " + at);
                }
            }
        }
        // a NaN in one column of a slab reduced down its columns
        double[] v = KernelCheck.randn(rng, 5 * 37, 1, 0);
        v[3 * 37 + 20] = Double.NaN;
        check(ReduceOp.MAX, input(v, new int[] {5, 37}, Layout.CONTIGUOUS), new int[] {0}, "max columns with NaN");
    }

    @ParameterizedTest
    @EnumSource(value = ReduceOp.class, names = {"MAX", "MIN"})
    void argReduceMatchesReferenceWithTiesAndNaN(ReduceOp op) {
        var rng = new Generator(14);
        for (int[] shape : KernelCheck.allShapes()) {
            if (shape.length == 0) {
                continue;
            }
            double[] v = KernelCheck.randn(rng, numel(shape), 2, 0);
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.round(v[i] * 2) / 2.0; // many ties
                if (i % 23 == 5) {
                    v[i] = Double.NaN;
                }
            }
            for (int dim = 0; dim < shape.length; dim++) {
                if (shape[dim] == 0) {
                    continue;
                }
                for (Layout layout : KernelCheck.layouts()) {
                    Tensor x = input(v, shape, layout);
                    int[] outShape = reducedShape(shape, new int[] {dim});
                    String what = "arg" + op + " " + str(shape) + " dim " + dim + " " + layout;
                    Tensor out = poisoned(DType.I32, outShape);
                    CPU.argReduce(op, out, x, dim);
                    assertWrittenExactly(what, out);
                    Tensor ref = poisoned(DType.I32, outShape);
                    REF.argReduce(op, ref, x, dim);
                    assertClose(what, out, ref, 0, 0);
                }
            }
        }
    }

    @Test
    void otherDtypesStillReduce() {
        double[] v = {1, 0, 1, 1, 0, 1};
        Tensor b = KernelCheck.contiguous(DType.BOOL, v, 2, 3);
        Tensor out = poisoned(DType.I32, 2, 1);
        CPU.reduce(ReduceOp.SUM, out, b, new int[] {1});
        assertClose("bool count", KernelCheck.values(out), new double[] {2, 2}, 0, 0);
        Tensor d = KernelCheck.contiguous(DType.F64, new double[] {0.5, 0.25, 1e-3}, 3);
        Tensor od = poisoned(DType.F64, 1);
        CPU.reduce(ReduceOp.SUM, od, d, new int[] {0});
        assertClose("f64 sum", KernelCheck.values(od), new double[] {0.5 + 0.25 + 1e-3}, 0, 0);
    }
}
