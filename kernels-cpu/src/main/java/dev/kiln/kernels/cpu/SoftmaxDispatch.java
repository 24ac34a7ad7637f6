package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's softmax, logSoftmax, their backwards and cross-entropy, row by row onto {@link
 * SoftmaxKernels}.
 */
final class SoftmaxDispatch {
    private SoftmaxDispatch() {
    }

    static void softmax(Tensor out, Tensor x, int dim) {
        softmaxForward(out, x, dim, false);
    }

    static void logSoftmax(Tensor out, Tensor x, int dim) {
        softmaxForward(out, x, dim, true);
    }

    private static void softmaxForward(Tensor out, Tensor x, int dim, boolean log) {
        if (!f32(out, x)) {
            if (log) {
                REF.logSoftmax(out, x, dim);
            } else {
                REF.softmax(out, x, dim);
            }
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        float[] y = f(out);
        float[] xa = f(x);
        int yo = out.offset();
        int xo = x.offset();
        if (inner == 1) {
            Parallel.forRange(outer, rowGrain(n, GRAIN_HEAVY), (r0, r1) -> {
                if (log) {
                    SoftmaxKernels.logSoftmaxRows(y, yo, xa, xo, r0, r1, n);
                } else {
                    SoftmaxKernels.softmaxRows(y, yo, xa, xo, r0, r1, n);
                }
            });
        } else {
            Parallel.forRange(outer, rowGrain(n * inner, GRAIN_HEAVY),
                    (o0, o1) -> SoftmaxKernels.softmaxSlabs(log, y, yo, xa, xo, o0, o1, n, inner));
        }
    }

    static void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        softmaxBackward(dx, y, dy, dim, false);
    }

    static void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        softmaxBackward(dx, y, dy, dim, true);
    }

    private static void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim, boolean log) {
        if (!f32(dx, y, dy)) {
            if (log) {
                REF.logSoftmaxBackward(dx, y, dy, dim);
            } else {
                REF.softmaxBackward(dx, y, dy, dim);
            }
            return;
        }
        int[] shape = y.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        float[] g = f(dx);
        float[] ya = f(y);
        float[] dya = f(dy);
        int go = dx.offset();
        int yo = y.offset();
        int dyo = dy.offset();
        if (inner == 1) {
            Parallel.forRange(outer, rowGrain(n, log ? GRAIN_HEAVY : GRAIN), (r0, r1) -> {
                if (log) {
                    SoftmaxKernels.logSoftmaxBackwardRows(g, go, ya, yo, dya, dyo, r0, r1, n);
                } else {
                    SoftmaxKernels.softmaxBackwardRows(g, go, ya, yo, dya, dyo, r0, r1, n);
                }
            });
        } else {
            Parallel.forRange(outer, rowGrain(n * inner, GRAIN_HEAVY),
                    (o0, o1) -> SoftmaxKernels.softmaxBackwardSlabs(log, g, go, ya, yo, dya, dyo, o0, o1, n, inner));
        }
    }

    static void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex) {
        if (!f32(loss, logits) || labels.dtype() != DType.I32) {
            REF.crossEntropy(loss, logits, labels, ignoreIndex);
            return;
        }
        int rows = logits.size(0);
        int c = logits.size(1);
        float[] l = f(loss);
        float[] x = f(logits);
        int[] lb = ints(labels);
        Parallel.forRange(rows, rowGrain(c, GRAIN_HEAVY), (r0, r1) -> SoftmaxKernels.crossEntropy(l, loss.offset(), x,
                logits.offset(), lb, labels.offset(), ignoreIndex, r0, r1, c));
    }

    static void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        if (!f32(dlogits, logits, dloss) || labels.dtype() != DType.I32) {
            REF.crossEntropyBackward(dlogits, logits, labels, dloss, ignoreIndex);
            return;
        }
        int rows = logits.size(0);
        int c = logits.size(1);
        float[] g = f(dlogits);
        float[] x = f(logits);
        int[] lb = ints(labels);
        float[] dl = f(dloss);
        Parallel.forRange(rows, rowGrain(c, GRAIN_HEAVY), (r0, r1) -> SoftmaxKernels.crossEntropyBackward(g,
                dlogits.offset(), x, logits.offset(), lb, labels.offset(), dl, dloss.offset(), ignoreIndex, r0, r1, c));
    }
}
