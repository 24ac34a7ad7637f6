package dev.kiln.tensor;

import dev.kiln.tensor.testing.Nd;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static dev.kiln.tensor.testing.TensorAssert.assertValues;
import static org.assertj.core.api.Assertions.assertThat;

/** Reductions over every subset of dims, with and without keepDim, on any layout, against plain loops. */
class ReductionTest {
    private static final int[][] SHAPES = {{}, {1}, {6}, {3, 5}, {4, 1}, {1, 1}, {2, 3, 4}, {3, 1, 2, 2}};
    private static final int[][] EMPTY_SHAPES = {{0}, {2, 0}, {0, 3, 1}};

    /** Every subset of the dims of a rank, each with some dims written negative. */
    private static List<int[]> dimSubsets(int rank) {
        List<int[]> out = new ArrayList<>();
        for (int mask = 1; mask < (1 << rank); mask++) {
            int[] dims = new int[Integer.bitCount(mask)];
            int k = 0;
            for (int d = rank - 1; d >= 0; d--) { // descending, to check they are sorted
                if ((mask & (1 << d)) != 0) {
                    dims[k++] = (k % 2 == 0) ? d - rank : d;
                }
            }
            out.add(dims);
        }
        return out;
    }

    /** The reference: the elements of each output position, reduced by f. */
    static Nd reduce(Nd x, int[] dims, boolean keepDim, ToDoubleFunction<double[]> f) {
        int rank = x.rank();
        boolean[] reduced = new boolean[rank];
        for (int d : dims) {
            reduced[d < 0 ? d + rank : d] = true;
        }
        if (dims.length == 0) {
            java.util.Arrays.fill(reduced, true);
        }
        int[] kept = x.shape().clone();
        int outRank = 0;
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) {
                kept[d] = 1;
            } else {
                outRank++;
            }
        }
        int[] outShape = new int[keepDim ? rank : outRank];
        for (int d = 0, j = 0; d < rank; d++) {
            if (keepDim) {
                outShape[d] = kept[d];
            } else if (!reduced[d]) {
                outShape[j++] = kept[d];
            }
        }
        int groups = TestTensors.numel(kept);
        List<List<Double>> members = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < x.numel(); i++) {
            int[] idx = Nd.unravel(i, x.shape());
            for (int d = 0; d < rank; d++) {
                if (reduced[d]) {
                    idx[d] = 0;
                }
            }
            members.get(Nd.ravel(idx, kept)).add(x.data()[i]);
        }
        double[] out = new double[groups];
        for (int g = 0; g < groups; g++) {
            out[g] = f.applyAsDouble(members.get(g).stream().mapToDouble(Double::doubleValue).toArray());
        }
        return new Nd(outShape, out);
    }

    static double sum(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e;
        }
        return s;
    }

    static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double e : v) {
            if (Double.isNaN(e)) {
                return e;
            }
            m = e > m ? e : m;
        }
        return m;
    }

    static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double e : v) {
            if (Double.isNaN(e)) {
                return e;
            }
            m = e < m ? e : m;
        }
        return m;
    }

    static ToDoubleFunction<double[]> var(int correction) {
        return v -> {
            double mean = sum(v) / v.length;
            double ss = 0;
            for (double e : v) {
                ss += (e - mean) * (e - mean);
            }
            return ss / Math.max(v.length - correction, 0);
        };
    }

    private static List<Tensor> inputs(Generator rng, DType dtype) {
        List<Tensor> out = new ArrayList<>();
        for (int[] shape : SHAPES) {
            out.addAll(TestTensors.layoutsWithBroadcast(TestTensors.random(rng, dtype, shape)));
        }
        return out;
    }

    @Test
    void sumAndMeanOverEverySubsetOfDims() {
        Generator rng = new Generator(1);
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (Tensor x : inputs(rng, dtype)) {
                Nd v = Nd.of(x);
                assertValues(x.sum(), reduce(v, new int[0], false, ReductionTest::sum), 1e-5);
                assertValues(x.mean(), reduce(v, new int[0], false, a -> sum(a) / a.length), 1e-5);
                for (int[] dims : dimSubsets(x.dim())) {
                    for (boolean keep : new boolean[] {false, true}) {
                        Tensor s = x.sum(dims, keep);
                        assertThat(s.dtype()).isEqualTo(dtype);
                        assertValues(s, reduce(v, dims, keep, ReductionTest::sum), 1e-5);
                        assertValues(x.mean(dims, keep), reduce(v, dims, keep, a -> sum(a) / a.length), 1e-5);
                    }
                }
                if (x.dim() > 0) {
                    assertValues(x.sum(-1), reduce(v, new int[] {-1}, false, ReductionTest::sum), 1e-5);
                    assertValues(x.mean(0, true), reduce(v, new int[] {0}, true, a -> sum(a) / a.length), 1e-5);
                }
            }
        }
    }

    @Test
    void maxAndMinOverEverySubsetOfDims() {
        Generator rng = new Generator(2);
        for (Tensor x : inputs(rng, DType.F32)) {
            Nd v = Nd.of(x);
            assertValues(x.max(), reduce(v, new int[0], false, ReductionTest::max), 0);
            assertValues(x.min(), reduce(v, new int[0], false, ReductionTest::min), 0);
            for (int[] dims : dimSubsets(x.dim())) {
                for (boolean keep : new boolean[] {false, true}) {
                    assertValues(x.amax(dims, keep), reduce(v, dims, keep, ReductionTest::max), 0);
                    assertValues(x.amin(dims, keep), reduce(v, dims, keep, ReductionTest::min), 0);
                }
            }
            for (int d = 0; d < x.dim(); d++) {
                assertValues(x.max(d, false), reduce(v, new int[] {d}, false, ReductionTest::max), 0);
                assertValues(x.min(-1 - d, true), reduce(v, new int[] {-1 - d}, true, ReductionTest::min), 0);
            }
        }
        Tensor ints = Tensor.of(new int[] {3, -9, 7, 7, 0, 2}, 2, 3);
        assertThat(ints.max().dtype()).isEqualTo(DType.I32);
        assertThat(ints.max().item()).isEqualTo(7);
        assertThat(ints.min(1, false).toIntArray()).containsExactly(-9, 0);
        assertThat(Tensor.of(new float[] {1, Float.NaN, 3}).max().item()).isNaN();
        assertThat(Tensor.of(new float[] {1, Float.NaN, 3}).min().item()).isNaN();
    }

    @Test
    void varAndStdWithCorrections() {
        Generator rng = new Generator(3);
        for (Tensor x : inputs(rng, DType.F64)) {
            Nd v = Nd.of(x);
            assertValues(x.var(), reduce(v, new int[0], false, var(1)), 1e-10);
            assertValues(x.std(), reduce(v, new int[0], false, var(1)).map(Math::sqrt), 1e-10);
            for (int[] dims : dimSubsets(x.dim())) {
                for (int correction : new int[] {0, 1, 2}) {
                    for (boolean keep : new boolean[] {false, true}) {
                        assertValues(x.var(dims, correction, keep), reduce(v, dims, keep, var(correction)), 1e-10);
                    }
                }
            }
            for (int d = 0; d < x.dim(); d++) {
                assertValues(x.var(d, true), reduce(v, new int[] {d}, true, var(1)), 1e-10);
                assertValues(x.std(d, false), reduce(v, new int[] {d}, false, var(1)).map(Math::sqrt), 1e-10);
            }
        }
        assertThat(Tensor.of(new double[] {1, 2, 3, 4}).var().item()).isEqualTo(5.0 / 3);
        assertThat(Tensor.of(new double[] {1, 2, 3, 4}).var(new int[] {0}, 0, false).item()).isEqualTo(1.25);
        // a huge offset does not cancel the variance away (two-pass)
        assertThat(Tensor.of(new double[] {1e9 + 1, 1e9 + 2, 1e9 + 3}).var().item()).isEqualTo(1.0);
    }

    @Test
    void varOfAZeroDimensionalTensor() {
        Tensor s = Tensor.scalar(2.5, DType.F64);
        assertThat(s.var(new int[0], 0, false).item()).isEqualTo(0);
        assertThat(s.var().item()).isNaN(); // one element, correction 1: 0/0 as PyTorch
        assertThat(s.std().shape()).isEmpty();
        assertThat(s.mean().item()).isEqualTo(2.5);
        assertThat(s.sum(0, true).shape()).isEmpty();
    }

    @Test
    void argmaxAndArgminPickTheFirstExtremum() {
        Generator rng = new Generator(4);
        for (Tensor x : inputs(rng, DType.F32)) {
            Nd v = Nd.of(x);
            assertThat(x.argmax().dtype()).isEqualTo(DType.I32);
            assertThat(x.argmax().shape()).isEmpty();
            assertThat(x.argmax().item()).isEqualTo(firstIndex(v.data(), max(v.data())));
            assertThat(x.argmin().item()).isEqualTo(firstIndex(v.data(), min(v.data())));
            assertThat(x.argmax(0, true).shape()).hasSize(x.dim());
            for (int d = 0; d < x.dim(); d++) {
                int dim = d;
                for (boolean keep : new boolean[] {false, true}) {
                    Nd wantMax = argAlong(v, dim, keep, true);
                    assertValues(x.argmax(dim, keep), wantMax, 0);
                    assertValues(x.argmin(dim - x.dim(), keep), argAlong(v, dim, keep, false), 0);
                }
            }
        }
        Tensor ties = Tensor.of(new int[] {1, 5, 5, 0, 0, 5}, 2, 3);
        assertThat(ties.argmax().item()).isEqualTo(1);
        assertThat(ties.argmin().item()).isEqualTo(3);
        assertThat(ties.argmax(1, false).toIntArray()).containsExactly(1, 2);
        assertThat(ties.argmin(0, false).toIntArray()).containsExactly(1, 1, 0);
        assertThat(Tensor.of(new float[] {1, Float.NaN, 9, Float.NaN}).argmax().item()).isEqualTo(1);
        assertThat(Tensor.scalar(3).argmax(0, false).item()).isEqualTo(0);
        assertThat(Tensor.arange(6).reshape(2, 3).argmax(0, true).shape()).containsExactly(1, 3);
    }

    private static int firstIndex(double[] v, double target) {
        for (int i = 0; i < v.length; i++) {
            if (v[i] == target || (Double.isNaN(target) && Double.isNaN(v[i]))) {
                return i;
            }
        }
        return -1;
    }

    /** Index along dim of the first max (or min) for each position of the other dims. */
    private static Nd argAlong(Nd v, int dim, boolean keep, boolean max) {
        int[] shape = v.shape();
        int[] outShape = shape.clone();
        outShape[dim] = 1;
        Nd kept = Nd.build(outShape, idx -> {
            int[] at = idx.clone();
            double best = Double.NaN;
            int bestK = -1;
            for (int k = 0; k < shape[dim]; k++) {
                at[dim] = k;
                double e = v.get(at);
                if (bestK < 0 || (max ? e > best : e < best)) {
                    best = e;
                    bestK = k;
                }
            }
            return bestK;
        });
        if (keep) {
            return kept;
        }
        int[] dropped = new int[shape.length - 1];
        for (int d = 0, j = 0; d < shape.length; d++) {
            if (d != dim) {
                dropped[j++] = shape[d];
            }
        }
        return new Nd(dropped, kept.data());
    }

    @Test
    void emptyTensors() {
        for (int[] shape : EMPTY_SHAPES) {
            Tensor x = Tensor.zeros(shape);
            assertThat(x.sum().item()).isEqualTo(0);
            assertThat(x.mean().item()).isNaN();
            assertRejects(x::max, "max", "size 0");
            assertRejects(x::argmin, "argmin", "empty", java.util.Arrays.toString(shape));
            int zeroDim = java.util.stream.IntStream.range(0, shape.length).filter(d -> shape[d] == 0).findFirst().orElseThrow();
            assertRejects(() -> x.amin(new int[] {zeroDim}, false), "min", "size 0", java.util.Arrays.toString(shape));
        }
        Tensor x = Tensor.zeros(2, 0);
        assertThat(x.sum(1, false).toFloatArray()).containsExactly(0, 0);
        assertThat(x.sum(0, true).shape()).containsExactly(1, 0);
        assertThat(x.amax(new int[] {0}, false).shape()).containsExactly(0);
        assertRejects(() -> x.argmax(1, false), "argmax", "size 0");
    }

    @Test
    void sumOfBoolCountsIntoI32AndIntsStayInts() {
        Tensor b = Tensor.of(new boolean[] {true, false, true, true}, 2, 2);
        assertThat(b.sum().dtype()).isEqualTo(DType.I32);
        assertThat(b.sum().item()).isEqualTo(3);
        assertThat(b.sum(0, false).toIntArray()).containsExactly(2, 1);
        Tensor i = Tensor.of(new int[] {1, 2, 3, 4}, 2, 2);
        assertThat(i.sum(1, true).dtype()).isEqualTo(DType.I32);
        assertThat(i.sum(1, true).toIntArray()).containsExactly(3, 7);
        assertRejects(i::mean, "mean", "I32");
        assertRejects(i::var, "var", "I32");
    }

    @Test
    void emptyDimsReduceOverEveryDimAsPyTorch() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(x.sum(new int[0], false).shape()).isEmpty();
        assertThat(x.sum(new int[0], false).item()).isEqualTo(21);
        assertThat(x.sum(new int[0], true).shape()).containsExactly(1, 1);
        assertThat(x.mean(new int[0], true).item()).isEqualTo(3.5);
        assertThat(Tensor.scalar(2.5).sum(new int[0], false).item()).isEqualTo(2.5);
    }

    @Test
    void badDims() {
        Tensor x = Tensor.zeros(2, 3);
        assertRejects(() -> x.sum(2), "sum", "dim 2", "rank 2");
        assertRejects(() -> x.sum(new int[] {0, -2}, false), "sum", "dim 0", "more than once");
        assertRejects(() -> x.mean(-3), "mean", "dim -3");
        assertRejects(() -> x.max(5, false), "max", "dim 5");
        assertRejects(() -> x.argmax(2, false), "argmax", "dim 2");
        assertRejects(() -> x.var(new int[] {0}, -1, false), "var", "correction", "-1");
        assertRejects(() -> x.amin(new int[] {1, 1}, true), "min", "more than once");
    }
}
