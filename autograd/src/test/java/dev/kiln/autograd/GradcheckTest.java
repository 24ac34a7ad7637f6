package dev.kiln.autograd;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.ConvOps;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.GradNode;
import dev.kiln.tensor.spi.Op;
import dev.kiln.tensor.Pool3dOps;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Splines;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import dev.kiln.tensor.testing.PublicOps;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finite differences (F64) against every derivative rule: every {@link Op} record, every
 * {@link UnaryOp} and every non-comparison {@link BinaryOp}, over several shapes, with
 * broadcasting and with non-contiguous views made inside the function. Inputs keep away from the
 * points where an op is not differentiable (relu and abs at 0, ties of max).
 */
class GradcheckTest {

    /** One function and a way to make fresh inputs for it. */
    record Case(String name, Function<Tensor[], Tensor> f, Supplier<Tensor[]> inputs, double eps, double tol) {
        Case(String name, Function<Tensor[], Tensor> f, Supplier<Tensor[]> inputs) {
            this(name, f, inputs, GradCheck.EPS, GradCheck.ATOL);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final Generator RNG = new Generator(2025);

    /** A leaf of standard-normal F64 values. */
    private static Tensor x(int... shape) {
        return TestTensors.random(RNG, DType.F64, shape).requiresGrad(true);
    }

    /** A leaf of values in [lo, hi). */
    private static Tensor u(double lo, double hi, int... shape) {
        return TestTensors.uniform(RNG, lo, hi, DType.F64, shape).requiresGrad(true);
    }

    /** A leaf whose values are at least 0.1 away from zero. */
    private static Tensor nz(int... shape) {
        Tensor t = TestTensors.random(RNG, DType.F64, shape);
        return t.abs().add(0.1).mul(Tensor.where(t.ge(0), 1.0, Tensor.scalar(-1, DType.F64))).detach().requiresGrad(true);
    }

    private static Tensor ints(int... v) {
        return Tensor.of(v);
    }

    private static Supplier<Tensor[]> in(Supplier<Tensor> a) {
        return () -> new Tensor[] {a.get()};
    }

    private static Supplier<Tensor[]> in(Supplier<Tensor> a, Supplier<Tensor> b) {
        return () -> new Tensor[] {a.get(), b.get()};
    }

    private static Supplier<Tensor[]> in(Supplier<Tensor> a, Supplier<Tensor> b, Supplier<Tensor> c) {
        return () -> new Tensor[] {a.get(), b.get(), c.get()};
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        int[][] shapes = {{}, {5}, {3, 4}, {2, 1, 3}};
        for (UnaryOp op : UnaryOp.values()) {
            Function<int[], Tensor> dom = switch (op) {
                case LOG, SQRT, RSQRT, LOG2, LOG10 -> sh -> u(0.3, 3, sh);
                case ASIN, ACOS, ATANH, ERFINV -> sh -> u(-0.9, 0.9, sh);
                case ACOSH -> sh -> u(1.2, 3, sh);
                case LOG1P -> sh -> u(-0.5, 3, sh);
                // away from the jumps: the rounding ops are constant there (gradient 0), frac has slope 1
                case FLOOR, CEIL, ROUND, TRUNC, FRAC -> sh -> u(0.1, 0.4, sh);
                case ABS, SIGN, RELU, RELU_SQUARED, RELU6 -> sh -> nz(sh);
                default -> sh -> x(sh);
            };
            Supplier<Tensor> domain = () -> dom.apply(new int[] {3, 4});
            c.add(new Case(op.opName(), t -> PublicOps.call(op, t[0]), in(domain)));
            c.add(new Case(op.opName() + " of a transposed view", t -> PublicOps.call(op, t[0].t()), in(domain)));
            c.add(new Case(op.opName() + " of a stepped slice", t -> PublicOps.call(op, t[0].slice(1, 1, 4, 2)), in(domain)));
            c.add(new Case(op.opName() + " 0-d", t -> PublicOps.call(op, t[0]), in(() -> op == UnaryOp.LOG || op == UnaryOp.SQRT
                    || op == UnaryOp.RSQRT ? u(0.5, 2) : op.ordinal() >= UnaryOp.SIN.ordinal() ? dom.apply(new int[0]) : nz())));
        }
        int[][][] pairs = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1, 3}, {4, 1}}, {{}, {2, 3}}, {{2, 3}, {1}}};
        for (BinaryOp op : BinaryOp.values()) {
            if (op.isComparison() || op.isBitwise()) {
                continue;
            }
            for (int[][] p : pairs) {
                Supplier<Tensor> a = op == BinaryOp.POW ? () -> u(0.5, 2, p[0]) : () -> x(p[0]);
                Supplier<Tensor> b = op == BinaryOp.DIV || op.divides() ? () -> nz(p[1]) : () -> x(p[1]);
                c.add(new Case(op.opName() + " " + Arrays.toString(p[0]) + " by " + Arrays.toString(p[1]),
                        t -> PublicOps.call(op, t[0], t[1]), in(a, b)));
            }
            Supplier<Tensor> a = op == BinaryOp.POW ? () -> u(0.5, 2, 4, 3) : () -> x(4, 3);
            Supplier<Tensor> b = op == BinaryOp.DIV || op.divides() ? () -> nz(3, 1) : () -> x(3, 1);
            c.add(new Case(op.opName() + " of a transposed and an expanded view",
                    t -> PublicOps.call(op, t[0].t(), t[1].expand(3, 4)), in(a, b)));
            c.add(new Case(op.opName() + " with a constant", t -> PublicOps.call(op, t[0], op == BinaryOp.DIV
                    ? Tensor.of(new double[] {2, -3, 0.5}) : Tensor.of(new double[] {0.7, -1.2, 2})), in(
                    op == BinaryOp.POW ? () -> u(0.5, 2, 2, 3) : () -> x(2, 3))));
        }
        c.add(new Case("pow by a scalar exponent", t -> t[0].pow(2.5), in(() -> u(0.5, 2, 2, 3))));
        c.add(new Case("pow of a constant base", t -> Tensor.of(new double[] {0.5, 2, 3}).pow(t[0]), in(() -> x(2, 3))));

        c.add(new Case("clamp", t -> t[0].clamp(-0.5, 0.5), in(() -> x(4, 5))));
        c.add(new Case("clampMin of a view", t -> t[0].t().clampMin(0.2), in(() -> x(3, 4))));
        c.add(new Case("clampMax", t -> t[0].clampMax(-0.1), in(() -> x(6))));
        Tensor cond = Tensor.of(new boolean[] {true, false, false, true, true, false}, 2, 3);
        c.add(new Case("where", t -> Tensor.where(cond, t[0], t[1]), in(() -> x(2, 3), () -> x(2, 3))));
        c.add(new Case("where broadcast", t -> Tensor.where(cond.select(0, 0).unsqueeze(0), t[0], t[1]),
                in(() -> x(3), () -> x(2, 1))));
        c.add(new Case("where with a scalar", t -> Tensor.where(cond, t[0].t(), 1.5), in(() -> x(3, 2))));

        for (int[] s : shapes) {
            c.add(new Case("sum " + Arrays.toString(s), t -> t[0].sum(), in(() -> x(s))));
            c.add(new Case("mean " + Arrays.toString(s), t -> t[0].mean(), in(() -> x(s))));
            c.add(new Case("max " + Arrays.toString(s), t -> t[0].max(), in(() -> x(s))));
        }
        c.add(new Case("sum dim", t -> t[0].sum(1), in(() -> x(3, 4))));
        c.add(new Case("sum dims keepDim", t -> t[0].sum(new int[] {0, 2}, true), in(() -> x(2, 3, 2))));
        c.add(new Case("sum of a permuted view", t -> t[0].permute(2, 0, 1).sum(-1, false), in(() -> x(2, 3, 2))));
        c.add(new Case("mean dims", t -> t[0].mean(new int[] {-1, 0}, false), in(() -> x(2, 3, 2))));
        c.add(new Case("amax dims", t -> t[0].amax(new int[] {0, 2}, false), in(() -> x(2, 3, 2))));
        c.add(new Case("amin keepDim", t -> t[0].amin(new int[] {1}, true), in(() -> x(3, 4))));
        c.add(new Case("max dim", t -> t[0].max(0, false), in(() -> x(3, 4))));
        c.add(new Case("min of a transposed view", t -> t[0].t().min(1, true), in(() -> x(3, 4))));
        c.add(new Case("var", t -> t[0].var(), in(() -> x(3, 4))));
        c.add(new Case("var dims", t -> t[0].var(new int[] {0}, 0, true), in(() -> x(3, 4))));
        c.add(new Case("std dim", t -> t[0].std(1, false), in(() -> x(3, 4))));

        int[][][] mm = {{{3, 4}, {4, 2}}, {{2, 3, 4}, {4, 5}}, {{4}, {4, 3}}, {{3, 4}, {4}}, {{4}, {4}},
            {{2, 1, 2, 3}, {3, 3, 2}}, {{3}, {2, 3, 2}}};
        for (int[][] p : mm) {
            c.add(new Case("matmul " + Arrays.toString(p[0]) + " by " + Arrays.toString(p[1]),
                    t -> t[0].matmul(t[1]), in(() -> x(p[0]), () -> x(p[1]))));
        }
        c.add(new Case("matmul of transposed views", t -> t[0].t().matmul(t[1].t()), in(() -> x(4, 3), () -> x(2, 4))));
        c.add(new Case("matmul with a constant", t -> t[0].matmul(Tensor.of(new double[] {1, -2, 0.5}, 3, 1)),
                in(() -> x(2, 3))));
        c.add(new Case("linear", t -> Tensor.linear(t[0], t[1], t[2]), in(() -> x(3, 4), () -> x(2, 4), () -> x(2))));
        c.add(new Case("linear of a 3-D input without bias", t -> Tensor.linear(t[0], t[1], null),
                in(() -> x(2, 3, 4), () -> x(5, 4))));
        c.add(new Case("linear of a 1-D input", t -> Tensor.linear(t[0], t[1], t[2]), in(() -> x(4), () -> x(3, 4), () -> x(3))));
        for (UnaryOp act : new UnaryOp[] {UnaryOp.RELU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.SILU}) {
            c.add(new Case("linear then " + act + " on a transposed view", t -> Tensor.linear(t[0].t(), t[1], t[2], act),
                    in(() -> x(4, 3), () -> x(5, 4), () -> x(5))));
        }
        c.add(new Case("linear then GELU, 3-D, without bias", t -> Tensor.linear(t[0], t[1], null, UnaryOp.GELU),
                in(() -> x(2, 2, 3), () -> x(4, 3))));

        for (int d = -3; d < 3; d++) {
            int dim = d;
            c.add(new Case("softmax dim " + d, t -> t[0].softmax(dim), in(() -> x(2, 3, 2))));
            c.add(new Case("logSoftmax dim " + d, t -> t[0].logSoftmax(dim), in(() -> x(2, 3, 2))));
        }
        c.add(new Case("softmax of a transposed view", t -> t[0].t().softmax(1), in(() -> x(3, 4))));
        c.add(new Case("logSoftmax 0-d", t -> t[0].logSoftmax(0), in(() -> x())));

        Tensor labels = ints(2, 0, 3, 3, 1);
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) { // BATCHMEAN is klDiv's
            c.add(new Case("crossEntropy " + r, t -> t[0].crossEntropy(labels, r, -100), in(() -> x(5, 4))));
            c.add(new Case("crossEntropy ignore " + r, t -> t[0].crossEntropy(ints(2, -100, 3, 3, -100), r, -100),
                    in(() -> x(5, 4))));
            c.add(new Case("crossEntropy [N, C, d] " + r,
                    t -> t[0].crossEntropy(Tensor.of(new int[] {0, 2, 1, 1}, 2, 2), r, -100), in(() -> x(2, 3, 2))));
            c.add(new Case("crossEntropy probabilities " + r,
                    t -> t[0].crossEntropy(t[1].softmax(1), r, -100), in(() -> x(3, 4), () -> x(3, 4))));
        }
        // the other losses of issue 15 are compositions, checked in LossGradcheckTest; this one is an op
        c.add(new Case("binaryCrossEntropy weighted", t -> dev.kiln.tensor.LossFunctions.binaryCrossEntropy(t[0], t[1],
                t[2], Reduction.SUM), in(() -> u(0.05, 0.95, 3, 2), () -> u(0, 1, 3, 2), () -> u(0.5, 2, 2))));
        c.add(new Case("crossEntropy 1-D", t -> t[0].crossEntropy(Tensor.scalar(1, DType.I32)), in(() -> x(4))));
        c.add(new Case("crossEntropy of a transposed view", t -> t[0].t().crossEntropy(ints(0, 2, 1)), in(() -> x(4, 3))));
        c.add(new Case("mseLoss", t -> t[0].mseLoss(t[1]), in(() -> x(3, 4), () -> x(3, 4))));
        c.add(new Case("mseLoss sum of a view", t -> t[0].t().mseLoss(t[1], Reduction.SUM), in(() -> x(4, 3), () -> x(3, 4))));

        c.add(new Case("reshape", t -> t[0].reshape(4, -1), in(() -> x(2, 3, 2))));
        c.add(new Case("reshape of a transposed view (copies)", t -> t[0].t().reshape(-1), in(() -> x(3, 4))));
        c.add(new Case("view", t -> t[0].view(2, 6), in(() -> x(3, 4))));
        c.add(new Case("squeeze and unsqueeze", t -> t[0].squeeze().unsqueeze(1).mul(t[0].squeeze(0).unsqueeze(-1)),
                in(() -> x(1, 3))));
        c.add(new Case("flatten", t -> t[0].flatten(1, 2), in(() -> x(2, 2, 3))));
        c.add(new Case("permute", t -> t[0].permute(2, 0, 1), in(() -> x(2, 3, 2))));
        c.add(new Case("transpose", t -> t[0].transpose(0, 2), in(() -> x(2, 3, 2))));
        c.add(new Case("movedim", t -> t[0].movedim(0, -1), in(() -> x(2, 3, 2))));
        c.add(new Case("expand", t -> t[0].expand(2, 3, 4), in(() -> x(3, 1))));
        c.add(new Case("expand 0-d", t -> t[0].expand(3, 2), in(() -> x())));
        c.add(new Case("narrow", t -> t[0].narrow(1, 1, 2), in(() -> x(3, 4))));
        c.add(new Case("slice step 1, negative start", t -> t[0].slice(0, -2, 3), in(() -> x(3, 4))));
        c.add(new Case("slice step 2", t -> t[0].slice(1, 0, 4, 2), in(() -> x(3, 4))));
        c.add(new Case("slice step 3 of a view", t -> t[0].t().slice(0, 1, 5, 3), in(() -> x(3, 5))));
        c.add(new Case("slice of a slice", t -> t[0].slice(0, 1, 7, 2).slice(0, 0, 3, 2), in(() -> x(7))));
        c.add(new Case("select", t -> t[0].select(1, 2), in(() -> x(3, 4))));
        c.add(new Case("select negative of a view", t -> t[0].t().select(0, -1), in(() -> x(3, 4))));
        c.add(new Case("clone", t -> t[0].clone().mul(t[0]), in(() -> x(3, 4))));
        c.add(new Case("contiguous of a view", t -> t[0].t().contiguous(), in(() -> x(3, 4))));
        c.add(new Case("cat", t -> Tensor.cat(1, t[0], t[1].t(), t[2]), in(() -> x(2, 3), () -> x(1, 2), () -> x(2, 2))));
        c.add(new Case("cat dim 0 with an empty part", t -> Tensor.cat(0, t[0], t[1], t[2]),
                in(() -> x(2, 3), () -> x(0, 3), () -> x(1, 3))));
        c.add(new Case("stack", t -> Tensor.stack(1, t[0], t[1]), in(() -> x(2, 3), () -> x(2, 3))));
        c.add(new Case("indexSelect with repeats", t -> t[0].indexSelect(0, ints(2, 0, 2, 1)), in(() -> x(3, 2))));
        c.add(new Case("indexSelect dim 1 of a view", t -> t[0].t().indexSelect(1, ints(1, 1)), in(() -> x(3, 4))));
        c.add(new Case("indexSelect of a 0-d", t -> t[0].indexSelect(0, ints(0)), in(() -> x())));
        c.add(new Case("indexAdd", t -> t[0].indexAdd(0, ints(1, 0, 1), t[1]), in(() -> x(2, 3), () -> x(3, 3))));
        c.add(new Case("indexAdd dim 1 of views", t -> t[0].t().indexAdd(1, ints(2, 2), t[1].t()),
                in(() -> x(3, 2), () -> x(2, 2))));
        c.add(new Case("gather", t -> t[0].gather(1, Tensor.of(new int[] {0, 2, 2, 1, 0, 0}, 2, 3)), in(() -> x(2, 3))));
        c.add(new Case("gather dim 0 of a view", t -> t[0].t().gather(0, Tensor.of(new int[] {2, 0, 1, 1}, 1, 4)),
                in(() -> x(4, 3))));
        c.add(new Case("scatterAdd", t -> t[0].scatterAdd(0, Tensor.of(new int[] {1, 0, 1, 1}, 2, 2), t[1]),
                in(() -> x(2, 3), () -> x(3, 2))));
        c.add(new Case("scatterAdd dim 1", t -> t[0].scatterAdd(1, Tensor.of(new int[] {2, 2, 0}, 1, 3), t[1].t()),
                in(() -> x(2, 3), () -> x(3, 1))));
        // issue 15: shape and indexing ops (views, compositions and their own rules)
        c.add(new Case("diagonal of dims 2 and 0, below", t -> t[0].diagonal(-1, 2, 0), in(() -> x(3, 2, 4))));
        c.add(new Case("unfold overlapping windows", t -> t[0].unfold(1, 3, 2), in(() -> x(2, 7))));
        c.add(new Case("unfold of a view", t -> t[0].t().unfold(0, 2, 3), in(() -> x(3, 5))));
        c.add(new Case("pad constant with a crop", t -> t[0].pad(new int[] {2, -1, 1, 1}, "constant", 0.5),
                in(() -> x(2, 3))));
        c.add(new Case("pad reflect", t -> t[0].pad(new int[] {2, 1}, "reflect"), in(() -> x(2, 4))));
        c.add(new Case("pad replicate", t -> t[0].pad(new int[] {1, 2, 2, 0}, "replicate"), in(() -> x(1, 2, 3))));
        c.add(new Case("pad circular", t -> t[0].pad(new int[] {3, 1}, "circular"), in(() -> x(2, 3))));
        c.add(new Case("flip", t -> t[0].flip(0, 2), in(() -> x(2, 3, 2))));
        c.add(new Case("roll", t -> t[0].roll(new int[] {1, -1}, new int[] {0, 1}), in(() -> x(3, 4))));
        c.add(new Case("repeat and tile", t -> t[0].repeat(2, 1, 3).add(t[0].tile(2, 1, 3)), in(() -> x(2, 2))));
        c.add(new Case("repeatInterleave by counts", t -> t[0].repeatInterleave(ints(2, 0, 3), 0), in(() -> x(3, 2))));
        c.add(new Case("split, chunk and unbind", t -> Tensor.cat(0, t[0].split(new int[] {1, 2}, 0).get(1).reshape(-1),
                t[0].chunk(2, 1).get(1).reshape(-1), t[0].unbind(1).getFirst()), in(() -> x(3, 4))));
        c.add(new Case("tril and triu", t -> t[0].tril(1).mul(t[0].triu(-1)), in(() -> x(3, 4))));
        c.add(new Case("diag of a vector and trace", t -> t[0].diag(1).mul(t[1].trace()), in(() -> x(3), () -> x(4, 4))));
        c.add(new Case("maskedFill with a 0-d value", t -> t[0].maskedFill(cond, t[1]), in(() -> x(2, 3), () -> x())));
        c.add(new Case("maskedSelect", t -> t[0].maskedSelect(cond.select(0, 0)), in(() -> x(2, 3))));
        c.add(new Case("maskedScatter", t -> t[0].maskedScatter(cond, t[1]), in(() -> x(2, 3), () -> x(4, 2))));
        c.add(new Case("scatter", t -> t[0].scatter(1, Tensor.of(new int[] {2, 0, 1, 1}, 2, 2), t[1]),
                in(() -> x(2, 3), () -> x(2, 2))));
        for (String reduce : List.of("sum", "prod", "mean", "amax", "amin")) {
            for (boolean self : new boolean[] {true, false}) {
                c.add(new Case("scatterReduce " + reduce + (self ? "" : " without self"),
                        t -> t[0].scatterReduce(0, Tensor.of(new int[] {0, 2, 0, 0, 2, 2}, 2, 3), t[1], reduce, self),
                        in(() -> x(3, 3), () -> x(2, 3))));
            }
        }
        c.add(new Case("take and takeAlongDim", t -> t[0].take(ints(-1, 4, 4)).sum().add(
                t[0].takeAlongDim(Tensor.of(new int[] {1, 0, 2}, 3, 1), 1).sum()), in(() -> x(3, 3))));
        c.add(new Case("index with a mask and a tensor", t -> t[0].index(null, cond.select(0, 0)).pow(2).sum().add(
                t[0].index(ints(2, 0, 2), ints(-1)).pow(3).sum()), in(() -> x(3, 3))));
        c.add(new Case("indexPut accumulate with repeats", t -> t[0].indexPut(new Tensor[] {null, ints(2, 0, 2)}, t[1], true),
                in(() -> x(2, 3), () -> x(2, 3))));
        c.add(new Case("indexPut with a broadcast value", t -> t[0].indexPut(new Tensor[] {ints(1, -1)}, t[1]),
                in(() -> x(3, 2), () -> x(2))));
        c.add(new Case("einsum batched bilinear", t -> Tensor.einsum("bn,anm,bm->ba", t[0], t[1], t[2]),
                in(() -> x(2, 3), () -> x(4, 3, 2), () -> x(2, 2))));
        c.add(new Case("meshgrid and cartesianProd", t -> Tensor.meshgrid(List.of(t[0], t[1]), "xy").get(0).sum().add(
                Tensor.cartesianProd(t[0], t[1]).pow(2).sum()), in(() -> x(2), () -> x(3))));
        c.add(new Case("embedding", t -> Tensor.embedding(Tensor.of(new int[] {3, 0, 3, 1}, 2, 2), t[0]), in(() -> x(4, 3))));
        c.add(new Case("to F32 and back", t -> t[0].to(DType.F32).mul(Tensor.of(new float[] {2, -1})).to(DType.F64),
                in(() -> x(3, 2)), 1e-3, 1e-3));
        c.add(new Case("layerNorm", t -> t[0].layerNorm(new int[] {3}, t[1], t[2], 1e-5), in(() -> x(2, 3), () -> x(3),
                () -> x(3))));
        c.add(new Case("batchNorm", t -> t[0].batchNorm(null, null, t[1], t[2], true, 0.1, 1e-5), in(() -> x(3, 2, 2),
                () -> x(2), () -> x(2))));
        c.add(new Case("rmsNorm of a view", t -> t[0].t().rmsNorm(new int[] {2}, t[1], 1e-6), in(() -> x(2, 3), () -> x(2))));
        // activations with parameters, away from their kinks (leaky ReLU at 0, FATReLU's jump at its threshold)
        c.add(new Case("leakyRelu", t -> t[0].leakyRelu(0.2), in(() -> nz(3, 4))));
        c.add(new Case("smelu", t -> t[0].activation(Activation.smelu(1.5)), in(() -> x(3, 4))));
        c.add(new Case("helu outside (-alpha, 0]", t -> t[0].activation(Activation.helu(0.05)),
                in(() -> Tensor.of(new double[] {-2, -0.3, 0.2, 1.5, -0.9, 0.7}, 2, 3).requiresGrad(true))));
        c.add(new Case("elephant", t -> t[0].activation(Activation.elephant(1.0, 4.0)), in(() -> x(3, 4))));
        c.add(new Case("fatrelu", t -> t[0].activation(Activation.fatrelu(0.3)),
                in(() -> Tensor.of(new double[] {-1, 0.1, 0.5, 2, -0.2, 0.9}).requiresGrad(true))));
        c.add(new Case("sau of a view", t -> t[0].t().activation(Activation.sau(0.1, 0.7)), in(() -> x(3, 4))));
        c.add(new Case("velu", t -> t[0].activation(Activation.velu(1.0, 1.0, 1.0, 0.3)), in(() -> u(-2, 2, 3, 4))));
        // issue 15's parameterised activations and compositions
        c.add(new Case("elu", t -> t[0].elu(0.7), in(() -> nz(3, 4))));
        c.add(new Case("celu", t -> t[0].celu(1.3), in(() -> nz(3, 4))));
        c.add(new Case("hardtanh of a view", t -> t[0].t().hardtanh(-0.8, 0.6), in(() -> x(3, 4))));
        c.add(new Case("softshrink", t -> t[0].softshrink(0.3), in(() -> x(3, 4))));
        c.add(new Case("hardshrink", t -> t[0].hardshrink(0.3), in(() -> x(3, 4))));
        c.add(new Case("softplus with beta and threshold", t -> t[0].softplus(2, 1.5), in(() -> x(3, 4))));
        c.add(new Case("glu over dim 0", t -> t[0].glu(0), in(() -> x(4, 3))));
        c.add(new Case("lerp, low weight", t -> t[0].lerp(t[1], 0.3), in(() -> x(3, 4), () -> x(4))));
        c.add(new Case("lerp, high weight", t -> t[0].lerp(t[1], 0.8), in(() -> x(3, 4), () -> x(3, 4))));
        c.add(new Case("lerp, tensor weight", t -> t[0].lerp(t[1], t[2]),
                in(() -> x(3, 4), () -> x(3, 4), () -> u(-0.5, 1.5, 4))));
        c.add(new Case("nanToNum", t -> t[0].nanToNum(), in(() -> x(3, 4))));
        c.add(new Case("prelu shared", t -> t[0].prelu(t[1]), in(() -> nz(3, 4), () -> x(1))));
        c.add(new Case("prelu per channel", t -> t[0].prelu(t[1]), in(() -> nz(2, 3, 2), () -> x(3))));
        c.add(new Case("pau", t -> t[0].pau(t[1], t[2]), in(() -> nz(2, 5), () -> x(4), () -> nz(3))));
        // KAN basis: cubic on an irregular grid and quadratic on a uniform one, inputs inside and beyond the knots
        Tensor knots = Tensor.of(new double[] {-2.1, -1.6, -1.2, -0.5, 0.1, 0.4, 1.0, 1.3, 2.2,
            -1.5, -1.1, -0.7, -0.3, 0.1, 0.5, 0.9, 1.3, 1.7}, 2, 9);
        c.add(new Case("bsplineBasis cubic of a view", t -> Splines.bsplineBasis(t[0].t(), knots, 3), in(() -> u(-2.5, 2.5, 2, 5))));
        c.add(new Case("bsplineBasis quadratic", t -> Splines.bsplineBasis(t[0], knots, 2), in(() -> u(-1.4, 1.6, 3, 2))));
        c.add(new Case("scaledDotProductAttention causal, grouped heads, Tq < Tk",
                t -> Tensor.scaledDotProductAttention(t[0], t[1], t[2], true),
                in(() -> x(1, 4, 3, 2), () -> x(1, 2, 5, 2), () -> x(1, 2, 5, 3))));
        c.add(new Case("linearAttention causal", t -> Tensor.linearAttention(t[0], t[1], t[2], true, 1e-6),
                in(() -> u(0.1, 1, 1, 2, 4, 3), () -> u(0.1, 1, 1, 2, 4, 3), () -> x(1, 2, 4, 2))));
        // convolution and pooling (ConvGradcheckTest has the full spread of geometries)
        c.add(new Case("conv2d strided, padded, dilated, grouped", t -> ConvOps.conv2d(t[0], t[1], t[2], new int[] {2, 1},
                new int[] {1}, new int[] {1, 2}, 2), in(() -> x(2, 4, 5, 6), () -> x(4, 2, 3, 2), () -> x(4))));
        c.add(new Case("convTranspose2d", t -> ConvOps.convTranspose2d(t[0], t[1], t[2], new int[] {2}, new int[] {1},
                new int[] {1}, 1, new int[] {1}), in(() -> x(1, 2, 3, 3), () -> x(2, 3, 3, 3), () -> x(3))));
        c.add(new Case("avgPool2d ceil mode", t -> PoolOps.avgPool2d(t[0], new int[] {3}, new int[] {2}, new int[] {1},
                true, false, null), in(() -> x(1, 2, 6, 7))));
        c.add(new Case("avgPool3d ceil mode", t -> Pool3dOps.avgPool3d(t[0], new int[] {3}, new int[] {2}, new int[] {1},
                true, false, null), in(() -> x(1, 2, 4, 5, 3))));
        c.add(new Case("maxPool2d overlapping windows", t -> PoolOps.maxPool2d(t[0], new int[] {3}, new int[] {1},
                new int[] {1}, new int[] {1}, false), in(() -> x(2, 2, 4, 5))));
        c.add(new Case("maxPool3d overlapping windows", t -> Pool3dOps.maxPool3d(t[0], new int[] {2}, new int[] {1},
                new int[] {0}, new int[] {1}, false), in(() -> x(1, 2, 3, 3, 4))));
        c.add(new Case("maxUnpool2d", t -> PoolOps.maxUnpool2d(t[0], Tensor.of(new int[] {0, 3, 5, 8},
                1, 1, 2, 2), new int[] {2}, null, new int[] {0}, new int[] {3, 3}), in(() -> x(1, 1, 2, 2))));
        c.add(new Case("addRelu", t -> t[0].addRelu(t[1]), in(() -> x(3, 4), () -> x(3, 4))));
        c.add(new Case("batchNormRelu", t -> t[0].batchNormRelu(null, null, t[1], t[2], true, 0.1, 1e-5),
                in(() -> x(3, 2, 4), () -> x(2), () -> x(2))));
        c.add(new Case("a small MLP", t -> t[0].matmul(t[1]).add(t[2]).tanh().crossEntropy(ints(0, 4, 2, 1)),
                in(() -> x(4, 3), () -> x(3, 5), () -> x(5))));
        c.addAll(ReduceGradchecks.cases());
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void analyticGradientsMatchFiniteDifferences(Case c) {
        GradCheck.Result r = GradCheck.check(c.f(), c.eps(), c.tol(), GradCheck.RTOL, c.inputs().get());
        assertThat(r.passed()).as("%s: %s", c.name(), r.message()).isTrue();
    }

    /** Ops whose rule no CPU-only case can reach: Transfer needs a second device (kernels-cuda tests it). */
    private static final Set<Class<?>> UNREACHABLE = Set.of(Op.Transfer.class);

    @Test
    void theCasesCoverEveryDifferentiableOp() {
        Set<Object> seen = new HashSet<>();
        for (Case c : cases()) {
            Tensor out = c.f().apply(c.inputs().get());
            collectOps(out.gradFn(), seen);
        }
        List<Object> missing = new ArrayList<>();
        for (Class<?> k : Op.class.getPermittedSubclasses()) {
            if (!UNREACHABLE.contains(k) && !seen.contains(k)) {
                missing.add(k.getSimpleName());
            }
        }
        for (UnaryOp op : UnaryOp.values()) {
            if (!seen.contains(op)) {
                missing.add(op);
            }
        }
        for (BinaryOp op : BinaryOp.values()) {
            if (!op.isComparison() && !op.isBitwise() && !seen.contains(op)) {
                missing.add(op);
            }
        }
        assertThat(missing).as("ops without a gradient check").isEmpty();
    }

    private static void collectOps(GradNode root, Set<Object> seen) {
        Deque<Node> todo = new ArrayDeque<>();
        Map<Node, Boolean> visited = new IdentityHashMap<>();
        if (root instanceof Node n) {
            todo.push(n);
        }
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (visited.put(n, true) != null) {
                continue;
            }
            seen.add(n.op().getClass());
            if (n.op() instanceof Op.Unary u) {
                seen.add(u.kind());
            }
            if (n.op() instanceof Op.Binary b) {
                seen.add(b.kind());
            }
            for (int i = 0; i < n.inputCount(); i++) {
                if (n.next(i) instanceof Node child) {
                    todo.push(child);
                }
            }
        }
    }

    @Test
    void gradCheckCatchesAWrongGradient() {
        // treating one factor as a constant halves the gradient of x·x: GradCheck must notice
        GradCheck.Result r = GradCheck.check(t -> t[0].mul(t[0].detach()), x(2, 2));
        assertThat(r.passed()).isFalse();
        assertThat(r.message()).contains("input 0", "analytic", "numeric");
        GradCheck.assertGradients(t -> t[0].mul(t[0]), x(2, 2));
    }

    @Test
    void gradCheckRefusesInputsThatAreNotF64() {
        Tensor f32 = Tensor.zeros(2).requiresGrad(true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GradCheck.check(t -> t[0], f32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F64");
    }

    @Test
    void tiesShareTheGradientEvenly() {
        Tensor a = Tensor.of(new double[] {1, 3, 3, 2}).requiresGrad(true);
        a.amax(new int[] {0}, false).backward();
        assertThat(a.grad().toDoubleArray()).containsExactly(0, 0.5, 0.5, 0);
        Tensor b = Tensor.of(new double[] {5, 1, 5, 5, 2, 2}, 2, 3).requiresGrad(true);
        b.min(1, false).sum().backward();
        assertThat(b.grad().toDoubleArray()).containsExactly(0, 1, 0, 0, 0.5, 0.5);
        Tensor c = Tensor.of(new double[] {7, 7, 7}).requiresGrad(true);
        c.max().backward();
        assertThat(c.grad().toDoubleArray()).containsExactly(1.0 / 3, 1.0 / 3, 1.0 / 3);
        // maximum/minimum of equal inputs split the gradient in half, as PyTorch
        Tensor p = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor q = Tensor.of(new double[] {1, 3}).requiresGrad(true);
        p.maximum(q).sum().backward();
        assertThat(p.grad().toDoubleArray()).containsExactly(0.5, 0);
        assertThat(q.grad().toDoubleArray()).containsExactly(0.5, 1);
    }

    @Test
    void gradientsAtTheKinksFollowPyTorch() {
        Tensor x = Tensor.of(new double[] {-1, 0, 2}).requiresGrad(true);
        x.relu().sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(0, 0, 1);
        x.zeroGrad();
        x.abs().sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(-1, 0, 1);
        x.zeroGrad();
        x.clamp(0, 2).sum().backward(); // the gradient passes where min <= x <= max
        assertThat(x.grad().toDoubleArray()).containsExactly(0, 1, 1);
        x.zeroGrad();
        x.pow(2).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(-2, 0, 4);
        Tensor base = Tensor.of(new double[] {0, 2}).requiresGrad(true);
        Tensor exponent = Tensor.of(new double[] {2, 0}).requiresGrad(true);
        base.pow(exponent).sum().backward();
        assertThat(base.grad().toDoubleArray()).containsExactly(0, 0);
        assertThat(exponent.grad().toDoubleArray()).containsExactly(0, Math.log(2));
    }
}
