package dev.kiln.layers.suite;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.ValuesIndices;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The torch calls the suite makes, each mapped to the Kiln call a user porting the line would
 * write: the name in camelCase with PyTorch's parameters (bound by {@link Call}), a
 * {@link ValuesIndices}-like record as a list (values first), {@code List<Tensor>} as a list.
 * Python's reflected operators ({@code 2 - x}, {@code 2 ** x}) become the op on a 0-d tensor
 * that holds the Python number with PyTorch's dtype for it ({@link #scalarLike}), since Java has no
 * operator overloading. A torch call with no entry here, or an argument form an entry does not
 * take, is {@link Unsupported}: the replayer reports it as Kiln lacking that op.
 */
final class TorchCalls {
    private record Entry(String signature, Function<Call, Object> impl) {
    }

    private static final Map<String, Entry> REGISTRY = new HashMap<>();

    private TorchCalls() {
    }

    /** The result of torch's {@code fn(*args, **kwargs)} computed by Kiln. */
    static Object call(String fn, List<Object> args, Map<String, Object> kwargs) {
        Entry e = REGISTRY.get(fn);
        if (e == null) {
            throw new Unsupported(fn);
        }
        return e.impl().apply(new Call(fn, args, kwargs, e.signature()));
    }

    /** Registers impl under each of names (separated by |) with PyTorch's parameter list (see {@link Call}). */
    static void reg(String names, String signature, Function<Call, Object> impl) {
        for (String n : names.split("\\|")) {
            if (REGISTRY.put(n, new Entry(signature, impl)) != null) {
                throw new IllegalStateException("registered twice: " + n);
            }
        }
    }

    /** Tensor.name and torch.name, the tensor first. */
    static String both(String name) {
        return "Tensor." + name + "|torch." + name;
    }

    private static void unary(String names, Function<Tensor, Tensor> f) {
        reg(names, "input", c -> f.apply(c.t("input")));
    }

    /** A binary op whose other operand may be a Python number: Kiln's scalar overload where it has one. */
    private static void binary(String names, BiFunction<Tensor, Tensor, Tensor> tt, BiFunction<Tensor, Double, Tensor> ts) {
        reg(names, "input other", c -> {
            Tensor x = c.t("input");
            Object o = c.o("other");
            if (o instanceof Tensor t) {
                return tt.apply(x, t);
            }
            // a float goes to Kiln's double overload; an int or bool as the 0-d tensor that promotes as torch's number
            return ts != null && o instanceof Double ? ts.apply(x, Call.toDouble(c.fn, "other", o))
                    : tt.apply(x, scalarLike(o, x));
        });
    }

    /** A bitwise op: an int operand goes to Kiln's int overload, a float one as a float tensor (refused). */
    private static void bitwise(String names, BiFunction<Tensor, Tensor, Tensor> tt, BiFunction<Tensor, Integer, Tensor> ti) {
        reg(names, "input other", c -> {
            Tensor x = c.t("input");
            Object o = c.o("other");
            if (o instanceof Tensor t) {
                return tt.apply(x, t);
            }
            return o instanceof Long || o instanceof Boolean ? ti.apply(x, Call.toInt(c.fn, "other", o))
                    : tt.apply(x, scalarLike(o, x));
        });
    }

    /** Reflected: {@code other OP self}. */
    private static void reflected(String name, BiFunction<Tensor, Tensor, Tensor> op) {
        reg("Tensor." + name, "input other", c -> {
            Tensor x = c.t("input");
            Object o = c.o("other");
            return op.apply(o instanceof Tensor t ? t : scalarLike(o, x), x);
        });
    }

    /**
     * A Python number as a 0-d tensor that Kiln's type promotion treats as PyTorch treats the number
     * (a 0-d operand only raises the category of a dimensioned one): an int as I64, a bool as BOOL, a
     * float as F32, or F64 next to an F64 tensor so that its digits survive.
     */
    static Tensor scalarLike(Object num, Tensor like) {
        DType d;
        if (num instanceof Boolean) {
            d = DType.BOOL;
        } else if (num instanceof Long) {
            d = DType.I64;
        } else if (num instanceof Double) {
            d = like.dtype() == DType.F64 ? DType.F64 : DType.F32;
        } else {
            throw new Unsupported("a Python " + Call.describe(num) + " as an operand");
        }
        return Tensor.scalar(Call.toDouble("scalar", "value", num), d);
    }

    /** A clamp bound: absent, a tensor, or a Python number as the 0-d tensor that promotes as it. */
    private static Tensor bound(Object b, Tensor x) {
        return b == null ? null : b instanceof Tensor t ? t : scalarLike(b, x);
    }

    /** Several results, as torch's tuple: values first. */
    static List<Object> results(Tensor a, Tensor b) {
        return List.of(a, b);
    }

    static List<Object> results(ValuesIndices vi) {
        return List.of(vi.values(), vi.indices());
    }

    static {
        // ---- elementwise, unary
        unary(both("abs"), Tensor::abs);
        unary(both("neg") + "|Tensor.__neg__", Tensor::neg);
        unary(both("exp"), Tensor::exp);
        unary(both("exp2"), Tensor::exp2);
        unary(both("expm1"), Tensor::expm1);
        unary(both("log"), Tensor::log);
        unary(both("log2"), Tensor::log2);
        unary(both("log10"), Tensor::log10);
        unary(both("log1p"), Tensor::log1p);
        unary(both("sqrt"), Tensor::sqrt);
        unary(both("rsqrt"), Tensor::rsqrt);
        unary(both("square"), Tensor::square);
        unary(both("sin"), Tensor::sin);
        unary(both("cos"), Tensor::cos);
        unary(both("tan"), Tensor::tan);
        unary(both("asin"), Tensor::asin);
        unary(both("acos"), Tensor::acos);
        unary(both("atan"), Tensor::atan);
        unary(both("sinh"), Tensor::sinh);
        unary(both("cosh"), Tensor::cosh);
        unary(both("asinh"), Tensor::asinh);
        unary(both("acosh"), Tensor::acosh);
        unary(both("atanh"), Tensor::atanh);
        unary(both("sigmoid"), Tensor::sigmoid);
        unary(both("tanh"), Tensor::tanh);
        unary(both("relu"), Tensor::relu);
        unary(both("floor"), Tensor::floor);
        unary(both("ceil"), Tensor::ceil);
        unary(both("trunc"), Tensor::trunc);
        unary(both("frac"), Tensor::frac);
        unary(both("erf"), Tensor::erf);
        unary(both("erfc"), Tensor::erfc);
        unary(both("erfinv"), Tensor::erfinv);
        unary(both("sign"), Tensor::sign);
        unary(both("sgn"), Tensor::sgn);
        unary(both("isnan"), Tensor::isnan);
        unary(both("isinf"), Tensor::isinf);
        unary(both("isfinite"), Tensor::isfinite);
        unary(both("logical_not"), Tensor::logicalNot);
        unary(both("bitwise_not") + "|Tensor.__invert__", Tensor::bitwiseNot);
        unary("Tensor.detach", Tensor::detach);
        unary("Tensor.contiguous", Tensor::contiguous);
        unary("Tensor.clone|torch.clone", Tensor::clone);
        unary("Tensor.float", t -> t.to(DType.F32));
        unary("Tensor.double", t -> t.to(DType.F64));
        unary("Tensor.int|Tensor.long", t -> t.to(DType.I32));
        unary("Tensor.bool", t -> t.to(DType.BOOL));
        unary("Tensor.half", t -> t.to(DType.F16));
        reg("Tensor.type", "input dtype", c -> c.t("input").to(c.dtype("dtype", null)));
        reg("Tensor.to", "input dtype", c -> c.t("input").to(c.dtype("dtype", null)));
        reg(both("round"), "input decimals=", c -> c.has("decimals") ? c.t("input").round(c.i("decimals"))
                : c.t("input").round());
        reg("Tensor.requires_grad_", "input requires_grad=", c -> c.t("input").requiresGrad(c.b("requires_grad", true)));

        // ---- elementwise, binary
        reg(both("add"), "input other alpha=", c -> {
            Tensor x = c.t("input");
            double alpha = c.d("alpha", 1);
            if (c.o("other") instanceof Tensor t) {
                return c.has("alpha") ? x.add(t, alpha) : x.add(t);
            }
            if (c.o("other") instanceof Long n && (!c.has("alpha") || c.o("alpha") instanceof Long)) {
                return x.add(scalarLike(n * (long) alpha, x)); // an int stays an int, as torch's number
            }
            return x.add(Call.toDouble(c.fn, "other", c.o("other")) * alpha);
        });
        reg(both("sub"), "input other alpha=", c -> {
            Tensor x = c.t("input");
            double alpha = c.d("alpha", 1);
            if (c.o("other") instanceof Tensor t) {
                return c.has("alpha") ? x.add(t, -alpha) : x.sub(t);
            }
            if (c.o("other") instanceof Long n && (!c.has("alpha") || c.o("alpha") instanceof Long)) {
                return x.sub(scalarLike(n * (long) alpha, x));
            }
            return x.sub(Call.toDouble(c.fn, "other", c.o("other")) * alpha);
        });
        binary(both("mul"), Tensor::mul, Tensor::mul);
        reg(both("div"), "input other rounding_mode=", c -> {
            Tensor x = c.t("input");
            String mode = c.s("rounding_mode", null);
            if (c.o("other") instanceof Tensor t) {
                return mode == null ? x.div(t) : x.div(t, mode);
            }
            if (mode != null && c.o("other") instanceof Long) {
                return x.div(scalarLike(c.o("other"), x), mode); // floor/trunc of ints stay ints
            }
            double s = Call.toDouble(c.fn, "other", c.o("other"));
            return mode == null ? x.div(s) : x.div(s, mode);
        });
        reg("Tensor.__floordiv__", "input other", c -> {
            Tensor x = c.t("input");
            return x.div(c.o("other") instanceof Tensor t ? t : scalarLike(c.o("other"), x), "floor");
        });
        reg(both("pow"), "input exponent", c -> {
            Object base = c.o("input");
            Object e = c.o("exponent");
            if (!(base instanceof Tensor)) {
                Tensor et = c.t("exponent");
                return scalarLike(base, et).pow(et);
            }
            Tensor x = (Tensor) base;
            if (e instanceof Long n && !x.dtype().isFloatingPoint()) {
                return x.pow((long) n); // an int to an int power is an int; a negative one is refused, as torch
            }
            return e instanceof Tensor t ? x.pow(t) : x.pow(Call.toDouble(c.fn, "exponent", e));
        });
        binary(both("remainder"), Tensor::remainder, Tensor::remainder);
        binary(both("fmod"), Tensor::fmod, Tensor::fmod);
        binary(both("maximum"), Tensor::maximum, null);
        binary(both("minimum"), Tensor::minimum, null);
        binary(both("copysign"), Tensor::copysign, Tensor::copysign);
        binary(both("atan2"), Tensor::atan2, null);
        binary(both("logaddexp"), Tensor::logaddexp, null);
        binary(both("logaddexp2"), Tensor::logaddexp2, null);
        binary(both("hypot"), Tensor::hypot, null);
        binary(both("eq") + "|Tensor.__eq__", Tensor::eq, Tensor::eq);
        binary(both("ne") + "|Tensor.__ne__", Tensor::ne, Tensor::ne);
        binary(both("lt") + "|Tensor.__lt__", Tensor::lt, Tensor::lt);
        binary(both("le") + "|Tensor.__le__", Tensor::le, Tensor::le);
        binary(both("gt") + "|Tensor.__gt__", Tensor::gt, Tensor::gt);
        binary(both("ge") + "|Tensor.__ge__", Tensor::ge, Tensor::ge);
        binary(both("logical_and"), Tensor::logicalAnd, null);
        binary(both("logical_or"), Tensor::logicalOr, null);
        binary(both("logical_xor"), Tensor::logicalXor, null);
        bitwise(both("bitwise_and") + "|Tensor.__and__|Tensor.__rand__", Tensor::bitwiseAnd, Tensor::bitwiseAnd);
        bitwise(both("bitwise_or") + "|Tensor.__or__|Tensor.__ror__", Tensor::bitwiseOr, Tensor::bitwiseOr);
        bitwise(both("bitwise_xor") + "|Tensor.__xor__|Tensor.__rxor__", Tensor::bitwiseXor, Tensor::bitwiseXor);
        bitwise(both("bitwise_left_shift") + "|Tensor.__lshift__", Tensor::bitwiseLeftShift, Tensor::bitwiseLeftShift);
        bitwise(both("bitwise_right_shift") + "|Tensor.__rshift__", Tensor::bitwiseRightShift, Tensor::bitwiseRightShift);
        reflected("__rsub__", Tensor::sub);
        reflected("__rdiv__", Tensor::div);
        reflected("__rtruediv__", Tensor::div);
        reflected("__rpow__", Tensor::pow);
        reflected("__rmod__", Tensor::remainder);
        reg(both("isclose"), "input other rtol= atol= equal_nan=", c -> c.t("input").isclose(c.t("other"),
                c.d("rtol", 1e-5), c.d("atol", 1e-8), c.b("equal_nan", false)));
        reg(both("lerp"), "input end weight", c -> c.o("weight") instanceof Tensor w ? c.t("input").lerp(c.t("end"), w)
                : c.t("input").lerp(c.t("end"), c.d("weight", 0)));
        reg(both("clip") + "|" + both("clamp"), "input min= max=", c -> {
            Tensor x = c.t("input");
            Object lo = c.o("min");
            Object hi = c.o("max");
            if (lo == null && hi == null || lo instanceof Tensor || hi instanceof Tensor) {
                // Kiln's tensor-bound clamp; it refuses two absent bounds, as torch does
                return x.clamp(bound(lo, x), bound(hi, x));
            }
            if ((lo == null || lo instanceof Long) && (hi == null || hi instanceof Long)) {
                long min = lo == null ? Long.MIN_VALUE : (Long) lo;
                long max = hi == null ? Long.MAX_VALUE : (Long) hi;
                return lo == null ? x.clampMax(max) : hi == null ? x.clampMin(min) : x.clamp(min, max);
            }
            if (lo != null && hi != null) {
                return x.clamp(c.d("min", 0), c.d("max", 0));
            }
            return lo != null ? x.clampMin(c.d("min", 0)) : x.clampMax(c.d("max", 0));
        });
        reg("torch.where|Tensor.where", "condition input other", c -> {
            Tensor cond = c.t("condition");
            Object a = c.o("input");
            Object b = c.o("other");
            if (a instanceof Tensor ta) {
                return Tensor.where(cond, ta, b instanceof Tensor tb ? tb : scalarLike(b, ta));
            }
            if (b instanceof Tensor tb) {
                return Tensor.where(cond, scalarLike(a, tb), tb);
            }
            return Tensor.where(cond, Call.toDouble(c.fn, "input", a), Call.toDouble(c.fn, "other", b));
        });
        reg("Tensor.masked_fill|torch.masked_fill", "input mask value", c -> c.o("value") instanceof Tensor v
                ? c.t("input").maskedFill(c.t("mask"), v) : c.t("input").maskedFill(c.t("mask"), c.d("value", 0)));
        reg("Tensor.matmul|torch.matmul|Tensor.__matmul__", "input other", c -> c.t("input").matmul(c.t("other")));

        Reductions.register();
        ShapeCalls.register();
        NnCalls.register();
    }

    static List<Object> list(List<Tensor> ts) {
        return new ArrayList<>(ts);
    }
}
