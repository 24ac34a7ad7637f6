package dev.kiln.tensor;

import dev.kiln.tensor.testing.Nd;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static dev.kiln.tensor.testing.TensorAssert.assertValues;
import static org.assertj.core.api.Assertions.assertThat;

/** matmul with PyTorch's rules, against a triple loop written here. */
class MatmulTest {

    /**
     * The reference: a and b with NumPy matmul semantics (1-D operands promoted and the
     * promoted dim dropped; batch dims broadcast).
     */
    static Nd reference(Nd a, Nd b) {
        boolean aVec = a.rank() == 1;
        boolean bVec = b.rank() == 1;
        int[] as = aVec ? new int[] {1, a.shape()[0]} : a.shape();
        int[] bs = bVec ? new int[] {b.shape()[0], 1} : b.shape();
        Nd a2 = new Nd(as, a.data());
        Nd b2 = new Nd(bs, b.data());
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        int[] batch = Nd.broadcastShape(Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = m;
        full[batch.length + 1] = n;
        Nd out = Nd.build(full, idx -> {
            int r = idx.length;
            int[] ai = idx.clone();
            int[] bi = idx.clone();
            double s = 0;
            for (int p = 0; p < k; p++) {
                ai[r - 1] = p;
                bi[r - 2] = p;
                s += a2.getBroadcast(ai) * b2.getBroadcast(bi);
            }
            return s;
        });
        int[] shape = full;
        if (aVec) {
            shape = drop(shape, shape.length - 2);
        }
        if (bVec) {
            shape = drop(shape, shape.length - 1);
        }
        return new Nd(shape, out.data());
    }

    private static int[] drop(int[] s, int d) {
        int[] out = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i != d) {
                out[j++] = s[i];
            }
        }
        return out;
    }

    private static void check(Generator rng, DType dtype, int[] sa, int[] sb) {
        for (Tensor a : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, dtype, sa))) {
            for (Tensor b : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, dtype, sb))) {
                Tensor y = a.matmul(b);
                assertThat(y.dtype()).isEqualTo(dtype);
                assertValues(y, reference(Nd.of(a), Nd.of(b)), dtype == DType.F32 ? 1e-5 : 1e-12);
            }
        }
    }

    @Test
    void twoDimensional() {
        Generator rng = new Generator(1);
        int[][][] cases = {{{3, 4}, {4, 5}}, {{1, 1}, {1, 1}}, {{1, 7}, {7, 1}}, {{5, 1}, {1, 6}}, {{7, 3}, {3, 2}},
            {{0, 3}, {3, 4}}, {{3, 0}, {0, 4}}, {{2, 3}, {3, 0}}};
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (int[][] c : cases) {
                check(rng, dtype, c[0], c[1]);
            }
        }
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new float[] {5, 6, 7, 8}, 2, 2);
        assertThat(a.matmul(b).toFloatArray()).containsExactly(19, 22, 43, 50);
        assertThat(a.matmul(b.t()).toFloatArray()).containsExactly(17, 23, 39, 53);
        assertThat(Tensor.zeros(3, 0).matmul(Tensor.zeros(0, 2)).toFloatArray()).containsOnly(0);
    }

    @Test
    void batchedAndBroadcastBatchDims() {
        Generator rng = new Generator(2);
        int[][][] cases = {{{2, 3, 4}, {2, 4, 5}}, {{2, 3, 4}, {4, 5}}, {{3, 4}, {2, 4, 5}}, {{2, 1, 3, 4}, {5, 4, 2}},
            {{1, 2, 3}, {4, 3, 1}}, {{0, 2, 3}, {3, 2}}, {{3, 1, 2, 2}, {1, 4, 2, 3}}};
        for (int[][] c : cases) {
            check(rng, DType.F64, c[0], c[1]);
        }
        check(rng, DType.F32, new int[] {2, 3, 4}, new int[] {1, 4, 5});
    }

    @Test
    void oneDimensionalOperands() {
        Generator rng = new Generator(3);
        int[][][] cases = {{{4}, {4}}, {{4}, {4, 3}}, {{3, 4}, {4}}, {{4}, {2, 4, 3}}, {{2, 3, 4}, {4}}, {{0}, {0}},
            {{1}, {1, 5}}};
        for (int[][] c : cases) {
            check(rng, DType.F64, c[0], c[1]);
        }
        Tensor dot = Tensor.of(new double[] {1, 2, 3}).matmul(Tensor.of(new double[] {4, 5, 6}));
        assertThat(dot.shape()).isEmpty();
        assertThat(dot.item()).isEqualTo(32);
        assertThat(Tensor.zeros(0).matmul(Tensor.zeros(0)).item()).isEqualTo(0);
        assertThat(Tensor.zeros(4).matmul(Tensor.zeros(2, 4, 3)).shape()).containsExactly(2, 3);
        assertThat(Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(4)).shape()).containsExactly(2, 3);
    }

    @Test
    void badOperands() {
        assertRejects(() -> Tensor.zeros(32, 784).matmul(Tensor.zeros(512, 10)), "matmul", "[32, 784]", "[512, 10]",
                "inner dimensions 784 and 512 differ");
        assertRejects(() -> Tensor.zeros(3).matmul(Tensor.zeros(4)), "matmul", "[3]", "[4]");
        assertRejects(() -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2)), "matmul", "[2, 3]", "[2]", "3 and 2");
        assertRejects(() -> Tensor.zeros(2, 2, 3).matmul(Tensor.zeros(3, 3, 1)), "matmul", "[2, 2, 3]", "[3, 3, 1]");
        assertRejects(() -> Tensor.scalar(1).matmul(Tensor.zeros(1)), "matmul", "[]", "[1]");
        assertRejects(() -> Tensor.zeros(2, 2).matmul(Tensor.zeros(DType.F64, 2, 2)), "matmul", "F32", "F64");
        assertRejects(() -> Tensor.arange(4).reshape(2, 2).matmul(Tensor.arange(4).reshape(2, 2)), "matmul", "I32");
    }

    /** x·wᵀ + b then act, composed of the separate ops: the fused linear must give the same bits. */
    private static Tensor composed(Tensor x, Tensor w, Tensor b, UnaryOp act) {
        Tensor y = x.matmul(w.t());
        if (b != null) {
            y = y.add(b);
        }
        return act == null ? y : ElementwiseOps.unary(act, y);
    }

    @Test
    void linearIsMatmulThenBiasThenActivation() {
        Generator rng = new Generator(4);
        int[][] shapes = {{3, 4, 5}, {1, 1, 1}, {17, 33, 9}, {2, 70, 130}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0}};
        UnaryOp[] acts = {null, UnaryOp.RELU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.SILU};
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (int[] s : shapes) {
                Tensor x = TestTensors.random(rng, dtype, s[0], s[1]);
                Tensor w = TestTensors.random(rng, dtype, s[2], s[1]);
                Tensor b = TestTensors.random(rng, dtype, s[2]);
                for (UnaryOp act : acts) {
                    for (Tensor bias : new Tensor[] {b, null}) {
                        Tensor y = Tensor.linear(x, w, bias, act);
                        assertThat(y.shape()).containsExactly(s[0], s[2]);
                        assertThat(y.toDoubleArray()).as("%s %s %s bias %s", dtype, Arrays.toString(s), act, bias != null)
                                .containsExactly(composed(x, w, bias, act).toDoubleArray());
                    }
                }
            }
        }
        // leading dims are rows, a 1-D input is one row, and a transposed input is read as its values
        Tensor x3 = TestTensors.random(rng, DType.F32, 2, 3, 4);
        Tensor w = TestTensors.random(rng, DType.F32, 5, 4);
        assertThat(Tensor.linear(x3, w, null).shape()).containsExactly(2, 3, 5);
        assertThat(Tensor.linear(x3, w, null).toDoubleArray()).containsExactly(x3.matmul(w.t()).toDoubleArray());
        Tensor x1 = TestTensors.random(rng, DType.F32, 4);
        assertThat(Tensor.linear(x1, w, null, UnaryOp.GELU).shape()).containsExactly(5);
        Tensor xt = TestTensors.random(rng, DType.F32, 4, 3).t();
        assertThat(Tensor.linear(xt, w, null).toDoubleArray()).containsExactly(xt.matmul(w.t()).toDoubleArray());
        assertThat(Tensor.linear(Tensor.of(new float[] {1, 2}, 1, 2), Tensor.of(new float[] {3, -4}, 1, 2),
                Tensor.of(new float[] {0.5f}), UnaryOp.RELU).toFloatArray()).containsExactly(0f);
    }

    @Test
    void badLinearArguments() {
        assertRejects(() -> Tensor.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 5), null), "linear", "[2, 3]", "[4, 5]",
                "3 features", "takes 5");
        assertRejects(() -> Tensor.linear(Tensor.zeros(2, 3), Tensor.zeros(3), null), "linear", "2-D", "[3]");
        assertRejects(() -> Tensor.linear(Tensor.scalar(1), Tensor.zeros(1, 1), null), "linear", "0-d");
        assertRejects(() -> Tensor.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 3), Tensor.zeros(3)), "linear", "bias",
                "[4]", "[3]");
        assertRejects(() -> Tensor.linear(Tensor.zeros(2, 3), Tensor.zeros(DType.F64, 4, 3), null), "linear", "F32",
                "F64");
        assertRejects(() -> Tensor.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 3), null, UnaryOp.EXP), "linear", "EXP",
                "GELU");
        assertRejects(() -> Tensor.linear(Tensor.arange(6).reshape(2, 3), Tensor.arange(12).reshape(4, 3), null),
                "linear", "I32");
    }
}
