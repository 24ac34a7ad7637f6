package dev.kiln.kernels.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator for device memory in the spirit of PyTorch's: freed blocks are kept in
 * per-size free lists and handed out again for requests of the same size class, so a training
 * loop that allocates the same shapes every step stops calling {@code cuMemAlloc} (which
 * synchronises the device) after its first step. Sizes are rounded to classes (see
 * {@link #roundSize}) so that nearby sizes share blocks while wasting at most a quarter.
 *
 * <p>All work is ordered on one stream, so a block freed while a kernel that uses it is still
 * queued can be reused at once: the next user's kernels run after it. Thread-safe (frees come
 * from the Cleaner's thread). The bookkeeping is independent of CUDA: the driver sits behind
 * {@link DeviceMemory}, so tests run it on the CPU.
 */
public final class CachingAllocator {
    /** Below this, sizes are rounded up to a multiple of {@link #SMALL_GRANULE}. */
    static final long SMALL_LIMIT = 1L << 20;
    static final long SMALL_GRANULE = 512;

    /** Where blocks really come from: cuMemAlloc/cuMemFree, or a fake in tests. */
    public interface DeviceMemory {
        /** Allocates; throws {@link OutOfDeviceMemory} when the device is full. */
        long malloc(long bytes);

        void free(long address);
    }

    /** Thrown by {@link DeviceMemory#malloc} when the device has no room. */
    public static final class OutOfDeviceMemory extends RuntimeException {
        public OutOfDeviceMemory(String message) {
            super(message);
        }
    }

    /** A block handed out: its address and its rounded size in bytes. */
    public record Block(long address, long size) {
    }

    /** A snapshot of the allocator's counters. */
    public record Stats(long allocatedBytes, long cachedBytes, long peakAllocatedBytes, long allocations,
                        long cacheHits, long driverAllocations, long driverFrees) {
        /** Bytes held from the driver: in use plus cached. */
        public long reservedBytes() {
            return allocatedBytes + cachedBytes;
        }
    }

    private final DeviceMemory memory;
    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private long allocatedBytes;
    private long cachedBytes;
    private long peakAllocatedBytes;
    private long allocations;
    private long cacheHits;
    private long driverAllocations;
    private long driverFrees;

    public CachingAllocator(DeviceMemory memory) {
        this.memory = memory;
    }

    /**
     * The size class of a request: 0 stays 0; up to 1 MiB, the next multiple of 512 bytes;
     * above, the next multiple of a quarter of the largest power of two not above the request
     * (1.25, 1.5, 1.75, 2 MiB, 2.5, 3, ...), so rounding wastes less than 25%.
     */
    public static long roundSize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("CachingAllocator: negative size " + bytes);
        }
        if (bytes == 0) {
            return 0;
        }
        if (bytes <= SMALL_LIMIT) {
            return (bytes + SMALL_GRANULE - 1) / SMALL_GRANULE * SMALL_GRANULE;
        }
        long step = Long.highestOneBit(bytes) / 4;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes}; a cached block of the same class when there is one. */
    public synchronized Block allocate(long bytes) {
        long size = roundSize(bytes);
        allocations++;
        Block b;
        ArrayDeque<Block> list = free.get(size);
        if (size == 0) {
            b = new Block(0, 0);
        } else if (list != null && !list.isEmpty()) {
            b = list.pop();
            cachedBytes -= size;
            cacheHits++;
        } else {
            b = new Block(mallocOrRetry(size), size);
            driverAllocations++;
        }
        allocatedBytes += size;
        peakAllocatedBytes = Math.max(peakAllocatedBytes, allocatedBytes);
        return b;
    }

    private long mallocOrRetry(long size) {
        try {
            return memory.malloc(size);
        } catch (OutOfDeviceMemory first) {
            // the cache may hold enough in other size classes: give it back and try once more
            if (emptyCache() == 0) {
                throw outOfMemory(size, first);
            }
            try {
                return memory.malloc(size);
            } catch (OutOfDeviceMemory second) {
                throw outOfMemory(size, second);
            }
        }
    }

    private OutOfDeviceMemory outOfMemory(long size, OutOfDeviceMemory cause) {
        OutOfDeviceMemory e = new OutOfDeviceMemory("cuda: out of memory allocating " + size + " bytes ("
                + allocatedBytes + " bytes in use by tensors, cache emptied): " + cause.getMessage());
        e.initCause(cause);
        return e;
    }

    /** Returns a block to the cache (it stays allocated on the device until {@link #emptyCache()}). */
    public synchronized void free(Block b) {
        allocatedBytes -= b.size();
        if (b.size() == 0) {
            return;
        }
        free.computeIfAbsent(b.size(), k -> new ArrayDeque<>()).push(b);
        cachedBytes += b.size();
    }

    /** Gives every cached block back to the driver; returns the bytes released. */
    public synchronized long emptyCache() {
        long released = 0;
        for (ArrayDeque<Block> list : free.values()) {
            for (Block b : list) {
                memory.free(b.address());
                driverFrees++;
                released += b.size();
            }
        }
        free.clear();
        cachedBytes -= released;
        return released;
    }

    public synchronized Stats stats() {
        return new Stats(allocatedBytes, cachedBytes, peakAllocatedBytes, allocations, cacheHits, driverAllocations,
                driverFrees);
    }

    /** Starts the peak over from the current use. */
    public synchronized void resetPeak() {
        peakAllocatedBytes = allocatedBytes;
    }
}
