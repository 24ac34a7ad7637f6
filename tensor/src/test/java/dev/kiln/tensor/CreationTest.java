package dev.kiln.tensor;

import dev.kiln.tensor.spi.CpuStorage;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

class CreationTest {

    @Test
    void ofFloatsKeepsValuesShapeAndCopiesTheArray() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(data, 2, 3);
        data[0] = 99;
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.strides()).containsExactly(3, 1);
        assertThat(t.dtype()).isEqualTo(DType.F32);
        assertThat(t.device()).isEqualTo(Device.CPU);
        assertThat(t.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(t.isContiguous()).isTrue();
        assertThat(t.dim()).isEqualTo(2);
        assertThat(t.numel()).isEqualTo(6);
        assertThat(t.size(1)).isEqualTo(3);
        assertThat(t.size(-2)).isEqualTo(2);
    }

    @Test
    void ofWithoutShapeIsOneDimensionalAndMinusOneIsInferred() {
        assertThat(Tensor.of(new float[] {1, 2, 3}).shape()).containsExactly(3);
        assertThat(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, -1, 2).shape()).containsExactly(3, 2);
        assertThat(Tensor.of(new float[0]).shape()).containsExactly(0);
        assertThat(Tensor.of(new float[0], 2, 0, 3).shape()).containsExactly(2, 0, 3);
    }

    @Test
    void wrapSharesTheArrayBothWays() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.wrap(data, 2, 3);
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.strides()).containsExactly(3, 1);
        data[0] = 99;
        assertThat(t.toFloatArray()).containsExactly(99, 2, 3, 4, 5, 6);
        t.mul_(2);
        assertThat(data).containsExactly(198, 4, 6, 8, 10, 12);
    }

    @Test
    void wrapEachDTypeAndOneDimensionalWithoutShape() {
        double[] d = {0.5, 1e300};
        Tensor td = Tensor.wrap(d);
        assertThat(td.dtype()).isEqualTo(DType.F64);
        assertThat(td.shape()).containsExactly(2);
        d[1] = -1;
        assertThat(td.toDoubleArray()).containsExactly(0.5, -1);
        int[] i = {7, 8, 9, 10};
        Tensor ti = Tensor.wrap(i, 2, 1, 2);
        assertThat(ti.dtype()).isEqualTo(DType.I32);
        i[3] = 0;
        assertThat(ti.toIntArray()).containsExactly(7, 8, 9, 0);
        assertThat(Tensor.wrap(new float[0], 0, 5).shape()).containsExactly(0, 5);
    }

    @Test
    void wrapRejectsAShapeThatDoesNotMatchTheArray() {
        assertRejects(() -> Tensor.wrap(new float[6], 4, 2), "wrap", "[4, 2]", "8", "6");
        assertRejects(() -> Tensor.wrap(new double[6], -1, 2), "wrap", "negative size -1");
        assertRejects(() -> Tensor.wrap(new int[3], 2), "wrap", "[2]", "3");
        assertRejects(() -> Tensor.wrap((float[]) null, 1), "wrap", "null");
    }

    @Test
    void ofEachDType() {
        Tensor d = Tensor.of(new double[] {0.1, 1e300}, 2);
        assertThat(d.dtype()).isEqualTo(DType.F64);
        assertThat(d.toDoubleArray()).containsExactly(0.1, 1e300);
        Tensor i = Tensor.of(new int[] {-7, Integer.MAX_VALUE}, 1, 2);
        assertThat(i.dtype()).isEqualTo(DType.I32);
        assertThat(i.toIntArray()).containsExactly(-7, Integer.MAX_VALUE);
        Tensor b = Tensor.of(new boolean[] {true, false, true}, 3);
        assertThat(b.dtype()).isEqualTo(DType.BOOL);
        assertThat(b.toBooleanArray()).containsExactly(true, false, true);
        assertThat(b.toIntArray()).containsExactly(1, 0, 1);
        assertThat(i.toFloatArray()).containsExactly(-7f, (float) Integer.MAX_VALUE);
    }

    @Test
    void zerosOnesFull() {
        assertThat(Tensor.zeros(2, 3).toFloatArray()).containsExactly(0, 0, 0, 0, 0, 0);
        assertThat(Tensor.ones(DType.I32, 2).toIntArray()).containsExactly(1, 1);
        assertThat(Tensor.ones(DType.I32, 2).dtype()).isEqualTo(DType.I32);
        assertThat(Tensor.full(2.5, 3).toFloatArray()).containsExactly(2.5f, 2.5f, 2.5f);
        assertThat(Tensor.full(1, DType.BOOL, 2).toBooleanArray()).containsExactly(true, true);
        assertThat(Tensor.full(Double.NaN, DType.F64, 1).item()).isNaN();
        assertThat(Tensor.full(Double.NEGATIVE_INFINITY, DType.F32, 1).item()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Tensor.full(Double.NaN, DType.BOOL, 1).toBooleanArray()).containsExactly(true);
        // as PyTorch: an I32 fill truncates a fraction toward zero and takes the whole int range
        assertThat(Tensor.full(-2.9, DType.I32, 2).toIntArray()).containsExactly(-2, -2);
        assertThat(Tensor.full(Integer.MIN_VALUE, DType.I32, 1).toIntArray()).containsExactly(Integer.MIN_VALUE);
        // empty shapes whose other sizes are large are fine while their strides fit an int
        assertThat(Tensor.zeros(0, 65536, 32767).shape()).containsExactly(0, 65536, 32767);
        Tensor s = Tensor.scalar(4);
        assertThat(s.shape()).isEmpty();
        assertThat(s.numel()).isEqualTo(1);
        assertThat(s.item()).isEqualTo(4);
        assertThat(Tensor.zeros().shape()).isEmpty();
        assertThat(Tensor.zeros(DType.F64, 0, 4).numel()).isZero();
        Tensor like = Tensor.fullLike(Tensor.of(new int[] {1, 2}), 7);
        assertThat(like.dtype()).isEqualTo(DType.I32);
        assertThat(like.toIntArray()).containsExactly(7, 7);
        assertThat(Tensor.zerosLike(Tensor.ones(DType.F64, 2)).toDoubleArray()).containsExactly(0, 0);
        assertThat(Tensor.onesLike(Tensor.zeros(1, 2)).toFloatArray()).containsExactly(1, 1);
    }

    @Test
    void arangeIntegersAndFloats() {
        Tensor a = Tensor.arange(5);
        assertThat(a.dtype()).isEqualTo(DType.I32);
        assertThat(a.toIntArray()).containsExactly(0, 1, 2, 3, 4);
        assertThat(Tensor.arange(-2, 2).toIntArray()).containsExactly(-2, -1, 0, 1);
        assertThat(Tensor.arange(3, 3).shape()).containsExactly(0);
        // a range that runs against its step is refused, as PyTorch does
        assertRejects(() -> Tensor.arange(4, 1), "arange", "end 1", "start 4", "inconsistent");
        assertRejects(() -> Tensor.arange(-1), "arange", "end -1", "inconsistent");
        assertThat(Tensor.arange(0).shape()).containsExactly(0);
        assertThat(Tensor.arange(2.5, 2.5, -1).shape()).containsExactly(0);
        Tensor f = Tensor.arange(0, 1, 0.25);
        assertThat(f.dtype()).isEqualTo(DType.F32);
        assertThat(f.toFloatArray()).containsExactly(0f, 0.25f, 0.5f, 0.75f);
        // as PyTorch: ceil((end - start) / step) elements
        assertThat(Tensor.arange(0, 1, 0.3).toFloatArray()).containsExactly(0f, 0.3f, 0.6f, (float) 0.9);
        assertThat(Tensor.arange(5, 0, -2).toFloatArray()).containsExactly(5f, 3f, 1f);
    }

    @Test
    void linspaceIncludesBothEnds() {
        assertThat(Tensor.linspace(0, 1, 5).toFloatArray()).containsExactly(0f, 0.25f, 0.5f, 0.75f, 1f);
        assertThat(Tensor.linspace(3, -3, 3).toFloatArray()).containsExactly(3f, 0f, -3f);
        assertThat(Tensor.linspace(2, 9, 0).shape()).containsExactly(0);
        // PyTorch: one step gives start
        assertThat(Tensor.linspace(2, 9, 1).toFloatArray()).containsExactly(2f);
    }

    @Test
    void eye() {
        assertThat(Tensor.eye(3).toFloatArray()).containsExactly(1, 0, 0, 0, 1, 0, 0, 0, 1);
        assertThat(Tensor.eye(0).shape()).containsExactly(0, 0);
        assertThat(Tensor.eye(1).shape()).containsExactly(1, 1);
    }

    @Test
    void itemOfOneElementTensorsOfAnyRankAndLayout() {
        assertThat(Tensor.of(new float[] {3.5f}, 1, 1).item()).isEqualTo(3.5);
        assertThat(Tensor.of(new int[] {1, 2, 3}).select(0, 2).item()).isEqualTo(3);
        assertThat(Tensor.of(new boolean[] {false, true}).slice(0, 1, 2).item()).isEqualTo(1);
        assertThat(Tensor.scalar(2).expand(1, 1).item()).isEqualTo(2);
    }

    @Test
    void toArraysReadViewsInRowMajorOrder() {
        Tensor t = Tensor.arange(6).reshape(2, 3).transpose(0, 1);
        assertThat(t.toIntArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(t.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(t.toDoubleArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(t.toBooleanArray()).containsExactly(false, true, true, true, true, true);
        // float to int truncates toward zero
        assertThat(Tensor.of(new float[] {-1.7f, 2.9f}).toIntArray()).containsExactly(-1, 2);
    }

    @Test
    void fromStorageChecksTheLayoutStaysInside() {
        CpuStorage s = CpuStorage.wrap(new float[] {0, 1, 2, 3, 4, 5});
        Tensor t = Tensor.fromStorage(s, new int[] {2, 2}, new int[] {1, 2}, 1);
        assertThat(t.toFloatArray()).containsExactly(1, 3, 2, 4);
        assertThat(t.storage()).isSameAs(s);
        assertRejects(() -> Tensor.fromStorage(s, new int[] {2, 3}, new int[] {3, 1}, 1), "fromStorage",
                "[2, 3]", "[3, 1]", "offset 1", "6 elements");
        assertRejects(() -> Tensor.fromStorage(s, new int[] {2}, new int[] {-1}, 0), "fromStorage", "[2]", "[-1]");
        assertRejects(() -> Tensor.fromStorage(s, new int[] {2}, new int[] {1, 1}, 0), "fromStorage", "rank");
        assertRejects(() -> Tensor.fromStorage(s, new int[] {-2}, new int[] {1}, 0), "fromStorage", "negative");
        assertThat(Tensor.fromStorage(s, new int[] {0, 4}, new int[] {4, 1}, 6).numel()).isZero();
    }

    @Test
    void badCreationArguments() {
        assertRejects(() -> Tensor.of(new float[] {1, 2, 3}, 2, 2), "of", "[3]", "[2, 2]");
        assertRejects(() -> Tensor.of(new float[] {1, 2, 3}, -1, -1), "of", "-1");
        assertRejects(() -> Tensor.of(new int[] {1, 2}, -3), "of", "-3");
        assertRejects(() -> Tensor.zeros(2, -1), "full", "[2, -1]");
        assertRejects(() -> Tensor.full(0, DType.F32, 65536, 65536), "full", "[65536, 65536]");
        assertRejects(() -> Tensor.arange(0, 1, 0), "arange", "step");
        assertRejects(() -> Tensor.arange(0, Double.NaN, 1), "arange", "NaN");
        assertRejects(() -> Tensor.arange(0, 1e12, 1), "arange", "too many");
        assertRejects(() -> Tensor.arange(0, Double.POSITIVE_INFINITY, -1), "arange", "finite", "Infinity");
        assertRejects(() -> Tensor.arange(0, Double.POSITIVE_INFINITY, 1), "arange", "finite");
        assertRejects(() -> Tensor.arange(Double.NEGATIVE_INFINITY, 0, 1), "arange", "finite");
        assertRejects(() -> Tensor.arange(0, 5, Double.POSITIVE_INFINITY), "arange", "step", "Infinity");
        assertRejects(() -> Tensor.arange(0, 5, Double.NaN), "arange", "step", "NaN");
        assertRejects(() -> Tensor.arange(0, 1e39, 1e37), "arange", "F32");
        assertRejects(() -> Tensor.arange(0, 5, -1), "arange", "inconsistent");
        assertRejects(() -> Tensor.arange(5, 0, 0.5), "arange", "inconsistent");
        assertRejects(() -> Tensor.linspace(0, Double.POSITIVE_INFINITY, 5), "linspace", "finite", "Infinity");
        assertRejects(() -> Tensor.linspace(Double.NaN, 1, 3), "linspace", "finite", "NaN");
        assertRejects(() -> Tensor.linspace(-1e39, 0, 1), "linspace", "F32");
        assertRejects(() -> Tensor.full(Double.NaN, DType.I32, 2), "full", "NaN", "I32");
        assertRejects(() -> Tensor.full(Double.NEGATIVE_INFINITY, DType.I32, 2), "full", "Infinity", "I32");
        assertRejects(() -> Tensor.scalar(3e9, DType.I32), "full", "3.0E9", "I32");
        assertRejects(() -> Tensor.zeros(DType.I32, 2).fill_(Double.NaN), "fill_", "NaN", "I32");
        assertRejects(() -> Tensor.zeros(0).reshape(65536, 65536, 65536, 65536), "reshape", "too large",
                "18446744073709551616", "2^31-1");
        assertRejects(() -> Tensor.zeros(0, 65536, 65536), "full", "too large", "4294967296", "0 counted as 1");
        assertRejects(() -> Tensor.rand(new Generator(1), 65536, 32768), "rand", "too large", "2147483648");
        assertRejects(() -> Tensor.linspace(0, 1, -1), "linspace", "-1");
        assertRejects(() -> Tensor.eye(-2), "eye", "-2");
        assertRejects(() -> Tensor.eye(100000), "eye", "100000");
        assertRejects(() -> Tensor.zeros(2).item(), "item", "[2]");
        assertRejects(() -> Tensor.zeros(0).item(), "item", "[0]");
    }
}
