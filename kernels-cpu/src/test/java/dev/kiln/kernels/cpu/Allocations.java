package dev.kiln.kernels.cpu;

import com.sun.management.ThreadMXBean;

import java.lang.management.ManagementFactory;

/** Bytes a call allocates on the calling thread, for the kernels' allocation bounds. */
final class Allocations {
    private Allocations() {
    }

    static long allocatedBy(Runnable r) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(id);
        r.run();
        return mx.getThreadAllocatedBytes(id) - before;
    }

    /**
     * The least allocation over repeated calls, stopping once under {@code enough}. Steady state, not
     * warm-up: until C2 has compiled a kernel's loops its vector ops box, and on a busy machine (or at a
     * width whose code C2 reaches late) that takes seconds. So keep trying for up to 30 s (at least 20
     * runs) before calling the bound broken.
     */
    static long leastAllocatedBy(Runnable r, long enough) {
        long least = Long.MAX_VALUE;
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (int i = 0; least >= enough && (i < 20 || System.nanoTime() < deadline); i++) {
            least = Math.min(least, allocatedBy(r));
        }
        return least;
    }
}
