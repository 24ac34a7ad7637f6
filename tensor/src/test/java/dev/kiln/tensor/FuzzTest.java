package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random, often invalid, arguments to many ops: each call returns a result or throws
 * IllegalArgumentException / IllegalStateException with a message, never an
 * ArrayIndexOutOfBounds, NegativeArraySize, ClassCast, NullPointer or any other exception.
 */
class FuzzTest {
    private static final int ROUNDS = 4000;
    private static final DType[] DTYPES = DType.values();

    /** One op fed from a source of random arguments. */
    private record Case(String name, Function<Args, Object> call) {
    }

    /** Random arguments: tensors of random rank, sizes, dtype and layout; dims; sizes; indices. */
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

        int dim() {
            return anInt(-5, 4);
        }

        boolean bool() {
            return anInt(0, 1) == 1;
        }

        int[] shape(int maxRank) {
            int rank = rng.nextInt(maxRank + 1);
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                s[i] = rng.nextInt(10) == 0 ? 0 : 1 + rng.nextInt(4);
            }
            return s;
        }

        /** Sizes for reshape/expand-like calls: mostly plausible, sometimes -1 or negative. */
        int[] sizes() {
            int rank = rng.nextInt(5);
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                int r = rng.nextInt(12);
                s[i] = r == 0 ? -1 : r == 1 ? -2 : r == 2 ? 0 : rng.nextInt(7);
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
            t = switch (rng.nextInt(4)) {
                case 0 -> t;
                case 1 -> dev.kiln.tensor.testing.TestTensors.transposedLayout(t);
                case 2 -> dev.kiln.tensor.testing.TestTensors.steppedLayout(t);
                default -> dev.kiln.tensor.testing.TestTensors.expandedLayout(t);
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
        c.add(new Case("add(scalar)", a -> a.tensor().add(a.anInt(-3, 3) / 2.0)));
        c.add(new Case("clamp", a -> a.tensor().clamp(a.anInt(-3, 3), a.anInt(-3, 3))));
        c.add(new Case("where", a -> Tensor.where(a.tensor(), a.tensor(), a.tensor())));
        c.add(new Case("where(bool)", a -> Tensor.where(a.tensor(DType.BOOL, a.shape(3)), a.floats(), a.floats())));
        c.add(new Case("sum", a -> a.tensor().sum(new int[] {a.dim()}, a.bool())));
        c.add(new Case("sum(dims)", a -> a.tensor().sum(new int[] {a.dim(), a.dim()}, a.bool())));
        c.add(new Case("sum()", a -> a.tensor().sum()));
        c.add(new Case("mean", a -> a.tensor().mean(a.dim(), a.bool())));
        c.add(new Case("amax", a -> a.tensor().amax(new int[] {a.dim()}, a.bool())));
        c.add(new Case("max()", a -> a.tensor().max()));
        c.add(new Case("amin", a -> a.tensor().amin(new int[0], a.bool())));
        c.add(new Case("argmax", a -> a.tensor().argmax(a.dim(), a.bool())));
        c.add(new Case("argmin()", a -> a.tensor().argmin()));
        c.add(new Case("var", a -> a.tensor().var(new int[] {a.dim()}, a.anInt(-1, 2), a.bool())));
        c.add(new Case("std", a -> a.tensor().std()));
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
        c.add(new Case("reshape", a -> a.tensor().reshape(a.sizes())));
        c.add(new Case("view", a -> a.tensor().view(a.sizes())));
        c.add(new Case("expand", a -> a.tensor().expand(a.sizes())));
        c.add(new Case("permute", a -> a.tensor().permute(a.sizes())));
        c.add(new Case("transpose", a -> a.tensor().transpose(a.dim(), a.dim())));
        c.add(new Case("t", a -> a.tensor().t()));
        c.add(new Case("squeeze", a -> a.tensor().squeeze(a.dim())));
        c.add(new Case("unsqueeze", a -> a.tensor().unsqueeze(a.dim())));
        c.add(new Case("flatten", a -> a.tensor().flatten(a.dim(), a.dim())));
        c.add(new Case("movedim", a -> a.tensor().movedim(a.dim(), a.dim())));
        c.add(new Case("narrow", a -> a.tensor().narrow(a.dim(), a.anInt(-5, 5), a.anInt(-1, 5))));
        c.add(new Case("slice", a -> a.tensor().slice(a.dim(), a.anInt(-6, 6), a.anInt(-6, 6), a.anInt(-1, 4))));
        c.add(new Case("select", a -> a.tensor().select(a.dim(), a.anInt(-5, 5))));
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
        c.add(new Case("indexSelect", a -> a.tensor().indexSelect(a.dim(), a.index(4))));
        c.add(new Case("indexAdd", a -> a.tensor().indexAdd(a.dim(), a.index(4), a.tensor())));
        c.add(new Case("gather", a -> a.tensor().gather(a.dim(), a.index(4))));
        c.add(new Case("scatterAdd", a -> a.tensor().scatterAdd(a.dim(), a.index(4), a.tensor())));
        c.add(new Case("scatterAdd(same)", a -> {
            Tensor x = a.tensor();
            return x.scatterAdd(a.dim(), a.tensor(DType.I32, x.shape(), -1, 4), a.tensor(x.dtype(), x.shape()));
        }));
        c.add(new Case("embedding", a -> Tensor.embedding(a.index(5), a.tensor())));
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
        c.add(new Case("to", a -> a.tensor().to(a.dtype())));
        c.add(new Case("copy_", a -> a.tensor().contiguous().clone().copy_(a.tensor())));
        c.add(new Case("add_", a -> a.tensor().clone().add_(a.tensor())));
        c.add(new Case("item", a -> a.tensor().item()));
        c.add(new Case("toString", a -> a.tensor().toString()));
        c.add(new Case("clone", a -> a.tensor().clone()));
        c.add(new Case("any", a -> a.tensor().any()));
        c.add(new Case("allClose", a -> a.tensor().allClose(a.tensor(), 1e-3, 1e-3)));
        c.add(new Case("layerNorm", a -> {
            Tensor x = a.tensor();
            return x.layerNorm(a.sizes(), a.bool() ? a.tensor() : null, a.bool() ? a.tensor() : null, 1e-5);
        }));
        c.add(new Case("rmsNorm", a -> a.tensor().rmsNorm(a.sizes(), a.bool() ? a.tensor() : null, 1e-5)));
        c.add(new Case("gelu(approximate)", a -> a.tensor().gelu(a.bool() ? "tanh" : "exact")));
        c.add(new Case("leakyRelu", a -> a.tensor().leakyRelu(a.anInt(-2, 2) / 4.0)));
        c.add(new Case("activation", a -> a.tensor().activation(switch (a.anInt(0, 3)) {
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
        c.add(new Case("zeros", a -> Tensor.zeros(a.sizes())));
        c.add(new Case("arange", a -> Tensor.arange(a.anInt(-5, 5), a.anInt(-5, 5))));
        c.add(new Case("randint", a -> Tensor.randint(a.rng, a.anInt(-5, 5), a.anInt(-5, 5), a.sizes())));
        c.add(new Case("of", a -> Tensor.of(new float[a.anInt(0, 8)], a.sizes())));
        return c;
    }

    @Test
    void randomArgumentsNeverEscapeAsUncheckedJvmErrors() {
        List<Case> cases = cases();
        Generator rng = new Generator(2024);
        int ok = 0;
        int rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Case c = cases.get(round % cases.size());
            Args args = new Args(rng);
            try {
                Object result = c.call().apply(args);
                if (result instanceof Tensor t) {
                    t.toDoubleArray(); // the result must be readable
                }
                ok++;
            } catch (IllegalArgumentException | IllegalStateException e) {
                assertThat(e.getMessage()).as("message of %s for%s", c.name(), args.log).isNotBlank();
                rejected++;
            } catch (Throwable e) {
                throw new AssertionError("round " + round + ": " + c.name() + " with" + args.log + " threw " + e, e);
            }
        }
        // the fuzzer reaches both outcomes often enough to mean something
        assertThat(ok).isGreaterThan(ROUNDS / 5);
        assertThat(rejected).isGreaterThan(ROUNDS / 5);
    }
}
