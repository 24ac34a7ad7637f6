package dev.kiln.kernels.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's one thread pool. Its size comes from {@code -Dkiln.threads} or
 * {@link Runtime#availableProcessors()}, and can be changed with {@link #setThreads(int)}.
 * Work smaller than a grain runs on the calling thread, so no thread is woken for small ops.
 *
 * <p>The pool is built for many short parallel loops in a row (a training step is hundreds of
 * ops of a few microseconds each): the caller works on the loop too, chunks are claimed from a
 * shared counter (a worker that wakes late simply finds less to do), and idle workers spin for a
 * short while ({@code -Dkiln.spinMicros}, default 50) before they park, so the next loop reaches
 * them without a wake-up. A loop started from inside another one, or while another thread is
 * using the pool, runs on its calling thread.
 */
public final class Parallel {
    private static final long SPIN_NANOS = 1000L * Long.getLong("kiln.spinMicros", 50L);
    private static volatile int threads = initialThreads();
    private static volatile Pool pool = Pool.create(threads);

    private Parallel() {
    }

    /** A body over a half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /**
     * -Dkiln.threads, or the core count. This runs in the static initializer, so a bad value is a
     * warning and the core count, never an exception that would leave this class unusable.
     */
    private static int initialThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        String p = System.getProperty("kiln.threads");
        if (p != null && !p.isBlank()) {
            try {
                int n = Integer.parseInt(p.trim());
                if (n >= 1 && n <= 64 * cores) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // warned below
            }
            System.getLogger(Parallel.class.getName()).log(System.Logger.Level.WARNING, "kiln.threads must be an integer "
                    + "between 1 and " + 64 * cores + ", got '" + p + "'; using " + cores + " (the cores here)");
        }
        return cores;
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
        Pool old = pool;
        pool = Pool.create(n);
        threads = n;
        if (old != null) {
            old.shutdown(); // a loop still running on it finishes on its caller
        }
    }

    /**
     * How many threads a range of n items keeps busy, with at least {@code grain} items each: 0
     * for an empty range, else between 1 and {@link #threads()}. Kernels that keep one partial
     * result per thread size their buffers with it and loop over {@code forRange(chunks, 1, ...)}.
     */
    public static int chunks(int n, int grain) {
        if (n <= 0) {
            return 0;
        }
        long byGrain = Math.max(1, n / Math.max(grain, 1));
        return (int) Math.min(threads, byGrain);
    }

    /** Pieces per thread a large loop is cut into, so a thread that starts late (or is preempted) holds up little. */
    private static final int PIECES_PER_THREAD = 4;

    /**
     * Runs {@code body} over disjoint ranges covering [0, n), on at most {@link #chunks(int, int)}
     * threads (the calling thread included), each range at least {@code grain} long unless n is;
     * returns when all are done, rethrowing the first exception a range threw. A large loop is
     * cut into up to {@value #PIECES_PER_THREAD} pieces per thread, claimed from a shared counter.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        int chunks = chunks(n, grain);
        if (chunks <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        int pieces = (int) Math.min((long) chunks * PIECES_PER_THREAD, Math.max(1, n / Math.max(grain, 1)));
        Pool p = pool;
        if (p == null || Thread.currentThread() instanceof Worker || !p.tryRun(new Job(n, pieces, body))) {
            body.run(0, n);
        }
    }

    /** One parallel loop: chunks claimed from a counter by whoever gets there first. */
    private static final class Job {
        final int n;
        final int chunks;
        final RangeBody body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;
        volatile Thread waiter;

        Job(int n, int chunks, RangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
        }

        /** Claims and runs chunks until none are left. */
        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                }
                if (done.incrementAndGet() == chunks) {
                    Thread w = waiter;
                    if (w != null) {
                        LockSupport.unpark(w);
                    }
                }
            }
        }

        /** Waits (spinning, then parked) until every chunk has finished. */
        void await() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (done.get() < chunks) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    if (done.get() < chunks) {
                        LockSupport.park(this);
                    }
                }
            }
        }
    }

    private static final class Pool {
        private final Worker[] workers;
        private final AtomicBoolean busy = new AtomicBoolean();
        volatile Job job;
        volatile boolean shutdown;

        private Pool(int threads) {
            workers = new Worker[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        static Pool create(int threads) {
            return threads <= 1 ? null : new Pool(threads);
        }

        /** Runs the job with the workers' help; false (nothing run) if another loop holds the pool. */
        boolean tryRun(Job j) {
            if (shutdown || !busy.compareAndSet(false, true)) {
                return false;
            }
            try {
                job = j;
                for (Worker w : workers) {
                    if (w.parked) {
                        LockSupport.unpark(w);
                    }
                }
                j.work();
                j.await();
            } finally {
                job = null;
                busy.set(false);
            }
            Throwable t = j.failure;
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("Parallel.forRange: a chunk failed", t);
            }
            return true;
        }

        void shutdown() {
            shutdown = true;
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
        }
    }

    private static final class Worker extends Thread {
        private final Pool pool;
        volatile boolean parked;

        Worker(Pool pool, int index) {
            super("kiln-cpu-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            Job last = null;
            while (!pool.shutdown) {
                Job j = pool.job;
                if (j != null && j != last) {
                    last = j;
                    j.work();
                    continue;
                }
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (pool.job == j && !pool.shutdown && System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                }
                if (pool.job == j && !pool.shutdown) {
                    // announce the park, then look again: a job published in between is either
                    // seen here or its publisher sees parked and unparks us
                    parked = true;
                    if (pool.job == j && !pool.shutdown) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }
}
