package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.testing.PublicOps;

/** Moves, fills, conversions, unary and binary ops, comparisons, clamp and where on the GPU (skipped without one). */
class CudaElementwiseTest extends GpuTesting {
    private static final List<int[]> SHAPES = List.of(new int[0], new int[] {0}, new int[] {1}, new int[] {1000},
            new int[] {7, 33}, new int[] {3, 1, 5, 2});

    /** Values worth checking beyond random ones: zeros of both signs, infinities, NaN, tiny and huge. */
    private static Tensor specials(DType t) {
        return Tensor.of(new double[] {0.0, -0.0, 1, -1, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.NaN, 1e-30, -1e-30, 88.5, -88.5, 3.5, -2.5, 1e30}).to(t);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void roundTripThroughTheDeviceIsExact(DType t) {
        for (int[] shape : SHAPES) {
            Tensor x = randn(DType.F64, shape).mul(100).to(t);
            Tensor back = x.to(GPU).to(CPU);
            assertClose("round trip " + t, EXACT, x, back);
        }
        // a view goes over as its elements in order
        Tensor v = randn(DType.F32, 6, 4).to(t).transpose(0, 1).slice(0, 1, 4);
        assertClose("view round trip", EXACT, v.contiguous(), v.to(GPU).to(CPU));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void fillsAndZeros(DType t) {
        assertClose("zeros", EXACT, Tensor.zeros(t, 3, 5), Tensor.full(0, t, GPU, 3, 5).to(CPU));
        double v = t == DType.U8 ? 7.75 : -7.75; // U8 refuses a negative fill, as PyTorch
        assertClose("full", EXACT, Tensor.full(v, t, 4, 9), Tensor.full(v, t, GPU, 4, 9).to(CPU));
        // (a sum of I8 or U8 is I32: back to the dtype, as there is no type promotion)
        check("fill_ of a strided view", EXACT, in -> in[0].transpose(0, 1).slice(0, 0, 3, 2).fill_(2.5).contiguous()
                .add(in[0].sum().to(in[0].dtype())), randn(DType.F64, 4, 6).to(t == DType.BOOL ? DType.F32 : t));
    }

    @Test
    void conversionsBetweenEveryPairOfDtypes() {
        Tensor src = Tensor.cat(0, specials(DType.F64), Tensor.of(new double[] {3e9, -3e9, 2.7, -2.7, 255, 256}));
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                check(from + " -> " + to, EXACT, in -> in[0].to(to), src.to(from));
                check(from + " -> " + to + " strided", EXACT, in -> in[0].reshape(4, 5).transpose(0, 1).to(to),
                        src.to(from));
            }
        }
    }

    @Test
    void copyIntoViewsIncludingOverlappingOnes() {
        Tensor x = randn(DType.F32, 10, 6);
        check("copy_ into a transposed slice", EXACT, in -> {
            Tensor y = in[0].clone();
            y.slice(0, 2, 8).transpose(0, 1).copy_(in[0].slice(0, 0, 6).transpose(0, 1).mul(2));
            return y;
        }, x);
        check("overlapping shift", EXACT, in -> {
            Tensor y = in[0].clone();
            y.slice(0, 1, 10).copy_(y.slice(0, 0, 9));
            return y;
        }, x);
        check("broadcast copy_", EXACT, in -> {
            Tensor y = in[0].clone();
            y.copy_(in[0].slice(0, 0, 1));
            return y;
        }, x);
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOps(UnaryOp op) {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            if (t == DType.I32 && op.needsFloat()) {
                continue;
            }
            Tol tol = switch (op) {
                case NEG, ABS, SIGN, RELU, SQRT, RELU_SQUARED -> EXACT;
                // compositions of a few float functions, each within an ulp or two
                case GELU, GELU_TANH, SILU, MISH, SOFTPLUS -> floats(t, new Tol(4e-6, 1e-6), new Tol(1e-13, 1e-15));
                default -> floats(t, F32_ULPS, F64_ULPS);
            };
            for (int[] shape : SHAPES) {
                Tensor x = t == DType.I32 ? randint(-1000, 1000, shape) : randn(t, shape).mul(3);
                if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) {
                    x = x.abs();
                }
                check(op + " " + t, tol, in -> PublicOps.call(op, in[0]), x);
            }
            check(op + " " + t + " transposed", tol, in -> PublicOps.call(op, in[0].transpose(0, 1)),
                    t == DType.I32 ? randint(-50, 50, 9, 5) : randn(t, 9, 5).abs());
            if (t != DType.I32) {
                check(op + " " + t + " special values", tol, in -> PublicOps.call(op, in[0]), specials(t));
            }
        }
        check(op + " I32 extremes", EXACT, in -> op.needsFloat() ? in[0] : PublicOps.call(op, in[0]),
                Tensor.of(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1}));
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryOpsWithBroadcasting(BinaryOp op) {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            if (t == DType.I32 && op.needsFloat() || op.isBitwise() && t != DType.I32) {
                continue;
            }
            // exact where both sides round once (or not at all); the transcendental ones, and the rounded
            // quotients that CUDA computes in the tensor's dtype and the reference in double, within ulps
            Tol tol = switch (op) {
                case POW, ATAN2, LOGADDEXP, LOGADDEXP2, HYPOT, REMAINDER, DIV_TRUNC, DIV_FLOOR ->
                        floats(t, F32_ULPS, F64_ULPS);
                default -> EXACT;
            };
            java.util.function.IntFunction<Tensor> gen = n -> t == DType.I32 ? randint(-20, 20, n)
                    : op == BinaryOp.POW ? randn(t, n).abs().add(0.1) : randn(t, n);
            // integer divisors must not be 0 (refused, as PyTorch's ZeroDivisionError)
            java.util.function.IntFunction<Tensor> gen2 = op.divides() && t == DType.I32
                    ? n -> randint(1, 20, n).mul(Tensor.where(randint(0, 2, n).eq(0), -1, 1).to(DType.I32)) : gen;
            check(op + " " + t + " contiguous", tol, in -> PublicOps.call(op, in[0], in[1]), gen.apply(1003),
                    gen2.apply(1003));
            check(op + " " + t + " broadcast", tol, in -> PublicOps.call(op, in[0].reshape(5, 1, 7),
                    in[1].reshape(1, 3, 7)), gen.apply(35), gen2.apply(21));
            check(op + " " + t + " scalar and transposed", tol, in -> PublicOps.call(op,
                    in[0].reshape(6, 4).transpose(0, 1), in[1].reshape(new int[0])), gen.apply(24), gen2.apply(1));
            check(op + " " + t + " empty", tol, in -> PublicOps.call(op, in[0].reshape(0, 3), in[1].reshape(1, 3)),
                    gen.apply(0), gen2.apply(3));
            if (t != DType.I32) {
                check(op + " " + t + " special values", tol, in -> PublicOps.call(op, in[0].reshape(14, 1),
                        in[1].reshape(1, 14)), specials(t), specials(t));
            }
        }
    }

    @Test
    void integerArithmeticWrapsAround() {
        Tensor a = Tensor.of(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20, -7});
        Tensor b = Tensor.of(new int[] {1, 1, 1 << 12, 3});
        Tensor sum = a.to(GPU).add(b.to(GPU)).to(CPU);
        Tensor prod = a.to(GPU).mul(b.to(GPU)).to(CPU);
        assertThat(sum.toIntArray()).containsExactly(Integer.MIN_VALUE, Integer.MIN_VALUE + 1, (1 << 20) + (1 << 12), -4);
        assertThat(prod.toIntArray()).containsExactly(Integer.MAX_VALUE, Integer.MIN_VALUE, 0, -21);
    }

    @Test
    void addRelu() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            check("addRelu " + t, EXACT, in -> in[0].addRelu(in[1]), randn(t, 40, 3), randn(t, 40, 3));
        }
    }

    @Test
    void clampAndWhere() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            Tensor x = t == DType.I32 ? randint(-9, 9, 40, 3) : randn(t, 40, 3).mul(2);
            // an I32 tensor takes only bounds it can hold exactly (ElementwiseOps.clamp)
            double lo = t == DType.I32 ? -3 : -0.5;
            double hi = t == DType.I32 ? 4 : 1.25;
            check("clamp " + t, EXACT, in -> in[0].transpose(0, 1).clamp(lo, hi), x);
            check("clampMin " + t, EXACT, in -> in[0].clampMin(0), x);
            check("where " + t, EXACT, in -> Tensor.where(in[0].gt(0), in[0], in[1].reshape(1, 3)),
                    x, t == DType.I32 ? randint(-9, 9, 3) : randn(t, 3));
        }
        check("clamp special values", EXACT, in -> in[0].clamp(-1, 2), specials(DType.F32));
        check("where on BOOL", EXACT, in -> Tensor.where(in[0].gt(0), in[0].lt(1), in[0].gt(-1)), randn(DType.F32, 50));
    }
}
