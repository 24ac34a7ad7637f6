package dev.kiln.tensor;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Making, reading and printing tensors of every dtype; DType's categories. */
class DTypeCreationTest {

    @Test
    void categoriesAndSizesAsPyTorch() {
        assertThat(DType.F16.byteSize()).isEqualTo(2);
        assertThat(DType.BF16.byteSize()).isEqualTo(2);
        assertThat(DType.I64.byteSize()).isEqualTo(8);
        assertThat(DType.I8.byteSize()).isEqualTo(1);
        assertThat(DType.U8.byteSize()).isEqualTo(1);
        for (DType t : DType.values()) {
            boolean floating = t == DType.F32 || t == DType.F64 || t == DType.F16 || t == DType.BF16;
            assertThat(t.isFloatingPoint()).as(t.toString()).isEqualTo(floating);
            assertThat(t.isIntegral()).as(t.toString()).isEqualTo(!floating && t != DType.BOOL);
            assertThat(t.isSigned()).as(t.toString()).isEqualTo(t != DType.U8 && t != DType.BOOL);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void zerosOnesAndFullInEveryDType(DType t) {
        assertThat(Tensor.zeros(t, 2, 3).dtype()).isEqualTo(t);
        assertThat(Tensor.zeros(t, 2, 3).toDoubleArray()).containsOnly(0.0);
        assertThat(Tensor.ones(t, 4).toDoubleArray()).containsOnly(1.0);
        assertThat(Tensor.full(5, t, 3).toLongArray()).containsOnly(t == DType.BOOL ? 1L : 5L);
        assertThat(Tensor.scalar(1, t).item()).isEqualTo(1.0);
        assertThat(Tensor.zeros(t, 0).toString()).isNotEmpty();
    }

    @Test
    void integerFillValuesMustFitTheDType() {
        assertRejects(() -> Tensor.full(300, DType.U8, 2), "full", "300", "U8");
        assertRejects(() -> Tensor.full(-1, DType.U8, 2), "full", "U8");
        assertRejects(() -> Tensor.full(128, DType.I8, 2), "full", "I8");
        assertRejects(() -> Tensor.full(1e19, DType.I64, 2), "full", "I64");
        assertThat(Tensor.full(-128, DType.I8, 1).toLongArray()).containsExactly(-128);
        assertThat(Tensor.full(255, DType.U8, 1).toLongArray()).containsExactly(255);
        assertRejects(() -> Tensor.zeros(DType.U8, 2).fill_(256), "fill_", "U8");
    }

    @Test
    void arraysOfLongsAndBytes() {
        long big = (1L << 60) + 7;
        Tensor q = Tensor.of(new long[] {big, -1, 2, 3}, 2, 2);
        assertThat(q.dtype()).isEqualTo(DType.I64);
        assertThat(q.toLongArray()).containsExactly(big, -1, 2, 3);
        long[] shared = {1, 2};
        Tensor w = Tensor.wrap(shared);
        w.fill_(9);
        assertThat(shared).containsExactly(9, 9);
        Tensor b = Tensor.of(new byte[] {-1, 5});
        assertThat(b.dtype()).isEqualTo(DType.I8);
        assertThat(b.to(DType.U8).toLongArray()).containsExactly(255, 5);
        assertThat(b.toByteArray()).containsExactly(-1, 5);
        assertRejects(() -> Tensor.zeros(2).toByteArray(), "toByteArray", "F32 [2]");
        assertThat(Tensor.tensor(new long[][] {{big}}).toLongArray()).containsExactly(big);
    }

    @Test
    void arangeInADType() {
        assertThat(Tensor.arange(0, 5, 2, DType.I64).toLongArray()).containsExactly(0, 2, 4);
        assertThat(Tensor.arange(0, 1, 0.25, DType.F16).toFloatArray()).containsExactly(0f, 0.25f, 0.5f, 0.75f);
        assertThat(Tensor.arange(0, 2.5, 1, DType.U8).dtype()).isEqualTo(DType.U8);
        assertRejects(() -> Tensor.arange(0, 400, 100, DType.U8), "arange", "300", "U8");
        assertRejects(() -> Tensor.arange(0, 3, 1, null), "arange", "null");
    }

    @Test
    void printsExactIntegersAndTheDType() {
        assertThat(Tensor.of(new long[] {(1L << 53) + 1, -2}).toString())
                .isEqualTo("tensor([9007199254740993,               -2], dtype=I64)");
        assertThat(Tensor.of(new float[] {1.5f, -0.25f}).to(DType.F16).toString())
                .isEqualTo("tensor([ 1.5000, -0.2500], dtype=F16)");
        assertThat(Tensor.of(new long[] {200, 7}).to(DType.U8).toString()).isEqualTo("tensor([200,   7], dtype=U8)");
    }

    @Test
    void indexArgumentsTakeI64() {
        Tensor x = Tensor.of(new float[] {10, 20, 30, 40}, 2, 2);
        Tensor i = Tensor.of(new long[] {1, 0});
        assertThat(x.indexSelect(0, i).toFloatArray()).containsExactly(30, 40, 10, 20);
        assertThat(x.gather(1, Tensor.of(new long[] {1, 0, 0, 0}, 2, 2)).toFloatArray()).containsExactly(20, 10, 30, 30);
        assertThat(x.index(i, Tensor.of(new long[] {-1, 0})).toFloatArray()).containsExactly(40, 10);
        assertThat(i.oneHot(2).dtype()).isEqualTo(DType.I32);
        assertThat(x.crossEntropy(i).item()).isEqualTo(x.crossEntropy(i.to(DType.I32)).item());
        assertRejects(() -> x.indexSelect(0, Tensor.of(new long[] {1L << 40})), "indexSelect", "1099511627776",
                "out of range");
        assertRejects(() -> x.indexSelect(0, Tensor.of(new float[] {1})), "indexSelect", "I32 or I64", "F32");
    }

    @Test
    void reducedFloatsRoundToNearestEven() {
        // 1 + 2^-11 is halfway between two F16 neighbours: ties go to the even one, 1.0
        assertThat(Tensor.scalar(1 + 0x1p-11, DType.F16).item()).isEqualTo(1.0);
        assertThat(Tensor.scalar(1 + 3 * 0x1p-11, DType.F16).item()).isEqualTo(1 + 0x1p-9);
        assertThat(Tensor.scalar(1 + 0x1p-8, DType.BF16).item()).isEqualTo(1.0);
        assertThat(Tensor.scalar(65520, DType.F16).item()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(Tensor.scalar(0x1p-24, DType.F16).item()).isEqualTo(0x1p-24);
        assertThat(Double.isNaN(Tensor.scalar(Double.NaN, DType.BF16).item())).isTrue();
    }
}
