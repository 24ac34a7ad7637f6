package dev.kiln.tensor;

import dev.kiln.tensor.spi.Autograd;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.Op;
import java.util.Arrays;
import java.util.List;

import static dev.kiln.tensor.TypePromotion.Category.FLOATING;
import static dev.kiln.tensor.TypePromotion.Category.INTEGER;

/**
 * Tensor's copies, in-place ops, elementwise math and comparisons. Part of the chain that makes
 * up {@link Tensor}.
 */
public abstract sealed class TensorMath extends TensorViews permits TensorReductions {

    TensorMath(Storage storage, int[] shape, int[] strides, int offset) {
        super(storage, shape, strides, offset);
    }

    // ------------------------------------------------------------------ copies

    public Tensor clone() {
        return ViewOps.clone(self());
    }

    /** Converts to another dtype (float to int truncates toward zero); the same dtype returns this. */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) {
            return self();
        }
        Tensor out = ViewOps.copyAs(self(), dtype);
        if (dtype.isFloatingPoint() && dtype().isFloatingPoint()) {
            return Dispatch.record(new Op.Convert(dtype()), out, self());
        }
        return out;
    }

    /** Moves to another device; the same device returns this. */
    public Tensor to(Device target) {
        if (target.equals(device())) {
            return self();
        }
        Tensor src = contiguous();
        Tensor out;
        if (target.isCpu()) {
            Backend from = Backends.forDevice(device());
            out = Dispatch.uninitialized(Backends.forDevice(Device.CPU), dtype(), shape, Device.CPU);
            from.copyToHost(out, src);
        } else {
            Backend to = Backends.forDevice(target);
            Tensor host = src.to(Device.CPU).contiguous();
            out = Dispatch.uninitialized(to, dtype(), shape, target);
            to.copyFromHost(out, host);
        }
        return Dispatch.record(new Op.Transfer(device()), out, self());
    }

    public static Tensor cat(List<Tensor> tensors, int dim) {
        return IndexOps.cat(tensors, dim);
    }

    public static Tensor cat(int dim, Tensor... tensors) {
        return IndexOps.cat(List.of(tensors), dim);
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        return IndexOps.stack(tensors, dim);
    }

    public static Tensor stack(int dim, Tensor... tensors) {
        return IndexOps.stack(List.of(tensors), dim);
    }

    /** The entries of dim at the I32 indices (PyTorch's {@code index_select}). */
    public Tensor indexSelect(int dim, Tensor index) {
        return IndexOps.indexSelect(self(), dim, index);
    }

    /** A copy of this tensor with src's slices added at the indices of dim (PyTorch's {@code index_add}). */
    public Tensor indexAdd(int dim, Tensor index, Tensor src) {
        return IndexOps.indexAdd(self(), dim, index, src);
    }

    /** out[i][j] = this[index[i][j]][j] for dim 0, and likewise for other dims. */
    public Tensor gather(int dim, Tensor index) {
        return IndexOps.gather(self(), dim, index);
    }

    /** A copy of this tensor with src added at the positions index names along dim. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return IndexOps.scatterAdd(self(), dim, index, src);
    }

    /** Rows of {@code weight} [num, dim] at the I32 {@code indices} (PyTorch's {@code F.embedding}). */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return IndexOps.embedding(indices, weight);
    }

    /** Elementwise cond ? a : b with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return ElementwiseOps.where(cond, a, b);
    }

    /** where with a float scalar for b: promoted as PyTorch (an I32 a gives F32). */
    public static Tensor where(Tensor cond, Tensor a, double b) {
        return ElementwiseOps.where(cond, a, ElementwiseOps.scalarOperand("where", a, b, FLOATING));
    }

    /** where with an integer scalar for b: a keeps its dtype (a BOOL a becomes an integer). */
    public static Tensor where(Tensor cond, Tensor a, long b) {
        return ElementwiseOps.where(cond, a, ElementwiseOps.scalarOperand("where", a, b, INTEGER));
    }

    public static Tensor where(Tensor cond, double a, Tensor b) {
        return ElementwiseOps.where(cond, ElementwiseOps.scalarOperand("where", b, a, FLOATING), b);
    }

    public static Tensor where(Tensor cond, long a, Tensor b) {
        return ElementwiseOps.where(cond, ElementwiseOps.scalarOperand("where", b, a, INTEGER), b);
    }

    /** cond ? a : b with two scalars: F32 of cond's shape (PyTorch's default dtype). */
    public static Tensor where(Tensor cond, double a, double b) {
        return ElementwiseOps.where(cond, Tensor.full(a, DType.F32, cond.device()), Tensor.full(b, DType.F32, cond.device()));
    }

    // ------------------------------------------------------------------ type promotion

    /**
     * PyTorch's {@code torch.result_type}: the dtype a binary op on a and b computes in and returns
     * (comparisons aside). The higher category wins (BOOL &lt; integer &lt; floating), within one the
     * wider dtype; a 0-d tensor beside a tensor with dims counts only when its category is higher.
     */
    public static DType resultType(Tensor a, Tensor b) {
        checkOperands(a, b);
        return TypePromotion.resultType(a, b);
    }

    /** resultType with a float scalar: it only raises the category (I32 gives F32, F64 stays F64). */
    public static DType resultType(Tensor a, double b) {
        checkOperands(a, a);
        return TypePromotion.resultType(a, FLOATING);
    }

    /** resultType with an integer scalar (PyTorch's int): a BOOL tensor becomes integer, others keep their dtype. */
    public static DType resultType(Tensor a, long b) {
        checkOperands(a, a);
        return TypePromotion.resultType(a, INTEGER);
    }

    /** resultType with a boolean scalar: a tensor keeps its dtype. */
    public static DType resultType(Tensor a, boolean b) {
        checkOperands(a, a);
        return TypePromotion.resultType(a, TypePromotion.Category.BOOL);
    }

    private static void checkOperands(Tensor a, Tensor b) {
        if (a == null || b == null) {
            throw new IllegalArgumentException("resultType: the tensors must not be null");
        }
    }

    // ------------------------------------------------------------------ in place

    /** Copies src (broadcast to this shape, converted to this dtype) into this tensor or view. */
    public Tensor copy_(Tensor src) {
        return copyFrom("copy_", src);
    }

    private Tensor copyFrom(String op, Tensor src) {
        checkInPlace(op, src);
        Dispatch.device(op, self(), src);
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] == 0 && shape[d] > 1) {
                // several elements share one location: which value would win depends on the kernel
                throw new IllegalArgumentException(op + ": the destination " + Shapes.str(shape)
                        + " is a broadcast view (stride 0 in dim " + d + "); write into a contiguous tensor instead");
            }
        }
        if (!Shapes.broadcastsTo(src.shape, shape)) {
            throw new IllegalArgumentException(op + ": source " + Shapes.str(src.shape) + " does not broadcast to "
                    + Shapes.str(shape));
        }
        Backends.forDevice(device()).copy(self(), src.broadcastView(shape));
        storage.bumpVersion();
        return self();
    }

    public Tensor fill_(double value) {
        checkInPlace("fill_", null);
        checkFillValue("fill_", value, dtype());
        Backends.forDevice(device()).fill(self(), value);
        storage.bumpVersion();
        return self();
    }

    public Tensor zero_() {
        return fill_(0);
    }

    // In-place ops compute in the promoted type and write back into this dtype, which must be able to
    // hold it (PyTorch's "result type Float can't be cast to the desired output type Int").

    /** this += other (broadcast), in place. */
    public Tensor add_(Tensor other) {
        return assignFrom("add_", resultType(self(), other), other, () -> add(other));
    }

    /** this += alpha · other, in place. */
    public Tensor add_(Tensor other, double alpha) {
        return assignFrom("add_", resultType(self(), other), other, () -> add(other, alpha));
    }

    public Tensor add_(double s) {
        return assignFrom("add_", resultType(self(), s), null, () -> add(s));
    }

    public Tensor add_(long s) {
        return assignFrom("add_", resultType(self(), s), null, () -> add(s));
    }

    public Tensor sub_(Tensor other) {
        return assignFrom("sub_", resultType(self(), other), other, () -> sub(other));
    }

    public Tensor mul_(Tensor other) {
        return assignFrom("mul_", resultType(self(), other), other, () -> mul(other));
    }

    public Tensor mul_(double s) {
        return assignFrom("mul_", resultType(self(), s), null, () -> mul(s));
    }

    public Tensor mul_(long s) {
        return assignFrom("mul_", resultType(self(), s), null, () -> mul(s));
    }

    /** this /= other: true division, so an integer tensor is refused (its result type is F32). */
    public Tensor div_(Tensor other) {
        DType r = resultType(self(), other);
        return assignFrom("div_", r.isFloatingPoint() ? r : TypePromotion.DEFAULT_FLOAT, other, () -> div(other));
    }

    public Tensor clamp_(double min, double max) {
        return assignFrom("clamp_", resultType(self(), min), null, () -> clamp(min, max));
    }

    public Tensor clamp_(long min, long max) {
        return assignFrom("clamp_", resultType(self(), min), null, () -> clamp(min, max));
    }

    /** Checks, computes out of place, writes back: other (null for a scalar) must broadcast to this shape. */
    private Tensor assignFrom(String op, DType resultType, Tensor other, java.util.function.Supplier<Tensor> compute) {
        if (other != null && !Shapes.broadcastsTo(other.shape, shape)) {
            throw new IllegalArgumentException(op + ": other " + Shapes.str(other.shape) + " does not broadcast to "
                    + "this tensor's shape " + Shapes.str(shape));
        }
        TypePromotion.checkInPlace(op, resultType, self());
        Tensor result = compute.get();
        if (!Arrays.equals(result.shape, shape)) {
            throw new IllegalArgumentException(op + ": the result has shape " + Shapes.str(result.shape)
                    + ", which cannot be written into " + Shapes.str(shape));
        }
        return copyFrom(op, result);
    }

    private void checkInPlace(String op, Tensor src) {
        if (!Autograd.get().isGradEnabled()) {
            return;
        }
        if (requiresGrad) {
            throw new IllegalStateException(op + ": a tensor that requires grad cannot be modified in place "
                    + "while grad is enabled; use a NoGrad scope or an out-of-place op");
        }
        if (src != null && src.requiresGrad) {
            // in-place writes are not recorded, so the source's gradient would be lost without a word
            throw new IllegalStateException(op + ": the source requires grad, but in-place writes are not recorded "
                    + "and its gradient would be lost; use an out-of-place op, a NoGrad scope or detach()");
        }
    }

    // ------------------------------------------------------------------ elementwise math

    public Tensor add(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.ADD, self(), other);
    }

    /** relu(this + other) as one op (PyTorch's private {@code _add_relu}): the same values and gradients. */
    public Tensor addRelu(Tensor other) {
        return ElementwiseOps.addRelu(self(), other);
    }

    public Tensor add(double s) {
        return ElementwiseOps.binary(BinaryOp.ADD, self(), s, FLOATING);
    }

    public Tensor add(long s) {
        return ElementwiseOps.binary(BinaryOp.ADD, self(), s, INTEGER);
    }

    /** this + alpha · other; integer and BOOL operands take a whole alpha only and stay integer, as PyTorch. */
    public Tensor add(Tensor other, double alpha) {
        if (alpha == 1) {
            return add(other);
        }
        if (other != null && !TypePromotion.isFloating(resultType(self(), other))) {
            if (alpha != Math.rint(alpha) || Math.abs(alpha) > Long.MAX_VALUE) {
                throw new IllegalArgumentException("add: alpha must be a whole number for the integer or BOOL tensors "
                        + dtype() + " " + Shapes.str(shape) + " and " + other.dtype() + " " + Shapes.str(other.shape)
                        + ", got " + alpha);
            }
            return add(other.mul((long) alpha));
        }
        return add(other.mul(alpha));
    }

    public Tensor sub(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.SUB, self(), other);
    }

    public Tensor sub(double s) {
        return ElementwiseOps.binary(BinaryOp.SUB, self(), s, FLOATING);
    }

    public Tensor sub(long s) {
        return ElementwiseOps.binary(BinaryOp.SUB, self(), s, INTEGER);
    }

    public Tensor mul(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.MUL, self(), other);
    }

    public Tensor mul(double s) {
        return ElementwiseOps.binary(BinaryOp.MUL, self(), s, FLOATING);
    }

    public Tensor mul(long s) {
        return ElementwiseOps.binary(BinaryOp.MUL, self(), s, INTEGER);
    }

    public Tensor div(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.DIV, self(), other);
    }

    public Tensor div(double s) {
        return ElementwiseOps.binary(BinaryOp.DIV, self(), s, FLOATING);
    }

    public Tensor div(long s) {
        return ElementwiseOps.binary(BinaryOp.DIV, self(), s, INTEGER);
    }

    public Tensor pow(Tensor exponent) {
        return ElementwiseOps.binary(BinaryOp.POW, self(), exponent);
    }

    public Tensor pow(double exponent) {
        return ElementwiseOps.binary(BinaryOp.POW, self(), exponent, FLOATING);
    }

    /** An integer tensor to an integer power stays integer; a negative power of one is refused, as PyTorch. */
    public Tensor pow(long exponent) {
        if (exponent < 0 && TypePromotion.category(dtype()) != TypePromotion.Category.FLOATING) {
            throw new IllegalArgumentException("pow: integers to negative integer powers are not allowed, got the "
                    + dtype() + " tensor " + Shapes.str(shape) + " to the power " + exponent);
        }
        return ElementwiseOps.binary(BinaryOp.POW, self(), exponent, INTEGER);
    }

    /** Elementwise max of two tensors (NaN propagates). */
    public Tensor maximum(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.MAXIMUM, self(), other);
    }

    public Tensor minimum(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.MINIMUM, self(), other);
    }

    public Tensor neg() {
        return ElementwiseOps.unary(UnaryOp.NEG, self());
    }

    public Tensor exp() {
        return ElementwiseOps.unary(UnaryOp.EXP, self());
    }

    public Tensor log() {
        return ElementwiseOps.unary(UnaryOp.LOG, self());
    }

    public Tensor sqrt() {
        return ElementwiseOps.unary(UnaryOp.SQRT, self());
    }

    public Tensor rsqrt() {
        return ElementwiseOps.unary(UnaryOp.RSQRT, self());
    }

    public Tensor abs() {
        return ElementwiseOps.unary(UnaryOp.ABS, self());
    }

    public Tensor sign() {
        return ElementwiseOps.unary(UnaryOp.SIGN, self());
    }

    public Tensor tanh() {
        return ElementwiseOps.unary(UnaryOp.TANH, self());
    }

    public Tensor sigmoid() {
        return ElementwiseOps.unary(UnaryOp.SIGMOID, self());
    }

    public Tensor relu() {
        return ElementwiseOps.unary(UnaryOp.RELU, self());
    }

    /** GELU, exact form x·Φ(x) (PyTorch's {@code gelu(approximate='none')}). */
    public Tensor gelu() {
        return ElementwiseOps.unary(UnaryOp.GELU, self());
    }

    /** GELU with PyTorch's {@code approximate} argument: "none" (erf form) or "tanh". */
    public Tensor gelu(String approximate) {
        if (approximate == null) {
            throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got null");
        }
        return switch (approximate) {
            case "none" -> gelu();
            case "tanh" -> ElementwiseOps.unary(UnaryOp.GELU_TANH, self());
            default -> throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got \""
                    + approximate + "\"");
        };
    }

    /** x·σ(x). */
    public Tensor silu() {
        return ElementwiseOps.unary(UnaryOp.SILU, self());
    }

    /** x·tanh(softplus(x)). */
    public Tensor mish() {
        return ElementwiseOps.unary(UnaryOp.MISH, self());
    }

    /** log(1 + eˣ), computed stably. */
    public Tensor softplus() {
        return ElementwiseOps.unary(UnaryOp.SOFTPLUS, self());
    }

    /** max(0, x)². */
    public Tensor reluSquared() {
        return ElementwiseOps.unary(UnaryOp.RELU_SQUARED, self());
    }

    /** x if x > 0 else negativeSlope·x. */
    public Tensor leakyRelu(double negativeSlope) {
        return ActivationOps.activation(self(), Activation.leakyRelu(negativeSlope));
    }

    /** An activation with scalar parameters (SmeLU, HeLU, Elephant, FATReLU, SAU, VeLU, ...), see {@link Activation}. */
    public Tensor activation(Activation f) {
        return ActivationOps.activation(self(), f);
    }

    /** PyTorch's prelu: weight has one element (shared) or one per channel at dim 1. */
    public Tensor prelu(Tensor weight) {
        return ActivationOps.prelu(self(), weight);
    }

    /**
     * Safe Padé activation P(x)/Q(x) with P = Σ_j numerator[j]·x^j and Q = 1 + Σ_k |denominator[k−1]|·|x|^k
     * (Molina et al., "Padé Activation Units").
     */
    public Tensor pau(Tensor numerator, Tensor denominator) {
        return ActivationOps.pau(self(), numerator, denominator);
    }

    /** this · this. */
    public Tensor square() {
        return mul(self());
    }

    /**
     * Limits every element to [min, max]; min &gt; max sets every element to max, as PyTorch. The
     * gradient passes where min ≤ x ≤ max. Float bounds promote an integer tensor to F32, as PyTorch.
     */
    public Tensor clamp(double min, double max) {
        return ElementwiseOps.clamp(self(), min, max, FLOATING);
    }

    /** clamp with integer bounds: an integer tensor stays integer. */
    public Tensor clamp(long min, long max) {
        return ElementwiseOps.clamp(self(), min, max, INTEGER);
    }

    /**
     * clamp with tensor bounds, broadcast with this (either may be null, not both): promoted as
     * PyTorch; min &gt; max gives max. The gradients go where PyTorch's do: to this where min ≤ x ≤
     * max, to min where x &lt; min &lt; max, to max where x &gt; max or max &lt; min.
     */
    public Tensor clamp(Tensor min, Tensor max) {
        return ElementwiseCompositions.clamp(self(), min, max);
    }

    public Tensor clampMin(Tensor min) {
        return ElementwiseCompositions.clamp(self(), min, null);
    }

    public Tensor clampMax(Tensor max) {
        return ElementwiseCompositions.clamp(self(), null, max);
    }

    public Tensor clampMin(double min) {
        return ElementwiseOps.clamp(self(), min, Double.POSITIVE_INFINITY, FLOATING);
    }

    public Tensor clampMin(long min) {
        return ElementwiseOps.clamp(self(), min, Double.POSITIVE_INFINITY, INTEGER);
    }

    public Tensor clampMax(double max) {
        return ElementwiseOps.clamp(self(), Double.NEGATIVE_INFINITY, max, FLOATING);
    }

    public Tensor clampMax(long max) {
        return ElementwiseOps.clamp(self(), Double.NEGATIVE_INFINITY, max, INTEGER);
    }

    // ------------------------------------------------------------------ issue 15: elementwise math
    // Integer and BOOL inputs compute in F32, PyTorch's default dtype (sin of an int tensor is float).

    /** Elementwise sine. */
    public Tensor sin() {
        return ElementwiseOps.unary(UnaryOp.SIN, self());
    }

    /** Elementwise cosine. */
    public Tensor cos() {
        return ElementwiseOps.unary(UnaryOp.COS, self());
    }

    /** Elementwise tangent. */
    public Tensor tan() {
        return ElementwiseOps.unary(UnaryOp.TAN, self());
    }

    /** Elementwise arcsine (NaN outside [−1, 1]). */
    public Tensor asin() {
        return ElementwiseOps.unary(UnaryOp.ASIN, self());
    }

    /** Elementwise arccosine (NaN outside [−1, 1]). */
    public Tensor acos() {
        return ElementwiseOps.unary(UnaryOp.ACOS, self());
    }

    /** Elementwise arctangent. */
    public Tensor atan() {
        return ElementwiseOps.unary(UnaryOp.ATAN, self());
    }

    /** Elementwise hyperbolic sine. */
    public Tensor sinh() {
        return ElementwiseOps.unary(UnaryOp.SINH, self());
    }

    /** Elementwise hyperbolic cosine. */
    public Tensor cosh() {
        return ElementwiseOps.unary(UnaryOp.COSH, self());
    }

    /** Elementwise inverse hyperbolic sine. */
    public Tensor asinh() {
        return ElementwiseOps.unary(UnaryOp.ASINH, self());
    }

    /** Elementwise inverse hyperbolic cosine (NaN below 1). */
    public Tensor acosh() {
        return ElementwiseOps.unary(UnaryOp.ACOSH, self());
    }

    /** Elementwise inverse hyperbolic tangent (±∞ at ±1, NaN outside). */
    public Tensor atanh() {
        return ElementwiseOps.unary(UnaryOp.ATANH, self());
    }

    /** Elementwise rounds down; I32 stays as it is; gradient 0. */
    public Tensor floor() {
        return ElementwiseOps.unary(UnaryOp.FLOOR, self());
    }

    /** Elementwise rounds up; I32 stays as it is; gradient 0. */
    public Tensor ceil() {
        return ElementwiseOps.unary(UnaryOp.CEIL, self());
    }

    /** Elementwise rounds half to even (2.5 → 2), as PyTorch; I32 stays as it is; gradient 0. */
    public Tensor round() {
        return ElementwiseOps.unary(UnaryOp.ROUND, self());
    }

    /** Elementwise rounds toward zero; I32 stays as it is; gradient 0. */
    public Tensor trunc() {
        return ElementwiseOps.unary(UnaryOp.TRUNC, self());
    }

    /** Elementwise x − trunc(x), the sign of x kept; floating-point only, as PyTorch. */
    public Tensor frac() {
        return ElementwiseOps.unary(UnaryOp.FRAC, self());
    }

    /** Elementwise the error function. */
    public Tensor erf() {
        return ElementwiseOps.unary(UnaryOp.ERF, self());
    }

    /** Elementwise 1 − erf(x), accurate in the tail. */
    public Tensor erfc() {
        return ElementwiseOps.unary(UnaryOp.ERFC, self());
    }

    /** Elementwise the inverse of erf: ±∞ at ±1, NaN outside [−1, 1]. */
    public Tensor erfinv() {
        return ElementwiseOps.unary(UnaryOp.ERFINV, self());
    }

    /** Elementwise base-2 logarithm. */
    public Tensor log2() {
        return ElementwiseOps.unary(UnaryOp.LOG2, self());
    }

    /** Elementwise base-10 logarithm. */
    public Tensor log10() {
        return ElementwiseOps.unary(UnaryOp.LOG10, self());
    }

    /** Elementwise log(1 + x), accurate near 0. */
    public Tensor log1p() {
        return ElementwiseOps.unary(UnaryOp.LOG1P, self());
    }

    /** Elementwise 2ˣ. */
    public Tensor exp2() {
        return ElementwiseOps.unary(UnaryOp.EXP2, self());
    }

    /** Elementwise eˣ − 1, accurate near 0. */
    public Tensor expm1() {
        return ElementwiseOps.unary(UnaryOp.EXPM1, self());
    }

    /** PyTorch's {@code round(decimals)}: rounds half to even at 10^−decimals (decimals may be negative). */
    public Tensor round(int decimals) {
        return ElementwiseCompositions.round(self(), decimals);
    }

    /** PyTorch's {@code sgn}: the sign for real tensors (Kiln has no complex dtype), as {@link #sign()}. */
    public Tensor sgn() {
        return sign();
    }

    /** atan2(this, other): the angle of the point (other, this), in (−π, π]. */
    public Tensor atan2(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.ATAN2, self(), other);
    }

    /** |this| with the sign of other (the sign bit, so −0 counts as negative). */
    public Tensor copysign(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.COPYSIGN, self(), other);
    }

    public Tensor copysign(double other) {
        return copysign(Tensor.full(other, dtype().isFloatingPoint() ? dtype() : DType.F32, device()));
    }

    /** log(eˣ + eʸ), without overflow. */
    public Tensor logaddexp(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.LOGADDEXP, self(), other);
    }

    /** log₂(2ˣ + 2ʸ), without overflow. */
    public Tensor logaddexp2(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.LOGADDEXP2, self(), other);
    }

    /** √(x² + y²) without overflow or underflow. */
    public Tensor hypot(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.HYPOT, self(), other);
    }

    /** C's fmod: the remainder of this/other with the sign of this. An I32 divisor holding 0 is refused. */
    public Tensor fmod(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.FMOD, self(), other);
    }

    public Tensor fmod(double other) {
        return ElementwiseOps.binary(BinaryOp.FMOD, self(), other, FLOATING);
    }

    public Tensor fmod(long other) {
        return ElementwiseOps.binary(BinaryOp.FMOD, self(), other, INTEGER);
    }

    /** Python's %: the remainder of this/other with the sign of other. An I32 divisor holding 0 is refused. */
    public Tensor remainder(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.REMAINDER, self(), other);
    }

    public Tensor remainder(double other) {
        return ElementwiseOps.binary(BinaryOp.REMAINDER, self(), other, FLOATING);
    }

    public Tensor remainder(long other) {
        return ElementwiseOps.binary(BinaryOp.REMAINDER, self(), other, INTEGER);
    }

    /**
     * PyTorch's {@code div(other, rounding_mode=...)}: null is true division; TRUNC and FLOOR round
     * the quotient (and keep I32 as I32, refusing a 0 divisor). Gradient 0 when rounded.
     */
    public Tensor div(Tensor other, RoundingMode roundingMode) {
        return ElementwiseCompositions.div(self(), other, roundingMode);
    }

    /** div with PyTorch's rounding_mode string: "trunc", "floor", or null for true division. */
    public Tensor div(Tensor other, String roundingMode) {
        return div(other, RoundingMode.of(roundingMode));
    }

    public Tensor div(double other, RoundingMode roundingMode) {
        return div(ElementwiseOps.scalarOperand("div", self(), other, FLOATING), roundingMode);
    }

    public Tensor div(double other, String roundingMode) {
        return div(other, RoundingMode.of(roundingMode));
    }

    /** An integer divisor with a rounding mode keeps an integer tensor integer. */
    public Tensor div(long other, RoundingMode roundingMode) {
        return div(ElementwiseOps.scalarOperand("div", self(), other, INTEGER), roundingMode);
    }

    public Tensor div(long other, String roundingMode) {
        return div(other, RoundingMode.of(roundingMode));
    }

    /** this + weight·(end − this) (PyTorch's two-sided form, exact at both ends). */
    public Tensor lerp(Tensor end, double weight) {
        return ElementwiseCompositions.lerp(self(), end, weight);
    }

    /** lerp with a weight tensor, broadcast with this and end. */
    public Tensor lerp(Tensor end, Tensor weight) {
        return ElementwiseCompositions.lerp(self(), end, weight);
    }

    /** NaN to 0, ±∞ to the dtype's largest and lowest finite values (PyTorch's defaults). */
    public Tensor nanToNum() {
        return ElementwiseCompositions.nanToNum(self(), 0, null, null);
    }

    public Tensor nanToNum(double nan) {
        return ElementwiseCompositions.nanToNum(self(), nan, null, null);
    }

    /** NaN, +∞ and −∞ replaced by nan, posinf and neginf; a null bound is the dtype's extreme, as PyTorch's None. */
    public Tensor nanToNum(double nan, Double posinf, Double neginf) {
        return ElementwiseCompositions.nanToNum(self(), nan, posinf, neginf);
    }

    /** BOOL mask of ±∞. */
    public Tensor isinf() {
        return ElementwiseCompositions.isinf(self());
    }

    /** BOOL mask of the finite elements (neither ±∞ nor NaN). */
    public Tensor isfinite() {
        return ElementwiseCompositions.isfinite(self());
    }

    /** isclose with PyTorch's defaults: rtol 1e-5, atol 1e-8, NaN never close. */
    public Tensor isclose(Tensor other) {
        return isclose(other, 1e-5, 1e-8, false);
    }

    public Tensor isclose(Tensor other, double rtol, double atol) {
        return isclose(other, rtol, atol, false);
    }

    /** BOOL: this == other, or |this − other| ≤ atol + rtol·|other|; with equalNan, NaN is close to NaN. */
    public Tensor isclose(Tensor other, double rtol, double atol, boolean equalNan) {
        return ElementwiseCompositions.isclose(self(), other, rtol, atol, equalNan);
    }

    /** BOOL: both nonzero (any dtypes; NaN counts as nonzero). */
    public Tensor logicalAnd(Tensor other) {
        return ElementwiseCompositions.logicalAnd(self(), other);
    }

    public Tensor logicalOr(Tensor other) {
        return ElementwiseCompositions.logicalOr(self(), other);
    }

    public Tensor logicalXor(Tensor other) {
        return ElementwiseCompositions.logicalXor(self(), other);
    }

    /** BOOL: this == 0. */
    public Tensor logicalNot() {
        return ElementwiseCompositions.logicalNot(self());
    }

    /** Bitwise and of I32 tensors (logical and of BOOL ones). */
    public Tensor bitwiseAnd(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_AND, self(), other);
    }

    public Tensor bitwiseAnd(long other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_AND, self(), other, INTEGER);
    }

    public Tensor bitwiseOr(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_OR, self(), other);
    }

    public Tensor bitwiseOr(long other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_OR, self(), other, INTEGER);
    }

    public Tensor bitwiseXor(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_XOR, self(), other);
    }

    public Tensor bitwiseXor(long other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_XOR, self(), other, INTEGER);
    }

    /** ~x on I32 (−x − 1), logical not on BOOL. */
    public Tensor bitwiseNot() {
        return ElementwiseCompositions.bitwiseNot(self());
    }

    /** this &lt;&lt; other on I32; the count is taken mod 32, as PyTorch 1.13's CPU kernels. */
    public Tensor bitwiseLeftShift(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_LEFT_SHIFT, self(), other);
    }

    public Tensor bitwiseLeftShift(long other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_LEFT_SHIFT, self(), other, INTEGER);
    }

    /** Arithmetic shift right on I32 (the sign is kept); the count is taken mod 32. */
    public Tensor bitwiseRightShift(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_RIGHT_SHIFT, self(), other);
    }

    public Tensor bitwiseRightShift(long other) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_RIGHT_SHIFT, self(), other, INTEGER);
    }

    // ------------------------------------------------------------------ issue 15: activations

    /** scale·(x if x > 0 else α·(eˣ − 1)) with PyTorch's α = 1.6733 and scale = 1.0507. */
    public Tensor selu() {
        return ElementwiseOps.unary(UnaryOp.SELU, self());
    }

    /** min(max(x, 0), 6). */
    public Tensor relu6() {
        return ElementwiseOps.unary(UnaryOp.RELU6, self());
    }

    /** x·relu6(x + 3)/6. */
    public Tensor hardswish() {
        return ElementwiseOps.unary(UnaryOp.HARDSWISH, self());
    }

    /** relu6(x + 3)/6. */
    public Tensor hardsigmoid() {
        return ElementwiseOps.unary(UnaryOp.HARDSIGMOID, self());
    }

    /** log σ(x), without overflow. */
    public Tensor logsigmoid() {
        return ElementwiseOps.unary(UnaryOp.LOGSIGMOID, self());
    }

    /** x/(1 + |x|). */
    public Tensor softsign() {
        return ElementwiseOps.unary(UnaryOp.SOFTSIGN, self());
    }

    /** x − tanh(x). */
    public Tensor tanhshrink() {
        return ElementwiseOps.unary(UnaryOp.TANHSHRINK, self());
    }

    /** elu with PyTorch's alpha = 1. */
    public Tensor elu() {
        return elu(Activation.Kind.ELU.defaultParam(0));
    }

    /** x if x > 0 else alpha·(eˣ − 1). */
    public Tensor elu(double alpha) {
        return ActivationOps.activation(self(), Activation.elu(alpha));
    }

    /** celu with PyTorch's alpha = 1. */
    public Tensor celu() {
        return celu(Activation.Kind.CELU.defaultParam(0));
    }

    /** max(0, x) + min(0, alpha·(e^{x/alpha} − 1)). */
    public Tensor celu(double alpha) {
        return ActivationOps.activation(self(), Activation.celu(alpha));
    }

    /** hardtanh with PyTorch's bounds −1 and 1. */
    public Tensor hardtanh() {
        return hardtanh(-1, 1);
    }

    /** min(max(x, minVal), maxVal); the gradient is 1 strictly between the bounds. */
    public Tensor hardtanh(double minVal, double maxVal) {
        return ActivationOps.activation(self(), Activation.hardtanh(minVal, maxVal));
    }

    /** softshrink with PyTorch's lambd = 0.5. */
    public Tensor softshrink() {
        return softshrink(Activation.Kind.SOFTSHRINK.defaultParam(0));
    }

    /** x − lambd above lambd, x + lambd below −lambd, 0 between. */
    public Tensor softshrink(double lambd) {
        return ActivationOps.activation(self(), Activation.softshrink(lambd));
    }

    /** hardshrink with PyTorch's lambd = 0.5. */
    public Tensor hardshrink() {
        return hardshrink(Activation.Kind.HARDSHRINK.defaultParam(0));
    }

    /** x where |x| > lambd, else 0. */
    public Tensor hardshrink(double lambd) {
        return ActivationOps.activation(self(), Activation.hardshrink(lambd));
    }

    /** softplus(beta) with PyTorch's threshold 20. */
    public Tensor softplus(double beta) {
        return softplus(beta, 20);
    }

    /**
     * PyTorch's {@code softplus(beta, threshold)}: log(1 + e^{βx})/β, and x itself where βx &gt;
     * threshold. Composition: {@link #softplus()} of βx, scaled, and a where.
     */
    public Tensor softplus(double beta, double threshold) {
        return ActivationOps.softplus(self(), beta, threshold);
    }

    /** glu over the last dim. */
    public Tensor glu() {
        return glu(-1);
    }

    /** PyTorch's glu: the first half of dim times the sigmoid of the second half. Composition. */
    public Tensor glu(int dim) {
        return ActivationOps.glu(self(), dim);
    }

    // ------------------------------------------------------------------ comparisons (BOOL results)

    public Tensor eq(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.EQ, self(), other);
    }

    public Tensor eq(double s) {
        return ElementwiseOps.binary(BinaryOp.EQ, self(), s, FLOATING);
    }

    public Tensor eq(long s) {
        return ElementwiseOps.binary(BinaryOp.EQ, self(), s, INTEGER);
    }

    public Tensor ne(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.NE, self(), other);
    }

    public Tensor ne(double s) {
        return ElementwiseOps.binary(BinaryOp.NE, self(), s, FLOATING);
    }

    public Tensor ne(long s) {
        return ElementwiseOps.binary(BinaryOp.NE, self(), s, INTEGER);
    }

    public Tensor lt(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.LT, self(), other);
    }

    public Tensor lt(double s) {
        return ElementwiseOps.binary(BinaryOp.LT, self(), s, FLOATING);
    }

    public Tensor lt(long s) {
        return ElementwiseOps.binary(BinaryOp.LT, self(), s, INTEGER);
    }

    public Tensor le(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.LE, self(), other);
    }

    public Tensor le(double s) {
        return ElementwiseOps.binary(BinaryOp.LE, self(), s, FLOATING);
    }

    public Tensor le(long s) {
        return ElementwiseOps.binary(BinaryOp.LE, self(), s, INTEGER);
    }

    public Tensor gt(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.GT, self(), other);
    }

    public Tensor gt(double s) {
        return ElementwiseOps.binary(BinaryOp.GT, self(), s, FLOATING);
    }

    public Tensor gt(long s) {
        return ElementwiseOps.binary(BinaryOp.GT, self(), s, INTEGER);
    }

    public Tensor ge(Tensor other) {
        return ElementwiseOps.binary(BinaryOp.GE, self(), other);
    }

    public Tensor ge(double s) {
        return ElementwiseOps.binary(BinaryOp.GE, self(), s, FLOATING);
    }

    public Tensor ge(long s) {
        return ElementwiseOps.binary(BinaryOp.GE, self(), s, INTEGER);
    }

    /** BOOL mask of NaN elements. */
    public Tensor isnan() {
        return dtype().isFloatingPoint() ? ne(this.detach()) : Tensor.full(0, DType.BOOL, device(), shape);
    }

    /** A 0-d BOOL: whether any element is non-zero. */
    public Tensor any() {
        return (dtype() == DType.BOOL ? self() : ne(0)).sum().gt(0);
    }

    /** A 0-d BOOL: whether every element is non-zero. */
    public Tensor all() {
        Tensor mask = dtype() == DType.BOOL ? self() : ne(0);
        return mask.sum().eq(numel());
    }

    /** Whether |this − other| ≤ atol + rtol·|other| everywhere (shapes must broadcast; NaN never matches). */
    public boolean allClose(Tensor other, double rtol, double atol) {
        Shapes.broadcast("allClose", shape, other.shape);
        Tensor a = detach().to(DType.F64);
        Tensor b = other.detach().to(DType.F64);
        Tensor bad = a.sub(b).abs().gt(b.abs().mul(rtol).add(atol)).any();
        return bad.item() == 0 && a.isnan().any().item() == 0 && b.isnan().any().item() == 0;
    }

}
