package dev.kiln.tensor;

import dev.kiln.tensor.testing.Nd;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static dev.kiln.tensor.testing.TensorAssert.assertValues;
import static org.assertj.core.api.Assertions.assertThat;

/** Ops that copy elements by position: cat, stack, index_select/add, gather, scatter_add, embedding, clone, to. */
class IndexingTest {

    @Test
    void catAlongEveryDimWithMixedLayouts() {
        Generator rng = new Generator(1);
        int[] base = {2, 3, 4};
        for (int d = 0; d < 3; d++) {
            int[] sizes = {2, 0, 3, 1};
            List<Tensor> parts = new ArrayList<>();
            int k = 0;
            for (int len : sizes) {
                int[] s = base.clone();
                s[d] = len;
                Tensor t = TestTensors.random(rng, DType.F64, s);
                List<Tensor> ls = TestTensors.layoutsWithBroadcast(t);
                parts.add(ls.get(k++ % ls.size()));
            }
            int dim = d;
            int total = 6;
            int[] outShape = base.clone();
            outShape[d] = total;
            List<Nd> nds = parts.stream().map(Nd::of).toList();
            Nd want = Nd.build(outShape, idx -> {
                int at = idx[dim];
                for (Nd p : nds) {
                    if (at < p.shape()[dim]) {
                        int[] j = idx.clone();
                        j[dim] = at;
                        return p.get(j);
                    }
                    at -= p.shape()[dim];
                }
                throw new AssertionError();
            });
            assertValues(Tensor.cat(parts, d), want);
            assertValues(Tensor.cat(parts, d - 3), want);
        }
        assertThat(Tensor.cat(0, Tensor.arange(2), Tensor.arange(3)).toIntArray()).containsExactly(0, 1, 0, 1, 2);
        assertThat(Tensor.cat(List.of(Tensor.arange(2)), 0).toIntArray()).containsExactly(0, 1);
    }

    @Test
    void stackAddsADim() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new float[] {5, 6, 7, 8}, 2, 2).t();
        assertThat(Tensor.stack(0, a, b).shape()).containsExactly(2, 2, 2);
        assertThat(Tensor.stack(0, a, b).toFloatArray()).containsExactly(1, 2, 3, 4, 5, 7, 6, 8);
        assertThat(Tensor.stack(List.of(a, b), 2).toFloatArray()).containsExactly(1, 5, 2, 7, 3, 6, 4, 8);
        assertThat(Tensor.stack(-1, a, b).shape()).containsExactly(2, 2, 2);
        assertThat(Tensor.stack(1, a, b).toFloatArray()).containsExactly(1, 2, 5, 7, 3, 4, 6, 8);
        assertThat(Tensor.stack(0, Tensor.scalar(1), Tensor.scalar(2)).toFloatArray()).containsExactly(1, 2);
        assertRejects(() -> Tensor.stack(0, a, Tensor.zeros(2, 3)), "stack", "[2, 3]", "[2, 2]");
        assertRejects(() -> Tensor.stack(3, a, b), "stack", "dim 3");
        assertRejects(() -> Tensor.stack(0, a, a.to(DType.F64)), "stack", "F32", "F64");
        assertRejects(() -> Tensor.stack(List.of(), 0), "stack", "at least one");
    }

    @Test
    void badCat() {
        Tensor a = Tensor.zeros(2, 3);
        assertRejects(() -> Tensor.cat(0, a, Tensor.zeros(2, 4)), "cat", "[2, 4]", "[2, 3]", "dim 0");
        assertRejects(() -> Tensor.cat(0, a, Tensor.zeros(3)), "cat", "[3]", "[2, 3]", "ranks differ");
        assertRejects(() -> Tensor.cat(0, a, Tensor.zeros(DType.I32, 2, 3)), "cat", "F32", "I32");
        assertRejects(() -> Tensor.cat(2, a, a), "cat", "dim 2");
        assertRejects(() -> Tensor.cat(0, Tensor.scalar(1), Tensor.scalar(2)), "cat", "zero-dimensional");
        assertRejects(() -> Tensor.cat(List.of(), 0), "cat", "at least one");
    }

    @Test
    void indexSelectOnEveryDimAndLayout() {
        Generator rng = new Generator(2);
        Tensor x0 = TestTensors.random(rng, DType.F32, 4, 5, 3);
        for (Tensor x : TestTensors.layoutsWithBroadcast(x0)) {
            Nd v = Nd.of(x);
            for (int d = 0; d < 3; d++) {
                int size = x.size(d);
                Tensor index = TestTensors.steppedLayout(TestTensors.randomInts(rng, 0, size, 7));
                int[] idx = index.toIntArray();
                int[] outShape = x.shape();
                outShape[d] = idx.length;
                int dim = d;
                Nd want = Nd.build(outShape, i -> {
                    int[] j = i.clone();
                    j[dim] = idx[i[dim]];
                    return v.get(j);
                });
                assertValues(x.indexSelect(d, index), want);
                assertValues(x.indexSelect(d - 3, index), want);
            }
        }
        Tensor m = Tensor.arange(6).reshape(2, 3);
        assertThat(m.indexSelect(1, Tensor.of(new int[] {2, 0, 2})).toIntArray()).containsExactly(2, 0, 2, 5, 3, 5);
        assertThat(m.indexSelect(0, Tensor.of(new int[0])).shape()).containsExactly(0, 3);
        assertThat(m.indexSelect(0, Tensor.scalar(1, DType.I32)).shape()).containsExactly(1, 3);
        // a 0-d input gives a 0-d result from an index of exactly one element, as PyTorch
        Tensor s = Tensor.scalar(5);
        assertThat(s.indexSelect(0, Tensor.of(new int[] {0})).shape()).isEmpty();
        assertThat(s.indexSelect(-1, Tensor.scalar(0, DType.I32)).item()).isEqualTo(5);
        assertRejects(() -> s.indexSelect(0, Tensor.of(new int[] {0, 0, 0})), "indexSelect", "0-d", "exactly one", "[3]");
        assertRejects(() -> s.indexSelect(0, Tensor.of(new int[0])), "indexSelect", "0-d", "[0]");
        assertRejects(() -> s.indexSelect(0, Tensor.of(new int[] {1})), "indexSelect", "index 1", "[0, 1)");
        assertRejects(() -> s.indexSelect(1, Tensor.of(new int[] {0})), "indexSelect", "dim 1");
    }

    @Test
    void indexAddAccumulatesDuplicates() {
        Generator rng = new Generator(3);
        for (Tensor self : TestTensors.layouts(TestTensors.random(rng, DType.F64, 4, 3))) {
            for (int d = 0; d < 2; d++) {
                int[] idx = d == 0 ? new int[] {3, 0, 3, 1, 3} : new int[] {2, 2, 0, 1, 2};
                int[] srcShape = self.shape();
                srcShape[d] = idx.length;
                for (Tensor src : TestTensors.layouts(TestTensors.random(rng, DType.F64, srcShape))) {
                    Nd want = Nd.of(self).map(x -> x);
                    Nd s = Nd.of(src);
                    for (int i = 0; i < s.numel(); i++) {
                        int[] at = Nd.unravel(i, srcShape);
                        at[d] = idx[at[d]];
                        want.data()[Nd.ravel(at, self.shape())] += s.data()[i];
                    }
                    Nd before = Nd.of(self);
                    assertValues(self.indexAdd(d, Tensor.of(idx), src), want);
                    assertValues(self, before); // out of place
                }
            }
        }
        Tensor z = Tensor.zeros(DType.I32, 3);
        assertThat(z.indexAdd(0, Tensor.of(new int[] {1, 1, 2}), Tensor.of(new int[] {5, 6, 7})).toIntArray())
                .containsExactly(0, 11, 7);
    }

    @Test
    void gatherAlongEveryDim() {
        Generator rng = new Generator(4);
        for (Tensor x : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, DType.F32, 3, 4, 5))) {
            Nd v = Nd.of(x);
            for (int d = 0; d < 3; d++) {
                int[] ishape = {2, 3, 4};
                ishape[d] = 6; // the gathered dim may be longer than the input's
                Tensor index = TestTensors.transposedLayout(TestTensors.randomInts(rng, 0, x.size(d), ishape));
                Nd iv = Nd.of(index);
                int dim = d;
                Nd want = Nd.build(ishape, i -> {
                    int[] j = i.clone();
                    j[dim] = (int) iv.get(i);
                    return v.get(j);
                });
                assertValues(x.gather(d, index), want);
            }
        }
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        assertThat(m.gather(1, Tensor.of(new int[] {0, 0, 1, 0}, 2, 2)).toFloatArray()).containsExactly(1, 1, 4, 3);
        assertThat(Tensor.scalar(7).gather(0, Tensor.scalar(0, DType.I32)).item()).isEqualTo(7);
        assertThat(m.gather(0, Tensor.zeros(DType.I32, 0, 2)).shape()).containsExactly(0, 2);
    }

    @Test
    void scatterWithReduceAddsOrMultipliesIntoACopy() {
        Tensor self = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor index = Tensor.of(new int[] {0, 0, 1, 0}, 2, 2);
        Tensor src = Tensor.of(new float[] {10, 20, 30, 40}, 2, 2);
        // row 0: positions 0, 0 get 10 and 20; row 1: positions 1 and 0 get 30 and 40
        assertThat(self.scatter(1, index, src, "add").toFloatArray()).containsExactly(31, 2, 3, 44, 35, 6);
        assertThat(self.scatter(1, index, src, "multiply").toFloatArray()).containsExactly(200, 2, 3, 160, 150, 6);
        assertThat(self.scatter(1, index, 2.0, "multiply").toFloatArray()).containsExactly(4, 2, 3, 8, 10, 6);
        assertThat(self.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertRejects(() -> self.scatter(1, index, src, "mean"), "scatter", "\"add\" or \"multiply\"", "\"mean\"");
        assertRejects(() -> self.scatter(2, index, 1.0, "add"), "scatter", "dim 2");
    }

    @Test
    void scatterAddAccumulatesDuplicates() {
        Generator rng = new Generator(5);
        for (Tensor self : TestTensors.layouts(TestTensors.random(rng, DType.F64, 3, 4))) {
            for (int d = 0; d < 2; d++) {
                int[] ishape = {2, 3};
                Tensor index = TestTensors.randomInts(rng, 0, self.size(d), ishape);
                // src may be larger than index: only its leading corner is read
                for (Tensor src : TestTensors.layouts(TestTensors.random(rng, DType.F64, 3, 4))) {
                    Nd want = Nd.of(self).map(x -> x);
                    Nd iv = Nd.of(index);
                    Nd sv = Nd.of(src);
                    for (int i = 0; i < iv.numel(); i++) {
                        int[] at = Nd.unravel(i, ishape);
                        double add = sv.get(at);
                        at[d] = (int) iv.data()[i];
                        want.data()[Nd.ravel(at, self.shape())] += add;
                    }
                    assertValues(self.scatterAdd(d, index, src), want);
                }
            }
        }
        Tensor z = Tensor.zeros(4);
        assertThat(z.scatterAdd(0, Tensor.of(new int[] {3, 3, 0}), Tensor.of(new float[] {1, 2, 5})).toFloatArray())
                .containsExactly(5, 0, 0, 3);
    }

    @Test
    void embeddingLooksUpRows() {
        Generator rng = new Generator(6);
        Tensor w0 = TestTensors.random(rng, DType.F32, 10, 4);
        for (Tensor w : TestTensors.layouts(w0)) {
            Nd wv = Nd.of(w);
            for (int[] ishape : new int[][] {{5}, {2, 3}, {}, {0}, {2, 0, 2}}) {
                Tensor idx = TestTensors.randomInts(rng, 0, 10, ishape);
                Nd iv = Nd.of(idx);
                int[] outShape = java.util.Arrays.copyOf(ishape, ishape.length + 1);
                outShape[ishape.length] = 4;
                Nd want = Nd.build(outShape, i -> {
                    int[] pos = java.util.Arrays.copyOf(i, ishape.length);
                    return wv.get((int) iv.get(pos), i[ishape.length]);
                });
                assertValues(Tensor.embedding(idx, w), want);
            }
        }
    }

    @Test
    void cloneIsADeepContiguousCopy() {
        Tensor x = Tensor.arange(6).reshape(2, 3).t();
        Tensor c = x.clone();
        assertThat(c.storage()).isNotSameAs(x.storage());
        assertThat(c.isContiguous()).isTrue();
        assertThat(c.toIntArray()).containsExactly(x.toIntArray());
        x.fill_(0);
        assertThat(c.toIntArray()).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void toDTypeConverts() {
        Tensor f = Tensor.of(new float[] {-1.9f, -0.5f, 0, 0.5f, 2.7f, Float.NaN});
        assertThat(f.to(DType.I32).toIntArray()).containsExactly(-1, 0, 0, 0, 2, 0);
        assertThat(f.to(DType.BOOL).toBooleanArray()).containsExactly(true, true, false, true, true, true);
        assertThat(f.to(DType.F64).toDoubleArray()).containsExactly(-1.9f, -0.5f, 0, 0.5f, 2.7f, Double.NaN);
        assertThat(f.to(DType.F32)).isSameAs(f);
        Tensor d = Tensor.of(new double[] {0.1, 1e40});
        assertThat(d.to(DType.F32).toFloatArray()).containsExactly(0.1f, Float.POSITIVE_INFINITY);
        Tensor i = Tensor.of(new int[] {16777217, -3});
        assertThat(i.to(DType.F64).toDoubleArray()).containsExactly(16777217, -3);
        assertThat(i.to(DType.F32).toFloatArray()).containsExactly(16777216f, -3f);
        Tensor b = Tensor.of(new boolean[] {true, false});
        assertThat(b.to(DType.F32).toFloatArray()).containsExactly(1, 0);
        assertThat(b.to(DType.I32).toIntArray()).containsExactly(1, 0);
        Tensor view = Tensor.arange(6).reshape(2, 3).t().to(DType.F32);
        assertThat(view.isContiguous()).isTrue();
        assertThat(view.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
    }
}
