package dev.kiln.tensor.spi;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Float arrays given back by {@link CpuStorage#recycle()} and handed out again to allocations of
 * the same length. A training step allocates the same sizes every time; a fresh array is zeroed
 * by the JVM in memory no cache holds, while a recycled one was written moments ago and is
 * likely still in the last-level cache (an elementwise op into a fresh 6 MiB array ran half as
 * fast as into a recycled one on Zen 4). Only arrays of at least {@link #MIN_FLOATS} are kept:
 * smaller ones are cheap for the JVM to allocate.
 *
 * <p>At most {@link #CAPACITY_BYTES} are held; past that the least recently returned arrays are
 * dropped for the collector. Take returns the most recently returned array of a size (the
 * warmest). Thread-safe.
 */
final class HostBufferPool {
    // one instance per capacity so that tests can check eviction on a small one; CpuStorage uses SHARED
    /** Arrays shorter than this are not pooled (64 KiB). */
    static final int MIN_FLOATS = 1 << 14;

    /** Bytes held at most: {@code -Dkiln.pool.mib}, by default a sixteenth of the heap, at most 512 MiB. */
    static final long CAPACITY_BYTES = Long.getLong("kiln.pool.mib",
            Math.min(512L, Runtime.getRuntime().maxMemory() / 16 / (1 << 20))) << 20;

    /** The pool every {@link CpuStorage} uses. */
    static final HostBufferPool SHARED = new HostBufferPool(CAPACITY_BYTES);

    private final long capacityBytes;
    private final Map<Integer, ArrayDeque<float[]>> bySize = new HashMap<>();
    // every held array in the order it was returned; evictions take the oldest
    private final ArrayDeque<float[]> order = new ArrayDeque<>();
    private long heldBytes;
    private long misses;

    HostBufferPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** A pooled array of exactly {@code size} floats with stale contents, or null if none is held. */
    synchronized float[] take(int size) {
        ArrayDeque<float[]> free = bySize.get(size);
        float[] a = free == null ? null : free.pollLast();
        if (a != null) {
            order.removeLastOccurrence(a);
            heldBytes -= 4L * size;
        } else {
            misses++;
        }
        return a;
    }

    /** Takes that found no array of their size, since this pool was made. */
    synchronized long misses() {
        return misses;
    }

    /** Keeps {@code a} for a later {@link #take}; no one may use it after this call. */
    synchronized void give(float[] a) {
        long bytes = 4L * a.length;
        if (bytes > capacityBytes) {
            return;
        }
        while (heldBytes + bytes > capacityBytes) {
            float[] old = order.pollFirst();
            bySize.get(old.length).pollFirst(); // the oldest of its size is the oldest held
            heldBytes -= 4L * old.length;
        }
        bySize.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
        order.addLast(a);
        heldBytes += bytes;
    }

    synchronized long heldBytes() {
        return heldBytes;
    }
}
