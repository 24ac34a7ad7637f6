package dev.kiln.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link UnitLoop} runs every unit exactly once, in ranges of its grain, on any number of threads, either way. */
class UnitLoopTest {

    @Test
    void everyUnitRunsOnceInRangesOfTheGrain() {
        int before = Parallel.threads();
        boolean was = UnitLoop.enabled;
        try {
            for (boolean enabled : new boolean[] {true, false}) {
                UnitLoop.enabled = enabled;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    for (int[] c : new int[][] {{32, 1}, {33, 4}, {5, 2}, {1, 1}, {0, 1}}) {
                        int n = c[0];
                        int grain = c[1];
                        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, n));
                        UnitLoop.forRange(n, grain, (lo, hi) -> {
                            assertThat(hi).isGreaterThan(lo).isLessThanOrEqualTo(n);
                            if (enabled && threads > 1 && n / grain > 1) {
                                // claimed ranges start at multiples of the grain and are one grain long but the last
                                assertThat(lo % grain).isZero();
                                assertThat(hi - lo).isEqualTo(Math.min(grain, n - lo));
                            }
                            for (int u = lo; u < hi; u++) {
                                runs.incrementAndGet(u);
                            }
                        });
                        for (int u = 0; u < n; u++) {
                            assertThat(runs.get(u)).as("unit %d of %d, grain %d, %d threads", u, n, grain, threads)
                                    .isEqualTo(1);
                        }
                    }
                }
            }
        } finally {
            UnitLoop.enabled = was;
            Parallel.setThreads(before);
        }
    }
}
