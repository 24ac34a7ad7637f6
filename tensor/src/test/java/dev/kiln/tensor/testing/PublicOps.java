package dev.kiln.tensor.testing;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * Each {@link UnaryOp} and {@link BinaryOp} through its public Tensor method ({@code x.gelu("tanh")}
 * for GELU_TANH), so a test parameterised over the enum exercises the API users call. The switches
 * are exhaustive: a new op does not compile here until it has its method.
 */
public final class PublicOps {
    private PublicOps() {
    }

    public static Tensor call(UnaryOp op, Tensor x) {
        return switch (op) {
            case NEG -> x.neg();
            case EXP -> x.exp();
            case LOG -> x.log();
            case SQRT -> x.sqrt();
            case RSQRT -> x.rsqrt();
            case ABS -> x.abs();
            case SIGN -> x.sign();
            case TANH -> x.tanh();
            case SIGMOID -> x.sigmoid();
            case RELU -> x.relu();
            case GELU -> x.gelu();
            case GELU_TANH -> x.gelu("tanh");
            case SILU -> x.silu();
            case MISH -> x.mish();
            case SOFTPLUS -> x.softplus();
            case RELU_SQUARED -> x.reluSquared();
            case SIN -> x.sin();
            case COS -> x.cos();
            case TAN -> x.tan();
            case ASIN -> x.asin();
            case ACOS -> x.acos();
            case ATAN -> x.atan();
            case SINH -> x.sinh();
            case COSH -> x.cosh();
            case ASINH -> x.asinh();
            case ACOSH -> x.acosh();
            case ATANH -> x.atanh();
            case FLOOR -> x.floor();
            case CEIL -> x.ceil();
            case ROUND -> x.round();
            case TRUNC -> x.trunc();
            case FRAC -> x.frac();
            case ERF -> x.erf();
            case ERFC -> x.erfc();
            case ERFINV -> x.erfinv();
            case LOG2 -> x.log2();
            case LOG10 -> x.log10();
            case LOG1P -> x.log1p();
            case EXP2 -> x.exp2();
            case EXPM1 -> x.expm1();
            case SELU -> x.selu();
            case RELU6 -> x.relu6();
            case HARDSWISH -> x.hardswish();
            case HARDSIGMOID -> x.hardsigmoid();
            case LOGSIGMOID -> x.logsigmoid();
            case SOFTSIGN -> x.softsign();
            case TANHSHRINK -> x.tanhshrink();
        };
    }

    public static Tensor call(BinaryOp op, Tensor a, Tensor b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case POW -> a.pow(b);
            case MAXIMUM -> a.maximum(b);
            case MINIMUM -> a.minimum(b);
            case EQ -> a.eq(b);
            case NE -> a.ne(b);
            case LT -> a.lt(b);
            case LE -> a.le(b);
            case GT -> a.gt(b);
            case GE -> a.ge(b);
            case ATAN2 -> a.atan2(b);
            case COPYSIGN -> a.copysign(b);
            case LOGADDEXP -> a.logaddexp(b);
            case LOGADDEXP2 -> a.logaddexp2(b);
            case HYPOT -> a.hypot(b);
            case FMOD -> a.fmod(b);
            case REMAINDER -> a.remainder(b);
            case DIV_TRUNC -> a.div(b, "trunc");
            case DIV_FLOOR -> a.div(b, "floor");
            case BITWISE_AND -> a.bitwiseAnd(b);
            case BITWISE_OR -> a.bitwiseOr(b);
            case BITWISE_XOR -> a.bitwiseXor(b);
            case BITWISE_LEFT_SHIFT -> a.bitwiseLeftShift(b);
            case BITWISE_RIGHT_SHIFT -> a.bitwiseRightShift(b);
        };
    }
}
