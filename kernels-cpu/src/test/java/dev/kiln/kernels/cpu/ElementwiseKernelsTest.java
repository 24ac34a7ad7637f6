package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Elementwise kernels against the reference on every shape and input layout. Error bounds (the
 * reference computes in double and rounds once):
 * exact for neg, abs, sign, relu, max, min, pow, clamp, where, copy, fill, comparisons, copysign,
 * fmod and remainder; rtol 3e-7 (one float rounding more) for add, sub, mul, div, sqrt, rsqrt, and
 * (2 ulp) atan2 and hypot; rtol 5e-7 + atol 1e-7 for logaddexp;
 * rtol 1e-6 + atol 1e-7 for exp, log, tanh, sigmoid (SimdMath, within 2 ulp; sigmoid's far
 * negative tail underflows to 0 below 3e-39); rtol 5e-6 + atol 1e-6 for the activations from
 * GELU on (several float roundings; GELU's erfc approximation is within 1.2e-7 relative).
 */
class ElementwiseKernelsTest {

    static double[] tolerance(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SIGN, RELU -> new double[] {0, 0};
            case SQRT, RSQRT -> new double[] {3e-7, 0};
            case EXP, LOG, TANH, SIGMOID -> new double[] {1e-6, 1e-7};
            default -> new double[] {5e-6, 1e-6}; // activations: a few float roundings, erfc to 1.2e-7
        };
    }

    /** Inputs inside the op's domain (log, sqrt and rsqrt get positive values). */
    static double[] domainValues(UnaryOp op, Generator rng, int n) {
        double[] v = KernelCheck.randn(rng, n, 3, 0);
        boolean positive = switch (op) {
            case LOG, SQRT, RSQRT -> true;
            default -> false;
        };
        if (positive) {
            for (int i = 0; i < n; i++) {
                v[i] = (float) (Math.abs(v[i]) + 1e-3);
            }
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryMatchesReference(UnaryOp op) {
        var rng = new Generator(1);
        double[] tol = tolerance(op);
        for (int[] shape : KernelCheck.allShapes()) {
            double[] v = domainValues(op, rng, numel(shape));
            for (Layout layout : KernelCheck.layouts()) {
                Tensor x = input(v, shape, layout);
                String what = op + " " + str(shape) + " " + layout;
                Tensor out = poisoned(shape);
                CPU.unary(op, out, x);
                assertWrittenExactly(what, out);
                Tensor ref = poisoned(shape);
                REF.unary(op, ref, x);
                assertClose(what, out, ref, tol[0], tol[1]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unarySpecialValues(UnaryOp op) {
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1e-40, -1e-40,
            1e30, -1e30, 88, 89, -88, -104, 1, -1, 0.5, 1e-8, -1e-8};
        // long enough that every value passes through both the vector loop and the scalar tail
        int n = 3 * specials.length + 5;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) specials[i % specials.length];
        }
        Tensor x = input(v, new int[] {n}, Layout.CONTIGUOUS);
        Tensor out = poisoned(n);
        CPU.unary(op, out, x);
        Tensor ref = poisoned(n);
        REF.unary(op, ref, x);
        double[] tol = tolerance(op);
        assertClose(op + " on special values", out, ref, tol[0], op == UnaryOp.SIGMOID ? 1e-30 : tol[1]);
    }

    /**
     * The functions of issue 15 that have Vector API kernels really reach them (a fallback to the
     * reference loops would pass every comparison above unnoticed), and those that do not are the
     * ones the docs say run the reference loops.
     */
    @Test
    void issue15FunctionsHaveKernels() {
        for (UnaryOp op : UnaryOp.values()) {
            if (op.ordinal() <= UnaryOp.COS.ordinal()) {
                continue; // the ops before issue 15 (whose backwards are mostly autograd compositions)
            }
            boolean kernel = op != UnaryOp.ERFINV;
            assertThat(ElementwiseKernels.hasUnary(op)).as("%s has a forward kernel", op).isEqualTo(kernel);
            assertThat(ActivationKernels.hasBackward(op)).as("%s has a backward kernel", op).isEqualTo(kernel);
        }
        for (BinaryOp op : List.of(BinaryOp.ATAN2, BinaryOp.COPYSIGN, BinaryOp.LOGADDEXP, BinaryOp.HYPOT, BinaryOp.FMOD,
                BinaryOp.REMAINDER)) {
            assertThat(MathKernels.hasBinary(op)).as("%s has a kernel", op).isTrue();
        }
        assertThat(MathKernels.hasBinary(BinaryOp.LOGADDEXP2)).isFalse();
    }

    /** (shape of a, shape of b): same shape, scalar, row, column and two-sided broadcasts. */
    static final List<int[][]> BROADCASTS = List.of(
            new int[][] {{}, {}}, new int[][] {{0}, {0}}, new int[][] {{1}, {1}}, new int[][] {{37}, {37}},
            new int[][] {{37}, {}}, new int[][] {{}, {37}}, new int[][] {{5, 33}, {33}}, new int[][] {{5, 33}, {5, 1}},
            new int[][] {{1, 33}, {5, 1}}, new int[][] {{5, 1}, {1, 33}}, new int[][] {{3, 0}, {3, 1}},
            new int[][] {{4, 1, 17}, {3, 1}}, new int[][] {{2, 3, 4, 5}, {3, 1, 5}}, new int[][] {{300, 301}, {301}},
            new int[][] {{300, 301}, {300, 1}}, new int[][] {{70001}, {70001}}, new int[][] {{70001}, {1}});

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryMatchesReferenceWithBroadcasting(BinaryOp op) {
        var rng = new Generator(2);
        double rtol = switch (op) {
            case ADD, SUB, MUL, DIV -> 3e-7;
            case ATAN2, HYPOT -> 3e-7; // SimdFunctions, within 2 ulp
            case LOGADDEXP -> 5e-7; // within 3 ulp, or of its larger term where the sum cancels
            default -> 0;
        };
        for (int[][] pair : BROADCASTS) {
            int[] shape = Shapes.broadcast("test", pair[0], pair[1]);
            if (KernelCheck.skipLarge(shape)) {
                continue;
            }
            double[] av = KernelCheck.randn(rng, numel(pair[0]), 2, 0);
            double[] bv = KernelCheck.randn(rng, numel(pair[1]), 2, 0);
            if (op == BinaryOp.POW) {
                for (int i = 0; i < av.length; i++) {
                    av[i] = (float) Math.abs(av[i]);
                }
            }
            if (op.isComparison() && bv.length > 0 && av.length > 0) {
                bv[0] = av[0]; // some ties
            }
            for (Layout la : KernelCheck.layouts()) {
                Layout lb = la == Layout.PERMUTED ? Layout.STRIDED : Layout.CONTIGUOUS;
                Tensor a = input(av, pair[0], la).expand(shape);
                Tensor b = input(bv, pair[1], lb).expand(shape);
                String what = op + " " + str(pair[0]) + " " + la + " with " + str(pair[1]) + " " + lb;
                DType outType = op.isComparison() ? DType.BOOL : DType.F32;
                Tensor out = poisoned(outType, shape);
                CPU.binary(op, out, a, b);
                assertWrittenExactly(what, out);
                Tensor ref = poisoned(outType, shape);
                REF.binary(op, ref, a, b);
                assertClose(what, out, ref, rtol, op == BinaryOp.LOGADDEXP ? 1e-7 : 0);
            }
        }
    }

    @Test
    void binaryNaNAndSignedZeroFollowMathMaxMin() {
        double[] av = {Double.NaN, 1, 0.0, -0.0, Double.NaN, 2, -1, 3, 0.0, Double.NEGATIVE_INFINITY};
        double[] bv = {1, Double.NaN, -0.0, 0.0, Double.NaN, 2, -2, 1, 0.0, 5};
        int n = 4 * av.length;
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = av[i % av.length];
            b[i] = bv[i % bv.length];
        }
        for (BinaryOp op : new BinaryOp[] {BinaryOp.MAXIMUM, BinaryOp.MINIMUM}) {
            Tensor out = poisoned(n);
            CPU.binary(op, out, input(a, new int[] {n}, Layout.CONTIGUOUS), input(b, new int[] {n}, Layout.CONTIGUOUS));
            float[] y = ((dev.kiln.tensor.spi.CpuStorage) out.storage()).floats();
            for (int i = 0; i < n; i++) {
                float e = op == BinaryOp.MAXIMUM ? Math.max((float) a[i], (float) b[i]) : Math.min((float) a[i], (float) b[i]);
                assertThat(Float.floatToIntBits(y[KernelCheck.PAD + i])).as(op + " at " + i).isEqualTo(Float.floatToIntBits(e));
            }
        }
    }

    /** addRelu gives add then ReLU bit for bit, NaN kept, in every layout (strided operands take the two kernels). */
    @Test
    void addReluIsAddThenReluBitForBit() {
        var rng = new Generator(5);
        for (int[] shape : KernelCheck.allShapes()) {
            double[] av = KernelCheck.randn(rng, numel(shape), 2, 0);
            double[] bv = KernelCheck.randn(rng, numel(shape), 2, 0);
            if (av.length > 2) {
                av[1] = Double.NaN;
                bv[2] = -av[2];
            }
            for (Layout layout : KernelCheck.layouts()) {
                Tensor a = input(av, shape, layout);
                Tensor b = input(bv, shape, Layout.OFFSET);
                String what = "addRelu " + str(shape) + " " + layout;
                Tensor out = poisoned(shape);
                CPU.addRelu(out, a, b);
                assertWrittenExactly(what, out);
                Tensor two = poisoned(shape);
                CPU.binary(BinaryOp.ADD, two, a, b);
                CPU.unary(UnaryOp.RELU, two, two);
                KernelCheck.assertBitEqual(what, out, two);
                Tensor ref = poisoned(shape);
                REF.addRelu(ref, a, b);
                assertClose(what, out, ref, 0, 0);
            }
        }
    }

    @Test
    void clampMatchesReference() {
        var rng = new Generator(3);
        for (int[] shape : KernelCheck.allShapes()) {
            double[] v = KernelCheck.randn(rng, numel(shape), 2, 0);
            if (v.length > 2) {
                v[1] = Double.NaN;
            }
            for (Layout layout : KernelCheck.layouts()) {
                for (double[] range : new double[][] {{-0.5, 0.7}, {Double.NEGATIVE_INFINITY, 0}, {0.1, Double.POSITIVE_INFINITY}}) {
                    Tensor x = input(v, shape, layout);
                    String what = "clamp " + str(shape) + " " + layout + " " + range[0] + ".." + range[1];
                    Tensor out = poisoned(shape);
                    CPU.clamp(out, x, range[0], range[1]);
                    assertWrittenExactly(what, out);
                    Tensor ref = poisoned(shape);
                    REF.clamp(ref, x, range[0], range[1]);
                    assertClose(what, out, ref, 0, 0);
                }
            }
        }
    }

    @Test
    void whereMatchesReferenceWithBroadcasting() {
        var rng = new Generator(4);
        int[][][] cases = {{{}, {}, {}}, {{37}, {37}, {37}}, {{5, 33}, {33}, {5, 1}}, {{5, 1}, {5, 33}, {}},
            {{300, 301}, {300, 301}, {301}}, {{2, 0}, {2, 1}, {1}}};
        for (int[][] c : cases) {
            int[] shape = Shapes.broadcast("t", Shapes.broadcast("t", c[0], c[1]), c[2]);
            if (KernelCheck.skipLarge(shape)) {
                continue;
            }
            double[] cv = new double[numel(c[0])];
            for (int i = 0; i < cv.length; i++) {
                cv[i] = rng.nextInt(2);
            }
            double[] av = KernelCheck.randn(rng, numel(c[1]), 1, 0);
            double[] bv = KernelCheck.randn(rng, numel(c[2]), 1, 0);
            for (Layout layout : KernelCheck.layouts()) {
                Tensor cond = input(DType.BOOL, cv, c[0], layout).expand(shape);
                Tensor a = input(av, c[1], layout).expand(shape);
                Tensor b = input(bv, c[2], Layout.OFFSET).expand(shape);
                String what = "where " + str(c[0]) + " " + str(c[1]) + " " + str(c[2]) + " " + layout;
                Tensor out = poisoned(shape);
                CPU.where(out, cond, a, b);
                assertWrittenExactly(what, out);
                Tensor ref = poisoned(shape);
                REF.where(ref, cond, a, b);
                assertClose(what, out, ref, 0, 0);
            }
        }
    }

    @Test
    void copyAndFillWriteExactlyTheViewInAnyLayout() {
        var rng = new Generator(5);
        for (int[] shape : KernelCheck.allShapes()) {
            double[] v = KernelCheck.randn(rng, numel(shape), 1, 0);
            for (Layout from : KernelCheck.layouts()) {
                for (Layout to : KernelCheck.layouts()) {
                    Tensor src = input(v, shape, from);
                    Tensor out = poisonedView(shape, to);
                    String what = "copy " + str(shape) + " " + from + " -> " + to;
                    CPU.copy(out, src);
                    assertWrittenExactly(what, out);
                    assertClose(what, KernelCheck.values(out), v, 0, 0);
                }
                Tensor out = poisonedView(shape, from);
                CPU.fill(out, 0.25);
                assertWrittenExactly("fill " + str(shape) + " " + from, out);
                for (double e : KernelCheck.values(out)) {
                    assertThat(e).isEqualTo(0.25);
                }
            }
        }
    }

    @Test
    void copyBroadcastsItsSourceIntoAnyLayout() {
        // copy_ hands the kernel an expanded source: rows, columns and a scalar repeated
        var rng = new Generator(8);
        int[] shape = {6, 37};
        for (int[] from : new int[][] {{37}, {6, 1}, {}, {1, 1}}) {
            double[] v = KernelCheck.randn(rng, numel(from), 1, 0);
            for (Layout to : KernelCheck.layouts()) {
                Tensor src = input(v, from, Layout.OFFSET).expand(shape);
                Tensor out = poisonedView(shape, to);
                String what = "copy " + str(from) + " broadcast into " + to;
                CPU.copy(out, src);
                assertWrittenExactly(what, out);
                assertClose(what, KernelCheck.values(out), KernelCheck.values(src), 0, 0);
            }
        }
    }

    /** A view of a poisoned buffer in the given layout (the positions outside it must stay poisoned). */
    private static Tensor poisonedView(int[] shape, Layout layout) {
        Tensor t = input(new double[numel(shape)], shape, layout);
        KernelCheck.poisonAll((dev.kiln.tensor.spi.CpuStorage) t.storage());
        return t;
    }

    @Test
    void copyConvertsDtypesAndHandlesOverlappingViews() {
        double[] v = {1.5, -2.25, 3, 0, 7.75, -8};
        for (DType to : DType.values()) {
            Tensor src = input(v, new int[] {2, 3}, Layout.PERMUTED);
            Tensor out = poisoned(to, 2, 3);
            CPU.copy(out, src);
            Tensor ref = poisoned(to, 2, 3);
            REF.copy(ref, src);
            assertWrittenExactly("copy to " + to, out);
            assertClose("copy to " + to, out, ref, 0, 0);
        }
        // shifting a buffer by one inside itself must read before writing
        Tensor buf = input(new double[] {0, 1, 2, 3, 4, 5, 6, 7}, new int[] {8}, Layout.CONTIGUOUS);
        Tensor dst = buf.narrow(0, 1, 7);
        Tensor src = buf.narrow(0, 0, 7);
        CPU.copy(dst, src);
        assertThat(KernelCheck.values(buf)).containsExactly(0, 0, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void residualAddMatchesItsDefinition() {
        var rng = new Generator(7);
        int n = 7 * 37;
        float[] x = toFloats(KernelCheck.randn(rng, n, 1, 0), 1);
        float[] b = toFloats(KernelCheck.randn(rng, n, 1, 0), 0);
        float[] y = poisonedArray(n + 4);
        ElementwiseKernels.residualAdd(y, 2, x, 1, b, 0, 0.5f, n);
        for (int i = 0; i < n; i++) {
            assertThat((double) y[2 + i]).isCloseTo(x[1 + i] + 0.5 * b[i], org.assertj.core.data.Offset.offset(1e-6));
        }
        assertPads(y, 2, n);
    }

    static float[] toFloats(double[] v, int offset) {
        float[] f = new float[v.length + offset];
        for (int i = 0; i < v.length; i++) {
            f[offset + i] = (float) v[i];
        }
        return f;
    }

    static float[] poisonedArray(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, Float.intBitsToFloat(KernelCheck.POISON_F32));
        return f;
    }

    static void assertPads(float[] y, int off, int n) {
        for (int i = 0; i < y.length; i++) {
            boolean poison = Float.floatToRawIntBits(y[i]) == KernelCheck.POISON_F32;
            boolean inside = i >= off && i < off + n;
            assertThat(poison).as("element " + i + (inside ? " written" : " untouched")).isEqualTo(!inside);
        }
    }
}
