package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.Op;

/**
 * Unary, binary, clamp and where: checks, broadcasting, dispatch and recording.
 *
 * <p>Each op's fused backward kernel sits next to its forward; the backwards are public because
 * autograd's derivative rules (another module) call them. Users reach the forwards through {@link Tensor}.
 */
public final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static Tensor unary(UnaryOp op, Tensor x) {
        String name = op.opName();
        if (op.promotesIntegers() && !x.dtype().isFloatingPoint()) {
            x = x.to(DType.F32); // PyTorch: integer and BOOL inputs compute in the default float dtype
        }
        if (op.isRounding() && x.dtype().isIntegral()) {
            return x.clone(); // integers are already rounded; PyTorch returns them as they are
        }
        Dispatch.requireNumeric(name, x);
        if (op.needsFloat()) {
            Dispatch.requireFloat(name, x);
        }
        Backend b = Dispatch.backend(name, x);
        Tensor out = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        b.unary(op, out, x);
        return Dispatch.record(new Op.Unary(op), out, x);
    }

    /** dx = dy ⊙ op'(x): the fused backward of an elementwise op (GELU, SiLU, Mish, ...). */
    public static Tensor unaryBackward(UnaryOp op, Tensor x, Tensor dy) {
        String name = op.opName() + "Backward";
        Dispatch.notRecorded(name, x, dy);
        Dispatch.requireFloat(name, x);
        Dispatch.sameDType(name, x, dy);
        Dispatch.sameShape(name, x, dy);
        Backend b = Dispatch.backend(name, x, dy);
        Tensor dx = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        b.unaryBackward(op, dx, x, dy);
        return dx;
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor bt) {
        String name = op.opName();
        if (op.isBitwise()) {
            return bitwise(op, a, bt);
        }
        if (op.promotesIntegers()) {
            // PyTorch: integer operands compute in the other operand's float dtype, or in F32
            DType f = a.dtype().isFloatingPoint() ? a.dtype() : bt.dtype().isFloatingPoint() ? bt.dtype() : DType.F32;
            a = a.dtype().isFloatingPoint() ? a : a.to(f);
            bt = bt.dtype().isFloatingPoint() ? bt : bt.to(f);
        }
        Dispatch.requireNumeric(name, a);
        Dispatch.requireNumeric(name, bt);
        Dispatch.sameDType(name, a, bt);
        if (op.needsFloat()) {
            Dispatch.requireFloat(name, a);
        }
        Backend b = Dispatch.backend(name, a, bt);
        int[] shape = Shapes.broadcast(name, a.shape(), bt.shape());
        if (op.divides() && a.dtype().isIntegral() && bt.numel() > 0 && bt.eq(0).any().item() != 0) {
            // PyTorch raises ZeroDivisionError; an integer has no inf or NaN to give instead
            throw new IllegalArgumentException(name + ": integer division by zero: the " + a.dtype() + " divisor "
                    + Shapes.str(bt.shape()) + " holds a 0");
        }
        DType dtype = op.isComparison() ? DType.BOOL : a.dtype();
        Tensor out = Dispatch.empty(b, dtype, shape, a.device());
        b.binary(op, out, a.broadcastView(shape), bt.broadcastView(shape));
        if (op.isComparison()) {
            return out;
        }
        return Dispatch.record(new Op.Binary(op), out, a, bt);
    }

    /**
     * The bitwise ops on the integer types (and/or/xor also on BOOL, as logical ops). A BOOL operand
     * beside an integer one counts as 0/1 (PyTorch's promotion); no gradient.
     */
    private static Tensor bitwise(BinaryOp op, Tensor a, Tensor bt) {
        String name = op.opName();
        boolean shift = op == BinaryOp.BITWISE_LEFT_SHIFT || op == BinaryOp.BITWISE_RIGHT_SHIFT;
        for (Tensor t : new Tensor[] {a, bt}) {
            if (!t.dtype().isIntegral() && (shift || t.dtype() != DType.BOOL)) {
                throw new IllegalArgumentException(name + ": expected " + (shift ? "integer" : "integer or BOOL")
                        + " tensors, got " + a.dtype() + " " + Shapes.str(a.shape()) + " and " + bt.dtype() + " "
                        + Shapes.str(bt.shape()));
            }
        }
        Backend b = Dispatch.backend(name, a, bt);
        int[] shape = Shapes.broadcast(name, a.shape(), bt.shape());
        if (a.dtype() == DType.BOOL && bt.dtype() == DType.BOOL) {
            // computed on 0/1 integers: every backend has I32 kernels
            return bitwise(op, a.to(DType.I32), bt.to(DType.I32)).ne(0);
        }
        DType dtype = a.dtype() == DType.BOOL ? bt.dtype() : a.dtype();
        Tensor ai = a.to(dtype);
        Tensor bi = bt.to(dtype);
        Dispatch.sameDType(name, ai, bi);
        Tensor out = Dispatch.empty(b, dtype, shape, a.device());
        b.binary(op, out, ai.broadcastView(shape), bi.broadcastView(shape));
        return out;
    }

    /**
     * A 0-d tensor holding {@code value}, in x's dtype and on x's device, for scalar operands. A
     * value the dtype cannot hold exactly is refused: rounding 0.5 into an I32 would change the
     * result silently, and dtypes are never promoted implicitly.
     */
    static Tensor scalarLike(String op, Tensor x, double value) {
        boolean fits = switch (x.dtype()) {
            case I32 -> value == Math.rint(value) && value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
            case I64 -> value == Math.rint(value) && value >= Long.MIN_VALUE && value < 0x1p63;
            case I8 -> value == Math.rint(value) && value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE;
            case U8 -> value == Math.rint(value) && value >= 0 && value <= 255;
            case BOOL -> value == 0 || value == 1;
            case F32, F64, F16, BF16 -> true;
        };
        if (!fits) {
            throw new IllegalArgumentException(op + ": the scalar " + value + " cannot be held exactly by the "
                    + x.dtype() + " tensor " + Shapes.str(x.shape()) + "; convert the tensor with to(dtype) first");
        }
        return Tensor.full(value, x.dtype(), x.device());
    }

    static Tensor clamp(Tensor x, double min, double max) {
        Dispatch.requireNumeric("clamp", x);
        if (Double.isNaN(min) || Double.isNaN(max)) {
            // PyTorch 1.13 ignores a NaN bound and later versions return NaNs; either hides a bug upstream
            throw new IllegalArgumentException("clamp: min and max must not be NaN, got min " + min + ", max " + max);
        }
        if (x.dtype() == DType.I32) {
            for (double bound : new double[] {min, max}) {
                boolean fits = Double.isInfinite(bound)
                        || (bound == Math.rint(bound) && bound >= Integer.MIN_VALUE && bound <= Integer.MAX_VALUE);
                if (!fits) {
                    // an I32 result cannot hold it: clamping to 0.5 would give 0, below the bound
                    throw new IllegalArgumentException("clamp: the bound " + bound + " cannot be held exactly by the I32 "
                            + "tensor " + Shapes.str(x.shape()) + "; convert the tensor with to(dtype) first");
                }
            }
        }
        if (min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        }
        Backend b = Dispatch.backend("clamp", x);
        Tensor out = Dispatch.empty(b, x.dtype(), x.shape(), x.device());
        b.clamp(out, x, min, max);
        return Dispatch.record(new Op.Clamp(min, max), out, x);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor bt) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: condition must be BOOL, got " + cond.dtype() + " "
                    + Shapes.str(cond.shape()) + "; make it with a comparison such as x.gt(0)");
        }
        Dispatch.sameDType("where", a, bt);
        Backend b = Dispatch.backend("where", cond, a, bt);
        int[] shape;
        try {
            shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), bt.shape());
        } catch (IllegalArgumentException e) {
            // name all three operands, not the intermediate broadcast of the first two
            throw new IllegalArgumentException("where: condition " + Shapes.str(cond.shape()) + ", input "
                    + Shapes.str(a.shape()) + " and other " + Shapes.str(bt.shape()) + " cannot be broadcast together", e);
        }
        Tensor out = Dispatch.empty(b, a.dtype(), shape, a.device());
        b.where(out, cond.broadcastView(shape), a.broadcastView(shape), bt.broadcastView(shape));
        return Dispatch.record(new Op.Where(), out, cond, a, bt);
    }
}
