package dev.kiln.tensor;

import dev.kiln.tensor.spi.BinaryOp;

/**
 * Issue 15's elementwise ops that are compositions of other ops (each method says of which), so
 * they run on every backend and take their gradients from their parts' rules: round to decimals,
 * isinf/isfinite/isclose, nanToNum, lerp, the logical ops and bitwiseNot, div with a rounding mode.
 */
final class ElementwiseCompositions {
    private ElementwiseCompositions() {
    }

    /**
     * PyTorch's {@code round(decimals)}: x·10^d rounded half to even, divided by 10^d (for d &lt; 0,
     * x/10^−d rounded, times 10^−d), in x's dtype as PyTorch computes it. Gradient 0.
     */
    static Tensor round(Tensor x, int decimals) {
        if (decimals == 0) {
            return x.round();
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("round: decimals is only defined for floating-point tensors, got "
                    + x.dtype() + " " + Shapes.str(x.shape()) + " with decimals " + decimals);
        }
        double tenPow = Math.pow(10, Math.abs(decimals));
        if (x.dtype() == DType.F32) {
            tenPow = (float) tenPow; // PyTorch rounds the power to the tensor's dtype
        }
        if (decimals < 0) {
            return x.div(tenPow).round().mul(tenPow);
        }
        // from 2^23 (F32) or 2^52 (F64) on every float is an integer, which rounding at decimals > 0
        // keeps; x·10^d could overflow there
        double integral = x.dtype() == DType.F32 ? 0x1p23 : 0x1p52;
        return Tensor.where(x.detach().abs().ge(integral), x.detach(), x.mul(tenPow).round().div(tenPow));
    }

    /** |x| == ∞ (BOOL); integers are never infinite. */
    static Tensor isinf(Tensor x) {
        if (!x.dtype().isFloatingPoint()) {
            return Tensor.full(0, DType.BOOL, x.device(), x.shape());
        }
        return x.detach().abs().eq(Double.POSITIVE_INFINITY);
    }

    /** x − x == 0 (BOOL): false exactly for ±∞ and NaN; integers are always finite. */
    static Tensor isfinite(Tensor x) {
        if (!x.dtype().isFloatingPoint()) {
            return Tensor.full(1, DType.BOOL, x.device(), x.shape());
        }
        Tensor d = x.detach();
        return d.sub(d).eq(0);
    }

    /**
     * PyTorch's isclose: a == b, or |a − b| finite and ≤ atol + rtol·|b|; with equalNan, NaN matches
     * NaN. Integers compare in F32 (PyTorch's default dtype). BOOL result, no gradient.
     */
    static Tensor isclose(Tensor a, Tensor b, double rtol, double atol, boolean equalNan) {
        if (!(rtol >= 0) || !(atol >= 0)) {
            throw new IllegalArgumentException("isclose: rtol and atol must be >= 0, got rtol " + rtol + ", atol " + atol);
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("isclose: dtypes differ: " + a.dtype() + " " + Shapes.str(a.shape())
                    + " and " + b.dtype() + " " + Shapes.str(b.shape()) + "; convert one with to(dtype)");
        }
        if (a.dtype() == DType.BOOL) {
            return a.eq(b);
        }
        Shapes.broadcast("isclose", a.shape(), b.shape());
        Tensor x = a.detach();
        Tensor y = b.detach();
        if (!x.dtype().isFloatingPoint()) {
            x = x.to(DType.F32);
            y = y.to(DType.F32);
        }
        Tensor close = x.eq(y);
        if (equalNan) {
            close = logicalOr(close, logicalAnd(x.isnan(), y.isnan()));
        }
        if (rtol == 0 && atol == 0) {
            return close;
        }
        Tensor diff = x.sub(y).abs();
        Tensor within = logicalAnd(isfinite(diff), diff.le(y.abs().mul(rtol).add(atol)));
        return logicalOr(close, within);
    }

    /**
     * NaN, +∞ and −∞ replaced by nan, posinf and neginf (null: the dtype's largest and lowest finite
     * values, as PyTorch). Composition of where; the gradient passes where x is finite. Integers
     * come back as they are.
     */
    static Tensor nanToNum(Tensor x, double nan, Double posinf, Double neginf) {
        if (!x.dtype().isFloatingPoint()) {
            Dispatch.requireNumeric("nanToNum", x);
            return x.clone();
        }
        double max = x.dtype() == DType.F32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        double hi = posinf == null ? max : posinf;
        double lo = neginf == null ? -max : neginf;
        Tensor d = x.detach();
        Tensor y = Tensor.where(d.eq(Double.NEGATIVE_INFINITY), lo, x);
        y = Tensor.where(d.eq(Double.POSITIVE_INFINITY), hi, y);
        return Tensor.where(d.isnan(), nan, y);
    }

    /**
     * PyTorch's lerp: start + w·(end − start) where |w| &lt; ½, else end − (end − start)·(1 − w), the
     * form that is exact at w = 1. Composition: sub, mul, add (and where for a tensor weight).
     */
    static Tensor lerp(Tensor start, Tensor end, double weight) {
        lerpChecks(start, end, null);
        Tensor d = end.sub(start);
        return Math.abs(weight) < 0.5 ? start.add(d.mul(weight)) : end.sub(d.mul(1 - weight));
    }

    static Tensor lerp(Tensor start, Tensor end, Tensor weight) {
        lerpChecks(start, end, weight);
        Tensor d = end.sub(start);
        Tensor low = start.add(d.mul(weight));
        Tensor high = end.sub(d.mul(weight.neg().add(1)));
        return Tensor.where(weight.detach().abs().lt(0.5), low, high);
    }

    private static void lerpChecks(Tensor start, Tensor end, Tensor weight) {
        for (Tensor t : weight == null ? new Tensor[] {start, end} : new Tensor[] {start, end, weight}) {
            if (t == null) {
                throw new IllegalArgumentException("lerp: end and weight must not be null");
            }
            Dispatch.requireFloat("lerp", t);
        }
        Dispatch.sameDType("lerp", start, end);
        if (weight != null) {
            Dispatch.sameDType("lerp", start, weight);
            Shapes.broadcast("lerp", Shapes.broadcast("lerp", start.shape(), end.shape()), weight.shape());
        } else {
            Shapes.broadcast("lerp", start.shape(), end.shape());
        }
    }

    /** x != 0 (NaN is true), or x itself when BOOL. */
    private static Tensor truth(Tensor x) {
        return x.dtype() == DType.BOOL ? x : x.detach().ne(0);
    }

    /** Composition: nonzero-tests, then bitwise and on BOOL. Any dtypes, as PyTorch. */
    static Tensor logicalAnd(Tensor a, Tensor b) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_AND, truth(a), truth(b));
    }

    static Tensor logicalOr(Tensor a, Tensor b) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_OR, truth(a), truth(b));
    }

    static Tensor logicalXor(Tensor a, Tensor b) {
        return ElementwiseOps.binary(BinaryOp.BITWISE_XOR, truth(a), truth(b));
    }

    /** x == 0 (BOOL), for any dtype. */
    static Tensor logicalNot(Tensor x) {
        return x.dtype() == DType.BOOL ? x.to(DType.I32).eq(0) : x.detach().eq(0);
    }

    /** ~x: −x − 1 on the integer types (two's complement, wrapping as they do), logical not on BOOL. */
    static Tensor bitwiseNot(Tensor x) {
        return switch (x.dtype()) {
            case BOOL -> logicalNot(x);
            case I32, I64, I8, U8 -> x.neg().sub(1);
            default -> throw new IllegalArgumentException("bitwiseNot: expected an integer or BOOL tensor, got "
                    + x.dtype() + " " + Shapes.str(x.shape()));
        };
    }

    /** div(other, roundingMode): true division for null, else trunc or floor of the quotient (gradient 0). */
    static Tensor div(Tensor a, Tensor b, RoundingMode mode) {
        if (mode == null) {
            return a.div(b);
        }
        return ElementwiseOps.binary(mode == RoundingMode.TRUNC ? BinaryOp.DIV_TRUNC : BinaryOp.DIV_FLOOR, a, b);
    }

    /**
     * PyTorch's clamp with tensor bounds (either may be null, not both): all three promoted to their
     * result type and broadcast; min &gt; max gives max; NaN in any of them gives NaN. Composition of
     * comparisons and where, so that each gradient goes where PyTorch 1.13's clamp backward sends it:
     * to x where min ≤ x ≤ max, to min where x &lt; min &lt; max, to max where x &gt; max or max &lt; min
     * (nowhere for x below min == max, nor at a NaN).
     */
    static Tensor clamp(Tensor x, Tensor min, Tensor max) {
        if (min == null && max == null) {
            throw new IllegalArgumentException("clamp: at least one of min and max must not be null");
        }
        Dispatch.backend("clamp", present(x, min, max));
        int[] shape = x.shape();
        for (Tensor bound : new Tensor[] {min, max}) {
            if (bound != null) {
                shape = Shapes.broadcast("clamp", shape, bound.shape());
            }
        }
        DType r = TypePromotion.resultType(new Tensor[] {x, min, max});
        if (r == DType.BOOL) {
            throw new IllegalArgumentException("clamp: not defined on BOOL tensors with BOOL bounds, as in PyTorch; "
                    + "convert them with to(dtype) first");
        }
        Tensor xr = x.to(r);
        Tensor lo = min == null ? null : min.to(r);
        Tensor hi = max == null ? null : max.to(r);
        Tensor xd = xr.detach();
        Tensor lod = lo == null ? null : lo.detach();
        Tensor hid = hi == null ? null : hi.detach();
        // the value everywhere, NaN propagating (maximum and minimum propagate it); no gradient of its own
        Tensor value = xd;
        if (lod != null) {
            value = value.maximum(lod);
        }
        if (hid != null) {
            value = value.minimum(hid);
        }
        value = value.expand(shape);
        Tensor out = value;
        if (hi != null) {
            Tensor toMax = xd.gt(hid);
            if (lod != null) {
                toMax = logicalOr(toMax, hid.lt(lod));
            }
            out = Tensor.where(toMax, hi, out);
        }
        if (lo != null) {
            Tensor toMin = xd.lt(lod);
            if (hid != null) {
                toMin = logicalAnd(toMin, lod.lt(hid));
            }
            out = Tensor.where(toMin, lo, out);
        }
        Tensor inside = lod == null ? xd.le(hid) : hid == null ? xd.ge(lod) : logicalAnd(xd.ge(lod), xd.le(hid));
        return Tensor.where(inside, xr, out);
    }

    private static Tensor[] present(Tensor... ts) {
        return java.util.Arrays.stream(ts).filter(java.util.Objects::nonNull).toArray(Tensor[]::new);
    }
}
