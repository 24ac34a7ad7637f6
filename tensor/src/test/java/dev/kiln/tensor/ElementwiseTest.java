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
        };
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
        };
    }

    /** Inputs inside the op's domain: positive for log/sqrt/rsqrt, otherwise both signs. */
    private static Tensor input(Generator rng, UnaryOp op, DType dtype, int[] shape) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> TestTensors.uniform(rng, 0.05, 4, dtype, shape);
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
    @EnumSource(value = UnaryOp.class, names = {"NEG", "ABS", "SIGN", "RELU"}, mode = EnumSource.Mode.EXCLUDE)
    void floatOnlyUnaryOpsRejectIntegers(UnaryOp op) {
        assertRejects(() -> PublicOps.call(op, Tensor.arange(3)), op.opName(), "I32", "[3]");
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryWithBroadcastingOnEveryLayout(BinaryOp op) {
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
        if (op == BinaryOp.DIV && !first) {
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
    void integerDivisionAndPowNeedFloats() {
        assertRejects(() -> Tensor.arange(3).div(Tensor.arange(3)), "div", "I32", "[3]");
        assertRejects(() -> Tensor.arange(3).pow(2), "pow", "I32");
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
    void integerTensorsRefuseScalarsTheyCannotHold() {
        Tensor i = Tensor.of(new int[] {0, 1, 2});
        // silently truncating 0.5 to 0 would make these wrong without a word
        assertRejects(() -> i.add(0.5), "add", "0.5", "I32");
        assertRejects(() -> i.mul(2.5), "mul", "2.5", "I32");
        assertRejects(() -> i.eq(0.5), "eq", "0.5", "I32");
        assertRejects(() -> i.lt(Double.NaN), "lt", "NaN", "I32");
        assertRejects(() -> i.sub(1e10), "sub", "1.0E10", "I32");
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
        assertRejects(() -> Tensor.zeros(2).clamp(1, 0), "clamp", "min 1.0", "max 0.0");
        assertRejects(() -> Tensor.zeros(2).clamp(Double.NaN, 1), "clamp", "NaN");
        assertRejects(() -> Tensor.zeros(2).clampMax(Double.NaN), "clamp", "NaN");
        // an I32 result holds whole bounds only; infinite ones mean no bound
        assertRejects(() -> Tensor.of(new int[] {0, 2}).clamp(0.5, 1.5), "clamp", "0.5", "I32");
        assertRejects(() -> Tensor.of(new int[] {0, 2}).clampMin(3e9), "clamp", "3.0E9", "I32");
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
