package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

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
 * Softmax, log-softmax and cross-entropy kernels against the reference, along every dim.
 * Inputs are contiguous (the op layer makes them so) but start at an offset. Error bounds:
 * softmax rtol 1e-5 + atol 1e-7; log-softmax rtol 1e-6 + atol 1e-5 (values reach −30);
 * backward kernels rtol 1e-5 + atol 1e-6; cross-entropy loss and gradient rtol 1e-5 + atol 1e-6.
 */
class SoftmaxKernelsTest {

    static final List<int[]> SHAPES = List.of(new int[] {1}, new int[] {2}, new int[] {17}, new int[] {1000},
            new int[] {0, 5}, new int[] {3, 0}, new int[] {1, 1}, new int[] {5, 7}, new int[] {4, 16}, new int[] {7, 33},
            new int[] {3, 5, 7}, new int[] {2, 17, 19}, new int[] {2, 3, 4, 5}, new int[] {64, 1024}, new int[] {3, 40, 301},
            new int[] {4096, 7});

    private static Tensor offsetInput(double[] v, int[] shape) {
        return input(v, shape, Layout.OFFSET);
    }

    @Test
    void softmaxAndLogSoftmaxMatchReferenceAlongEveryDim() {
        var rng = new Generator(21);
        for (int[] shape : SHAPES) {
            if (KernelCheck.skipLarge(shape)) {
                continue;
            }
            double[] v = KernelCheck.randn(rng, numel(shape), 4, 1);
            if (v.length > 3) {
                v[2] = 30; // a dominant entry
                v[3] = -30;
            }
            Tensor x = offsetInput(v, shape);
            for (int dim = 0; dim < shape.length; dim++) {
                for (boolean log : new boolean[] {false, true}) {
                    String what = (log ? "logSoftmax " : "softmax ") + str(shape) + " dim " + dim;
                    Tensor out = poisoned(shape);
                    Tensor ref = poisoned(shape);
                    if (log) {
                        CPU.logSoftmax(out, x, dim);
                        REF.logSoftmax(ref, x, dim);
                        assertWrittenExactly(what, out);
                        assertClose(what, out, ref, 1e-6, 1e-5);
                    } else {
                        CPU.softmax(out, x, dim);
                        REF.softmax(ref, x, dim);
                        assertWrittenExactly(what, out);
                        assertClose(what, out, ref, 1e-5, 1e-7);
                    }
                }
            }
        }
    }

    @Test
    void logSoftmaxAndCrossEntropyKeepTheirDigitsForLargeLogits() {
        // logits near ±1000: rounding max + log Σ to float would cost ~3e-5 here
        var rng = new Generator(24);
        for (double offset : new double[] {1000, -1000, 3e4}) {
            for (int[] shape : new int[][] {{3, 37}, {2, 5, 3}}) {
                double[] v = KernelCheck.randn(rng, numel(shape), 2, offset);
                Tensor x = offsetInput(v, shape);
                for (int dim = 0; dim < shape.length; dim++) {
                    Tensor out = poisoned(shape);
                    Tensor ref = poisoned(shape);
                    CPU.logSoftmax(out, x, dim);
                    REF.logSoftmax(ref, x, dim);
                    assertClose("logSoftmax offset " + offset + " " + str(shape) + " dim " + dim, out, ref, 1e-6, 2e-6);
                }
            }
            int[] nc = {5, 37};
            Tensor logits = offsetInput(KernelCheck.randn(rng, 5 * 37, 2, offset), nc);
            Tensor labels = input(DType.I32, new double[] {0, 36, 5, 17, 2}, new int[] {5}, Layout.OFFSET);
            Tensor loss = poisoned(5);
            Tensor ref = poisoned(5);
            CPU.crossEntropy(loss, logits, labels, -100);
            REF.crossEntropy(ref, logits, labels, -100);
            assertClose("crossEntropy offset " + offset, loss, ref, 1e-6, 2e-6);
        }
    }

    @Test
    void backwardMatchesReferenceAlongEveryDim() {
        var rng = new Generator(22);
        for (int[] shape : SHAPES) {
            if (KernelCheck.skipLarge(shape)) {
                continue;
            }
            double[] xv = KernelCheck.randn(rng, numel(shape), 2, 0);
            double[] g = KernelCheck.randn(rng, numel(shape), 1, 0);
            for (int dim = 0; dim < shape.length; dim++) {
                for (boolean log : new boolean[] {false, true}) {
                    // y is a real (log-)softmax output, as autograd passes
                    Tensor y = poisoned(shape);
                    if (log) {
                        REF.logSoftmax(y, offsetInput(xv, shape), dim);
                    } else {
                        REF.softmax(y, offsetInput(xv, shape), dim);
                    }
                    Tensor dy = offsetInput(g, shape);
                    String what = (log ? "logSoftmaxBackward " : "softmaxBackward ") + str(shape) + " dim " + dim;
                    Tensor out = poisoned(shape);
                    Tensor ref = poisoned(shape);
                    if (log) {
                        CPU.logSoftmaxBackward(out, y, dy, dim);
                        REF.logSoftmaxBackward(ref, y, dy, dim);
                    } else {
                        CPU.softmaxBackward(out, y, dy, dim);
                        REF.softmaxBackward(ref, y, dy, dim);
                    }
                    assertWrittenExactly(what, out);
                    assertClose(what, out, ref, 1e-5, 1e-6);
                }
            }
        }
    }

    @Test
    void crossEntropyForwardAndBackwardMatchReference() {
        var rng = new Generator(23);
        int[][] cases = {{1, 1}, {1, 2}, {3, 5}, {4, 16}, {7, 17}, {5, 100}, {2, 1000}, {0, 5}, {257, 33}, {64, 4099}};
        for (int[] nc : cases) {
            if (KernelCheck.skipLarge(nc)) {
                continue;
            }
            int rows = nc[0];
            int c = nc[1];
            double[] x = KernelCheck.randn(rng, rows * c, 3, 0);
            double[] labels = new double[rows];
            double[] dl = KernelCheck.randn(rng, rows, 1, 0);
            for (int r = 0; r < rows; r++) {
                labels[r] = r % 4 == 3 ? -100 : rng.nextInt(c);
            }
            Tensor logits = offsetInput(x, nc);
            Tensor lab = input(DType.I32, labels, new int[] {rows}, Layout.OFFSET);
            Tensor dloss = offsetInput(dl, new int[] {rows});
            String what = "crossEntropy " + str(nc);
            Tensor loss = poisoned(rows);
            Tensor ref = poisoned(rows);
            CPU.crossEntropy(loss, logits, lab, -100);
            REF.crossEntropy(ref, logits, lab, -100);
            assertWrittenExactly(what, loss);
            assertClose(what, loss, ref, 1e-5, 1e-6);

            Tensor dx = poisoned(nc);
            Tensor dref = poisoned(nc);
            CPU.crossEntropyBackward(dx, logits, lab, dloss, -100);
            REF.crossEntropyBackward(dref, logits, lab, dloss, -100);
            assertWrittenExactly(what + " backward", dx);
            assertClose(what + " backward", dx, dref, 1e-5, 1e-6);
        }
    }
}
