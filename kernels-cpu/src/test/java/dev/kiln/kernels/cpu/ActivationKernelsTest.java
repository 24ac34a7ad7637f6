package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.Generator;
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
 * Activation backward kernels (dx = dy ⊙ f'(x)), the parameterised activations and PReLU against
 * the reference. (The activations' forward kernels are checked
 * with the other unary ops in {@link ElementwiseKernelsTest}.) Error bounds: backward rtol 1e-5 +
 * atol 1e-6 (the derivative in float from a few transcendentals); parameterised activations
 * rtol 3e-7 (LeakyReLU multiplies by the slope rounded to float; the others use the double
 * definition and match exactly); PReLU exact in y and dx, its slope gradient (a sum) rtol 1e-5 +
 * atol 1e-5·√n.
 */
class ActivationKernelsTest {

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryBackwardMatchesReference(UnaryOp op) {
        var rng = new Generator(81);
        for (int[] shape : KernelCheck.allShapes()) {
            double[] xv = ElementwiseKernelsTest.domainValues(op, rng, numel(shape));
            double[] g = KernelCheck.randn(rng, numel(shape), 1, 0);
            for (Layout layout : KernelCheck.layouts()) {
                Tensor x = input(xv, shape, layout);
                Tensor dy = input(g, shape, layout == Layout.PERMUTED ? Layout.OFFSET : layout);
                String what = op + " backward " + str(shape) + " " + layout;
                Tensor dx = poisoned(shape);
                CPU.unaryBackward(op, dx, x, dy);
                assertWrittenExactly(what, dx);
                Tensor ref = poisoned(shape);
                REF.unaryBackward(op, ref, x, dy);
                assertClose(what, dx, ref, 1e-5, 1e-6);
            }
        }
    }

    @Test
    void backwardOnSpecialValuesMatchesReference() {
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1e-30, -1e-30,
            30, -30, 88, -88, 1, -1, 0.5};
        int n = 3 * specials.length + 5;
        double[] v = new double[n];
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = specials[i % specials.length];
            g[i] = 1 + (i % 3);
        }
        for (UnaryOp op : UnaryOp.values()) {
            if (!ActivationKernels.hasBackward(op)) {
                continue;
            }
            Tensor dx = poisoned(n);
            Tensor ref = poisoned(n);
            Tensor x = input(v, new int[] {n}, Layout.CONTIGUOUS);
            Tensor dy = input(g, new int[] {n}, Layout.CONTIGUOUS);
            CPU.unaryBackward(op, dx, x, dy);
            REF.unaryBackward(op, ref, x, dy);
            assertClose(op + " backward on special values", dx, ref, 1e-5, 1e-6);
        }
    }

    @Test
    void geluKernelsMayWriteOverTheirInputs() {
        // GELU runs in passes through a scratch (C2's inlining limit): the output must still be
        // allowed to be the input (forward) or the incoming gradient (backward), chunks and tail alike
        var rng = new Generator(84);
        int n = 2 * 512 + 37;
        float[] x = new float[n];
        float[] dy = new float[n];
        double[] v = KernelCheck.randn(rng, 2 * n, 2, 0);
        for (int i = 0; i < n; i++) {
            x[i] = (float) v[i];
            dy[i] = (float) v[n + i];
        }
        float[] y = new float[n];
        ActivationKernels.gelu(y, 0, x, 0, n);
        float[] inPlace = x.clone();
        ActivationKernels.gelu(inPlace, 0, inPlace, 0, n);
        assertThat(inPlace).containsExactly(y);
        float[] dx = new float[n];
        ActivationKernels.geluBackward(dx, 0, x, 0, dy, 0, n);
        float[] overDy = dy.clone();
        ActivationKernels.geluBackward(overDy, 0, x, 0, overDy, 0, n);
        assertThat(overDy).containsExactly(dx);
        for (int i = 0; i < n; i++) {
            assertThat(y[i]).isEqualTo(ActivationKernels.forwardScalar(UnaryOp.GELU, x[i]));
        }
    }

    @Test
    void reluBackwardSelectsTheGradient() {
        // PyTorch's threshold_backward: 0 where x <= 0 (or NaN) whatever dy is, dy itself where x > 0;
        // a product dy·0 would turn an infinite dy into NaN. Long enough for the vector loop and a tail.
        double[] xs = {-1, 0, -0.0, Double.NaN, 2, 3, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
        double[] gs = {Double.POSITIVE_INFINITY, Double.NaN, Double.NEGATIVE_INFINITY, 5, Double.POSITIVE_INFINITY,
            Double.NaN, Double.NaN, -7};
        int n = 5 * xs.length + 3;
        double[] v = new double[n];
        double[] g = new double[n];
        double[] want = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = xs[i % xs.length];
            g[i] = gs[(i / xs.length + i) % gs.length];
            want[i] = v[i] > 0 ? g[i] : 0;
        }
        Tensor x = input(v, new int[] {n}, Layout.CONTIGUOUS);
        Tensor dy = input(g, new int[] {n}, Layout.CONTIGUOUS);
        for (var backend : List.of(CPU, REF)) {
            Tensor dx = poisoned(n);
            backend.unaryBackward(UnaryOp.RELU, dx, x, dy);
            double[] got = dx.toDoubleArray();
            for (int i = 0; i < n; i++) {
                if (Double.compare(got[i], want[i]) != 0 && !(got[i] == 0 && want[i] == 0)) {
                    throw new AssertionError(backend.name() + " relu backward at " + i + ": x " + v[i] + ", dy " + g[i]
                            + ": expected " + want[i] + " but got " + got[i]);
                }
            }
        }
    }

    static final List<Activation> ACTIVATIONS = List.of(Activation.leakyRelu(0.01), Activation.leakyRelu(-0.5),
            Activation.smelu(0.7), Activation.helu(0.3), Activation.elephant(1.5, 3), Activation.fatrelu(0.2),
            Activation.sau(0.1, 0.8), Activation.velu(1.2, 0.9, 1.1, 0.4), Activation.elu(0.7), Activation.celu(1.3),
            Activation.hardtanh(-0.8, 0.6), Activation.softshrink(0.3), Activation.hardshrink(0.3));

    @Test
    void parameterisedActivationsMatchReference() {
        var rng = new Generator(82);
        for (Activation fn : ACTIVATIONS) {
            for (int[] shape : KernelCheck.allShapes()) {
                double[] xv = KernelCheck.randn(rng, numel(shape), 2, 0);
                double[] g = KernelCheck.randn(rng, numel(shape), 1, 0);
                for (Layout layout : KernelCheck.layouts()) {
                    Tensor x = input(xv, shape, layout);
                    Tensor dy = input(g, shape, Layout.OFFSET);
                    String what = fn + " " + str(shape) + " " + layout;
                    Tensor out = poisoned(shape);
                    CPU.activation(fn, out, x);
                    assertWrittenExactly(what, out);
                    Tensor ref = poisoned(shape);
                    REF.activation(fn, ref, x);
                    // ELU and CELU run SimdMath's expm1 and exp (2 ulp) in float; CELU's x/α rounds first
                    boolean exp = fn.kind() == Activation.Kind.ELU || fn.kind() == Activation.Kind.CELU;
                    assertClose(what, out, ref, exp ? 5e-7 : 3e-7, 0);

                    Tensor dx = poisoned(shape);
                    CPU.activationBackward(fn, dx, x, dy);
                    assertWrittenExactly(what + " backward", dx);
                    Tensor dref = poisoned(shape);
                    REF.activationBackward(fn, dref, x, dy);
                    assertClose(what + " backward", dx, dref, exp ? 1e-6 : 0, 0);
                }
            }
        }
    }

    @Test
    void preluMatchesReferenceWithSharedAndPerChannelSlopes() {
        var rng = new Generator(83);
        int[][] shapes = {{7}, {0, 3}, {4, 3}, {2, 5, 17}, {3, 4, 2, 9}, {1, 1}, {40, 3, 600}, {70001}};
        for (int[] shape : shapes) {
            if (KernelCheck.skipLarge(shape)) {
                continue;
            }
            double[] xv = KernelCheck.randn(rng, numel(shape), 1, 0);
            double[] g = KernelCheck.randn(rng, numel(shape), 1, 0);
            int channels = shape.length >= 2 ? shape[1] : 1;
            for (int slopes : channels == 1 ? new int[] {1} : new int[] {1, channels}) {
                double[] wv = KernelCheck.randn(rng, slopes, 0.3, 0.1);
                Tensor x = input(xv, shape, Layout.OFFSET);
                Tensor dy = input(g, shape, Layout.OFFSET);
                Tensor w = input(wv, new int[] {slopes}, Layout.OFFSET);
                String what = "prelu " + str(shape) + " slopes " + slopes;
                Tensor out = poisoned(shape);
                CPU.prelu(out, x, w);
                assertWrittenExactly(what, out);
                Tensor ref = poisoned(shape);
                REF.prelu(ref, x, w);
                assertClose(what, out, ref, 0, 0);

                for (boolean wantDx : new boolean[] {true, false}) {
                    Tensor dx = wantDx ? poisoned(shape) : null;
                    Tensor dw = poisoned(slopes);
                    CPU.preluBackward(dx, dw, dy, x, w);
                    Tensor rdx = wantDx ? poisoned(shape) : null;
                    Tensor rdw = poisoned(slopes);
                    REF.preluBackward(rdx, rdw, dy, x, w);
                    if (wantDx) {
                        assertWrittenExactly(what + " dx", dx);
                        assertClose(what + " dx", dx, rdx, 0, 0);
                    }
                    assertWrittenExactly(what + " dweight", dw);
                    assertClose(what + " dweight", dw, rdw, 1e-5, 1e-5 * Math.sqrt(numel(shape)));
                }
            }
        }
    }
}
