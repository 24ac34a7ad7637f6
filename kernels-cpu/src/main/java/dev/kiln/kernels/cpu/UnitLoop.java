package dev.kiln.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct convolution forwards' loop over their units (a sample's group, or a part of its blocks),
 * handed out {@code grain} units at a time to whichever thread asks next. {@link Parallel#forRange} cuts a
 * loop into at most four pieces per thread: ResNet-18's 32 samples became 8 pieces of 4, and on two
 * threads the one that finishes first then waits up to a piece (an eighth of the call) for the other. Here
 * the last wait is one unit (a thirty-second). Which thread computes a unit never changes its outputs.
 */
final class UnitLoop {
    private UnitLoop() {
    }

    /** False with {@code -Dkiln.conv.unitHandout=false}: {@link Parallel#forRange}'s pieces (A/B runs flip it). */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.unitHandout", "true").trim());

    /** Runs {@code body} over [0, n) in ranges of {@code grain} units (the last may be shorter), claimed in order. */
    static void forRange(int n, int grain, Parallel.RangeBody body) {
        int threads = Parallel.threadsFor(n, grain);
        if (!enabled || threads <= 1) {
            Parallel.forRange(n, grain, body);
            return;
        }
        int step = Math.max(1, grain);
        AtomicInteger next = new AtomicInteger();
        // one piece per thread; each claims ranges until none are left
        Parallel.forRange(threads, 1, (a, b) -> {
            for (int lo; (lo = next.getAndAdd(step)) < n; ) {
                body.run(lo, Math.min(n, lo + step));
            }
        });
    }
}
