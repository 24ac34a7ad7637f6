package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;

/**
 * softmax, logSoftmax, crossEntropy, nllLoss and mseLoss (the other losses are in {@link LossFunctions}).
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
        Tensor out = Dispatch.uninitialized(b, x.dtype(), xc.shape(), x.device());
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
        Tensor dx = Dispatch.uninitialized(b, y.dtype(), yc.shape(), y.device());
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
        return crossEntropy(logits, target, null, ignoreIndex, reduction, 0);
    }

    /**
     * PyTorch's cross_entropy with class weights and label smoothing ε. Class indices: the row
     * loss is (1 − ε)·w[y]·(−log p_y) + ε/C·Σ_c w_c·(−log p_c), zero on ignored rows; the mean
     * divides by Σ w[y] over the rows not ignored (PyTorch's weighted mean). Probabilities: the
     * target becomes (1 − ε)·t + ε/C, the row loss −Σ_c w_c·t_c·log p_c, the mean divides by the
     * number of rows.
     */
    static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction,
                               double labelSmoothing) {
        String op = "crossEntropy";
        Dispatch.requireFloat(op, logits);
        checkReduction(op, reduction);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException(op + ": labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        Dispatch.device(op, logits, target);
        if (logits.dim() == 0) {
            throw new IllegalArgumentException(op + ": logits must have a class dim, got a 0-d tensor");
        }
        int classDim = logits.dim() == 1 ? 0 : 1;
        int classes = logits.size(classDim);
        checkClassWeight(op, logits, weight, classes);
        if (target.dtype().isFloatingPoint() && Arrays.equals(target.shape(), logits.shape())) {
            if (ignoreIndex >= 0) {
                throw new IllegalArgumentException(op + ": ignoreIndex " + ignoreIndex + " is not supported with class "
                        + "probabilities as targets (it must be negative, as PyTorch's default -100)");
            }
            return probabilityTargets(logits, target, weight, classDim, reduction, labelSmoothing);
        }
        if (target.dtype() == DType.I64) {
            target = Dispatch.requireIndex(op, "labels", target);
        }
        int[] expected = checkLabels(op, logits, target, classDim, ignoreIndex);
        // move the class dim last and flatten the rest: [M, C] rows against [M] labels
        // one row per label, counted from the labels: with 0 classes a -1 could not be inferred
        Tensor rows = logits.dim() == 1 ? logits.unsqueeze(0) : logits.movedim(1, -1).reshape(target.numel(), classes);
        Tensor labels = target.reshape(-1);
        Backend b = Dispatch.backend(op, rows, labels);
        Tensor rc = rows.isContiguous() ? rows : ViewOps.copy(rows);
        Tensor lc = labels.isContiguous() ? labels : ViewOps.copy(labels);
        Tensor perRow = Dispatch.empty(b, logits.dtype(), new int[] {lc.numel()}, logits.device());
        b.crossEntropy(perRow, rc, lc, ignoreIndex);
        perRow = Dispatch.record(new Op.CrossEntropy(ignoreIndex), perRow, rows, labels);
        if (weight == null && labelSmoothing == 0) {
            // the fast path: one fused kernel, the mean over the rows not ignored
            return switch (reduction) {
                case NONE -> perRow.reshape(expected);
                case SUM -> perRow.sum();
                default -> perRow.sum().div(labels.ne(ignoreIndex).sum().to(logits.dtype()));
            };
        }
        Tensor keep = labels.ne(ignoreIndex);
        Tensor rowWeight = rowWeights(weight, labels, keep, logits.dtype());
        Tensor loss = weight == null ? perRow : perRow.mul(rowWeight);
        if (labelSmoothing > 0 && classes > 0) {
            Tensor logp = rows.logSoftmax(1);
            Tensor smooth = (weight == null ? logp : logp.mul(weight)).sum(1).neg();
            smooth = Tensor.where(keep, smooth, 0);
            loss = loss.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / classes));
        }
        return switch (reduction) {
            case NONE -> loss.reshape(expected);
            case SUM -> loss.sum();
            default -> loss.sum().div(rowWeight.sum());
        };
    }

    private static Tensor probabilityTargets(Tensor logits, Tensor target, Tensor weight, int classDim,
                                             Reduction reduction, double labelSmoothing) {
        Dispatch.sameDType("crossEntropy", logits, target);
        if (target.isnan().any().item() != 0) {
            throw new IllegalArgumentException("crossEntropy: target probabilities " + Shapes.str(target.shape())
                    + " contain NaN");
        }
        int classes = logits.size(classDim);
        Tensor t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
        Tensor prod = t.mul(logits.logSoftmax(classDim));
        if (weight != null) {
            prod = prod.mul(classDim == 0 ? weight : weight.reshape(classShape(logits.dim(), classes)));
        }
        Tensor perRow = prod.sum(classDim).neg();
        return switch (reduction) {
            case NONE -> perRow;
            case SUM -> perRow.sum();
            default -> perRow.mean();
        };
    }

    /**
     * PyTorch's nll_loss: input holds log-probabilities [C], [N, C] or [N, C, d1, ...], target I32
     * class indices of the input's shape without the class dim. The loss of a target y is
     * −w[y]·input[y], zero where y is ignoreIndex; the mean divides by Σ w[y] over the targets not
     * ignored (NaN when every target is ignored, as PyTorch).
     */
    static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        String op = "nllLoss";
        Dispatch.requireFloat(op, input);
        checkReduction(op, reduction);
        Dispatch.device(op, input, target);
        if (input.dim() == 0) {
            throw new IllegalArgumentException(op + ": input must have a class dim, got a 0-d tensor");
        }
        int classDim = input.dim() == 1 ? 0 : 1;
        int classes = input.size(classDim);
        checkClassWeight(op, input, weight, classes);
        if (target.dtype() == DType.I64) {
            target = Dispatch.requireIndex(op, "labels", target);
        }
        int[] expected = checkLabels(op, input, target, classDim, ignoreIndex);
        int m = target.numel();
        Tensor rows = input.dim() == 1 ? input.unsqueeze(0) : input.movedim(1, -1).reshape(m, classes);
        Tensor labels = target.reshape(-1);
        Tensor keep = labels.ne(ignoreIndex);
        // ignored targets may lie outside [0, C): gather row 0's first class for them, then weigh it by 0
        Tensor safe = labels.mul(keep.to(DType.I32));
        Tensor picked = classes == 0 ? Tensor.zeros(input.dtype(), m).to(input.device())
                : rows.gather(1, safe.unsqueeze(1)).reshape(m);
        Tensor rowWeight = rowWeights(weight, labels, keep, input.dtype());
        Tensor loss = picked.mul(rowWeight).neg();
        return switch (reduction) {
            case NONE -> loss.reshape(expected);
            case SUM -> loss.sum();
            default -> loss.sum().div(rowWeight.sum());
        };
    }

    /** w[y] for each label (1 without weights), 0 where the label is ignored. */
    private static Tensor rowWeights(Tensor weight, Tensor labels, Tensor keep, DType dtype) {
        Tensor kept = keep.to(dtype);
        if (weight == null || labels.numel() == 0 || weight.numel() == 0) {
            return kept;
        }
        return weight.indexSelect(0, labels.mul(keep.to(DType.I32))).mul(kept);
    }

    /** The shape of labels for logits of this shape (without the class dim), after checking them and their range. */
    private static int[] checkLabels(String op, Tensor logits, Tensor target, int classDim, int ignoreIndex) {
        int[] expected = withoutDim(logits.shape(), classDim);
        if (target.dtype() != DType.I32) {
            String nan = target.dtype().isFloatingPoint() && target.isnan().any().item() != 0 ? " and contains NaN" : "";
            String probs = op.equals("crossEntropy") ? " (or class probabilities of the logits' shape "
                    + Shapes.str(logits.shape()) + ")" : "";
            throw new IllegalArgumentException(op + ": labels must be I32 or I64 class indices of shape "
                    + Shapes.str(expected) + probs + ", got " + target.dtype() + " " + Shapes.str(target.shape()) + nan);
        }
        if (!Arrays.equals(target.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + (op.equals("crossEntropy") ? "logits " : "input ")
                    + Shapes.str(logits.shape()) + " need labels of shape " + Shapes.str(expected) + ", got "
                    + Shapes.str(target.shape()));
        }
        Dispatch.checkIndexRange(op, "label", target, 0, logits.size(classDim), ignoreIndex);
        return expected;
    }

    /** A class weight is null or a 1-D tensor of C values of the input's dtype and device. */
    static void checkClassWeight(String op, Tensor input, Tensor weight, int classes) {
        if (weight == null) {
            return;
        }
        Dispatch.device(op, input, weight);
        if (weight.dim() != 1 || weight.size(0) != classes) {
            throw new IllegalArgumentException(op + ": weight must be a 1-D tensor of " + classes
                    + " class weights for input " + Shapes.str(input.shape()) + ", got " + Shapes.str(weight.shape()));
        }
        if (weight.dtype() != input.dtype()) {
            throw new IllegalArgumentException(op + ": weight must have the input's dtype " + input.dtype() + ", got "
                    + weight.dtype());
        }
    }

    /** Every loss but klDiv takes NONE, MEAN or SUM. */
    static void checkReduction(String op, Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException(op + ": reduction is null");
        }
        if (reduction == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException(op + ": reduction BATCHMEAN (\"batchmean\") is klDiv's alone; use "
                    + "NONE, MEAN or SUM");
        }
    }

    /** [1, C, 1, ...]: a class vector broadcast against an input of this many dims, classes at dim 1. */
    private static int[] classShape(int dims, int classes) {
        int[] s = new int[dims];
        Arrays.fill(s, 1);
        s[1] = classes;
        return s;
    }

    /** dlogits = dloss[n] · (softmax(logits[n]) − onehot(labels[n])), zero on ignored rows. */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        String name = "crossEntropyBackward";
        Dispatch.notRecorded(name, logits, dloss);
        Dispatch.requireFloat(name, logits);
        Dispatch.sameDType(name, logits, dloss);
        labels = Dispatch.requireIndex(name, "labels", labels);
        if (logits.dim() != 2 || labels.dim() != 1 || dloss.dim() != 1 || labels.size(0) != logits.size(0)
                || dloss.size(0) != logits.size(0)) {
            throw new IllegalArgumentException(name + ": expected logits [N, C], labels [N] and dloss [N], got "
                    + Shapes.str(logits.shape()) + ", " + Shapes.str(labels.shape()) + " and " + Shapes.str(dloss.shape()));
        }
        Backend b = Dispatch.backend(name, logits, labels, dloss);
        Tensor dx = Dispatch.uninitialized(b, logits.dtype(), logits.shape(), logits.device());
        b.crossEntropyBackward(dx, logits.contiguous(), labels.contiguous(), dloss.contiguous(), ignoreIndex);
        return dx;
    }

    static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        Dispatch.requireFloat("mseLoss", input);
        checkReduction("mseLoss", reduction);
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
            default -> sq.mean();
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
