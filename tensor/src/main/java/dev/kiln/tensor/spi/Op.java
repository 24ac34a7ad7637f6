package dev.kiln.tensor.spi;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * Every differentiable op, one record each, holding what its derivative rule needs beyond the
 * inputs and output. Autograd's rules are one exhaustive {@code switch} over this interface, so
 * adding an op here without a rule does not compile.
 */
public sealed interface Op {

    /** The name shown in grad_fn, e.g. "AddBackward". */
    default String gradName() {
        String simple = getClass().getSimpleName();
        return simple + "Backward";
    }

    /** Elementwise function of one input. */
    record Unary(UnaryOp kind) implements Op {
        @Override
        public String gradName() {
            return capital(kind.opName()) + "Backward";
        }
    }

    /** Elementwise function of two inputs (already broadcast; grads are summed back by autograd). */
    /** relu(a + b) in one op; inputs a and b, of the output's shape. */
    record AddRelu() implements Op {
    }

    record Binary(BinaryOp kind) implements Op {
        @Override
        public String gradName() {
            return capital(kind.opName()) + "Backward";
        }
    }

    /** clamp(x, min, max); an absent bound is infinite. */
    record Clamp(double min, double max) implements Op {
    }

    /** where(cond, a, b); inputs are cond, a, b. */
    record Where() implements Op {
    }

    /** Sum over sorted dims. */
    record Sum(int[] dims, boolean keepDim) implements Op {
    }

    /** Max or min over sorted dims (amax/amin: ties share the gradient evenly, as PyTorch). */
    record Extremum(ReduceOp kind, int[] dims, boolean keepDim) implements Op {
        @Override
        public String gradName() {
            return kind == ReduceOp.MAX ? "MaxBackward" : "MinBackward";
        }
    }

    /** prod over dim, or over every element when dim is −1 (then keepDim keeps every dim as 1). */
    record Prod(int dim, boolean keepDim) implements Op {
    }

    /** linalg.vector_norm of order p over sorted dims. */
    record VectorNorm(double p, int[] dims, boolean keepDim) implements Op {
        @Override
        public String gradName() {
            return "LinalgVectorNormBackward";
        }
    }

    /** cumsum along dim. */
    record Cumsum(int dim) implements Op {
    }

    /** cumprod along dim. */
    record Cumprod(int dim) implements Op {
    }

    /** logcumsumexp along dim. */
    record Logcumsumexp(int dim) implements Op {
    }

    /** Matrix product of inputs with rank ≥ 2 and equal (broadcast) batch dims. */
    record Matmul() implements Op {
    }

    /**
     * activation(x·weightᵀ + bias) as one op on x [rows, in]; inputs are x, weight, then bias if
     * present. pre is x·weightᵀ + bias, kept when activation is not null (null: plain F.linear).
     */
    record Linear(UnaryOp activation, Tensor pre) implements Op {
    }

    record Softmax(int dim) implements Op {
    }

    record LogSoftmax(int dim) implements Op {
    }

    /** Per-row cross-entropy of logits [N, C] against I32 labels [N]; inputs are logits, labels. */
    record CrossEntropy(int ignoreIndex) implements Op {
    }

    /** Any view or copy that only changes the shape (reshape, view, squeeze, unsqueeze, flatten). */
    record Reshape(int[] inputShape) implements Op {
    }

    /** permute and transpose. */
    record Permute(int[] perm) implements Op {
    }

    /** expand: a broadcast view; its gradient is summed back to the input's shape. */
    record Expand(int[] inputShape) implements Op {
    }

    /** narrow / slice along one dim with step 1. */
    record Narrow(int dim, int start, int length) implements Op {
    }

    /** A strided slice with step > 1. */
    record Slice(int dim, int start, int length, int step) implements Op {
    }

    /** select: index one position of a dim, dropping the dim. */
    record Select(int dim, int index) implements Op {
    }

    /** diagonal(offset, dim1, dim2): a view of one diagonal, moved to the last dim. */
    record Diagonal(int offset, int dim1, int dim2) implements Op {
    }

    /** Tensor.unfold(dim, size, step): a view of sliding windows (a new last dim of size). */
    record Unfold(int dim, int size, int step) implements Op {
    }

    /** Constant padding; before/after hold the (non-negative) padding of every dim. */
    record ConstantPad(int[] before, int[] after) implements Op {
    }

    /** contiguous and clone: same values, new layout. */
    record Copy() implements Op {
    }

    /** cat along dim; inputs are the parts. */
    record Cat(int dim) implements Op {
    }

    /** index_select(x, dim, index); inputs are x, index. */
    record IndexSelect(int dim) implements Op {
    }

    /** index_add(self, dim, index, src); inputs are self, index, src. */
    record IndexAdd(int dim) implements Op {
    }

    /** gather(x, dim, index); inputs are x, index. */
    record Gather(int dim) implements Op {
    }

    /** scatter_add(self, dim, index, src); inputs are self, index, src. */
    record ScatterAdd(int dim) implements Op {
    }

    /**
     * scatter_reduce(self, dim, index, src, reduce, includeSelf); inputs are self, index, src.
     * selfWeight (self's shape) and srcWeight (index's shape) are d(out)/d(input) per element,
     * worked out by the forward loop.
     */
    record ScatterReduce(int dim, Tensor selfWeight, Tensor srcWeight) implements Op {
    }

    /** to(dtype): the gradient goes back in the source dtype. */
    record Convert(DType from) implements Op {
    }

    /** to(device): the gradient goes back to the source device. */
    record Transfer(Device from) implements Op {
    }

    /**
     * batch_norm in training (batch statistics) over x [N, C, *]; inputs are x, then weight if
     * present, then bias if present. mean and invstd [C] are the forward kernel's saved statistics;
     * relu: a ReLU fused after it (the gradient masked where the output is not positive).
     */
    record BatchNorm(boolean hasWeight, boolean hasBias, Tensor mean, Tensor invstd, boolean relu) implements Op {
    }

    /**
     * layer_norm over the trailing normalizedShape; inputs are x, then weight if present, then
     * bias if present. mean and rstd are the forward kernel's saved statistics.
     */
    record LayerNorm(int[] normalizedShape, double eps, boolean hasWeight, boolean hasBias, Tensor mean, Tensor rstd)
            implements Op {
    }

    /** rms_norm over the trailing normalizedShape; inputs are x, then weight if present. */
    record RmsNorm(int[] normalizedShape, double eps, boolean hasWeight, Tensor rstd) implements Op {
    }

    /** An activation with fixed scalar parameters (leaky ReLU, SmeLU, HeLU, ...); its rule calls the fused backward kernel. */
    record Activate(Activation activation) implements Op {
        @Override
        public String gradName() {
            return capital(activation.kind().opName()) + "Backward";
        }
    }

    /** prelu(x, weight): one learnable negative slope shared, or one per channel (dim 1); inputs are x, weight. */
    record Prelu() implements Op {
    }

    /** Safe Padé activation P(x)/Q(x) with learnable coefficients; inputs are x, numerator, denominator. */
    record Pau() implements Op {
    }

    /**
     * The KAN B-spline basis of x on per-input knots (the knots are not an input: they get no
     * gradient); {@code derivative} is dB/dx, which the forward kernel computed in the same pass.
     */
    record BSplineBasis(int order, Tensor derivative) implements Op {
    }

    /**
     * scaled_dot_product_attention; inputs are q, k, v, then attnMask if present (BOOL or float,
     * broadcastable to [B, H, Tq, Tk]; only a float one has a gradient). scale is resolved (never
     * NaN); lse [B, H, Tq] is the forward kernel's per-row log-sum-exp, from which backward recomputes
     * P tile by tile with the same mask.
     */
    record ScaledDotProductAttention(boolean isCausal, double scale, Tensor lse, boolean hasMask) implements Op {
    }

    /**
     * binary_cross_entropy per element (unreduced); inputs are input, target, then weight if
     * present. Its own rule keeps PyTorch's finite gradient at inputs of exactly 0 or 1.
     */
    record BinaryCrossEntropy(boolean hasWeight) implements Op {
    }

    /** Normalised linear attention (prefix sums when causal); inputs are q, k, v. */
    record LinearAttention(boolean isCausal, double eps) implements Op {
    }

    /** conv2d over 4-D input; inputs are x, weight, then bias if present. */
    record Conv2d(ConvShape shape, boolean hasBias) implements Op {
        @Override
        public String gradName() {
            return "ConvolutionBackward";
        }
    }

    /**
     * conv_transpose2d over 4-D input; inputs are x, weight, then bias if present. shape is the
     * geometry of the conv2d whose input gradient it is (that conv's input is this op's output).
     */
    record ConvTranspose2d(ConvShape shape, boolean hasBias) implements Op {
        @Override
        public String gradName() {
            return "ConvolutionBackward";
        }
    }

    /** max_unpool2d; the input is x, index [N·C, L] the flat position of each value in its output plane. */
    record MaxUnpool2d(Tensor index) implements Op {
    }

    /**
     * max_pool2d/3d and adaptive_max_pool2d; the input is x, whose planes (N·C of them) are
     * inShape's; indices [N·C, outPlane] the flat position of each window's maximum in its plane.
     */
    record MaxPool(Tensor indices, int[] inShape) implements Op {
    }

    /** avg_pool2d and adaptive_avg_pool2d over the resolved windows; the input is x. */
    record AvgPool2d(PoolWindows windows) implements Op {
    }

    /** avg_pool3d over the resolved windows; the input is x. */
    record AvgPool3d(PoolWindows3d windows) implements Op {
    }

    private static String capital(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
