package dev.kiln.kernels.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.RejectedExecutionException;

/**
 * The CPU backend's one thread pool. Its size comes from {@code -Dkiln.threads} or
 * {@link Runtime#availableProcessors()}, and can be changed with {@link #setThreads(int)}.
 * Work smaller than a grain runs on the calling thread, so no thread is woken for small ops.
 */
public final class Parallel {
    private static volatile int threads = initialThreads();
    private static volatile ForkJoinPool pool = newPool(threads);

    private Parallel() {
    }

    /** A body over a half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static int initialThreads() {
        String p = System.getProperty("kiln.threads");
        if (p != null && !p.isBlank()) {
            int n = Integer.parseInt(p.trim());
            if (n < 1) {
                throw new IllegalArgumentException("kiln.threads must be >= 1, got " + n);
            }
            return n;
        }
        return Runtime.getRuntime().availableProcessors();
    }

    private static ForkJoinPool newPool(int n) {
        return n <= 1 ? null : new ForkJoinPool(n);
    }

    /** How many threads kernels may use. */
    public static int threads() {
        return threads;
    }

    /** Sets how many threads kernels may use (1 keeps everything on the calling thread). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Parallel.setThreads: n must be >= 1, got " + n);
        }
        if (n == threads) {
            return;
        }
        ForkJoinPool old = pool;
        pool = newPool(n);
        threads = n;
        if (old != null) {
            old.shutdown();
        }
    }

    /** How many chunks a range of n items gets, with at least {@code grain} items per chunk. */
    public static int chunks(int n, int grain) {
        if (n <= 0) {
            return 0;
        }
        long byGrain = (n + (long) Math.max(grain, 1) - 1) / Math.max(grain, 1);
        return (int) Math.min(threads, byGrain);
    }

    /** Splits [0, n) into at most {@link #threads()} chunks of at least {@code grain} items and runs them. */
    public static void forRange(int n, int grain, RangeBody body) {
        int chunks = chunks(n, grain);
        if (chunks <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        ForkJoinPool p = pool;
        if (p == null || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        RecursiveAction[] tasks = new RecursiveAction[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int s = (int) ((long) n * c / chunks);
            int e = (int) ((long) n * (c + 1) / chunks);
            tasks[c - 1] = new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(s, e);
                }
            };
            try {
                p.execute(tasks[c - 1]);
            } catch (RejectedExecutionException rejected) {
                // setThreads replaced the pool after we read it: run the chunk here instead
                tasks[c - 1].invoke();
            }
        }
        body.run(0, (int) ((long) n / chunks));
        for (RecursiveAction t : tasks) {
            t.join();
        }
    }
}
