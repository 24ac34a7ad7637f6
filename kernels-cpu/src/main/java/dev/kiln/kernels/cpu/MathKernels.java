package dev.kiln.kernels.cpu;

import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.spi.BinaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 kernels of the elementwise functions of issue 15 (tan, the inverse and hyperbolic functions,
 * the roundings, erf, erfc, log2/log10/log1p/exp2/expm1, SELU; atan2, copysign, logaddexp, hypot,
 * fmod, remainder), forward and backward side by side, on {@link SimdFunctions} and {@link SimdMath}.
 * erfinv, logaddexp2 and div's rounding modes have no kernel: they run the reference loops.
 *
 * <p>Layout as {@link ElementwiseKernels}: {@code n} outputs from {@code yo}; a vector loop, then a
 * scalar tail through the functions' scalar twins, which gives the vector loop's bits and alone runs
 * when {@link Simd#ENABLED} is false. One loop per family with the op switched inside (as {@code
 * ActivationKernels.hard}): the op is loop-invariant, and C2 unswitches it.
 */
public final class MathKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();
    /** PyTorch's SELU scale and scale·α, rounded once to float. */
    private static final float SELU_SCALE = 1.0507009873554804934193349852946f;
    private static final float SELU_SCALE_ALPHA = (float) (1.0507009873554804934193349852946 * 1.6732632423543772848170429916717);
    private static final float LN2 = 0.6931472f;
    private static final float LN10 = 2.3025851f;
    private static final float TWO_OVER_SQRT_PI = 1.1283792f;

    private MathKernels() {
    }

    private static int bound(int n) {
        return Simd.ENABLED ? S.loopBound(n) : 0;
    }

    // ------------------------------------------------------------------ unary forward

    /** Whether {@link #forward} has a kernel for op. */
    public static boolean hasForward(UnaryOp op) {
        return switch (op) {
            case TAN, ASIN, ACOS, ATAN, SINH, COSH, ASINH, ACOSH, ATANH, FLOOR, CEIL, ROUND, TRUNC, FRAC, ERF, ERFC,
                 LOG2, LOG10, LOG1P, EXP2, EXPM1, SELU -> true;
            default -> false;
        };
    }

    /** y = op(x) on contiguous runs, for the ops of {@link #hasForward}. */
    public static void forward(UnaryOp op, float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector r = switch (op) {
                case TAN -> SimdFunctions.tan(v);
                case ASIN -> SimdFunctions.asin(v);
                case ACOS -> SimdFunctions.acos(v);
                case ATAN -> SimdFunctions.atan(v);
                case SINH -> SimdFunctions.sinh(v);
                case COSH -> SimdFunctions.cosh(v);
                case ASINH -> SimdFunctions.asinh(v);
                case ACOSH -> SimdFunctions.acosh(v);
                case ATANH -> SimdFunctions.atanh(v);
                case FLOOR -> SimdFunctions.floor(v);
                case CEIL -> SimdFunctions.ceil(v);
                case ROUND -> SimdFunctions.rint(v);
                case TRUNC -> SimdFunctions.trunc(v);
                case FRAC -> v.sub(SimdFunctions.trunc(v));
                case ERF -> SimdFunctions.erf(v);
                case ERFC -> SimdFunctions.erfc(v);
                case LOG2 -> SimdMath.log2(v);
                case LOG10 -> SimdMath.log10(v);
                case LOG1P -> SimdMath.log1p(v);
                case EXP2 -> SimdMath.exp2(v);
                case EXPM1 -> SimdMath.expm1(v);
                case SELU -> SimdMath.expm1(v).mul(SELU_SCALE_ALPHA).blend(v.mul(SELU_SCALE),
                        v.compare(VectorOperators.GT, 0f));
                default -> throw new IllegalArgumentException("MathKernels.forward: no kernel for " + op);
            };
            r.intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = forwardScalar(op, x[xo + i]);
        }
    }

    /** op(v) as {@link #forward}'s vector loop computes it, for the ops of {@link #hasForward}. */
    public static float forwardScalar(UnaryOp op, float v) {
        return switch (op) {
            case TAN -> SimdFunctions.tan(v);
            case ASIN -> SimdFunctions.asin(v);
            case ACOS -> SimdFunctions.acos(v);
            case ATAN -> SimdFunctions.atan(v);
            case SINH -> SimdFunctions.sinh(v);
            case COSH -> SimdFunctions.cosh(v);
            case ASINH -> SimdFunctions.asinh(v);
            case ACOSH -> SimdFunctions.acosh(v);
            case ATANH -> SimdFunctions.atanh(v);
            case FLOOR -> SimdFunctions.floor(v);
            case CEIL -> SimdFunctions.ceil(v);
            case ROUND -> SimdFunctions.rint(v);
            case TRUNC -> SimdFunctions.trunc(v);
            case FRAC -> v - SimdFunctions.trunc(v);
            case ERF -> SimdFunctions.erf(v);
            case ERFC -> SimdFunctions.erfc(v);
            case LOG2 -> SimdMath.log2(v);
            case LOG10 -> SimdMath.log10(v);
            case LOG1P -> SimdMath.log1p(v);
            case EXP2 -> SimdMath.exp2(v);
            case EXPM1 -> SimdMath.expm1(v);
            case SELU -> v > 0f ? v * SELU_SCALE : SimdMath.expm1(v) * SELU_SCALE_ALPHA;
            default -> throw new IllegalArgumentException("MathKernels.forwardScalar: no kernel for " + op);
        };
    }

    // ------------------------------------------------------------------ unary backward

    /** Whether {@link #backward} has a kernel for op (the same ops as {@link #hasForward}). */
    public static boolean hasBackward(UnaryOp op) {
        return hasForward(op);
    }

    /**
     * dx = dy ⊙ op'(x) on contiguous runs, op' as {@link UnaryOp#derivative}: the roundings' 0 is a
     * product (an infinite dy gives NaN, as the reference), SELU takes the exponential branch at 0.
     */
    public static void backward(UnaryOp op, float[] dx, int dxo, float[] x, int xo, float[] dy, int dyo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector g = FloatVector.fromArray(S, dy, dyo + i);
            FloatVector one = FloatVector.broadcast(S, 1f);
            FloatVector r = switch (op) {
                case TAN -> {
                    FloatVector t = SimdFunctions.tan(v);
                    yield g.mul(t.fma(t, one));
                }
                case ASIN -> g.div(v.neg().fma(v, one).sqrt());
                case ACOS -> g.neg().div(v.neg().fma(v, one).sqrt());
                case ATAN -> g.div(v.fma(v, one));
                case SINH -> g.mul(SimdFunctions.cosh(v));
                case COSH -> g.mul(SimdFunctions.sinh(v));
                case ASINH -> g.div(v.fma(v, one).sqrt());
                case ACOSH -> g.div(v.fma(v, one.neg()).sqrt());
                case ATANH -> g.div(v.neg().fma(v, one));
                case FLOOR, CEIL, ROUND, TRUNC -> g.mul(0f);
                case FRAC -> g;
                case ERF -> g.mul(gaussian(v));
                case ERFC -> g.neg().mul(gaussian(v));
                case LOG2 -> g.div(v.mul(LN2));
                case LOG10 -> g.div(v.mul(LN10));
                case LOG1P -> g.div(v.add(1f));
                case EXP2 -> g.mul(SimdMath.exp2(v).mul(LN2));
                case EXPM1 -> g.mul(SimdMath.exp(v));
                case SELU -> g.mul(SimdMath.exp(v).mul(SELU_SCALE_ALPHA).blend(SELU_SCALE,
                        v.compare(VectorOperators.GT, 0f)));
                default -> throw new IllegalArgumentException("MathKernels.backward: no kernel for " + op);
            };
            r.intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = backwardScalar(op, dy[dyo + i], x[xo + i]);
        }
    }

    /** dy·op'(v) as {@link #backward}'s vector loop computes it. */
    public static float backwardScalar(UnaryOp op, float g, float v) {
        return switch (op) {
            case TAN -> {
                float t = SimdFunctions.tan(v);
                yield g * Math.fma(t, t, 1f);
            }
            case ASIN -> g / (float) Math.sqrt(Math.fma(-v, v, 1f));
            case ACOS -> -g / (float) Math.sqrt(Math.fma(-v, v, 1f));
            case ATAN -> g / Math.fma(v, v, 1f);
            case SINH -> g * SimdFunctions.cosh(v);
            case COSH -> g * SimdFunctions.sinh(v);
            case ASINH -> g / (float) Math.sqrt(Math.fma(v, v, 1f));
            case ACOSH -> g / (float) Math.sqrt(Math.fma(v, v, -1f));
            case ATANH -> g / Math.fma(-v, v, 1f);
            case FLOOR, CEIL, ROUND, TRUNC -> g * 0f;
            case FRAC -> g;
            case ERF -> g * gaussian(v);
            case ERFC -> -g * gaussian(v);
            case LOG2 -> g / (v * LN2);
            case LOG10 -> g / (v * LN10);
            case LOG1P -> g / (v + 1f);
            case EXP2 -> g * (SimdMath.exp2(v) * LN2);
            case EXPM1 -> g * SimdMath.exp(v);
            case SELU -> g * (v > 0f ? SELU_SCALE : SimdMath.exp(v) * SELU_SCALE_ALPHA);
            default -> throw new IllegalArgumentException("MathKernels.backwardScalar: no kernel for " + op);
        };
    }

    /** (2/√π)·e^−x², with x² = hi + lo exactly (FMA) and e^−x² = e^−hi·(1 − lo): erf's derivative. */
    private static FloatVector gaussian(FloatVector x) {
        FloatVector hi = x.mul(x);
        FloatVector lo = x.fma(x, hi.neg()).blend(0f, hi.eq(Float.POSITIVE_INFINITY)); // ∞ − ∞ would be NaN
        FloatVector e = SimdMath.exp(hi.neg());
        return lo.neg().fma(e, e).mul(TWO_OVER_SQRT_PI);
    }

    private static float gaussian(float x) {
        float hi = x * x;
        float lo = hi == Float.POSITIVE_INFINITY ? 0f : Math.fma(x, x, -hi);
        float e = SimdMath.exp(-hi);
        return Math.fma(-lo, e, e) * TWO_OVER_SQRT_PI;
    }

    // ------------------------------------------------------------------ binary

    /** Whether {@link #binary} has a kernel for op with F32 operands and result. */
    public static boolean hasBinary(BinaryOp op) {
        return switch (op) {
            case ATAN2, COPYSIGN, LOGADDEXP, HYPOT, FMOD, REMAINDER -> true;
            default -> false;
        };
    }

    /**
     * y = op(a, b); a and b step by as and bs, each 1 or 0 on the vector path, any stride on the
     * scalar one. fmod and remainder are exact in float (Java's % is C's fmod) and stay scalar.
     */
    public static void binary(BinaryOp op, float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs,
                              int n) {
        int i = 0;
        boolean vector = op != BinaryOp.FMOD && op != BinaryOp.REMAINDER && (as | bs) <= 1 && (as | bs) != 0;
        if (vector) {
            FloatVector ca = FloatVector.broadcast(S, a[ao]);
            FloatVector cb = FloatVector.broadcast(S, b[bo]);
            for (int up = bound(n); i < up; i += L) {
                FloatVector va = as == 1 ? FloatVector.fromArray(S, a, ao + i) : ca;
                FloatVector vb = bs == 1 ? FloatVector.fromArray(S, b, bo + i) : cb;
                FloatVector r = switch (op) {
                    case ATAN2 -> SimdFunctions.atan2(va, vb);
                    case COPYSIGN -> SimdFunctions.copysign(va, vb);
                    case LOGADDEXP -> SimdFunctions.logaddexp(va, vb);
                    case HYPOT -> SimdFunctions.hypot(va, vb);
                    default -> throw new IllegalArgumentException("MathKernels.binary: no kernel for " + op);
                };
                r.intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = binaryScalar(op, a[ao + i * as], b[bo + i * bs]);
        }
    }

    /** op(a, b) as {@link #binary}'s vector loop computes it. */
    public static float binaryScalar(BinaryOp op, float a, float b) {
        return switch (op) {
            case ATAN2 -> SimdFunctions.atan2(a, b);
            case COPYSIGN -> SimdFunctions.copysign(a, b);
            case LOGADDEXP -> SimdFunctions.logaddexp(a, b);
            case HYPOT -> SimdFunctions.hypot(a, b);
            case FMOD -> a % b;
            case REMAINDER -> {
                float m = a % b;
                yield m != 0 && (b < 0) != (m < 0) ? m + b : m;
            }
            default -> throw new IllegalArgumentException("MathKernels.binaryScalar: no kernel for " + op);
        };
    }
}
