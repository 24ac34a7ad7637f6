package dev.kiln.tensor.spi;

import dev.kiln.tensor.DType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostBufferPoolTest {
    private static final int N = HostBufferPool.MIN_FLOATS + 3;

    @Test
    void takeReturnsTheMostRecentlyGivenArrayOfThatSizeOnly() {
        HostBufferPool pool = new HostBufferPool(1 << 20);
        float[] a = new float[N];
        float[] b = new float[N];
        pool.give(a);
        pool.give(b);
        assertThat(pool.take(N + 1)).isNull();
        assertThat(pool.take(N)).isSameAs(b);
        assertThat(pool.take(N)).isSameAs(a);
        assertThat(pool.take(N)).isNull();
        assertThat(pool.heldBytes()).isZero();
    }

    @Test
    void pastItsCapacityThePoolDropsTheOldestArrays() {
        HostBufferPool pool = new HostBufferPool(3L * 4 * N);
        float[] first = new float[N];
        float[] second = new float[N + 1];
        float[] third = new float[N];
        pool.give(first);
        pool.give(second);
        pool.give(third); // 4 bytes over: the first goes
        assertThat(pool.heldBytes()).isEqualTo(4L * (2 * N + 1));
        assertThat(pool.take(N)).isSameAs(third);
        assertThat(pool.take(N)).isNull();
        assertThat(pool.take(N + 1)).isSameAs(second);
        pool.give(new float[4 * N]); // larger than the whole pool: not kept
        assertThat(pool.heldBytes()).isZero();
    }

    @Test
    void aRecycledBufferIsReusedAndZeroedWhenAZeroedOneIsAsked() {
        CpuStorage s = CpuStorage.allocate(DType.F32, N);
        float[] array = s.floats();
        java.util.Arrays.fill(array, 7f);
        s.recycle();
        CpuStorage again = CpuStorage.allocate(DType.F32, N);
        assertThat(again.floats()).isSameAs(array);
        assertThat(again.floats()).containsOnly(0f);
    }

    @Test
    void anUninitializedBufferMayHoldStaleValuesAndUnderPoisonHoldsNaN() {
        CpuStorage s = CpuStorage.allocateUninitialized(DType.F32, N);
        float[] array = s.floats();
        assertThat(array).hasSize(N);
        if (CpuStorage.POISON) {
            assertThat(array[0]).isNaN();
            assertThat(array[N - 1]).isNaN();
        }
        s.recycle();
        assertThat(CpuStorage.allocateUninitialized(DType.F32, N).floats()).isSameAs(array);
    }

    @Test
    void aRecycledStorageRefusesEveryAccess() {
        CpuStorage s = CpuStorage.allocate(DType.F32, N);
        s.recycle();
        s.recycle(); // twice is harmless
        assertThatThrownBy(s::floats).isInstanceOf(IllegalStateException.class).hasMessageContaining("recycled");
        assertThatThrownBy(() -> s.get(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("recycled");
        assertThatThrownBy(s::array).isInstanceOf(IllegalStateException.class).hasMessageContaining("recycled");
    }

    @Test
    void wrappedSmallAndOtherDTypeBuffersAreNeverPooled() {
        float[] user = new float[N];
        CpuStorage wrapped = CpuStorage.wrap(user);
        wrapped.recycle();
        assertThat(wrapped.floats()).isSameAs(user);
        CpuStorage small = CpuStorage.allocate(DType.F32, 16);
        small.recycle();
        assertThat(small.floats()).hasSize(16);
        CpuStorage doubles = CpuStorage.allocate(DType.F64, N);
        doubles.recycle();
        assertThat(doubles.doubles()).hasSize(N);
        assertThat(CpuStorage.allocateUninitialized(DType.F64, N).doubles()).containsOnly(0.0);
    }
}
