package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/** The device allocator in use: reuse, statistics, emptyCache, explicit and Cleaner-driven release; skipped without a GPU. */
class CudaMemoryTest extends GpuTesting {

    @Test
    void freedMemoryIsReusedWithoutTheDriver() {
        CudaDevice d = Cuda.device(0);
        CachingAllocator a = d.allocator();
        Tensor x = Tensor.full(1, DType.F32, GPU, 1000, 1000);
        CudaStorage s = (CudaStorage) x.storage();
        long address = s.address();
        CachingAllocator.Stats before = a.stats();
        s.close();
        assertThat(a.stats().cachedBytes()).isGreaterThanOrEqualTo(before.cachedBytes() + 4_000_000);
        Tensor y = Tensor.full(2, DType.F32, GPU, 1000, 1000);
        assertThat(((CudaStorage) y.storage()).address()).isEqualTo(address);
        assertThat(a.stats().driverAllocations()).isEqualTo(before.driverAllocations());
        assertThat(a.stats().cacheHits()).isGreaterThan(before.cacheHits());
        assertThat(y.sum().item()).isEqualTo(2_000_000.0);  // and it was refilled, not left as it was
    }

    @Test
    void closedStorageCannotBeUsed() {
        Tensor x = Tensor.full(1, DType.F32, GPU, 10);
        ((CudaStorage) x.storage()).close();
        assertThat(((CudaStorage) x.storage()).isClosed()).isTrue();
        assertThatThrownBy(() -> x.add(x)).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
    }

    @Test
    void unreachableTensorsGiveTheirMemoryBack() throws InterruptedException {
        CachingAllocator a = Cuda.device(0).allocator();
        long before = a.stats().allocatedBytes();
        for (int i = 0; i < 20; i++) {
            Tensor.full(1, DType.F32, GPU, 1 << 18);
        }
        for (int i = 0; i < 50 && a.stats().allocatedBytes() > before; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(a.stats().allocatedBytes()).isLessThanOrEqualTo(before);
    }

    @Test
    void emptyCacheReturnsCachedBlocksToTheDriver() {
        CudaDevice d = Cuda.device(0);
        Tensor x = Tensor.full(1, DType.F32, GPU, 123_457);
        ((CudaStorage) x.storage()).close();
        assertThat(d.allocator().stats().cachedBytes()).isPositive();
        long freesBefore = d.allocator().stats().driverFrees();
        assertThat(d.allocator().emptyCache()).isPositive();
        assertThat(d.allocator().stats().cachedBytes()).isZero();
        assertThat(d.allocator().stats().driverFrees()).isGreaterThan(freesBefore);
    }

    @Test
    void deviceFacts() {
        CudaDevice d = Cuda.device(0);
        System.out.println("cuda:0 = " + d + "; matmul: " + CudaBackend.gemmDescription(0));
        assertThat(d.multiprocessors()).isPositive();
        assertThat(d.computeCapability()).matches("\\d+\\.\\d+");
    }
}
