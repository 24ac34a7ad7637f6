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
        Tensor out = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
        b.unary(op, out, x);
        return Dispatch.record(new Op.Unary(op), out, x);
    }

    /**
     * relu(a + b), PyTorch's private {@code _add_relu}: the residual add and ReLU of a ResNet block. Operands
     * of one shape and floating dtype run as one kernel where the backend has one (a + b is not written and
     * read back); others as add then relu, with add's broadcasting and type promotion. The gradient of
     * each operand is dy where the output is positive: the same values as the pair's, bit for bit.
     */
    static Tensor addRelu(Tensor a, Tensor bt) {
        String name = "addRelu";
        Backend b = Dispatch.backend(name, a, bt);
        Shapes.broadcast(name, a.shape(), bt.shape());
        if (!java.util.Arrays.equals(a.shape(), bt.shape()) || a.dtype() != bt.dtype()
                || !TypePromotion.isFloating(a.dtype())) {
            return binary(BinaryOp.ADD, a, bt).relu();
        }
        Tensor out = Dispatch.uninitialized(b, a.dtype(), a.shape(), a.device());
        b.addRelu(out, a, bt);
        return Dispatch.record(new Op.AddRelu(), out, a, bt);
    }

    /** dx = dy ⊙ op'(x): the fused backward of an elementwise op (GELU, SiLU, Mish, ...). */
    public static Tensor unaryBackward(UnaryOp op, Tensor x, Tensor dy) {
        String name = op.opName() + "Backward";
        Dispatch.notRecorded(name, x, dy);
        Dispatch.requireFloat(name, x);
        Dispatch.sameDType(name, x, dy);
        Dispatch.sameShape(name, x, dy);
        Backend b = Dispatch.backend(name, x, dy);
        Tensor dx = Dispatch.uninitialized(b, x.dtype(), x.shape(), x.device());
        b.unaryBackward(op, dx, x, dy);
        return dx;
    }

    /**
     * A binary op under PyTorch's type promotion: both operands are converted to their result type
     * ({@link TypePromotion}), or to F32 where the op needs a float and that type is not one (true
     * division of integers). BOOL arithmetic computes on 0/1 integers. The conversions are recorded,
     * so a promoted operand's gradient comes back in its own dtype.
     */
    static Tensor binary(BinaryOp op, Tensor a, Tensor bt) {
        String name = op.opName();
        Backend b = Dispatch.backend(name, a, bt);
        int[] shape = Shapes.broadcast(name, a.shape(), bt.shape());
        DType r = TypePromotion.resultType(a, bt);
        if (op.isBitwise()) {
            return bitwise(op, a, bt, r, shape, b);
        }
        if (op == BinaryOp.SUB && (a.dtype() == DType.BOOL || bt.dtype() == DType.BOOL)) {
            throw new IllegalArgumentException("sub: subtraction with a BOOL tensor is not supported (got " + a.dtype()
                    + " " + Shapes.str(a.shape()) + " and " + bt.dtype() + " " + Shapes.str(bt.shape())
                    + "); use logicalXor or logicalNot, as PyTorch advises");
        }
        DType compute = r;
        if (op.needsFloat() && op != BinaryOp.POW && !TypePromotion.isFloating(r)) {
            compute = TypePromotion.DEFAULT_FLOAT;
        }
        if (r == DType.BOOL && compute == DType.BOOL) {
            return boolBinary(op, a, bt, shape, b);
        }
        if (op == BinaryOp.POW && !TypePromotion.isFloating(compute)) {
            return intPow(a.to(compute), bt.to(compute));
        }
        Tensor ac = a.to(compute);
        Tensor bc = bt.to(compute);
        if (op.divides() && !TypePromotion.isFloating(compute) && bc.numel() > 0 && bc.eq(0L).any().item() != 0) {
            // PyTorch raises ZeroDivisionError; an integer has no inf or NaN to give instead
            throw new IllegalArgumentException(name + ": integer division by zero: the " + compute + " divisor "
                    + Shapes.str(bt.shape()) + " holds a 0");
        }
        DType dtype = op.isComparison() ? DType.BOOL : compute;
        Tensor out = Dispatch.uninitialized(b, dtype, shape, a.device());
        b.binary(op, out, ac.broadcastView(shape), bc.broadcastView(shape));
        if (op.isComparison()) {
            return out;
        }
        return Dispatch.record(new Op.Binary(op), out, ac, bc);
    }

    /**
     * Both operands BOOL: comparisons, and the ops PyTorch defines on bool (add is or, mul is and,
     * maximum and minimum), on 0/1 integers; the others are refused as PyTorch refuses them.
     */
    private static Tensor boolBinary(BinaryOp op, Tensor a, Tensor bt, int[] shape, Backend b) {
        boolean defined = op.isComparison() || switch (op) {
            case ADD, MUL, MAXIMUM, MINIMUM -> true;
            default -> false;
        };
        if (!defined) {
            throw new IllegalArgumentException(op.opName() + ": not defined on BOOL tensors (got " + Shapes.str(a.shape())
                    + " and " + Shapes.str(bt.shape()) + "), as in PyTorch; convert them with to(dtype) first");
        }
        Tensor ai = a.to(DType.I32);
        Tensor bi = bt.to(DType.I32);
        Tensor out = Dispatch.empty(b, op.isComparison() ? DType.BOOL : DType.I32, shape, a.device());
        b.binary(op, out, ai.broadcastView(shape), bi.broadcastView(shape));
        return op.isComparison() ? out : out.ne(0L);
    }

    /**
     * Integer base to an integer power: integer result, as PyTorch (a negative exponent gives 0 but
     * for bases 1 and −1; the F64 power's fraction truncates to exactly that, and 0 to a negative
     * power, infinite in F64, is 0 too). Computed in F64, exact while |result| &lt; 2⁵³; a result
     * beyond the integer dtype's range is not PyTorch's, which wraps around.
     */
    private static Tensor intPow(Tensor base, Tensor exponent) {
        DType r = base.dtype();
        Tensor p = base.to(DType.F64).pow(exponent.to(DType.F64));
        return Tensor.where(p.isinf(), 0L, p).to(r);
    }

    /**
     * The bitwise ops on integer and BOOL operands, in their promoted dtype (and/or/xor of two BOOLs
     * stay BOOL, as logical ops); shifts take integers only. No gradient.
     */
    private static Tensor bitwise(BinaryOp op, Tensor a, Tensor bt, DType r, int[] shape, Backend b) {
        String name = op.opName();
        boolean shift = op == BinaryOp.BITWISE_LEFT_SHIFT || op == BinaryOp.BITWISE_RIGHT_SHIFT;
        for (Tensor t : new Tensor[] {a, bt}) {
            TypePromotion.Category c = TypePromotion.category(t.dtype());
            if (c == TypePromotion.Category.FLOATING || (shift && c == TypePromotion.Category.BOOL)) {
                throw new IllegalArgumentException(name + ": expected " + (shift ? "integer" : "integer or BOOL")
                        + " tensors, got " + a.dtype() + " " + Shapes.str(a.shape()) + " and " + bt.dtype() + " "
                        + Shapes.str(bt.shape()) + " (PyTorch has no bitwise ops on floating-point dtypes)");
            }
        }
        if (r == DType.BOOL) {
            // computed on 0/1 integers: every backend has I32 kernels
            return bitwise(op, a.to(DType.I32), bt.to(DType.I32), DType.I32, shape, b).ne(0L);
        }
        Tensor out = Dispatch.empty(b, r, shape, a.device());
        b.binary(op, out, a.to(r).broadcastView(shape), bt.to(r).broadcastView(shape));
        return out;
    }

    /**
     * A Java scalar operand of x as a 0-d tensor in the dtype PyTorch computes {@code x op scalar}
     * in (its category only raises x's: I32 tensor and 0.5 give F32, F32 tensor and 2 stay F32).
     * A value that dtype cannot hold exactly is refused rather than rounded or wrapped.
     */
    static Tensor scalarOperand(String op, Tensor x, double value, TypePromotion.Category kind) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": the tensor beside the scalar " + value + " must not be null");
        }
        DType r = TypePromotion.resultType(x, kind);
        return exactScalar(op, x, value, r);
    }

    private static Tensor exactScalar(String op, Tensor x, double value, DType r) {
        boolean fits = switch (TypePromotion.category(r)) {
            case FLOATING -> true;
            case BOOL -> value == 0 || value == 1;
            case INTEGER -> value == Math.rint(value) && value >= integerMin(r) && value <= integerMax(r);
        };
        if (!fits) {
            throw new IllegalArgumentException(op + ": the scalar " + value + " cannot be held exactly by "
                    + r + ", the result type with the " + x.dtype() + " tensor " + Shapes.str(x.shape())
                    + "; convert the tensor with to(dtype) first");
        }
        // U8's negative scalars wrap modulo 256, as two's complement does in PyTorch's kernels
        return Tensor.full(r == DType.U8 && value < 0 ? value + 256 : value, r, x.device());
    }

    /**
     * The scalars an integer dtype accepts, as c10's overflow check: the signed range, and for U8
     * also −255..−1, which wrap (PyTorch lets {@code u8 + (-1)} through as 255).
     */
    private static double integerMin(DType r) {
        return r == DType.U8 ? -255 : -Math.pow(2, 8 * r.byteSize() - 1);
    }

    private static double integerMax(DType r) {
        return r == DType.U8 ? 255 : Math.pow(2, 8 * r.byteSize() - 1) - 1;
    }

    /** x op scalar, the scalar promoted as PyTorch's wrapped numbers. */
    static Tensor binary(BinaryOp op, Tensor x, double value, TypePromotion.Category kind) {
        return binary(op, x, scalarOperand(op.opName(), x, value, kind));
    }

    /**
     * A 0-d tensor holding {@code value} in x's own dtype and on x's device (the zeros that masks and
     * pads compare or fill with). A value that dtype cannot hold exactly is refused.
     */
    static Tensor scalarLike(String op, Tensor x, double value) {
        return exactScalar(op, x, value, x.dtype());
    }

    /**
     * clamp to [min, max] (an absent bound infinite); {@code kind} is the bounds' scalar kind, which
     * promotes x as PyTorch (an I32 tensor with a float bound gives F32). min &gt; max sets every
     * element to max, as PyTorch's min(max(x, min), max); NaN stays NaN. The gradient passes where
     * min ≤ x ≤ max, so nowhere when min &gt; max.
     */
    static Tensor clamp(Tensor x, double min, double max, TypePromotion.Category kind) {
        if (Double.isNaN(min) || Double.isNaN(max)) {
            // PyTorch 1.13 ignores a NaN bound and later versions return NaNs; either hides a bug upstream
            throw new IllegalArgumentException("clamp: min and max must not be NaN, got min " + min + ", max " + max);
        }
        if (x.dtype() == DType.BOOL && kind == TypePromotion.Category.BOOL) {
            throw new IllegalArgumentException("clamp: not defined on BOOL tensors with BOOL bounds, as in PyTorch; "
                    + "convert the tensor with to(dtype) first");
        }
        DType r = TypePromotion.resultType(x, kind);
        if (!TypePromotion.isFloating(r)) {
            for (double bound : new double[] {min, max}) {
                if (!Double.isInfinite(bound)) {
                    exactScalar("clamp", x, bound, r); // an integer result cannot hold a bound beyond its range
                }
            }
        }
        Tensor xc = x.to(r);
        Backend b = Dispatch.backend("clamp", xc);
        Tensor out = Dispatch.uninitialized(b, r, x.shape(), x.device());
        b.clamp(out, xc, min, max);
        return Dispatch.record(new Op.Clamp(min, max), out, xc);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor bt) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: condition must be BOOL, got " + cond.dtype() + " "
                    + Shapes.str(cond.shape()) + "; make it with a comparison such as x.gt(0)");
        }
        Backend b = Dispatch.backend("where", cond, a, bt);
        int[] shape;
        try {
            shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), bt.shape());
        } catch (IllegalArgumentException e) {
            // name all three operands, not the intermediate broadcast of the first two
            throw new IllegalArgumentException("where: condition " + Shapes.str(cond.shape()) + ", input "
                    + Shapes.str(a.shape()) + " and other " + Shapes.str(bt.shape()) + " cannot be broadcast together", e);
        }
        // x and y promoted as PyTorch's where; the conversions are recorded, so gradients come back in each dtype
        DType r = TypePromotion.resultType(a, bt);
        Tensor ac = a.to(r);
        Tensor bc = bt.to(r);
        Tensor out = Dispatch.uninitialized(b, r, shape, a.device());
        b.where(out, cond.broadcastView(shape), ac.broadcastView(shape), bc.broadcastView(shape));
        return Dispatch.record(new Op.Where(), out, cond, ac, bc);
    }
}
