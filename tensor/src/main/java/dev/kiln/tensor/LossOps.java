package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * softmax, logSoftmax, crossEntropy and mseLoss.
 *
 * <p>Each op's fused backward kernel sits next to its forward; the backwards are public because
 * autograd's derivative rules (another module) call them. Users reach the forwards through {@link Tensor}.
 */
public final class LossOps {
    private LossOps() {
    }

    static Tensor softmax(Tensor x, int dim, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        Dispatch.requireFloat(name, x);
        int d = Shapes.normalizeDim(name, dim, x.dim());
        Backend b = Dispatch.backend(name, x);
        Tensor xc = x.dim() == 0 ? x.reshape(1) : x.isContiguous() ? x : ViewOps.copy(x);
        Tensor out = Dispatch.empty(b, x.dtype(), xc.shape(), x.device());
        if (log) {
            b.logSoftmax(out, xc, d);
        } else {
            b.softmax(out, xc, d);
        }
        if (x.dim() == 0) {
            out = out.rawView(new int[0]);
        }
        return Dispatch.record(log ? new Op.LogSoftmax(d) : new Op.Softmax(d), out, x);
    }

    /** dx = y ⊙ (dy − Σ_dim dy ⊙ y), given the softmax output y. */
    public static Tensor softmaxBackward(Tensor y, Tensor dy, int dim) {
        return rowBackward("softmaxBackward", y, dy, dim, false);
    }

    /** dx = dy − exp(y) ⊙ Σ_dim dy, given the log-softmax output y. */
    public static Tensor logSoftmaxBackward(Tensor y, Tensor dy, int dim) {
        return rowBackward("logSoftmaxBackward", y, dy, dim, true);
    }

    private static Tensor rowBackward(String name, Tensor y, Tensor dy, int dim, boolean log) {
        Dispatch.notRecorded(name, y, dy);
        Dispatch.sameDType(name, y, dy);
        Dispatch.requireFloat(name, y);
        Dispatch.sameShape(name, y, dy);
        Backend b = Dispatch.backend(name, y, dy);
        Tensor yc = y.dim() == 0 ? y.reshape(1) : y.contiguous();
        Tensor dyc = dy.dim() == 0 ? dy.reshape(1) : dy.contiguous();
        int d = Shapes.normalizeDim(name, dim, y.dim());
        Tensor dx = Dispatch.empty(b, y.dtype(), yc.shape(), y.device());
        if (log) {
            b.logSoftmaxBackward(dx, yc, dyc, d);
        } else {
            b.softmaxBackward(dx, yc, dyc, d);
        }
        return y.dim() == 0 ? dx.rawView(new int[0]) : dx;
    }

    /**
     * PyTorch's cross_entropy: logits [C], [N, C] or [N, C, d1, ...]; target either I32 class
     * indices of the logits' shape without the class dim, or class probabilities of the logits' shape.
     */
    static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction, int ignoreIndex) {
        Dispatch.requireFloat("crossEntropy", logits);
        Dispatch.device("crossEntropy", logits, target);
        if (logits.dim() == 0) {
            throw new IllegalArgumentException("crossEntropy: logits must have a class dim, got a 0-d tensor");
        }
        int classDim = logits.dim() == 1 ? 0 : 1;
        int classes = logits.size(classDim);
        if (target.dtype().isFloatingPoint() && Arrays.equals(target.shape(), logits.shape())) {
            return probabilityTargets(logits, target, classDim, reduction);
        }
        int[] expected = withoutDim(logits.shape(), classDim);
        if (target.dtype() != DType.I32) {
            String nan = target.dtype().isFloatingPoint() && target.isnan().any().item() != 0 ? " and contains NaN" : "";
            throw new IllegalArgumentException("crossEntropy: labels must be I32 class indices of shape "
                    + Shapes.str(expected) + " (or class probabilities of the logits' shape "
                    + Shapes.str(logits.shape()) + "), got " + target.dtype() + " " + Shapes.str(target.shape()) + nan);
        }
        if (!Arrays.equals(target.shape(), expected)) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shapes.str(logits.shape()) + " need labels of shape "
                    + Shapes.str(expected) + ", got " + Shapes.str(target.shape()));
        }
        Dispatch.checkIndexRange("crossEntropy", "label", target, 0, classes, ignoreIndex);
        // move the class dim last and flatten the rest: [M, C] rows against [M] labels
        // one row per label, counted from the labels: with 0 classes a -1 could not be inferred
        Tensor rows = logits.dim() == 1 ? logits.unsqueeze(0) : logits.movedim(1, -1).reshape(target.numel(), classes);
        Tensor labels = target.reshape(-1);
        Backend b = Dispatch.backend("crossEntropy", rows, labels);
        Tensor rc = rows.isContiguous() ? rows : ViewOps.copy(rows);
        Tensor lc = labels.isContiguous() ? labels : ViewOps.copy(labels);
        Tensor perRow = Dispatch.empty(b, logits.dtype(), new int[] {lc.numel()}, logits.device());
        b.crossEntropy(perRow, rc, lc, ignoreIndex);
        perRow = Dispatch.record(new Op.CrossEntropy(ignoreIndex), perRow, rows, labels);
        return switch (reduction) {
            case NONE -> perRow.reshape(expected);
            case SUM -> perRow.sum();
            case MEAN -> perRow.sum().div(labels.ne(ignoreIndex).sum().to(logits.dtype()));
        };
    }

    private static Tensor probabilityTargets(Tensor logits, Tensor target, int classDim, Reduction reduction) {
        Dispatch.sameDType("crossEntropy", logits, target);
        if (target.isnan().any().item() != 0) {
            throw new IllegalArgumentException("crossEntropy: target probabilities " + Shapes.str(target.shape())
                    + " contain NaN");
        }
        Tensor perRow = target.mul(logits.logSoftmax(classDim)).sum(classDim).neg();
        return switch (reduction) {
            case NONE -> perRow;
            case SUM -> perRow.sum();
            case MEAN -> perRow.mean();
        };
    }

    /** dlogits = dloss[n] · (softmax(logits[n]) − onehot(labels[n])), zero on ignored rows. */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        String name = "crossEntropyBackward";
        Dispatch.notRecorded(name, logits, dloss);
        Dispatch.requireFloat(name, logits);
        Dispatch.sameDType(name, logits, dloss);
        Dispatch.requireIndex(name, "labels", labels);
        if (logits.dim() != 2 || labels.dim() != 1 || dloss.dim() != 1 || labels.size(0) != logits.size(0)
                || dloss.size(0) != logits.size(0)) {
            throw new IllegalArgumentException(name + ": expected logits [N, C], labels [N] and dloss [N], got "
                    + Shapes.str(logits.shape()) + ", " + Shapes.str(labels.shape()) + " and " + Shapes.str(dloss.shape()));
        }
        Backend b = Dispatch.backend(name, logits, labels, dloss);
        Tensor dx = Dispatch.empty(b, logits.dtype(), logits.shape(), logits.device());
        b.crossEntropyBackward(dx, logits.contiguous(), labels.contiguous(), dloss.contiguous(), ignoreIndex);
        return dx;
    }

    static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        Dispatch.requireFloat("mseLoss", input);
        Dispatch.sameDType("mseLoss", input, target);
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException("mseLoss: input " + Shapes.str(input.shape()) + " and target "
                    + Shapes.str(target.shape()) + " differ in shape (broadcasting here is almost always a mistake)");
        }
        Tensor diff = input.sub(target);
        Tensor sq = diff.mul(diff);
        return switch (reduction) {
            case NONE -> sq;
            case SUM -> sq.sum();
            case MEAN -> sq.mean();
        };
    }

    private static int[] withoutDim(int[] shape, int dim) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != dim) {
                out[j++] = shape[i];
            }
        }
        return out;
    }
}
