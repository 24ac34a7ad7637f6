package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.Tensor;

/**
 * The row-major-to-column-major mapping of GemmPlan, executed by a plain Java GEMM with
 * cuBLAS's column-major semantics (op(A) m×k, op(B) k×n, leading dims, batch strides) over the
 * storage arrays of CPU tensors, against Tensor.matmul. Covers contiguous, transposed, sliced
 * and broadcast operands and batch dims that do and do not coalesce; no GPU needed.
 */
class GemmPlanTest {
    private final Random rnd = new Random(11);

    /** cuBLAS's sgemm, column-major, in double, on flat arrays with element offsets. */
    static void columnMajorGemm(GemmPlan.Call c, double[] a, double[] b, double[] out) {
        for (int z = 0; z < c.batch(); z++) {
            for (int j = 0; j < c.n(); j++) {
                for (int i = 0; i < c.m(); i++) {
                    double s = 0;
                    for (int p = 0; p < c.k(); p++) {
                        // op(A)[i, p] and op(B)[p, j], column-major with leading dims
                        double av = c.transA() ? a[(int) (c.aOffset() + z * c.strideA() + i * (long) c.lda() + p)]
                                : a[(int) (c.aOffset() + z * c.strideA() + p * (long) c.lda() + i)];
                        double bv = c.transB() ? b[(int) (c.bOffset() + z * c.strideB() + p * (long) c.ldb() + j)]
                                : b[(int) (c.bOffset() + z * c.strideB() + j * (long) c.ldb() + p)];
                        s += av * bv;
                    }
                    out[(int) (c.cOffset() + z * c.strideC() + j * (long) c.ldc() + i)] = s;
                }
            }
        }
    }

    /** Runs the plan for a·b (a and b already expanded to out's batch dims), as CudaBackend does. */
    static double[] viaPlan(Tensor a, Tensor b, int[] outShape) {
        int k = a.size(-1);
        int numel = 1;
        for (int s : outShape) {
            numel *= s;
        }
        double[] out = new double[numel];
        double[] as = storage(a);
        double[] bs = storage(b);
        List<GemmPlan.Call> calls = GemmPlan.plan(outShape, 0, a.strides(), a.offset(), b.strides(), b.offset(), k);
        for (GemmPlan.Call c : calls) {
            // the call's A is b, its B is a (row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ)
            columnMajorGemm(c, bs, as, out);
        }
        return out;
    }

    /** The whole storage under a view, as the GEMM sees device memory. */
    private static double[] storage(Tensor t) {
        CpuStorage s = (CpuStorage) t.storage();
        double[] out = new double[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i);
        }
        return out;
    }

    private Tensor rand(int... shape) {
        float[] v = new float[java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(19) - 9;  // small integers: every product and sum is exact
        }
        return Tensor.of(v, shape);
    }

    private void check(Tensor a, Tensor b) {
        Tensor expected = a.matmul(b);
        int[] outShape = expected.shape();
        int rank = outShape.length;
        int[] batch = java.util.Arrays.copyOf(outShape, rank - 2);
        Tensor ae = a.expand(concat(batch, a.size(-2), a.size(-1)));
        Tensor be = b.expand(concat(batch, b.size(-2), b.size(-1)));
        assertThat(GemmPlan.readable(ae.shape(), ae.strides())).isTrue();
        assertThat(GemmPlan.readable(be.shape(), be.strides())).isTrue();
        double[] got = viaPlan(ae, be, outShape);
        assertThat(got).as("%s · %s", java.util.Arrays.toString(a.shape()), java.util.Arrays.toString(b.shape()))
                .containsExactly(expected.toDoubleArray());
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    @Test
    void contiguousAndTransposedOperands() {
        Function<Tensor, Tensor> same = t -> t;
        for (int[] mnk : new int[][] {{1, 1, 1}, {3, 5, 7}, {8, 1, 4}, {1, 6, 2}, {17, 13, 9}}) {
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            check(rand(m, k), rand(k, n));
            check(rand(k, m).t(), rand(k, n));
            check(rand(m, k), rand(n, k).t());
            check(rand(k, m).t(), rand(n, k).t());
            check(same.apply(rand(m, 2 * k + 1).slice(1, 1, 1 + k)), rand(k, n));  // leading dim larger than K
        }
    }

    @Test
    void batchedBroadcastAndUncoalescedBatches() {
        check(rand(4, 3, 5), rand(4, 5, 2));               // uniform batch stride: one strided-batched call
        check(rand(4, 3, 5), rand(5, 2));                  // b broadcast: batch stride 0
        check(rand(1, 3, 5), rand(6, 5, 2));               // a broadcast
        check(rand(2, 3, 4, 5), rand(2, 1, 5, 6));         // two batch dims, b broadcast in one
        check(rand(3, 2, 4, 5).transpose(0, 1), rand(2, 3, 5, 2));  // batch dims that do not coalesce
        check(rand(2, 5, 3).transpose(1, 2), rand(2, 2, 5).transpose(1, 2));
    }

    @Test
    void viewsWithoutAUnitStrideAreRefused() {
        Tensor everyOther = rand(4, 10).slice(1, 0, 10, 2);  // strides (10, 2)
        assertThat(GemmPlan.readable(everyOther.shape(), everyOther.strides())).isFalse();
        Tensor expandedRows = rand(1, 5).expand(4, 5);  // row stride 0 < 5 columns
        assertThat(GemmPlan.readable(expandedRows.shape(), expandedRows.strides())).isFalse();
        assertThat(GemmPlan.view(1, 5, 0, 1)).isEqualTo(new GemmPlan.MatrixView(true, 5));
        assertThat(GemmPlan.view(4, 1, 1, 0)).isEqualTo(new GemmPlan.MatrixView(true, 1));
    }
}
