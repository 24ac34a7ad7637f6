package dev.kiln.tensor;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.testing.Nd;
import dev.kiln.tensor.testing.PublicOps;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static dev.kiln.tensor.testing.TensorAssert.assertValues;
import static org.assertj.core.api.Assertions.assertThat;

/** Elementwise math against the test's own scalar formulas, with NumPy broadcasting and any layout. */
class ElementwiseTest {
    private static final int[][] SHAPES = {{}, {1}, {0}, {7}, {3, 5}, {4, 1}, {2, 0, 3}, {2, 3, 5}, {3, 1, 4, 2}};

    /** Pairs of shapes that broadcast. */
    private static final int[][][] PAIRS = {
        {{7}, {7}}, {{3, 5}, {5}}, {{3, 1}, {1, 4}}, {{2, 1, 4}, {3, 1}}, {{}, {2, 3}}, {{0, 3}, {1, 3}},
        {{1}, {3, 1}}, {{2, 3, 1, 5}, {4, 1}}, {{4, 1}, {}}, {{2, 0}, {2, 1}}};

    private static final DType[] FLOATS = {DType.F32, DType.F64};

    /** The test's own definition of each unary op. */
    private static DoubleUnaryOperator expected(UnaryOp op) {
        return switch (op) {
            case NEG -> x -> -x;
            case EXP -> Math::exp;
            case LOG -> Math::log;
            case SQRT -> Math::sqrt;
            case RSQRT -> x -> 1 / Math.sqrt(x);
            case ABS -> x -> x < 0 ? -x : x;
            case SIGN -> x -> x > 0 ? 1 : x < 0 ? -1 : 0;
            case TANH -> x -> (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1);
            case SIGMOID -> x -> 1 / (1 + Math.exp(-x));
            case RELU -> x -> x > 0 ? x : 0;
            case GELU -> x -> x * 0.5 * (1 + erf(x / Math.sqrt(2)));
            case GELU_TANH -> x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SILU -> x -> x / (1 + Math.exp(-x));
            case MISH -> x -> x * Math.tanh(Math.log(1 + Math.exp(x)));
            case SOFTPLUS -> x -> Math.log(1 + Math.exp(x));
            case RELU_SQUARED -> x -> x > 0 ? x * x : 0;
            case SIN -> Math::sin;
            case COS -> Math::cos;
            case TAN -> x -> Math.sin(x) / Math.cos(x);
            case ASIN -> Math::asin;
            case ACOS -> Math::acos;
            case ATAN -> Math::atan;
            case SINH -> x -> (Math.exp(x) - Math.exp(-x)) / 2;
            case COSH -> x -> (Math.exp(x) + Math.exp(-x)) / 2;
            case ASINH -> x -> Math.log(x + Math.sqrt(x * x + 1));
            case ACOSH -> x -> Math.log(x + Math.sqrt(x * x - 1));
            case ATANH -> x -> 0.5 * Math.log((1 + x) / (1 - x));
            case FLOOR -> Math::floor;
            case CEIL -> Math::ceil;
            case ROUND -> Math::rint;
            case TRUNC -> x -> (long) x;
            case FRAC -> x -> x - (long) x;
            case ERF -> ElementwiseTest::erf;
            case ERFC -> x -> 1 - erf(x);
            case ERFINV -> ElementwiseTest::erfinvByBisection;
            case LOG2 -> x -> Math.log(x) / Math.log(2);
            case LOG10 -> x -> Math.log(x) / Math.log(10);
            case LOG1P -> x -> Math.log(1 + x);
            case EXP2 -> x -> Math.exp(x * Math.log(2));
            case EXPM1 -> x -> Math.exp(x) - 1;
            case SELU -> x -> 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1));
            case RELU6 -> x -> x < 0 ? 0 : x > 6 ? 6 : x;
            case HARDSWISH -> x -> x <= -3 ? 0 : x >= 3 ? x : x * (x + 3) / 6;
            case HARDSIGMOID -> x -> x <= -3 ? 0 : x >= 3 ? 1 : (x + 3) / 6;
            case LOGSIGMOID -> x -> -Math.log(1 + Math.exp(-x));
            case SOFTSIGN -> x -> x / (1 + Math.abs(x));
            case TANHSHRINK -> x -> x - Math.tanh(x);
        };
    }

    /** The y in (−1, 1) with erf(x) = y, by bisection on the series erf. */
    static double erfinvByBisection(double y) {
        double lo = -6;
        double hi = 6;
        for (int i = 0; i < 80; i++) {
            double mid = (lo + hi) / 2;
            if (erf(mid) < y) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /**
     * erf by its everywhere-convergent series of positive terms,
     * erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·5···(2n+1)), exact to rounding for |x| ≤ 4.
     */
    static double erf(double x) {
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    private static DoubleBinaryOperator expected(BinaryOp op) {
        return switch (op) {
            case ADD -> (a, b) -> a + b;
            case SUB -> (a, b) -> a - b;
            case MUL -> (a, b) -> a * b;
            case DIV -> (a, b) -> a / b;
            case POW -> Math::pow;
            case MAXIMUM -> (a, b) -> a >= b ? a : b;
            case MINIMUM -> (a, b) -> a <= b ? a : b;
            case EQ -> (a, b) -> a == b ? 1 : 0;
            case NE -> (a, b) -> a != b ? 1 : 0;
            case LT -> (a, b) -> a < b ? 1 : 0;
            case LE -> (a, b) -> a <= b ? 1 : 0;
            case GT -> (a, b) -> a > b ? 1 : 0;
            case GE -> (a, b) -> a >= b ? 1 : 0;
            case ATAN2 -> Math::atan2;
            case COPYSIGN -> (a, b) -> b < 0 ? -Math.abs(a) : Math.abs(a);
            case LOGADDEXP -> (a, b) -> Math.log(Math.exp(a) + Math.exp(b));
            case LOGADDEXP2 -> (a, b) -> Math.log(Math.pow(2, a) + Math.pow(2, b)) / Math.log(2);
            case HYPOT -> (a, b) -> Math.sqrt(a * a + b * b);
            case FMOD -> (a, b) -> a - b * (long) (a / b);
            case REMAINDER -> (a, b) -> a - b * Math.floor(a / b);
            case DIV_TRUNC -> (a, b) -> (long) (a / b);
            case DIV_FLOOR -> (a, b) -> Math.floor(a / b);
            case BITWISE_AND -> (a, b) -> (int) a & (int) b;
            case BITWISE_OR -> (a, b) -> (int) a | (int) b;
            case BITWISE_XOR -> (a, b) -> (int) a ^ (int) b;
            case BITWISE_LEFT_SHIFT -> (a, b) -> (int) a << (int) b;
            case BITWISE_RIGHT_SHIFT -> (a, b) -> (int) a >> (int) b;
        };
    }

    /** Inputs inside the op's domain: positive for log/sqrt/rsqrt, otherwise both signs. */
    private static Tensor input(Generator rng, UnaryOp op, DType dtype, int[] shape) {
        return switch (op) {
            case LOG, SQRT, RSQRT, LOG2, LOG10 -> TestTensors.uniform(rng, 0.05, 4, dtype, shape);
            case ASIN, ACOS, ATANH, ERFINV -> TestTensors.uniform(rng, -0.95, 0.95, dtype, shape);
            case ACOSH -> TestTensors.uniform(rng, 1.05, 4, dtype, shape);
            case LOG1P -> TestTensors.uniform(rng, -0.9, 3, dtype, shape);
            case ERFC -> TestTensors.uniform(rng, -2, 2, dtype, shape);
            case RELU6, HARDSWISH, HARDSIGMOID -> TestTensors.uniform(rng, -5, 8, dtype, shape);
            default -> TestTensors.uniform(rng, -3, 3, dtype, shape);
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOnEveryShapeAndLayout(UnaryOp op) {
        Generator rng = new Generator(op.ordinal());
        for (DType dtype : FLOATS) {
            for (int[] shape : SHAPES) {
                for (Tensor x : TestTensors.layoutsWithBroadcast(input(rng, op, dtype, shape))) {
                    Tensor y = PublicOps.call(op, x);
                    assertThat(y.dtype()).isEqualTo(dtype);
                    assertThat(y.isContiguous()).isTrue();
                    assertValues(y, Nd.of(x).map(expected(op)));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"NEG", "ABS", "SIGN", "RELU"})
    void integerUnaryOps(UnaryOp op) {
        Tensor x = Tensor.of(new int[] {-5, 0, 3, -1, 7, 2}, 2, 3);
        for (Tensor v : TestTensors.layouts(x)) {
            Tensor y = PublicOps.call(op, v);
            assertThat(y.dtype()).isEqualTo(DType.I32);
            assertValues(y, Nd.of(v).map(expected(op)), 0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"NEG", "ABS", "SIGN", "RELU", "FLOOR", "CEIL", "ROUND", "TRUNC"},
            mode = EnumSource.Mode.EXCLUDE)
    void floatOnlyUnaryOpsRejectOrPromoteIntegers(UnaryOp op) {
        Tensor i = Tensor.of(new int[] {1, 2, 3});
        if (!op.promotesIntegers()) {
            assertRejects(() -> PublicOps.call(op, Tensor.arange(3)), op.opName(), "I32", "[3]");
            return;
        }
        // PyTorch: integer (and BOOL) inputs compute in F32, its default dtype
        Tensor y = PublicOps.call(op, i);
        assertThat(y.dtype()).isEqualTo(DType.F32);
        assertThat(y.toDoubleArray()).containsExactly(PublicOps.call(op, i.to(DType.F32)).toDoubleArray());
        assertThat(PublicOps.call(op, i.gt(1)).dtype()).isEqualTo(DType.F32);
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"FLOOR", "CEIL", "ROUND", "TRUNC"})
    void roundingKeepsIntegersAsTheyAre(UnaryOp op) {
        Tensor i = Tensor.of(new int[] {-3, 0, 7}).t();
        Tensor y = PublicOps.call(op, i);
        assertThat(y.dtype()).isEqualTo(DType.I32);
        assertThat(y.toIntArray()).containsExactly(-3, 0, 7);
        assertRejects(() -> PublicOps.call(op, i.gt(0)), op.opName(), "BOOL");
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryWithBroadcastingOnEveryLayout(BinaryOp op) {
        if (op.isBitwise()) {
            return; // integer-only: bitwiseOpsOnIntegers
        }
        Generator rng = new Generator(100 + op.ordinal());
        for (DType dtype : FLOATS) {
            for (int[][] pair : PAIRS) {
                for (boolean swap : new boolean[] {false, true}) {
                    int[] sa = swap ? pair[1] : pair[0];
                    int[] sb = swap ? pair[0] : pair[1];
                    List<Tensor> as = TestTensors.layoutsWithBroadcast(operand(rng, op, dtype, sa, true));
                    List<Tensor> bs = TestTensors.layoutsWithBroadcast(operand(rng, op, dtype, sb, false));
                    for (Tensor a : as) {
                        for (Tensor b : bs) {
                            Tensor y = PublicOps.call(op, a, b);
                            assertThat(y.dtype()).isEqualTo(op.isComparison() ? DType.BOOL : dtype);
                            assertValues(y, Nd.zip(Nd.of(a), Nd.of(b), expected(op)));
                        }
                    }
                }
            }
        }
    }

    /** Values on a coarse grid so that comparisons and max/min see ties; positive bases for pow, no zero divisors. */
    private static Tensor operand(Generator rng, BinaryOp op, DType dtype, int[] shape, boolean first) {
        if (op.isComparison() || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM) {
            return TestTensors.grid(rng, -2, 2, 0.5, dtype, shape);
        }
        Tensor t = TestTensors.uniform(rng, -2, 2, dtype, shape);
        if (op == BinaryOp.POW && first) {
            return t.abs().add(0.1);
        }
        if ((op == BinaryOp.DIV || op.divides()) && !first) {
            return t.abs().add(0.5).mul(t.sign().add(0.5).sign());
        }
        return t;
    }

    @Test
    void integerArithmeticWrapsAroundLikeJava() {
        Tensor a = Tensor.of(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 46341, 123456789, -7});
        Tensor b = Tensor.of(new int[] {1, 1, 46341, 987654321, 3});
        assertThat(a.add(b).toIntArray()).containsExactly(Integer.MAX_VALUE + 1, Integer.MIN_VALUE + 1, 46341 + 46341,
                123456789 + 987654321, -4);
        assertThat(a.sub(b).toIntArray()).containsExactly(Integer.MAX_VALUE - 1, Integer.MIN_VALUE - 1, 0,
                123456789 - 987654321, -10);
        assertThat(a.mul(b).toIntArray()).containsExactly(Integer.MAX_VALUE, Integer.MIN_VALUE, 46341 * 46341,
                123456789 * 987654321, -21);
        assertThat(a.maximum(b).toIntArray()).containsExactly(Integer.MAX_VALUE, 1, 46341, 987654321, 3);
        assertThat(a.minimum(b).toIntArray()).containsExactly(1, Integer.MIN_VALUE, 46341, 123456789, -7);
        assertThat(a.gt(b).toBooleanArray()).containsExactly(true, false, false, false, false);
        assertThat(a.neg().toIntArray()).containsExactly(-Integer.MAX_VALUE, Integer.MIN_VALUE, -46341, -123456789, 7);
        assertThat(a.abs().toIntArray()).containsExactly(Integer.MAX_VALUE, Integer.MIN_VALUE, 46341, 123456789, 7);
    }

    @Test
    void bitwiseOpsOnIntegersAndBools() {
        Tensor a = Tensor.of(new int[] {12, -8, Integer.MIN_VALUE, 1, -1});
        Tensor b = Tensor.of(new int[] {10, 1, 1, 32, 33});
        assertThat(a.bitwiseAnd(b).toIntArray()).containsExactly(8, 0, 0, 0, 33);
        assertThat(a.bitwiseOr(b).toIntArray()).containsExactly(14, -7, Integer.MIN_VALUE + 1, 33, -1);
        assertThat(a.bitwiseXor(b).toIntArray()).containsExactly(6, -7, Integer.MIN_VALUE + 1, 33, -34);
        // counts mod 32 (PyTorch 1.13's CPU kernels): 1 << 32 is 1; right shifts keep the sign
        assertThat(a.bitwiseLeftShift(b).toIntArray()).containsExactly(12 << 10, -16, 0, 1, -2);
        assertThat(a.bitwiseRightShift(b).toIntArray()).containsExactly(0, -4, Integer.MIN_VALUE >> 1, 1, -1);
        assertThat(a.bitwiseNot().toIntArray()).containsExactly(-13, 7, Integer.MAX_VALUE, -2, 0);
        assertThat(a.bitwiseAnd(6).toIntArray()).containsExactly(4, 0, 0, 0, 6);
        Tensor p = Tensor.of(new boolean[] {true, true, false, false});
        Tensor q = Tensor.of(new boolean[] {true, false, true, false});
        assertThat(p.bitwiseAnd(q).toBooleanArray()).containsExactly(true, false, false, false);
        assertThat(p.bitwiseOr(q).toBooleanArray()).containsExactly(true, true, true, false);
        assertThat(p.bitwiseXor(q).toBooleanArray()).containsExactly(false, true, true, false);
        assertThat(p.bitwiseNot().toBooleanArray()).containsExactly(false, false, true, true);
        assertRejects(() -> Tensor.of(new float[] {1}).bitwiseAnd(Tensor.of(new float[] {1})), "bitwiseAnd", "F32");
        assertRejects(() -> p.bitwiseLeftShift(q), "bitwiseLeftShift", "BOOL");
        assertRejects(() -> Tensor.of(new double[] {1}).bitwiseNot(), "bitwiseNot", "F64");
    }

    @Test
    void integerDivisionFamiliesFollowPythonAndC() {
        Tensor a = Tensor.of(new int[] {7, -7, 7, -7, Integer.MIN_VALUE});
        Tensor b = Tensor.of(new int[] {2, 2, -2, -2, -1});
        assertThat(a.div(b, "trunc").toIntArray()).containsExactly(3, -3, -3, 3, Integer.MIN_VALUE);
        assertThat(a.div(b, RoundingMode.FLOOR).toIntArray()).containsExactly(3, -4, -4, 3, Integer.MIN_VALUE);
        assertThat(a.fmod(b).toIntArray()).containsExactly(1, -1, 1, -1, 0);
        assertThat(a.remainder(b).toIntArray()).containsExactly(1, 1, -1, -1, 0);
        assertThat(a.div(b, "floor").dtype()).isEqualTo(DType.I32);
        assertRejects(() -> a.fmod(Tensor.of(new int[] {1, 0, 1, 1, 1})), "fmod", "division by zero");
        assertRejects(() -> a.div(0, "floor"), "div", "division by zero");
        assertRejects(() -> a.div(b, "round"), "div", "roundingMode", "round");
        // floats: inf and NaN where PyTorch gives them
        Tensor x = Tensor.of(new double[] {5, -5, 0, 5.5});
        Tensor z = Tensor.of(new double[] {0, 0, 0, -2});
        assertThat(x.div(z, "floor").toDoubleArray()).containsExactly(Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.NaN, -3);
        assertThat(x.remainder(z).toDoubleArray()).containsExactly(Double.NaN, Double.NaN, Double.NaN, -0.5);
        assertThat(x.div(z, (String) null).toDoubleArray()).containsExactly(x.div(z).toDoubleArray());
    }

    @Test
    void logicalOpsTakeAnyDTypeAndNanIsTrue() {
        Tensor f = Tensor.of(new double[] {0, 1.5, Double.NaN, -0.0});
        Tensor i = Tensor.of(new int[] {3, 0, 1, 0});
        assertThat(f.logicalAnd(i).toBooleanArray()).containsExactly(false, false, true, false);
        assertThat(f.logicalOr(i).toBooleanArray()).containsExactly(true, true, true, false);
        assertThat(f.logicalXor(i).toBooleanArray()).containsExactly(true, true, false, false);
        assertThat(f.logicalNot().toBooleanArray()).containsExactly(true, false, false, true);
        assertThat(i.gt(0).logicalNot().toBooleanArray()).containsExactly(false, true, false, true);
    }

    @Test
    void specialValueMasksAndNanToNum() {
        Tensor x = Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 3e38f});
        assertThat(x.isinf().toBooleanArray()).containsExactly(false, true, true, false, false);
        assertThat(x.isfinite().toBooleanArray()).containsExactly(false, false, false, true, true);
        assertThat(Tensor.arange(2).isfinite().toBooleanArray()).containsExactly(true, true);
        assertThat(x.nanToNum().toDoubleArray()).containsExactly(0, Float.MAX_VALUE, -Float.MAX_VALUE, -0.0, 3e38f);
        assertThat(x.nanToNum(1, 2.0, null).toDoubleArray()).containsExactly(1, 2, -Float.MAX_VALUE, -0.0, 3e38f);
        assertThat(x.to(DType.F64).nanToNum().toDoubleArray()[1]).isEqualTo(Double.MAX_VALUE);
        Tensor a = Tensor.of(new double[] {1, 1, Double.NaN, Double.POSITIVE_INFINITY, 1e-9, 100});
        Tensor b = Tensor.of(new double[] {1 + 1e-6, 1.1, Double.NaN, Double.POSITIVE_INFINITY, 0, 100.002});
        assertThat(a.isclose(b).toBooleanArray()).containsExactly(true, false, false, true, true, false);
        assertThat(a.isclose(b, 1e-4, 0, true).toBooleanArray()).containsExactly(true, false, true, true, false, true);
        assertRejects(() -> a.isclose(b, -1, 0), "isclose", "rtol", "-1");
    }

    @Test
    void roundToDecimalsHalfToEven() {
        Tensor x = Tensor.of(new double[] {0.5, 1.5, 2.5, -0.5, 1.25, 1234.5});
        assertThat(x.round().toDoubleArray()).containsExactly(0, 2, 2, -0.0, 1, 1234);
        assertThat(x.round(1).toDoubleArray()).containsExactly(0.5, 1.5, 2.5, -0.5, 1.2, 1234.5);
        assertThat(x.round(-1).toDoubleArray()).containsExactly(0, 0, 0, -0.0, 0, 1230);
        assertRejects(() -> Tensor.arange(3).round(1), "round", "I32", "decimals 1");
    }

    @Test
    void lerpIsExactAtBothEnds() {
        Tensor s = Tensor.of(new double[] {1, -2, 1e10});
        Tensor e = Tensor.of(new double[] {3, 5, 1});
        assertThat(s.lerp(e, 0).toDoubleArray()).containsExactly(1, -2, 1e10);
        assertThat(s.lerp(e, 1).toDoubleArray()).containsExactly(3, 5, 1);
        assertThat(s.lerp(e, 0.25).toDoubleArray()).containsExactly(1.5, -0.25, 1e10 + 0.25 * (1 - 1e10));
        Tensor w = Tensor.of(new double[] {0, 1, 0.75});
        assertThat(s.lerp(e, w).toDoubleArray()).containsExactly(1, 5, 1 - (1 - 1e10) * 0.25);
        assertRejects(() -> Tensor.arange(3).lerp(Tensor.arange(3), 0.5), "lerp", "I32");
    }

    @Test
    void integerDivisionIsTrueDivisionAndIntegerPowStaysInteger() {
        // PyTorch: int / int is F32; a rounding mode keeps the int; int ** int is an int
        Tensor q = Tensor.of(new int[] {1, -7, 6}).div(Tensor.of(new int[] {2, 2, 3}));
        assertThat(q.dtype()).isEqualTo(DType.F32);
        assertThat(q.toFloatArray()).containsExactly(0.5f, -3.5f, 2f);
        assertThat(Tensor.of(new int[] {-7}).div(2L, "floor").toIntArray()).containsExactly(-4);
        Tensor p = Tensor.of(new int[] {3, -2, 5}).pow(2);
        assertThat(p.dtype()).isEqualTo(DType.I32);
        assertThat(p.toIntArray()).containsExactly(9, 4, 25);
        // a negative power of a tensor exponent: 0 but for bases 1 and -1, as PyTorch
        Tensor n = Tensor.of(new int[] {3, -1, 1, -2}).pow(Tensor.of(new int[] {-1, -3, -2, -1}));
        assertThat(n.toIntArray()).containsExactly(0, -1, 1, 0);
    }

    @Test
    void scalarOperandsTakeTheTensorsDType() {
        Tensor x = Tensor.of(new double[] {1, 2, 4});
        assertThat(x.add(0.5).toDoubleArray()).containsExactly(1.5, 2.5, 4.5);
        assertThat(x.sub(1).toDoubleArray()).containsExactly(0, 1, 3);
        assertThat(x.mul(-2).toDoubleArray()).containsExactly(-2, -4, -8);
        assertThat(x.div(4).toDoubleArray()).containsExactly(0.25, 0.5, 1);
        assertThat(x.pow(0.5).toDoubleArray()).containsExactly(1, Math.sqrt(2), 2);
        assertThat(x.add(Tensor.of(new double[] {1, 1, 1}), -3).toDoubleArray()).containsExactly(-2, -1, 1);
        assertThat(x.add(0.5).dtype()).isEqualTo(DType.F64);
        Tensor i = Tensor.of(new int[] {1, 2, 3});
        assertThat(i.add(2).toIntArray()).containsExactly(3, 4, 5);
        assertThat(i.mul(-1).toIntArray()).containsExactly(-1, -2, -3);
        assertThat(i.ge(2).toBooleanArray()).containsExactly(false, true, true);
        assertThat(i.eq(2).toBooleanArray()).containsExactly(false, true, false);
        assertThat(x.lt(2).toBooleanArray()).containsExactly(true, false, false);
        assertThat(x.le(2).toBooleanArray()).containsExactly(true, true, false);
        assertThat(x.gt(2).toBooleanArray()).containsExactly(false, false, true);
        assertThat(x.ne(2).toBooleanArray()).containsExactly(true, false, true);
        assertThat(x.square().toDoubleArray()).containsExactly(1, 4, 16);
    }

    @Test
    void floatScalarsPromoteIntegerTensorsAndIntegerScalarsMustFit() {
        Tensor i = Tensor.of(new int[] {0, 1, 2});
        // PyTorch: an int tensor with a float scalar computes in F32
        assertThat(i.add(0.5).dtype()).isEqualTo(DType.F32);
        assertThat(i.add(0.5).toFloatArray()).containsExactly(0.5f, 1.5f, 2.5f);
        assertThat(i.mul(2.5).toFloatArray()).containsExactly(0f, 2.5f, 5f);
        assertThat(i.eq(0.5).toBooleanArray()).containsExactly(false, false, false);
        assertThat(i.lt(Double.NaN).toBooleanArray()).containsExactly(false, false, false);
        // an integer scalar an I32 result cannot hold is refused, not wrapped around
        assertRejects(() -> i.sub(10_000_000_000L), "sub", "1.0E10", "I32");
    }

    @Test
    void nanPropagatesThroughMaximumMinimumReluAndClamp() {
        Tensor a = Tensor.of(new float[] {Float.NaN, 1, 2});
        Tensor b = Tensor.of(new float[] {0, Float.NaN, 1});
        assertThat(a.maximum(b).toFloatArray()).containsExactly(Float.NaN, Float.NaN, 2);
        assertThat(a.minimum(b).toFloatArray()).containsExactly(Float.NaN, Float.NaN, 1);
        assertThat(a.relu().toFloatArray()).containsExactly(Float.NaN, 1, 2);
        assertThat(a.clamp(0, 1.5).toFloatArray()).containsExactly(Float.NaN, 1, 1.5f);
        assertThat(a.eq(a).toBooleanArray()).containsExactly(false, true, true);
        assertThat(a.isnan().toBooleanArray()).containsExactly(true, false, false);
        assertThat(Tensor.arange(3).isnan().toBooleanArray()).containsExactly(false, false, false);
    }

    @Test
    void sigmoidAndTanhAreStableForLargeInputs() {
        Tensor x = Tensor.of(new double[] {-800, -40, 0, 40, 800});
        assertThat(x.sigmoid().toDoubleArray()).containsExactly(0, 1 / (1 + Math.exp(40)), 0.5, 1 / (1 + Math.exp(-40)), 1);
        assertThat(x.tanh().toDoubleArray()).containsExactly(-1, -1, 0, 1, 1);
        assertThat(x.exp().toDoubleArray()[4]).isInfinite();
    }

    @Test
    void clampOnEveryLayout() {
        Generator rng = new Generator(5);
        for (DType dtype : FLOATS) {
            for (int[] shape : SHAPES) {
                for (Tensor x : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, dtype, shape))) {
                    assertValues(x.clamp(-0.5, 0.7), Nd.of(x).map(v -> v < -0.5 ? -0.5 : v > 0.7 ? 0.7 : v));
                    assertValues(x.clampMin(0.2), Nd.of(x).map(v -> v < 0.2 ? 0.2 : v));
                    assertValues(x.clampMax(0.2), Nd.of(x).map(v -> v > 0.2 ? 0.2 : v));
                }
            }
        }
        assertThat(Tensor.of(new int[] {-3, 0, 5}).clamp(-1, 2).toIntArray()).containsExactly(-1, 0, 2);
        assertThat(Tensor.of(new float[] {3}).clamp(1, 1).item()).isEqualTo(1);
        // min > max: every element becomes max, as PyTorch
        assertThat(Tensor.of(new float[] {-1, 0.5f, 3, Float.NaN}).clamp(1, 0).toFloatArray())
                .containsExactly(0, 0, 0, Float.NaN);
        assertRejects(() -> Tensor.zeros(2).clamp(Double.NaN, 1), "clamp", "NaN");
        assertRejects(() -> Tensor.zeros(2).clampMax(Double.NaN), "clamp", "NaN");
        // an I32 result holds whole bounds only; infinite ones mean no bound
        // float bounds promote an I32 tensor to F32 (PyTorch); integer bounds keep it I32
        Tensor promoted = Tensor.of(new int[] {0, 2}).clamp(0.5, 1.5);
        assertThat(promoted.dtype()).isEqualTo(DType.F32);
        assertThat(promoted.toFloatArray()).containsExactly(0.5f, 1.5f);
        assertThat(Tensor.of(new int[] {0, 2}).clampMin(3e9).toFloatArray()).containsExactly(3e9f, 3e9f);
        assertRejects(() -> Tensor.of(new int[] {0, 2}).clampMin(3_000_000_000L), "clamp", "3.0E9", "I32");
        assertThat(Tensor.of(new int[] {-3, 0, 5}).clampMin(-1).toIntArray()).containsExactly(-1, 0, 5);
        assertThat(Tensor.of(new float[] {-3, 5}).clamp(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY)
                .toFloatArray()).containsExactly(-3, 5);
    }

    @Test
    void whereBroadcastsAllThreeOnEveryLayout() {
        Generator rng = new Generator(11);
        int[][][] triples = {{{2, 3}, {2, 3}, {2, 3}}, {{3, 1}, {1, 4}, {}}, {{1, 4}, {2, 3, 4}, {3, 1}},
            {{0, 2}, {2}, {1, 2}}, {{5}, {}, {5}}};
        for (DType dtype : FLOATS) {
            for (int[][] t : triples) {
                for (Tensor cond : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, DType.F64, t[0]).gt(0))) {
                    for (Tensor a : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, dtype, t[1]))) {
                        Tensor b = TestTensors.steppedLayout(TestTensors.random(rng, dtype, t[2]));
                        Nd c = Nd.of(cond);
                        Nd av = Nd.of(a);
                        Nd bv = Nd.of(b);
                        int[] shape = Nd.broadcastShape(Nd.broadcastShape(c.shape(), av.shape()), bv.shape());
                        Nd want = Nd.build(shape, i -> c.getBroadcast(i) != 0 ? av.getBroadcast(i) : bv.getBroadcast(i));
                        Tensor y = Tensor.where(cond, a, b);
                        assertThat(y.dtype()).isEqualTo(dtype);
                        assertValues(y, want);
                    }
                }
            }
        }
        Tensor x = Tensor.of(new float[] {-1, 2, -3});
        assertThat(Tensor.where(x.gt(0), x, 0).toFloatArray()).containsExactly(0, 2, 0);
        assertThat(Tensor.where(x.gt(0), 9, x).toFloatArray()).containsExactly(-1, 9, -3);
        Tensor bools = Tensor.where(Tensor.of(new boolean[] {true, false}), Tensor.of(new boolean[] {false, false}),
                Tensor.of(new boolean[] {true, true}));
        assertThat(bools.toBooleanArray()).containsExactly(false, true);
    }

    @Test
    void anyAllAndAllClose() {
        assertThat(Tensor.of(new float[] {0, 0, 2}).any().item()).isEqualTo(1);
        assertThat(Tensor.of(new float[] {0, 0, 2}).all().item()).isEqualTo(0);
        assertThat(Tensor.of(new boolean[] {true, true}).all().item()).isEqualTo(1);
        assertThat(Tensor.zeros(0).any().item()).isEqualTo(0);
        assertThat(Tensor.zeros(0).all().item()).isEqualTo(1);
        assertThat(Tensor.of(new float[] {0, 0, 2}).any().dtype()).isEqualTo(DType.BOOL);
        Tensor a = Tensor.of(new double[] {1, 2, 3});
        assertThat(a.allClose(Tensor.of(new double[] {1, 2, 3 + 1e-9}), 1e-6, 0)).isTrue();
        assertThat(a.allClose(Tensor.of(new double[] {1, 2, 3.1}), 1e-6, 0)).isFalse();
        assertThat(a.allClose(Tensor.of(new float[] {1, 2, 3}), 0, 0)).isTrue();
        assertThat(a.allClose(Tensor.of(new double[] {1, 2, Double.NaN}), 1, 1)).isFalse();
        assertRejects(() -> a.allClose(Tensor.zeros(4), 1, 1), "allClose", "[3]", "[4]");
    }
}
