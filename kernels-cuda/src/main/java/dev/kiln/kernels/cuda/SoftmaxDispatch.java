package dev.kiln.kernels.cuda;

import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's softmax, logSoftmax, their backwards and cross-entropy: the kernels of softmax.cu.
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
        if (out.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = outer(shape, dim);
        int n = shape[dim];
        int inner = inner(shape, dim);
        CudaDevice d = dev(out);
        int logMode = log ? 1 : 0;
        if (inner == 1) {
            d.launch(Kernels.SOFTMAX_ROWS, sfx(x), outer, 1, 1, rowBlock(n), 0,
                    new Args().i(n).i(logMode).ptr(ptr(out)).ptr(ptr(x)));
        } else {
            d.launch1d(Kernels.SOFTMAX_COLS, sfx(x), (long) outer * inner,
                    new Args().i(outer).i(n).i(inner).i(logMode).ptr(ptr(out)).ptr(ptr(x)));
        }
    }

    static void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        softmaxBackward(dx, y, dy, dim, false);
    }

    static void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        softmaxBackward(dx, y, dy, dim, true);
    }

    private static void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim, boolean log) {
        if (dx.numel() == 0) {
            return;
        }
        int[] shape = y.shape();
        int outer = outer(shape, dim);
        int n = shape[dim];
        int inner = inner(shape, dim);
        CudaDevice d = dev(dx);
        int logMode = log ? 1 : 0;
        if (inner == 1) {
            d.launch(Kernels.SOFTMAX_BACKWARD_ROWS, sfx(y), outer, 1, 1, rowBlock(n), 0,
                    new Args().i(n).i(logMode).ptr(ptr(dx)).ptr(ptr(y)).ptr(ptr(dy)));
        } else {
            d.launch1d(Kernels.SOFTMAX_BACKWARD_COLS, sfx(y), (long) outer * inner,
                    new Args().i(outer).i(n).i(inner).i(logMode).ptr(ptr(dx)).ptr(ptr(y)).ptr(ptr(dy)));
        }
    }

    static void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex) {
        int rows = logits.size(0);
        int c = logits.size(1);
        if (rows == 0) {
            return;
        }
        dev(loss).launch(Kernels.CROSS_ENTROPY, sfx(logits), rows, 1, 1, rowBlock(c), 0,
                new Args().i(c).i(ignoreIndex).ptr(ptr(loss)).ptr(ptr(logits)).ptr(ptr(labels)));
    }

    static void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        int rows = logits.size(0);
        int c = logits.size(1);
        if (rows == 0 || c == 0) {
            return;
        }
        dev(dlogits).launch(Kernels.CROSS_ENTROPY_BACKWARD, sfx(logits), rows, 1, 1, rowBlock(c), 0,
                new Args().i(c).i(ignoreIndex).ptr(ptr(dlogits)).ptr(ptr(logits)).ptr(ptr(labels)).ptr(ptr(dloss)));
    }
}
