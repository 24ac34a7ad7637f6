package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * F16, BF16, I64, I8 and U8 on the GPU: storage round trips and conversions are the copy kernels
 * (CudaElementwiseTest runs every pair); here bitcasts share the device pointer, and ops on the
 * dtypes without kernels of their own (F16/BF16 computed in F32 by tensor's DTypeBridge, the
 * integer types on the host's reference loops) give the host's results.
 */
class CudaDTypeTest extends GpuTesting {

    @Test
    void bitcastSharesTheDeviceMemory() {
        Tensor f = Tensor.of(new float[] {1f, 2f, -0.5f, 0f}, 2, 2).to(GPU);
        Tensor i = f.view(DType.I32);
        assertThat(i.storage()).isInstanceOf(CudaStorage.class);
        assertThat(((CudaStorage) i.storage()).address()).isEqualTo(((CudaStorage) f.storage()).address());
        assertThat(i.to(CPU).toIntArray()).containsExactly(1065353216, Float.floatToIntBits(2f),
                Float.floatToIntBits(-0.5f), 0);
        i.fill_(Float.floatToIntBits(3f));
        assertThat(f.to(CPU).toFloatArray()).containsOnly(3f);
        Tensor u = f.view(DType.U8);
        assertThat(u.shape()).containsExactly(2, 8);
        f.fill_(1f);
        assertThat(u.to(CPU).narrow(1, 0, 4).contiguous().toByteArray()).containsExactly(0, 0, (byte) 0x80, 0x3f,
                0, 0, (byte) 0x80, 0x3f);
        Tensor q = Tensor.of(new long[] {(1L << 53) + 1, -1}).to(GPU);
        assertThat(q.view(DType.F64).view(DType.I64).to(CPU).toLongArray()).containsExactly((1L << 53) + 1, -1);
    }

    @Test
    void reducedFloatOpsMatchTheHost() {
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            Tensor a = randn(DType.F32, 5, 7).mul(3).to(t);
            Tensor b = randn(DType.F32, 5, 7).to(t);
            Tol tol = new Tol(t == DType.F16 ? 0x1p-10 : 0x1p-7, 1e-3);
            check("add " + t, EXACT, in -> in[0].add(in[1]), a, b);
            check("mul " + t, EXACT, in -> in[0].mul(in[1]), a, b);
            check("exp " + t, tol, in -> in[0].exp(), a);
            check("softmax " + t, tol, in -> in[0].softmax(-1), a);
            check("sum " + t, tol, in -> in[0].sum(1), a);
            check("matmul " + t, tol, in -> in[0].matmul(in[1].transpose(0, 1)), a, b);
            check("in place " + t, EXACT, in -> {
                Tensor y = in[0].clone();
                y.add_(in[1]);
                return y;
            }, a, b);
            assertThat(a.to(GPU).add(b.to(GPU)).dtype()).isEqualTo(t);
        }
    }

    @Test
    void integerOpsAreExactOnTheDevice() {
        long big = (1L << 53) + 1;
        Tensor q = Tensor.of(new long[] {big, Long.MAX_VALUE, -7, 3});
        Tensor r = Tensor.of(new long[] {2, 1, 5, -9});
        check("add I64", EXACT, in -> in[0].add(in[1]), q, r);
        check("mul I64", EXACT, in -> in[0].mul(in[1]), q, r);
        check("sum I64", EXACT, in -> in[0].sum(), q);
        check("lt I64", EXACT, in -> in[0].lt(in[1]), q, r);
        check("indexSelect with I64 indices", EXACT, in -> in[0].indexSelect(0, in[1]), q,
                Tensor.of(new long[] {3, 0, 0}));
        assertThat(q.to(GPU).add(r.to(GPU)).to(CPU).toLongArray()).containsExactly(big + 2, Long.MIN_VALUE, -2, -6);
        Tensor u = Tensor.of(new long[] {250, 3}).to(DType.U8);
        check("add U8 wraps", EXACT, in -> in[0].add(in[0]), u);
        Tensor s = Tensor.of(new byte[] {-128, 127});
        check("abs I8", EXACT, in -> in[0].abs(), s);
    }
}
