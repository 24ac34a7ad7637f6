package dev.kiln.tensor;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code view(dtype)} is a real view: a write through the base or through any bitcast of it is
 * read by all of them (BitcastGroup), in-place ops included, and the shape rules and refusals are
 * PyTorch's. Values from PyTorch are in DTypeFixturesTest; these are the sharing rules.
 */
class BitcastViewTest {

    @Test
    void sameSizeKeepsTheShapeAndReadsTheBits() {
        Tensor f = Tensor.of(new float[] {1.0f, -2.0f, 0.5f, 0f}, 2, 2);
        Tensor i = f.view(DType.I32);
        assertThat(i.shape()).containsExactly(2, 2);
        assertThat(i.toIntArray()).containsExactly(1065353216, Float.floatToIntBits(-2.0f),
                Float.floatToIntBits(0.5f), 0);
        assertThat(f.view(DType.F32).storage()).isSameAs(f.storage());
    }

    @Test
    void aWriteThroughTheViewIsSeenByTheBaseAndTheReverse() {
        Tensor f = Tensor.of(new float[] {1, 2, 3, 4});
        Tensor i = f.view(DType.I32);
        i.fill_(1065353216); // the bits of 1.0f
        assertThat(f.toFloatArray()).containsExactly(1, 1, 1, 1);
        f.copy_(Tensor.of(new float[] {2, 2, 2, 2}));
        assertThat(i.toIntArray()).containsOnly(Float.floatToIntBits(2f));
        // in-place arithmetic through both, alternating
        i.add_(Tensor.of(new int[] {1, 0, 0, 0}));
        assertThat(f.toFloatArray()[0]).isEqualTo(Math.nextUp(2f));
        f.mul_(Tensor.scalar(-1));
        assertThat(i.toIntArray()[1]).isEqualTo(Float.floatToIntBits(-2f));
        assertThat(i.toIntArray()[0]).isEqualTo(Float.floatToIntBits(-Math.nextUp(2f)));
    }

    @Test
    void narrowerDTypeScalesTheLastDimLittleEndian() {
        Tensor f = Tensor.of(new float[] {1.0f, -0.0f, 3f, 4f, 5f, 6f}, 2, 3);
        Tensor u = f.view(DType.U8);
        assertThat(u.shape()).containsExactly(2, 12);
        assertThat(u.strides()).containsExactly(12, 1);
        assertThat(u.narrow(0, 0, 1).narrow(1, 0, 8).contiguous().toByteArray()).containsExactly(0, 0, (byte) 0x80, 0x3f, 0, 0, 0,
                (byte) 0x80);
        // write one byte: the sign bit of element [1, 0]
        u.narrow(0, 1, 1).narrow(1, 3, 1).fill_(0xC0);
        assertThat(f.toFloatArray()[3]).isEqualTo(-4f);
        // a view of the view shares the same bytes
        Tensor h = u.view(DType.F16);
        assertThat(h.shape()).containsExactly(2, 6);
        h.fill_(0);
        assertThat(f.toFloatArray()).containsOnly(0f);
        assertThat(u.toByteArray()).containsOnly(0);
    }

    @Test
    void widerDTypeDividesTheLastDimAndTheOffset() {
        Tensor b = Tensor.of(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40, 9, 9, 9, 9}).view(DType.U8)
                .reshape(3, 4);
        Tensor f = b.narrow(0, 1, 2).view(DType.F32);
        assertThat(f.shape()).containsExactly(2, 1);
        assertThat(f.offset()).isEqualTo(1);
        assertThat(b.narrow(0, 0, 2).view(DType.F32).toFloatArray()).containsExactly(1f, 2f);
        f.fill_(0.5f);
        assertThat(b.toByteArray()).containsExactly(0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x3f, 0, 0, 0, 0x3f);
    }

    @Test
    void halfAndBFloat16ShareBits() {
        Tensor h = Tensor.of(new float[] {1f, -2f}).to(DType.F16);
        Tensor bf = h.view(DType.BF16);
        // F16 1.0 is 0x3C00, which read as BF16 is 0.0078125
        assertThat(bf.toFloatArray()[0]).isEqualTo(0.0078125f);
        bf.fill_(1f); // BF16 1.0 is 0x3F80, read as F16 1.875
        assertThat(h.toFloatArray()).containsExactly(1.875f, 1.875f);
        assertThat(bf.view(DType.F16).toFloatArray()).containsExactly(1.875f, 1.875f);
    }

    @Test
    void i64ViewsKeepEveryBit() {
        long big = (1L << 53) + 1;
        Tensor q = Tensor.of(new long[] {big, -1});
        Tensor d = q.view(DType.F64);
        assertThat(Double.doubleToRawLongBits(d.toDoubleArray()[0])).isEqualTo(big);
        Tensor i = q.view(DType.I32);
        assertThat(i.shape()).containsExactly(4);
        assertThat(i.toIntArray()).containsExactly(1, 1 << 21, -1, -1);
        i.narrow(0, 2, 1).fill_(0);
        assertThat(q.toLongArray()).containsExactly(big, 0xFFFFFFFF00000000L);
    }

    @Test
    void theViewSharesTheVersionCounter() {
        Tensor f = Tensor.zeros(4);
        Tensor i = f.view(DType.I32);
        long before = f.storage().version();
        i.fill_(3);
        assertThat(f.storage().version()).isGreaterThan(before);
        assertThat(i.storage().version()).isEqualTo(f.storage().version());
    }

    @Test
    void refusesWhatPyTorchRefuses() {
        assertRejects(() -> Tensor.scalar(1).view(DType.F64), "view(F64)", "0-d");
        assertRejects(() -> Tensor.zeros(3).view(DType.F64), "view(F64)", "F32 [3]", "divisible by 2");
        assertRejects(() -> Tensor.zeros(4, 2).transpose(0, 1).view(DType.U8), "view(U8)", "stride 2",
                "stride 1");
        assertRejects(() -> Tensor.zeros(6).narrow(0, 1, 4).view(DType.I64), "view(I64)", "offset 1");
        assertThat(Tensor.zeros(3, 4).narrow(1, 0, 2).view(DType.I64).strides()).containsExactly(2, 1);
        assertRejects(() -> Tensor.zeros(3, 3).narrow(1, 0, 2).view(DType.F64), "view(F64)", "strides [3, 1]",
                "divisible by 2");
        assertRejects(() -> Tensor.zeros(2).view((DType) null), "view", "null");
    }

    @Test
    void integerTypesWrapAndI64StaysExact() {
        Tensor u = Tensor.of(new long[] {250, 3}).to(DType.U8);
        assertThat(u.add(Tensor.of(new long[] {10, 255}).to(DType.U8)).toLongArray()).containsExactly(4, 2);
        assertThat(u.neg().toLongArray()).containsExactly(6, 253);
        Tensor b = Tensor.of(new long[] {-128, 127}).to(DType.I8);
        assertThat(b.abs().toLongArray()).containsExactly(-128, 127);
        long big = (1L << 53) + 1;
        Tensor q = Tensor.of(new long[] {big, Long.MAX_VALUE});
        assertThat(q.add(Tensor.of(new long[] {2, 1})).toLongArray()).containsExactly(big + 2, Long.MIN_VALUE);
        assertThat(q.sum().toLongArray()).containsExactly(big + Long.MAX_VALUE);
        assertThat(q.eq(Tensor.of(new long[] {big - 1, Long.MAX_VALUE})).toBooleanArray()).containsExactly(false, true);
        assertThat(q.indexSelect(0, Tensor.of(new long[] {1, 0})).toLongArray()).containsExactly(Long.MAX_VALUE, big);
        assertThat(q.max().toLongArray()).containsExactly(Long.MAX_VALUE);
        Tensor z = Tensor.zeros(DType.I64, 2);
        assertThat(z.indexAdd(0, Tensor.of(new int[] {1, 1}), Tensor.of(new long[] {big, 1})).toLongArray())
                .containsExactly(0, big + 1);
        assertThat(z.scatterAdd(0, Tensor.of(new int[] {0}), Tensor.of(new long[] {big})).toLongArray())
                .containsExactly(big, 0);
    }
}
