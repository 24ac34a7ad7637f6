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
        };
    }
}
