package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The allocator's bookkeeping, on a fake device memory that counts bytes and can run out. */
class CachingAllocatorTest {

    /** Hands out increasing addresses and fails beyond a capacity, like a small GPU. */
    static final class FakeMemory implements CachingAllocator.DeviceMemory {
        final long capacity;
        final Map<Long, Long> live = new HashMap<>();
        long used;
        long next = 0x7000_0000_0000L;
        int mallocs;
        int frees;

        FakeMemory(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long malloc(long bytes) {
            if (used + bytes > capacity) {
                throw new CachingAllocator.OutOfDeviceMemory("CUDA_ERROR_OUT_OF_MEMORY");
            }
            long a = next;
            next += bytes + 4096;
            live.put(a, bytes);
            used += bytes;
            mallocs++;
            return a;
        }

        @Override
        public void free(long address) {
            Long bytes = live.remove(address);
            assertThat(bytes).as("free of an address never allocated or freed twice").isNotNull();
            used -= bytes;
            frees++;
        }
    }

    @Test
    void sizeClassesRoundUpAndWasteLessThanAQuarter() {
        assertThat(CachingAllocator.roundSize(0)).isZero();
        assertThat(CachingAllocator.roundSize(1)).isEqualTo(512);
        assertThat(CachingAllocator.roundSize(512)).isEqualTo(512);
        assertThat(CachingAllocator.roundSize(513)).isEqualTo(1024);
        assertThat(CachingAllocator.roundSize(1 << 20)).isEqualTo(1 << 20);
        assertThat(CachingAllocator.roundSize((1 << 20) + 1)).isEqualTo((1 << 20) + (1 << 18));
        assertThat(CachingAllocator.roundSize(3_000_000)).isEqualTo(3L << 20);  // 2 MiB + 2·512 KiB steps
        for (long b = 1; b < 1L << 34; b = b * 3 + 7) {
            long r = CachingAllocator.roundSize(b);
            assertThat(r).isGreaterThanOrEqualTo(b);
            assertThat(r - b).isLessThan(Math.max(512, b / 4 + 1));
            assertThat(CachingAllocator.roundSize(r)).as("a class rounds to itself").isEqualTo(r);
        }
        assertThatThrownBy(() -> CachingAllocator.roundSize(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void freedBlocksAreReusedBySizeClass() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem);
        CachingAllocator.Block b1 = a.allocate(1000);
        CachingAllocator.Block b2 = a.allocate(5000);
        assertThat(b1.size()).isEqualTo(1024);
        assertThat(mem.mallocs).isEqualTo(2);
        a.free(b1);
        CachingAllocator.Block b3 = a.allocate(1020);  // same class as 1000
        assertThat(b3.address()).isEqualTo(b1.address());
        assertThat(mem.mallocs).isEqualTo(2);
        CachingAllocator.Block b4 = a.allocate(2000);  // another class: a new block
        assertThat(b4.address()).isNotIn(b1.address(), b2.address());
        assertThat(mem.mallocs).isEqualTo(3);

        CachingAllocator.Stats s = a.stats();
        assertThat(s.allocations()).isEqualTo(4);
        assertThat(s.cacheHits()).isEqualTo(1);
        assertThat(s.driverAllocations()).isEqualTo(3);
        assertThat(s.allocatedBytes()).isEqualTo(1024 + 5120 + 2048);
        assertThat(s.cachedBytes()).isZero();
        assertThat(s.peakAllocatedBytes()).isEqualTo(1024 + 5120 + 2048);
    }

    @Test
    void statsTrackUseCacheAndPeakAndEmptyCacheReturnsMemory() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem);
        CachingAllocator.Block big = a.allocate(3 << 20);
        CachingAllocator.Block small = a.allocate(100);
        a.free(big);
        a.free(small);
        CachingAllocator.Stats s = a.stats();
        assertThat(s.allocatedBytes()).isZero();
        assertThat(s.cachedBytes()).isEqualTo((3L << 20) + 512);
        assertThat(s.reservedBytes()).isEqualTo(mem.used);
        assertThat(s.peakAllocatedBytes()).isEqualTo((3L << 20) + 512);

        assertThat(a.emptyCache()).isEqualTo((3L << 20) + 512);
        assertThat(mem.used).isZero();
        assertThat(mem.frees).isEqualTo(2);
        assertThat(a.stats().cachedBytes()).isZero();
        assertThat(a.stats().driverFrees()).isEqualTo(2);
        a.resetPeak();
        assertThat(a.stats().peakAllocatedBytes()).isZero();
    }

    @Test
    void zeroBytesNeverReachTheDevice() {
        FakeMemory mem = new FakeMemory(0);
        CachingAllocator a = new CachingAllocator(mem);
        CachingAllocator.Block b = a.allocate(0);
        assertThat(b.size()).isZero();
        a.free(b);
        assertThat(mem.mallocs).isZero();
        assertThat(a.stats().cachedBytes()).isZero();
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetriesOnce() {
        FakeMemory mem = new FakeMemory(8 << 20);
        CachingAllocator a = new CachingAllocator(mem);
        a.free(a.allocate(6 << 20));  // cached, still held on the device
        CachingAllocator.Block b = a.allocate(5 << 20);  // another class: fits only once the cache is emptied
        assertThat(b.size()).isEqualTo(5L << 20);
        assertThat(mem.frees).isEqualTo(1);
        assertThat(a.stats().cachedBytes()).isZero();

        assertThatThrownBy(() -> a.allocate(6 << 20))
                .isInstanceOf(CachingAllocator.OutOfDeviceMemory.class)
                .hasMessageContaining("out of memory allocating " + (6 << 20) + " bytes")
                .hasMessageContaining((5 << 20) + " bytes in use");
    }

    @Test
    void freesFromManyThreadsKeepTheCountsExact() throws InterruptedException {
        FakeMemory mem = new FakeMemory(1L << 40);
        CachingAllocator a = new CachingAllocator(mem);
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            ts[t] = new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    a.free(a.allocate(512L * (1 + i % 7)));
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        CachingAllocator.Stats s = a.stats();
        assertThat(s.allocatedBytes()).isZero();
        assertThat(s.allocations()).isEqualTo(8000);
        assertThat(s.cacheHits() + s.driverAllocations()).isEqualTo(8000);
        assertThat(s.cachedBytes()).isEqualTo(mem.used);
    }
}
