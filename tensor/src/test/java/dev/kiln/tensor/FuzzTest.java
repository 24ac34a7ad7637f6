package dev.kiln.tensor;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.CpuStorage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.kiln.tensor.FuzzChecks.Checked;
import static dev.kiln.tensor.FuzzChecks.assertAll;
import static dev.kiln.tensor.FuzzChecks.assertMapped;
import static dev.kiln.tensor.FuzzChecks.assertSameValues;
import static dev.kiln.tensor.FuzzChecks.assertSelfConsistent;
import static dev.kiln.tensor.FuzzChecks.checked;
import static dev.kiln.tensor.FuzzChecks.inferred;
import static dev.kiln.tensor.FuzzChecks.insert;
import static dev.kiln.tensor.FuzzChecks.norm;
import static dev.kiln.tensor.FuzzChecks.remove;
import static dev.kiln.tensor.FuzzChecks.stored;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random, often invalid, arguments to many ops: each call either succeeds with a self-consistent
 * result (and, for the view and creation ops, the values an independent reading of the inputs
 * gives) or throws IllegalArgumentException / IllegalStateException whose message starts with the
 * op's name; never an ArrayIndexOutOfBounds, NegativeArraySize, ArithmeticException, ClassCast,
 * NullPointer, OutOfMemory or any other exception. The arguments include empty tensors with large
 * sizes, empty views of real storage, 0-d tensors, sizes and dims far outside the int range a
 * storage reaches, and NaN, infinite and overflowing float arguments.
 */
class FuzzTest {
    private static final int ROUNDS = 6000;
    private static final DType[] DTYPES = DType.values();
    /** Ints a hostile caller passes as sizes, dims, indices and counts. */
    private static final int[] EXTREME_INTS = {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -65536, 46341, 65536,
        1 << 30, Integer.MAX_VALUE - 1, Integer.MAX_VALUE};
    /** Doubles a hostile caller passes as values, bounds, steps and parameters. */
    private static final double[] SPECIAL_DOUBLES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        0.0, -0.0, 1e300, -1e300, 3.5e38, -3.5e38, Float.MAX_VALUE, Double.MIN_VALUE, 1e-30, 2147483648.0,
        -2147483649.0, 2147483647.0, 0.5, -2.5};
    /** A refused activation names its kind, the op the caller made with Activation's factories. */
    private static final List<String> ACTIVATION_NAMES = Arrays.stream(Activation.Kind.values())
            .map(Activation.Kind::opName).toList();
    /** The most elements a call may materialise: more would only measure the test JVM's heap. */
    private static final long MAX_MATERIALISED = 1 << 20;

    /**
     * One op fed from a source of random arguments; {@code ops} are the names a refusal's message may
     * start with (the op itself, or the public op it is written in terms of).
     */
    private record Case(String name, List<String> ops, Function<Args, Object> call) {
        Case(String name, Function<Args, Object> call) {
            this(name, List.of(name.contains("(") ? name.substring(0, name.indexOf('(')) : name), call);
        }
    }

    /** Random arguments: tensors of random rank, sizes, dtype and layout; dims; sizes; indices; reals. */
    private static final class Args {
        final Generator rng;
        final StringBuilder log = new StringBuilder();

        Args(Generator rng) {
            this.rng = rng;
        }

        int anInt(int lo, int hi) {
            int v = lo + rng.nextInt(hi - lo + 1);
            log.append(' ').append(v);
            return v;
        }

        /** Mostly in [lo, hi], one time in ten an extreme int. */
        int anyInt(int lo, int hi) {
            if (rng.nextInt(10) == 0) {
                int v = EXTREME_INTS[rng.nextInt(EXTREME_INTS.length)];
                log.append(' ').append(v);
                return v;
            }
            return anInt(lo, hi);
        }

        int dim() {
            return anyInt(-5, 4);
        }

        boolean bool() {
            return anInt(0, 1) == 1;
        }

        /** Mostly small halves, one time in three a special value (NaN, ±Inf, 1e300, ...). */
        double real() {
            double v = rng.nextInt(3) == 0 ? SPECIAL_DOUBLES[rng.nextInt(SPECIAL_DOUBLES.length)]
                    : (rng.nextInt(13) - 6) / 2.0;
            log.append(' ').append(v);
            return v;
        }

        /**
         * A tensor shape: small sizes with some zeros, 0-d often, and one time in eight an empty
         * shape with a large size (whose other sizes stay small, so that reducing the empty dim
         * away makes a tensor the heap holds).
         */
        int[] shape(int maxRank) {
            if (rng.nextInt(8) == 0) {
                int rank = 1 + rng.nextInt(Math.max(maxRank, 1));
                int[] s = new int[rank];
                for (int i = 0; i < rank; i++) {
                    s[i] = 1 + rng.nextInt(2);
                }
                // matmul can pair two of these: 65536 by 300 is the largest result, 65536 by 65536 is refused
                s[rng.nextInt(rank)] = rng.nextInt(2) == 0 ? 300 : 65536;
                s[rng.nextInt(rank)] = 0;
                return s;
            }
            int rank = rng.nextInt(maxRank + 1);
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                s[i] = rng.nextInt(10) == 0 ? 0 : 1 + rng.nextInt(4);
            }
            return s;
        }

        /**
         * Sizes for reshape/expand-like calls: mostly plausible, sometimes -1, negative or far past
         * the int range. A choice that would make a valid tensor of more than MAX_MATERIALISED
         * elements gets a 0 instead of its largest size.
         */
        int[] sizes() {
            int rank = rng.nextInt(5);
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                int r = rng.nextInt(14);
                s[i] = r == 0 ? -1 : r == 1 ? -2 : r == 2 ? 0 : r == 3 ? EXTREME_INTS[rng.nextInt(EXTREME_INTS.length)]
                        : rng.nextInt(7);
            }
            long count = 1;
            int largest = -1;
            for (int i = 0; i < rank; i++) {
                // -1 stands for an inferred or kept size, at most 65536 here
                long size = s[i] == -1 ? 65536 : Math.max(s[i], 0);
                count = Math.min(count * size, 1L << 40);
                if (largest < 0 || s[i] > s[largest]) {
                    largest = i;
                }
            }
            if (count > MAX_MATERIALISED && count <= Integer.MAX_VALUE && Arrays.stream(s).allMatch(v -> v >= -1)) {
                s[largest] = 0;
            }
            log.append(' ').append(Arrays.toString(s));
            return s;
        }

        DType dtype() {
            return DTYPES[rng.nextInt(DTYPES.length)];
        }

        Tensor tensor() {
            return tensor(dtype(), shape(4));
        }

        Tensor floats() {
            return tensor(rng.nextInt(2) == 0 ? DType.F32 : DType.F64, shape(4));
        }

        Tensor index(int hi) {
            return tensor(DType.I32, shape(3), -2, hi + 1);
        }

        Tensor tensor(DType dtype, int[] shape) {
            return tensor(dtype, shape, -3, 4);
        }

        Tensor tensor(DType dtype, int[] shape, int lo, int hi) {
            int n = Shapes.numel(shape);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = dtype.isFloatingPoint() ? rng.nextGaussian() * 2 : lo + rng.nextInt(hi - lo + 1);
            }
            Tensor t = (shape.length == 0 ? Tensor.scalar(v[0], DType.F64) : Tensor.of(v, shape)).to(dtype);
            t = switch (rng.nextInt(5)) {
                case 0 -> t;
                case 1 -> dev.kiln.tensor.testing.TestTensors.transposedLayout(t);
                case 2 -> dev.kiln.tensor.testing.TestTensors.steppedLayout(t);
                case 3 -> dev.kiln.tensor.testing.TestTensors.expandedLayout(t);
                // an empty tensor as an empty view into the middle of a real storage
                default -> n == 0 ? Tensor.zeros(dtype, 7).narrow(0, 3, 0).reshape(shape) : t;
            };
            log.append(' ').append(dtype).append(Arrays.toString(t.shape())).append("s").append(Arrays.toString(t.strides()));
            return t;
        }

        Reduction reduction() {
            return Reduction.values()[rng.nextInt(3)];
        }
    }

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            c.add(new Case(op.opName(), a -> ElementwiseOps.unary(op, a.tensor())));
        }
        for (BinaryOp op : BinaryOp.values()) {
            c.add(new Case(op.opName(), a -> ElementwiseOps.binary(op, a.tensor(), a.tensor())));
            c.add(new Case(op.opName() + "(same shape)", a -> {
                Tensor x = a.tensor();
                return ElementwiseOps.binary(op, x, a.tensor(a.bool() ? x.dtype() : a.dtype(), x.shape()));
            }));
        }
        c.add(new Case("add(scalar)", a -> a.tensor().add(a.real())));
        c.add(new Case("mul(scalar)", a -> a.tensor().mul(a.real())));
        c.add(new Case("pow(scalar)", a -> a.tensor().pow(a.real())));
        // type promotion: integer scalars, tensor bounds and in-place writes across random dtypes
        c.add(new Case("add(long)", a -> a.tensor().add((long) a.anInt(-5, 5))));
        c.add(new Case("pow(long)", a -> a.tensor().pow((long) a.anInt(-3, 4))));
        c.add(new Case("div(long, floor)", List.of("div"), a -> a.tensor().div((long) a.anInt(-3, 4), "floor")));
        c.add(new Case("clamp(tensors)", List.of("clamp"), a -> a.tensor().clamp(a.bool() ? a.tensor() : null,
                a.bool() ? a.tensor() : null)));
        c.add(new Case("add_(mixed)", List.of("add_"), a -> a.tensor().clone().add_(a.tensor())));
        c.add(new Case("resultType", a -> Tensor.resultType(a.tensor(), a.tensor())));
        c.add(new Case("clamp", a -> {
            Tensor x = a.tensor();
            double lo = a.real();
            double hi = a.real();
            Tensor y = x.clamp(lo, hi);
            // PyTorch: float bounds promote an integer or BOOL tensor to F32; min > max gives max
            assertThat(y.dtype()).isEqualTo(Tensor.resultType(x, lo));
            return checked(y, () -> assertMapped(x, y, x.shape(), i -> i, (xv, yv) ->
                    FuzzChecks.assertSameNumber(yv, stored(Math.min(Math.max(xv, lo), hi), y.dtype()), "the value")));
        }));
        c.add(new Case("clampMin", List.of("clamp"), a -> a.tensor().clampMin(a.real())));
        c.add(new Case("where", a -> Tensor.where(a.tensor(), a.tensor(), a.tensor())));
        c.add(new Case("where(bool)", a -> Tensor.where(a.tensor(DType.BOOL, a.shape(3)), a.floats(), a.floats())));
        c.add(new Case("sum", a -> a.tensor().sum(new int[] {a.dim()}, a.bool())));
        c.add(new Case("sum(dims)", a -> a.tensor().sum(new int[] {a.dim(), a.dim()}, a.bool())));
        c.add(new Case("sum()", a -> a.tensor().sum()));
        c.add(new Case("mean", a -> a.tensor().mean(a.dim(), a.bool())));
        c.add(new Case("amax", List.of("amax", "max"), a -> a.tensor().amax(new int[] {a.dim()}, a.bool())));
        c.add(new Case("max()", a -> a.tensor().max()));
        c.add(new Case("amin", List.of("amin", "min"), a -> a.tensor().amin(new int[0], a.bool())));
        c.add(new Case("argmax", a -> a.tensor().argmax(a.dim(), a.bool())));
        c.add(new Case("argmin()", a -> a.tensor().argmin()));
        c.add(new Case("var", a -> a.tensor().var(new int[] {a.dim()}, a.anInt(-1, 2), a.bool())));
        c.add(new Case("std", List.of("std", "var"), a -> a.tensor().std()));
        c.add(new Case("matmul", a -> a.tensor().matmul(a.tensor())));
        c.add(new Case("matmul(floats)", a -> a.floats().matmul(a.floats())));
        c.add(new Case("softmax", a -> a.tensor().softmax(a.dim())));
        c.add(new Case("logSoftmax", a -> a.floats().logSoftmax(a.dim())));
        c.add(new Case("crossEntropy", a -> a.floats().crossEntropy(a.index(4), a.reduction(), a.anInt(-101, 3))));
        c.add(new Case("crossEntropy(any)", a -> a.tensor().crossEntropy(a.tensor())));
        c.add(new Case("crossEntropy(probs)", a -> {
            Tensor x = a.floats();
            return x.crossEntropy(a.tensor(x.dtype(), x.shape()), a.reduction(), -100);
        }));
        c.add(new Case("mseLoss", a -> a.tensor().mseLoss(a.tensor(), a.reduction())));
        // the losses and masked attention of issue 15
        c.add(new Case("nllLoss", a -> a.floats().nllLoss(a.index(4), a.bool() ? a.tensor() : null, a.anInt(-101, 3),
                a.reduction())));
        c.add(new Case("crossEntropy(weighted)", a -> {
            Tensor x = a.floats();
            Tensor w = a.bool() ? a.tensor(x.dtype(), new int[] {a.anInt(0, 4)}) : a.bool() ? a.tensor() : null;
            return x.crossEntropy(a.bool() ? a.index(4) : a.tensor(x.dtype(), x.shape()), w, a.anInt(-101, 3),
                    a.reduction(), a.real());
        }));
        c.add(new Case("binaryCrossEntropy", a -> {
            Tensor x = a.floats();
            return LossFunctions.binaryCrossEntropy(a.bool() ? x.sigmoid() : x, a.tensor(x.dtype(), x.shape()),
                    a.bool() ? a.tensor() : null, a.reduction());
        }));
        c.add(new Case("binaryCrossEntropyWithLogits", a -> {
            Tensor x = a.floats();
            return LossFunctions.binaryCrossEntropyWithLogits(x, a.bool() ? a.tensor(x.dtype(), x.shape()) : a.tensor(),
                    a.bool() ? a.tensor() : null, a.reduction(), a.bool() ? a.tensor() : null);
        }));
        c.add(new Case("smoothL1Loss", a -> {
            Tensor x = a.floats();
            return LossFunctions.smoothL1Loss(x, a.tensor(x.dtype(), x.shape()), a.reduction(), a.real());
        }));
        c.add(new Case("huberLoss", a -> LossFunctions.huberLoss(a.tensor(), a.tensor(), a.reduction(), a.real())));
        c.add(new Case("klDiv", a -> {
            Tensor x = a.floats();
            return LossFunctions.klDiv(x, a.bool() ? a.tensor(x.dtype(), x.shape()) : a.tensor(),
                    Reduction.values()[a.anInt(0, 3)], a.bool());
        }));
        c.add(new Case("cosineSimilarity", a -> a.tensor().cosineSimilarity(a.tensor(), a.dim(), a.real())));
        c.add(new Case("cosineEmbeddingLoss", a -> {
            Tensor x = a.floats();
            return LossFunctions.cosineEmbeddingLoss(x, a.tensor(x.dtype(), x.shape()), a.tensor(), a.real(),
                    a.reduction());
        }));
        c.add(new Case("marginRankingLoss", a -> {
            Tensor x = a.floats();
            return LossFunctions.marginRankingLoss(x, a.tensor(x.dtype(), x.shape()), a.tensor(DType.I32, x.shape(),
                    -1, 1), a.real(), a.reduction());
        }));
        c.add(new Case("tripletMarginLoss", a -> {
            Tensor x = a.floats();
            return LossFunctions.tripletMarginLoss(x, a.tensor(x.dtype(), x.shape()), a.bool() ? a.tensor()
                    : a.tensor(x.dtype(), x.shape()), a.real(), a.real(), a.real(), a.bool(), a.reduction());
        }));
        c.add(new Case("scaledDotProductAttention(mask)", a -> {
            Tensor q = a.floats();
            Tensor k = a.bool() ? a.tensor(q.dtype(), q.shape()) : a.tensor();
            Tensor mask = a.bool() ? null : a.bool() ? a.tensor(DType.BOOL, a.shape(4)) : a.tensor();
            return Tensor.scaledDotProductAttention(q, k, a.bool() ? k : a.tensor(), mask, a.bool() ? 0 : a.real(),
                    a.bool(), a.bool() ? Double.NaN : a.real(), a.bool() ? new Generator(3) : null);
        }));
        addViewCases(c);
        c.add(new Case("size", a -> a.tensor().size(a.dim())));
        c.add(new Case("cat", a -> Tensor.cat(a.dim(), a.tensor(), a.tensor())));
        c.add(new Case("cat(similar)", a -> {
            Tensor x = a.tensor();
            int[] s = x.shape();
            if (s.length > 0) {
                s[a.anInt(0, s.length - 1)] = a.anInt(0, 3);
            }
            return Tensor.cat(a.dim(), x, a.tensor(x.dtype(), s));
        }));
        c.add(new Case("stack", a -> Tensor.stack(a.dim(), a.tensor(), a.tensor())));
        c.add(new Case("indexSelect", a -> {
            Tensor x = a.tensor();
            int dim = a.dim();
            Tensor index = a.index(4);
            Tensor y = x.indexSelect(dim, index);
            return checked(y, () -> {
                int[] idx = index.toIntArray();
                int d = norm(dim, x.dim());
                if (x.dim() == 0) {
                    assertThat(idx).as("index into a 0-d tensor").hasSize(1);
                    assertSameValues(x, y, new int[0]);
                    return;
                }
                int[] shape = x.shape();
                shape[d] = idx.length;
                assertMapped(x, y, shape, i -> {
                    int[] at = i.clone();
                    at[d] = idx[i[d]];
                    return at;
                });
            });
        }));
        c.add(new Case("indexAdd", a -> a.tensor().indexAdd(a.dim(), a.index(4), a.tensor())));
        c.add(new Case("gather", a -> a.tensor().gather(a.dim(), a.index(4))));
        c.add(new Case("scatterAdd", a -> a.tensor().scatterAdd(a.dim(), a.index(4), a.tensor())));
        c.add(new Case("scatterAdd(same)", a -> {
            Tensor x = a.tensor();
            return x.scatterAdd(a.dim(), a.tensor(DType.I32, x.shape(), -1, 4), a.tensor(x.dtype(), x.shape()));
        }));
        c.add(new Case("embedding", a -> Tensor.embedding(a.index(5), a.tensor())));
        // issue 15's shape, indexing and creation ops (counts kept small where a valid call materialises them)
        c.add(new Case("flip", a -> a.tensor().flip(a.dim(), a.dim())));
        c.add(new Case("roll", a -> a.tensor().roll(new int[] {a.anyInt(-3, 3), a.anyInt(-3, 3)},
                new int[] {a.dim(), a.dim()})));
        c.add(new Case("repeat", a -> a.tensor().repeat(a.anInt(-1, 2), a.anInt(0, 2), a.anInt(0, 2), a.anInt(0, 2))));
        c.add(new Case("tile", List.of("tile", "repeat"), a -> a.tensor().tile(a.anInt(-1, 2), a.anInt(0, 2))));
        c.add(new Case("repeatInterleave", a -> a.tensor().repeatInterleave(a.anInt(-1, 3), a.dim())));
        c.add(new Case("repeatInterleave(huge)", List.of("repeatInterleave"), a -> a.tensor(a.dtype(), new int[] {3, 2})
                .repeatInterleave(a.bool() ? Integer.MAX_VALUE : 1 << 30, a.anInt(-2, 1))));
        c.add(new Case("repeatInterleave(counts)", List.of("repeatInterleave"),
                a -> a.tensor().repeatInterleave(a.index(3), a.dim())));
        c.add(new Case("split", a -> a.tensor().split(a.anyInt(-1, 3), a.dim())));
        c.add(new Case("split(sections)", List.of("split"), a -> a.tensor().split(a.sizes(), a.dim())));
        c.add(new Case("chunk", a -> a.tensor().chunk(a.anInt(-1, 4), a.dim())));
        c.add(new Case("unbind", a -> a.tensor().unbind(a.dim())));
        c.add(new Case("unflatten", a -> a.tensor().unflatten(a.dim(), a.sizes())));
        c.add(new Case("movedim(lists)", List.of("movedim"), a -> a.tensor().movedim(new int[] {a.dim(), a.dim()},
                new int[] {a.dim(), a.dim()})));
        c.add(new Case("squeeze(dims)", List.of("squeeze"), a -> a.tensor().squeeze(new int[] {a.dim(), a.dim()})));
        c.add(new Case("diagonal", a -> a.tensor().diagonal(a.anyInt(-3, 3), a.dim(), a.dim())));
        c.add(new Case("unfold", a -> a.tensor().unfold(a.dim(), a.anyInt(-1, 4), a.anyInt(-1, 3))));
        c.add(new Case("tril", a -> a.tensor().tril(a.anyInt(-3, 3))));
        c.add(new Case("diag", a -> a.tensor().diag(a.anyInt(-3, 3))));
        c.add(new Case("trace", a -> a.tensor().trace()));
        c.add(new Case("pad", a -> a.tensor().pad(new int[] {a.anInt(-3, 3), a.anInt(-3, 3), a.anInt(-3, 3),
            a.anInt(-3, 3)}, new String[] {"constant", "reflect", "replicate", "circular"}[a.anInt(0, 3)],
                a.bool() ? a.real() : 0)));
        c.add(new Case("pad(odd)", List.of("pad"), a -> a.tensor().pad(a.sizes(), "constant", 0)));
        c.add(new Case("maskedFill", a -> a.tensor().maskedFill(a.tensor(), a.real())));
        c.add(new Case("maskedFill(tensor)", List.of("maskedFill"), a -> a.tensor().maskedFill(a.tensor(), a.tensor())));
        c.add(new Case("maskedSelect", a -> a.tensor().maskedSelect(a.tensor())));
        c.add(new Case("maskedScatter", a -> a.tensor().maskedScatter(a.tensor(), a.tensor())));
        c.add(new Case("scatter", a -> a.tensor().scatter(a.dim(), a.index(4), a.tensor())));
        c.add(new Case("scatter(value)", List.of("scatter"), a -> a.tensor().scatter(a.dim(), a.index(4), a.real())));
        c.add(new Case("scatterReduce", a -> a.tensor().scatterReduce(a.dim(), a.index(4), a.tensor(),
                new String[] {"sum", "prod", "mean", "amax", "amin", "max"}[a.anInt(0, 5)], a.bool())));
        c.add(new Case("scatterReduce(same)", List.of("scatterReduce"), a -> {
            Tensor x = a.tensor();
            return x.scatterReduce(a.dim(), a.tensor(DType.I32, x.shape(), -1, 4), a.tensor(x.dtype(), x.shape()),
                    "mean", a.bool());
        }));
        c.add(new Case("take", a -> a.tensor().take(a.index(4))));
        c.add(new Case("takeAlongDim", List.of("takeAlongDim", "gather"),
                a -> a.tensor().takeAlongDim(a.index(4), a.dim())));
        c.add(new Case("nonzero", a -> a.tensor().nonzero()));
        c.add(new Case("oneHot", a -> a.index(4).oneHot(a.anInt(-2, 5))));
        c.add(new Case("index", a -> a.tensor().index(a.bool() ? null : a.index(4), a.bool() ? a.index(3) : a.tensor())));
        c.add(new Case("indexPut", a -> a.tensor().indexPut(new Tensor[] {a.index(4)}, a.tensor(), a.bool())));
        c.add(new Case("einsum", a -> Tensor.einsum(new String[] {"ij,jk->ik", "ii", "i,i", "...i,i", "bij->j", "i->ii",
            "ij,j", "Ab,bc->Ac"}[a.anInt(0, 7)], a.tensor(), a.tensor())));
        c.add(new Case("searchsorted", a -> Tensor.searchsorted(a.tensor(), a.tensor(), false, a.bool(),
                a.bool() ? null : "right", a.bool() ? null : a.index(3))));
        c.add(new Case("bucketize", a -> Tensor.bucketize(a.tensor(), a.tensor())));
        c.add(new Case("histc", a -> a.tensor().histc(a.anInt(-1, 5), a.real(), a.real())));
        c.add(new Case("meshgrid", a -> Tensor.meshgrid(a.tensor(), a.tensor())));
        c.add(new Case("cartesianProd", a -> Tensor.cartesianProd(a.tensor(), a.tensor())));
        c.add(new Case("where(scalars)", List.of("where"), a -> Tensor.where(a.tensor(), a.real(), a.real())));
        c.add(new Case("eye(n, m)", List.of("eye"), a -> {
            int n = a.anyInt(-1, 4);
            int m = a.anyInt(-1, 4);
            // a valid n×m past MAX_MATERIALISED would only measure the heap (2^31 − 1 floats is past any array's limit)
            return (long) n * m > MAX_MATERIALISED ? Tensor.eye(3, 2) : Tensor.eye(n, m);
        }));
        c.add(new Case("arange(int step)", List.of("arange"), a -> Tensor.arange(a.anInt(-5, 5), a.anInt(-5, 5),
                a.anyInt(-3, 3))));
        c.add(new Case("logspace", a -> Tensor.logspace(a.real(), a.real(), a.anInt(-1, 5), a.real())));
        c.add(new Case("tensor", a -> Tensor.tensor(a.bool() ? new int[a.anInt(0, 2)][a.anInt(0, 2)]
                : new float[][] {new float[a.anInt(0, 2)], new float[a.anInt(0, 2)]})));
        // near-valid variants, so that the checks deep inside each op are reached too
        c.add(new Case("gather(near)", a -> {
            Tensor x = a.tensor();
            int[] s = x.shape();
            for (int i = 0; i < s.length; i++) {
                s[i] = Math.max(0, s[i] + a.anInt(-1, 1));
            }
            return x.gather(a.dim(), a.tensor(DType.I32, s, -1, 4));
        }));
        c.add(new Case("indexAdd(near)", a -> {
            Tensor x = a.tensor();
            int d = a.dim();
            Tensor index = a.tensor(DType.I32, new int[] {a.anInt(0, 3)}, -1, 4);
            int[] s = x.shape();
            if (s.length > 0) {
                s[Math.floorMod(d, s.length)] = a.bool() ? index.numel() : a.anInt(0, 3);
            }
            return x.indexAdd(d, index, a.tensor(a.bool() ? x.dtype() : a.dtype(), s));
        }));
        c.add(new Case("embedding(near)", a -> Tensor.embedding(a.index(5), a.tensor(a.dtype(), new int[] {a.anInt(0, 5), 3}))));
        c.add(new Case("crossEntropy(near)", a -> {
            int n = a.anInt(0, 3);
            int classes = a.anInt(0, 4);
            Tensor logits = a.tensor(a.bool() ? DType.F32 : DType.F64, a.bool() ? new int[] {n, classes} : new int[] {n, classes, 2});
            int[] ls = logits.dim() == 2 ? new int[] {n} : new int[] {n, a.anInt(1, 2)};
            return logits.crossEntropy(a.tensor(DType.I32, ls, -1, classes), a.reduction(), a.anInt(-1, 1));
        }));
        c.add(new Case("layerNorm(near)", a -> {
            Tensor x = a.floats();
            int k = x.dim() == 0 ? 0 : a.anInt(0, x.dim());
            int[] tail = Arrays.copyOfRange(x.shape(), x.dim() - k, x.dim());
            return x.layerNorm(tail, a.bool() ? a.tensor(x.dtype(), tail) : null, a.bool() ? a.tensor(x.dtype(), tail) : null, 1e-5);
        }));
        c.add(new Case("matmul(near)", a -> {
            int[] s = a.shape(3);
            Tensor x = a.tensor(DType.F64, s);
            int k = s.length == 0 ? 1 : s[s.length - 1];
            return x.matmul(a.tensor(DType.F64, a.bool() ? new int[] {k} : new int[] {a.anInt(1, 2), k, a.anInt(0, 2)}));
        }));
        c.add(new Case("linear", a -> Tensor.linear(a.tensor(), a.tensor(), a.bool() ? a.tensor() : null,
                a.bool() ? UnaryOp.values()[a.anInt(0, UnaryOp.values().length - 1)] : null)));
        c.add(new Case("linear(near)", a -> {
            int[] s = a.shape(3);
            DType t = a.bool() ? DType.F32 : DType.F64;
            Tensor x = a.tensor(t, s);
            int in = s.length == 0 ? 1 : s[s.length - 1];
            int out = a.anInt(0, 3);
            UnaryOp[] acts = {null, UnaryOp.RELU, UnaryOp.GELU, UnaryOp.SILU};
            return Tensor.linear(x, a.tensor(t, new int[] {out, in}), a.bool() ? a.tensor(t, new int[] {out}) : null,
                    acts[a.anInt(0, 3)]);
        }));
        c.add(new Case("to", a -> a.tensor().to(a.dtype())));
        c.add(new Case("copy_", a -> a.tensor().contiguous().clone().copy_(a.tensor())));
        c.add(new Case("add_", List.of("add_", "add"), a -> a.tensor().clone().add_(a.tensor())));
        c.add(new Case("item", a -> a.tensor().item()));
        c.add(new Case("toString", a -> a.tensor().toString()));
        c.add(new Case("clone", a -> a.tensor().clone()));
        c.add(new Case("any", a -> a.tensor().any()));
        c.add(new Case("allClose", a -> a.tensor().allClose(a.tensor(), 1e-3, 1e-3)));
        c.add(new Case("layerNorm", a -> {
            Tensor x = a.tensor();
            return x.layerNorm(a.sizes(), a.bool() ? a.tensor() : null, a.bool() ? a.tensor() : null, 1e-5);
        }));
        c.add(new Case("batchNorm", a -> {
            Tensor x = a.tensor();
            int ch = x.dim() < 2 ? a.anInt(0, 3) : x.size(1);
            Tensor rm = a.bool() ? a.tensor(x.dtype(), new int[] {ch}) : null;
            Tensor rv = rm != null || a.bool() ? a.tensor(x.dtype(), new int[] {ch}) : null;
            return x.batchNorm(rm, rv, a.bool() ? a.tensor(x.dtype(), new int[] {ch}) : null,
                    a.bool() ? a.tensor() : null, a.bool(), a.anInt(-1, 2) / 2.0, a.anInt(-1, 1) * 1e-5);
        }));
        c.add(new Case("rmsNorm", a -> a.tensor().rmsNorm(a.sizes(), a.bool() ? a.tensor() : null, 1e-5)));
        c.add(new Case("gelu(approximate)", a -> a.tensor().gelu(a.bool() ? "tanh" : "exact")));
        c.add(new Case("leakyRelu", a -> a.tensor().leakyRelu(a.anInt(-2, 2) / 4.0)));
        c.add(new Case("activation", ACTIVATION_NAMES, a -> a.tensor().activation(switch (a.anInt(0, 3)) {
            case 0 -> Activation.smelu(a.anInt(-1, 2));
            case 1 -> Activation.elephant(a.anInt(-1, 2), a.anInt(-1, 4));
            case 2 -> Activation.helu(a.anInt(-1, 1));
            default -> Activation.sau(a.anInt(-1, 1), a.anInt(-1, 1));
        })));
        c.add(new Case("prelu", a -> a.tensor().prelu(a.tensor())));
        c.add(new Case("prelu(near)", a -> {
            Tensor x = a.floats();
            return x.prelu(a.tensor(a.bool() ? x.dtype() : a.dtype(), new int[] {a.anInt(0, 4)}));
        }));
        c.add(new Case("pau", a -> a.tensor().pau(a.tensor(), a.tensor())));
        c.add(new Case("pau(near)", a -> {
            Tensor x = a.floats();
            return x.pau(a.tensor(x.dtype(), new int[] {a.anInt(0, 4)}), a.tensor(x.dtype(), new int[] {a.anInt(0, 3)}));
        }));
        c.add(new Case("svd", a -> Linalg.svd(a.tensor()).s()));
        c.add(new Case("eigvalsh", a -> Linalg.eigvalsh(a.tensor())));
        c.add(new Case("qr", a -> Linalg.qr(a.floats()).r()));
        c.add(new Case("lstsq", a -> Linalg.lstsq(a.floats(), a.floats())));
        addCreationCases(c);
        c.add(new Case("fill_", a -> {
            Tensor x = a.tensor().contiguous().clone();
            double v = a.real();
            x.fill_(v);
            return checked(x, () -> assertAll(x, stored(v, x.dtype())));
        }));
        c.add(new Case("leakyRelu(real)", a -> a.tensor().leakyRelu(a.real())));
        c.add(new Case("activation(real)", ACTIVATION_NAMES, a -> a.tensor().activation(a.bool() ? Activation.smelu(a.real())
                : Activation.sau(a.real(), a.real()))));
        c.add(new Case("layerNorm(eps)", a -> {
            Tensor x = a.floats();
            return x.layerNorm(x.dim() == 0 ? new int[] {1} : new int[] {x.size(-1)}, null, null, a.real());
        }));
        c.add(new Case("rmsNorm(eps)", a -> {
            Tensor x = a.floats();
            return x.rmsNorm(x.dim() == 0 ? new int[] {1} : new int[] {x.size(-1)}, null, a.real());
        }));
        c.add(new Case("scaledDotProductAttention", a -> {
            int[] s = {a.anInt(0, 2), a.anInt(0, 2), a.anInt(0, 3), a.anInt(0, 3)};
            return Tensor.scaledDotProductAttention(a.tensor(DType.F32, s), a.tensor(DType.F32, s), a.tensor(DType.F32, s),
                    a.bool(), a.real());
        }));
        c.add(new Case("linearAttention", a -> {
            int[] s = {a.anInt(0, 2), a.anInt(0, 2), a.anInt(0, 3), a.anInt(0, 3)};
            return Tensor.linearAttention(a.tensor(DType.F64, s).abs(), a.tensor(DType.F64, s).abs(),
                    a.tensor(DType.F64, s), a.bool(), a.real());
        }));
        addReduceScanSortCases(c);
        return c;
    }

    /** Issue 15's reductions, scans and sorting; a composition may be refused by the op it is made of. */
    private static void addReduceScanSortCases(List<Case> c) {
        List<String> stats = List.of("std", "var", "mean", "varMean", "stdMean");
        c.add(new Case("prod", a -> a.tensor().prod(a.dim(), a.bool())));
        c.add(new Case("prod()", a -> a.tensor().prod()));
        c.add(new Case("logsumexp", List.of("logsumexp", "amax", "sum"),
                a -> a.tensor().logsumexp(new int[] {a.dim(), a.dim()}, a.bool())));
        c.add(new Case("std(correction)", stats, a -> a.tensor().std(new int[] {a.dim()}, a.anInt(-1, 3), a.bool())));
        c.add(new Case("varMean", stats, a -> a.tensor().varMean(new int[] {a.dim()}, a.anInt(-1, 3), a.bool())));
        c.add(new Case("stdMean", stats, a -> a.tensor().stdMean(new int[0], a.anInt(-1, 3), a.bool())));
        c.add(new Case("any(dim)", a -> a.tensor().any(a.dim(), a.bool())));
        c.add(new Case("all(dims)", a -> a.tensor().all(new int[] {a.dim(), a.dim()}, a.bool())));
        c.add(new Case("countNonzero", a -> a.tensor().countNonzero(a.dim())));
        c.add(new Case("vectorNorm", a -> a.tensor().vectorNorm(a.real(), new int[] {a.dim()}, a.bool())));
        c.add(new Case("norm", List.of("vectorNorm"), a -> a.tensor().norm(a.real())));
        c.add(new Case("aminmax", List.of("aminmax", "amin", "min", "amax", "max"),
                a -> a.tensor().aminmax(a.dim(), a.bool())));
        c.add(new Case("aminmax()", List.of("aminmax", "amin", "min"), a -> a.tensor().aminmax()));
        c.add(new Case("cumsum", a -> a.tensor().cumsum(a.dim())));
        c.add(new Case("cumprod", a -> a.tensor().cumprod(a.dim())));
        c.add(new Case("logcumsumexp", a -> a.tensor().logcumsumexp(a.dim())));
        c.add(new Case("cummax", a -> a.tensor().cummax(a.dim())));
        c.add(new Case("cummin", a -> a.tensor().cummin(a.dim())));
        c.add(new Case("sort", a -> a.tensor().sort(a.dim(), a.bool(), a.bool())));
        c.add(new Case("argsort", List.of("sort"), a -> a.tensor().argsort(a.dim(), a.bool())));
        c.add(new Case("topk", a -> a.tensor().topk(a.anyInt(-1, 5), a.dim(), a.bool(), a.bool())));
        c.add(new Case("kthvalue", a -> a.tensor().kthvalue(a.anyInt(-1, 5), a.dim(), a.bool())));
        c.add(new Case("median()", a -> a.tensor().median()));
        c.add(new Case("median", a -> a.tensor().median(a.dim(), a.bool())));
        c.add(new Case("mode", a -> a.tensor().mode(a.dim(), a.bool())));
        c.add(new Case("unique", List.of("unique", "sort"), a -> a.tensor().unique(a.bool(), a.bool(), a.bool())));
        c.add(new Case("unique(dim)", List.of("unique", "sort"),
                a -> a.tensor().unique(a.bool(), a.bool(), a.bool(), a.dim())));
    }

    /** The view ops, each checked against an independent reading of its input. */
    private static void addViewCases(List<Case> c) {
        c.add(new Case("reshape", a -> {
            Tensor x = a.tensor();
            int[] s = a.sizes();
            Tensor y = x.reshape(s);
            return checked(y, () -> assertSameValues(x, y, inferred(x.numel(), s)));
        }));
        c.add(new Case("reshape(wrapping)", List.of("reshape"), a -> {
            // sizes whose product is 2^64 or more, which a long wraps to 0: the element count of an empty tensor
            int[][] wrapping = {{65536, 65536, 65536, 65536}, {1 << 30, 1 << 30, 16, 1}, {1 << 30, 65536, 65536, 4},
                {-1, 65536, 65536, 65536, 65536}, {0, 65536, 65536}, {65536, 32768, 0}};
            Tensor x = a.tensor(a.dtype(), new int[] {0, a.anInt(0, 3)});
            int[] s = wrapping[a.anInt(0, wrapping.length - 1)];
            Tensor y = x.reshape(s);
            return checked(y, () -> assertSameValues(x, y, inferred(x.numel(), s)));
        }));
        c.add(new Case("view", a -> {
            Tensor x = a.tensor();
            int[] s = a.sizes();
            Tensor y = x.view(s);
            return checked(y, () -> assertSameValues(x, y, inferred(x.numel(), s)));
        }));
        c.add(new Case("expand", a -> {
            Tensor x = a.tensor();
            int[] s = a.sizes();
            Tensor y = x.expand(s);
            return checked(y, () -> {
                int lead = s.length - x.dim();
                int[] shape = s.clone();
                for (int i = lead; i < s.length; i++) {
                    shape[i] = s[i] == -1 ? x.size(i - lead) : s[i];
                }
                assertMapped(x, y, shape, i -> {
                    int[] at = new int[x.dim()];
                    for (int j = 0; j < at.length; j++) {
                        at[j] = x.size(j) == 1 ? 0 : i[j + lead];
                    }
                    return at;
                });
            });
        }));
        c.add(new Case("permute", a -> {
            Tensor x = a.tensor();
            int[] p = a.sizes();
            Tensor y = x.permute(p);
            return checked(y, () -> {
                int[] shape = new int[p.length];
                for (int i = 0; i < p.length; i++) {
                    shape[i] = x.size(norm(p[i], x.dim()));
                }
                assertMapped(x, y, shape, i -> {
                    int[] at = new int[x.dim()];
                    for (int j = 0; j < p.length; j++) {
                        at[norm(p[j], x.dim())] = i[j];
                    }
                    return at;
                });
            });
        }));
        c.add(new Case("transpose", a -> {
            Tensor x = a.tensor();
            int d0 = a.dim();
            int d1 = a.dim();
            Tensor y = x.transpose(d0, d1);
            return checked(y, () -> assertSwapped(x, y, norm(d0, x.dim()), norm(d1, x.dim())));
        }));
        c.add(new Case("t", a -> {
            Tensor x = a.tensor();
            Tensor y = x.t();
            return checked(y, () -> assertSwapped(x, y, 0, 1));
        }));
        c.add(new Case("squeeze", a -> {
            Tensor x = a.tensor();
            int dim = a.dim();
            Tensor y = x.squeeze(dim);
            return checked(y, () -> {
                int d = norm(dim, x.dim());
                boolean drop = x.dim() > 0 && x.size(d) == 1;
                assertSameValues(x, y, drop ? remove(x.shape(), d) : x.shape());
            });
        }));
        c.add(new Case("squeeze()", a -> {
            Tensor x = a.tensor();
            Tensor y = x.squeeze();
            return checked(y, () -> assertSameValues(x, y, Arrays.stream(x.shape()).filter(v -> v != 1).toArray()));
        }));
        c.add(new Case("unsqueeze", a -> {
            Tensor x = a.tensor();
            int dim = a.dim();
            Tensor y = x.unsqueeze(dim);
            return checked(y, () -> assertSameValues(x, y, insert(x.shape(), norm(dim, x.dim() + 1), 1)));
        }));
        c.add(new Case("flatten", a -> {
            Tensor x = a.tensor();
            int d0 = a.dim();
            int d1 = a.dim();
            Tensor y = x.flatten(d0, d1);
            return checked(y, () -> {
                int s = norm(d0, x.dim());
                int e = norm(d1, x.dim());
                if (x.dim() == 0) {
                    assertSameValues(x, y, new int[] {1});
                    return;
                }
                int[] shape = new int[x.dim() - (e - s)];
                long merged = 1;
                for (int i = 0; i < x.dim(); i++) {
                    if (i < s) {
                        shape[i] = x.size(i);
                    } else if (i <= e) {
                        merged *= x.size(i);
                    } else {
                        shape[i - (e - s)] = x.size(i);
                    }
                }
                shape[s] = Math.toIntExact(merged);
                assertSameValues(x, y, shape);
            });
        }));
        c.add(new Case("movedim", a -> {
            Tensor x = a.tensor();
            int src = a.dim();
            int dst = a.dim();
            Tensor y = x.movedim(src, dst);
            return checked(y, () -> {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < x.dim(); i++) {
                    order.add(i);
                }
                int s = norm(src, x.dim());
                int d = norm(dst, x.dim());
                if (x.dim() > 0) {
                    order.remove(Integer.valueOf(s));
                    order.add(d, s);
                }
                int[] p = order.stream().mapToInt(Integer::intValue).toArray();
                int[] shape = Arrays.stream(p).map(x::size).toArray();
                assertMapped(x, y, shape, i -> {
                    int[] at = new int[x.dim()];
                    for (int j = 0; j < p.length; j++) {
                        at[p[j]] = i[j];
                    }
                    return at;
                });
            });
        }));
        c.add(new Case("narrow", a -> {
            Tensor x = a.tensor();
            int dim = a.dim();
            int start = a.anyInt(-5, 5);
            int length = a.anyInt(-1, 5);
            Tensor y = x.narrow(dim, start, length);
            return checked(y, () -> {
                int d = norm(dim, x.dim());
                int s = start < 0 ? start + x.size(d) : start;
                int[] shape = x.shape();
                shape[d] = length;
                assertMapped(x, y, shape, i -> {
                    int[] at = i.clone();
                    at[d] += s;
                    return at;
                });
            });
        }));
        c.add(new Case("slice", a -> {
            Tensor x = a.tensor();
            int dim = a.dim();
            int start = a.anyInt(-6, 6);
            int end = a.anyInt(-6, 6);
            int step = a.anyInt(-1, 4);
            Tensor y = x.slice(dim, start, end, step);
            return checked(y, () -> {
                int d = norm(dim, x.dim());
                int size = x.size(d);
                long s = Math.max(0, Math.min(size, start < 0 ? (long) start + size : start));
                long e = Math.max(0, Math.min(size, end < 0 ? (long) end + size : end));
                int[] shape = x.shape();
                shape[d] = (int) (e > s ? (e - s + step - 1) / step : 0);
                assertMapped(x, y, shape, i -> {
                    int[] at = i.clone();
                    at[d] = (int) (s + (long) i[d] * step);
                    return at;
                });
            });
        }));
        c.add(new Case("select", a -> {
            Tensor x = a.tensor();
            int dim = a.dim();
            int index = a.anyInt(-5, 5);
            Tensor y = x.select(dim, index);
            return checked(y, () -> {
                int d = norm(dim, x.dim());
                int at = index < 0 ? index + x.size(d) : index;
                assertMapped(x, y, remove(x.shape(), d), i -> insert(i, d, at));
            });
        }));
    }

    /** y is x with dims d0 and d1 swapped (x itself when it has fewer than two dims). */
    private static void assertSwapped(Tensor x, Tensor y, int d0, int d1) {
        if (x.dim() < 2) {
            assertSameValues(x, y, x.shape());
            return;
        }
        int[] shape = x.shape();
        shape[d0] = x.size(d1);
        shape[d1] = x.size(d0);
        assertMapped(x, y, shape, i -> {
            int[] at = i.clone();
            at[d0] = i[d1];
            at[d1] = i[d0];
            return at;
        });
    }

    /** The factories, with sizes, counts and values a hostile caller passes; each result's values checked. */
    private static void addCreationCases(List<Case> c) {
        c.add(new Case("zeros", List.of("full"), a -> {
            int[] s = a.sizes();
            Tensor y = Tensor.zeros(s);
            return checked(y, () -> {
                assertThat(y.shape()).containsExactly(s);
                assertAll(y, 0);
            });
        }));
        c.add(new Case("full", a -> {
            double v = a.real();
            DType dtype = a.dtype();
            int[] s = a.sizes();
            Tensor y = Tensor.full(v, dtype, s);
            return checked(y, () -> {
                assertThat(y.shape()).containsExactly(s);
                assertAll(y, stored(v, dtype));
            });
        }));
        c.add(new Case("scalar", List.of("full"), a -> {
            double v = a.real();
            DType dtype = a.dtype();
            Tensor y = Tensor.scalar(v, dtype);
            return checked(y, () -> {
                assertThat(y.shape()).isEmpty();
                FuzzChecks.assertSameNumber(y.item(), stored(v, dtype), "the value");
            });
        }));
        c.add(new Case("arange", a -> {
            int start = a.anyInt(-5, 5);
            int end = a.anyInt(-5, 5);
            if ((long) end - start > MAX_MATERIALISED && (long) end - start <= Integer.MAX_VALUE) {
                end = start + 3;
            }
            int e = end;
            Tensor y = Tensor.arange(start, e);
            return checked(y, () -> {
                assertThat(y.dtype()).isEqualTo(DType.I32);
                assertThat(y.shape()).containsExactly(e - start);
                int[] v = y.toIntArray();
                for (int i = 0; i < v.length; i++) {
                    assertThat(v[i]).isEqualTo(start + i);
                }
            });
        }));
        c.add(new Case("arange(real)", a -> {
            double start = a.real();
            double end = a.real();
            double step = a.real();
            double count = Math.ceil((end - start) / step);
            if (count > MAX_MATERIALISED && count <= Integer.MAX_VALUE) {
                step = (end - start) / 4;
            }
            double st = step;
            Tensor y = Tensor.arange(start, end, st);
            return checked(y, () -> {
                // PyTorch's count, with each value start + i·step rounded to F32 once
                assertThat(y.shape()).containsExactly((int) Math.ceil((end - start) / st));
                float[] v = y.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    assertThat(v[i]).isEqualTo((float) (start + i * st)).matches(Float::isFinite);
                }
            });
        }));
        c.add(new Case("linspace", a -> {
            double start = a.real();
            double end = a.real();
            int steps = a.rng.nextInt(20) == 0 ? Integer.MIN_VALUE : a.anInt(-2, 6);
            Tensor y = Tensor.linspace(start, end, steps);
            return checked(y, () -> {
                float[] v = y.toFloatArray();
                assertThat(v).hasSize(steps);
                if (steps > 0) {
                    assertThat(v[0]).isEqualTo((float) start);
                    assertThat(v[steps - 1]).isEqualTo((float) (steps == 1 ? start : end));
                }
                for (float f : v) {
                    assertThat(f).matches(Float::isFinite, "finite");
                }
            });
        }));
        c.add(new Case("eye", a -> {
            int n = a.anyInt(-2, 5);
            Tensor y = Tensor.eye(n);
            return checked(y, () -> assertMapped(y, y, new int[] {n, n}, i -> i,
                    (unused, v) -> assertThat(v).isIn(0.0, 1.0)));
        }));
        c.add(new Case("randperm", a -> {
            int n = a.anyInt(-2, 8);
            if (n > MAX_MATERIALISED) {
                n = 8;
            }
            int count = n;
            Tensor y = Tensor.randperm(a.rng, count);
            return checked(y, () -> assertThat(Arrays.stream(y.toIntArray()).sorted().toArray())
                    .isEqualTo(java.util.stream.IntStream.range(0, count).toArray()));
        }));
        c.add(new Case("randint", a -> {
            int low = a.anyInt(-5, 5);
            int high = a.anyInt(-5, 5);
            int[] s = a.sizes();
            Tensor y = Tensor.randint(a.rng, low, high, s);
            return checked(y, () -> {
                assertThat(y.shape()).containsExactly(s);
                for (int v : y.toIntArray()) {
                    assertThat(v).isBetween(low, high - 1);
                }
            });
        }));
        c.add(new Case("rand", a -> {
            int[] s = a.sizes();
            Tensor y = Tensor.rand(a.rng, s);
            return checked(y, () -> {
                assertThat(y.shape()).containsExactly(s);
                for (float v : y.toFloatArray()) {
                    assertThat(v).isGreaterThanOrEqualTo(0f).isLessThan(1f);
                }
            });
        }));
        c.add(new Case("randn", a -> Tensor.randn(a.rng, a.sizes())));
        c.add(new Case("of", a -> {
            int n = a.anInt(0, 8);
            int[] s = a.sizes();
            Tensor y = Tensor.of(new float[n], s);
            return checked(y, () -> assertThat(y.shape()).containsExactly(s.length == 0 ? new int[] {n} : inferred(n, s)));
        }));
        c.add(new Case("fromStorage", a -> {
            int n = a.anInt(0, 6);
            int rank = a.anInt(0, 3);
            int[] shape = new int[rank];
            int[] strides = new int[rank];
            for (int i = 0; i < rank; i++) {
                shape[i] = a.anyInt(0, 3);
                strides[i] = a.anyInt(-1, 3);
            }
            // the generic self-consistency check is the test: the view must stay inside the storage. A
            // valid view of 2^30 stride-0 elements would only measure the heap when read, so its layout is
            // checked without reading it
            Tensor t = Tensor.fromStorage(CpuStorage.allocate(a.dtype(), n), shape, strides, a.anyInt(-1, 4));
            return t.numel() > MAX_MATERIALISED ? checked(t.shape(), () -> {
                long lo = t.offset();
                long hi = t.offset();
                for (int i = 0; i < t.dim(); i++) {
                    long span = (long) (t.size(i) - 1) * t.strides()[i];
                    lo += Math.min(span, 0);
                    hi += Math.max(span, 0);
                }
                assertThat(lo).isGreaterThanOrEqualTo(0);
                assertThat(hi).isLessThan(n);
            }) : t;
        }));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {2024, 1, 7, 4242, 99991})
    void randomArgumentsNeverEscapeAsUncheckedJvmErrors(long seed) {
        List<Case> cases = cases();
        Generator rng = new Generator(seed);
        int ok = 0;
        int rejected = 0;
        // the first failure of each case, so that one run shows every case that fails
        Map<String, String> failures = new LinkedHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            Case c = cases.get(round % cases.size());
            Args args = new Args(rng);
            String where = "round " + round + ": " + c.name() + " with";
            Object result;
            try {
                result = c.call().apply(args);
            } catch (IllegalArgumentException | IllegalStateException e) {
                String message = String.valueOf(e.getMessage());
                if (c.ops().stream().noneMatch(op -> message.startsWith(op + ":"))) {
                    failures.putIfAbsent(c.name(), where + args.log + " threw \"" + message
                            + "\", which does not start with one of " + c.ops());
                }
                rejected++;
                continue;
            } catch (Throwable e) {
                failures.putIfAbsent(c.name(), where + args.log + " threw " + e);
                continue;
            }
            try {
                verify(result);
            } catch (Throwable e) {
                failures.putIfAbsent(c.name(), where + args.log + " returned a wrong result: " + e.getMessage());
                continue;
            }
            ok++;
        }
        assertThat(failures.values()).as("seed %d", seed).isEmpty();
        // the fuzzer reaches both outcomes often enough to mean something
        assertThat(ok).isGreaterThan(ROUNDS / 5);
        assertThat(rejected).isGreaterThan(ROUNDS / 5);
    }

    /** Checks a result: tensors (also inside a Checked) are self-consistent, then the case's own check runs. */
    private static void verify(Object result) {
        if (result instanceof Checked checked) {
            verify(checked.result());
            checked.check().run();
        } else if (result instanceof Tensor t) {
            assertSelfConsistent(t);
        }
    }
}
