package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15's reductions, scans and sorting on hand-computed values: result dtypes (I32 indices,
 * BOOL any/all), NaN ordering, ties, 0-d and empty inputs, and the argument checks. Values against
 * PyTorch are in autograd's ReduceFixturesTest.
 */
class ReduceScanSortTest {
    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    private static Tensor of(double... v) {
        return Tensor.of(v);
    }

    @Test
    void prodMultipliesAndGivesIntegersForIntegers() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 0, 5}, 2, 3);
        assertThat(x.prod().item()).isEqualTo(0);
        assertThat(x.prod(1).toDoubleArray()).containsExactly(6, 0);
        assertThat(x.prod(0, true).shape()).containsExactly(1, 3);
        assertThat(Tensor.zeros(0, 3).prod(0).toDoubleArray()).containsExactly(1, 1, 1);
        Tensor ints = Tensor.of(new int[] {2, -3, 4});
        assertThat(ints.prod().dtype()).isEqualTo(DType.I32);
        assertThat(ints.prod().item()).isEqualTo(-24);
        assertThat(Tensor.of(new boolean[] {true, false}).prod().dtype()).isEqualTo(DType.I32);
    }

    @Test
    void logsumexpIsStableAndEmptyIsMinusInfinity() {
        Tensor x = Tensor.of(new double[] {1000, 1000, -INF, -INF}, 2, 2);
        double[] r = x.logsumexp(1).toDoubleArray();
        assertThat(r[0]).isCloseTo(1000 + Math.log(2), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r[1]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Tensor.zeros(0, 2).logsumexp(0).toDoubleArray()).containsExactly(Double.NEGATIVE_INFINITY,
                Double.NEGATIVE_INFINITY);
    }

    @Test
    void stdVarMeanAndStdMean() {
        Tensor x = of(1, 2, 3, 4);
        assertThat(x.std(new int[] {0}, 0, false).item()).isCloseTo(Math.sqrt(1.25), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(x.std(false).item()).isCloseTo(Math.sqrt(1.25), org.assertj.core.data.Offset.offset(1e-6));
        VarMean vm = x.varMean();
        assertThat(vm.var().item()).isCloseTo(5.0 / 3, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(vm.mean().item()).isEqualTo(2.5);
        StdMean sm = x.stdMean(new int[] {0}, 2, true);
        assertThat(sm.std().shape()).containsExactly(1);
        assertThat(sm.std().item()).isCloseTo(Math.sqrt(2.5), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(Tensor.of(new double[] {1, 2, 3, 5}, 2, 2).std(1, false, true).toDoubleArray()).containsExactly(0.5, 1);
        assertThat(Tensor.of(new double[] {1, 2, 3, 5}, 2, 2).var(0, true, false).toDoubleArray()).containsExactly(2, 4.5);
        // a correction past the count divides by 0, as PyTorch
        assertThat(of(1, 2).std(new int[] {0}, 2, false).item()).isEqualTo(INF);
    }

    @Test
    void anyAllAndCountNonzeroOverDims() {
        Tensor x = Tensor.of(new double[] {0, NAN, 0, 0, 0, 0}, 2, 3);
        assertThat(x.any(1).dtype()).isEqualTo(DType.BOOL);
        assertThat(x.any(1).toBooleanArray()).containsExactly(true, false);
        assertThat(x.all(0, true).toBooleanArray()).containsExactly(false, false, false);
        assertThat(x.ne(0).all(new int[] {0, 1}, false).toBooleanArray()).containsExactly(false);
        assertThat(Tensor.zeros(2, 0).all(1).toBooleanArray()).containsExactly(true, true);
        assertThat(x.countNonzero().item()).isEqualTo(1);
        assertThat(x.countNonzero(0).toIntArray()).containsExactly(0, 1, 0);
    }

    @Test
    void vectorNormOfEveryOrder() {
        Tensor x = of(3, -4, 0);
        assertThat(x.norm().item()).isCloseTo(5, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(x.vectorNorm(1).item()).isEqualTo(7);
        assertThat(x.vectorNorm(INF).item()).isEqualTo(4);
        assertThat(x.vectorNorm(Double.NEGATIVE_INFINITY).item()).isEqualTo(0);
        assertThat(x.vectorNorm(0).item()).isEqualTo(2);
        assertThat(x.vectorNorm(0.5).item()).isCloseTo(Math.pow(Math.sqrt(3) + 2, 2), org.assertj.core.data.Offset.offset(1e-4));
        assertRejects(() -> x.vectorNorm(NAN), "vectorNorm", "NaN");
        assertRejects(() -> Tensor.zeros(0, 2).vectorNorm(INF, new int[] {0}, false), "vectorNorm", "size 0");
        assertRejects(() -> Tensor.arange(3).norm(), "vectorNorm", "I32");
    }

    @Test
    void aminmaxAndAmaxOverloads() {
        Tensor x = Tensor.of(new double[] {3, 1, 2, -5}, 2, 2);
        MinMax all = x.aminmax();
        assertThat(all.min().item()).isEqualTo(-5);
        assertThat(all.max().item()).isEqualTo(3);
        assertThat(x.aminmax(1, true).max().shape()).containsExactly(2, 1);
        assertThat(x.amax().item()).isEqualTo(3);
        assertThat(x.amin(0).toDoubleArray()).containsExactly(2, -5);
        assertRejects(() -> Tensor.zeros(0).aminmax(), "aminmax", "empty");
    }

    @Test
    void scansAndTheirDtypes() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(x.cumsum(1).toDoubleArray()).containsExactly(1, 3, 6, 4, 9, 15);
        assertThat(x.cumsum(0).toDoubleArray()).containsExactly(1, 2, 3, 5, 7, 9);
        assertThat(x.cumprod(1).toDoubleArray()).containsExactly(1, 2, 6, 4, 20, 120);
        assertThat(Tensor.of(new boolean[] {true, true, false}).cumsum(0).toIntArray()).containsExactly(1, 2, 2);
        double[] lcse = of(0, 0, -INF).logcumsumexp(0).toDoubleArray();
        assertThat(lcse[1]).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(lcse[2]).isEqualTo(lcse[1]);
        ValuesIndices cm = of(1, 3, 3, 2, NAN, 5).cummax(0);
        assertThat(cm.values().toDoubleArray()).containsExactly(1, 3, 3, 3, NAN, NAN);
        assertThat(cm.indices().dtype()).isEqualTo(DType.I32);
        assertThat(cm.indices().toIntArray()).containsExactly(0, 1, 2, 2, 4, 4);
        assertThat(of(2, 2, 1).cummin(0).indices().toIntArray()).containsExactly(0, 1, 2);
        Tensor scalar = Tensor.scalar(2.5);
        assertThat(scalar.cumsum(0).item()).isEqualTo(2.5);
        assertThat(scalar.cummax(-1).indices().shape()).isEmpty();
        assertRejects(() -> x.cumsum(2), "cumsum", "dim 2", "rank 2");
        assertRejects(() -> Tensor.arange(3).logcumsumexp(0), "logcumsumexp", "I32");
    }

    @Test
    void sortPutsNanLastAndIsStable() {
        Tensor x = of(3, NAN, 1, 1, INF, -0.0, 0.0);
        ValuesIndices up = x.sort();
        assertThat(up.values().toDoubleArray()).containsExactly(-0.0, 0.0, 1, 1, 3, INF, NAN);
        assertThat(up.indices().toIntArray()).containsExactly(5, 6, 2, 3, 0, 4, 1);
        ValuesIndices down = x.sort(0, true);
        assertThat(down.indices().toIntArray()).containsExactly(1, 4, 0, 2, 3, 5, 6);
        assertThat(x.argsort(0, true, true).dtype()).isEqualTo(DType.I32);
        Tensor m = Tensor.of(new double[] {2, 1, 0, 5}, 2, 2);
        assertThat(m.sort(0).values().toDoubleArray()).containsExactly(0, 1, 2, 5);
        assertThat(m.sort(0).indices().toIntArray()).containsExactly(1, 0, 0, 1);
        assertThat(Tensor.zeros(0, 3).sort(0).values().shape()).containsExactly(0, 3);
        assertRejects(() -> Tensor.zeros(DType.BOOL, 2).sort(), "sort", "BOOL");
    }

    @Test
    void topkKthvalueMedianModeUnique() {
        Tensor x = Tensor.of(new double[] {3, NAN, 1, -2, 5}, 1, 5);
        ValuesIndices top = x.topk(2);
        assertThat(top.values().toDoubleArray()).containsExactly(NAN, 5);
        assertThat(top.indices().toIntArray()).containsExactly(1, 4);
        assertThat(x.topk(2, 1, false).indices().toIntArray()).containsExactly(3, 2);
        assertThat(x.topk(0).values().shape()).containsExactly(1, 0);
        assertRejects(() -> x.topk(6), "topk", "k 6", "size 5");
        assertRejects(() -> x.topk(-1), "topk", "k -1");

        ValuesIndices kth = x.kthvalue(2, 1, true);
        assertThat(kth.values().toDoubleArray()).containsExactly(1);
        assertThat(kth.indices().shape()).containsExactly(1, 1);
        assertRejects(() -> x.kthvalue(0), "kthvalue", "k 0");
        assertRejects(() -> x.kthvalue(6), "kthvalue", "k 6");

        assertThat(of(3, 1, 4, 2).median().item()).isEqualTo(2); // the lower of the two middle values
        assertThat(of(3, NAN, 1).median().item()).isNaN();
        assertThat(Tensor.zeros(0).median().item()).isNaN();
        ValuesIndices med = Tensor.of(new double[] {3, 1, 3, 1}, 1, 4).median(1);
        assertThat(med.values().toDoubleArray()).containsExactly(1);
        assertThat(med.indices().toIntArray()).containsExactly(3);
        assertRejects(() -> Tensor.zeros(2, 0).median(1), "median", "size 0");

        ValuesIndices mode = Tensor.of(new double[] {3, 1, 3, 1, 2, 2}, 1, 6).mode();
        assertThat(mode.values().toDoubleArray()).containsExactly(1);
        assertThat(mode.indices().toIntArray()).containsExactly(3);
        assertRejects(() -> Tensor.zeros(2, 0).mode(), "mode", "size 0");

        UniqueResult u = Tensor.of(new int[] {3, 1, 3, 2}).unique(true, true, true);
        assertThat(u.output().toIntArray()).containsExactly(1, 2, 3);
        assertThat(u.inverseIndices().toIntArray()).containsExactly(2, 0, 2, 1);
        assertThat(u.counts().toIntArray()).containsExactly(1, 1, 2);
        assertThat(Tensor.of(new int[] {1}).unique(true, false, false).counts()).isNull();
        assertThat(Tensor.zeros(0).unique().shape()).containsExactly(0);
        UniqueResult rows = Tensor.of(new int[] {1, 2, 0, 5, 1, 2}, 3, 2).unique(true, true, true, 0);
        assertThat(rows.output().toIntArray()).containsExactly(0, 5, 1, 2);
        assertThat(rows.inverseIndices().toIntArray()).containsExactly(1, 0, 1);
        assertThat(rows.counts().toIntArray()).containsExactly(1, 2);
        assertRejects(() -> Tensor.scalar(1).unique(true, false, false, 0), "unique", "0-d");
        assertRejects(() -> Tensor.zeros(2).unique(true, false, false, 1), "unique", "dim 1");
    }
}
