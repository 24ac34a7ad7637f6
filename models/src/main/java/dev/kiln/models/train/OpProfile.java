package dev.kiln.models.train;

import dev.kiln.tensor.OpEvent;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a training step's time and allocation go, op by op: runs the step under an in-process JFR
 * recording of {@link OpEvent}s and sums the events of the calling thread by op (or by op and
 * shapes). Shares are of the whole step as timed around it, so what the ops do not cover is the
 * Java around the kernels: autograd bookkeeping, views, the optimizer's loop.
 */
public final class OpProfile {
    /**
     * One op (or op and shapes) over all recorded steps: its kernel calls (its outputs' allocations
     * not counted as calls, their time and bytes included), time and heap allocation.
     */
    public record Row(String key, long calls, long nanos, long bytes) {
    }

    private final int steps;
    private final long stepNanos;
    private final long stepBytes;
    private final List<Row> rows;

    private OpProfile(int steps, long stepNanos, long stepBytes, List<Row> rows) {
        this.steps = steps;
        this.stepNanos = stepNanos;
        this.stepBytes = stepBytes;
        this.rows = rows;
    }

    /**
     * Runs {@code step} {@code steps} times while recording, then reads the recording back. With
     * {@code jfrFile} the recording is kept there (for JDK Mission Control or {@code jfr print}).
     */
    public static OpProfile record(Runnable step, int steps, boolean byShape, Path jfrFile) throws IOException {
        if (steps < 1) {
            throw new IllegalArgumentException("OpProfile.record: steps must be >= 1, got " + steps);
        }
        Path file = jfrFile != null ? jfrFile : Files.createTempFile("kiln-profile", ".jfr");
        long thread = Thread.currentThread().threadId();
        long nanos;
        long bytes;
        try (Recording r = new Recording()) {
            r.setName("kiln profile");
            r.enable(OpEvent.NAME).withoutThreshold().withoutStackTrace();
            r.start();
            long b0 = allocatedBytes();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step.run();
            }
            nanos = System.nanoTime() - t0;
            bytes = Math.max(0, allocatedBytes() - b0);
            r.stop();
            r.dump(file);
        }
        Map<String, long[]> sums = new HashMap<>();
        try (RecordingFile in = new RecordingFile(file)) {
            while (in.hasMoreEvents()) {
                RecordedEvent e = in.readEvent();
                // a kernel that runs ops on worker threads would be counted twice: keep the caller's events
                if (!e.getEventType().getName().equals(OpEvent.NAME) || e.getThread() == null
                        || e.getThread().getJavaThreadId() != thread) {
                    continue;
                }
                String key = byShape ? e.getString("op") + " " + e.getString("shapes") : e.getString("op");
                long[] s = sums.computeIfAbsent(key, k -> new long[3]);
                // an op's output allocation is an event of its own; count the op's kernel launches only
                if (!e.getString("kernel").equals("allocate") || e.getString("op").equals("allocate")) {
                    s[0]++;
                }
                s[1] += e.getDuration().toNanos();
                s[2] += Math.max(0, e.getLong("allocated"));
            }
        } finally {
            if (jfrFile == null) {
                Files.deleteIfExists(file);
            }
        }
        List<Row> rows = sums.entrySet().stream().map(en -> new Row(en.getKey(), en.getValue()[0], en.getValue()[1],
                en.getValue()[2])).toList();
        return new OpProfile(steps, nanos, bytes, rows);
    }

    public int steps() {
        return steps;
    }

    /** Wall time of one step, averaged over the recorded steps. */
    public double stepMs() {
        return stepNanos / 1e6 / steps;
    }

    /** Heap bytes one step allocated on the calling thread, averaged. */
    public double stepBytes() {
        return (double) stepBytes / steps;
    }

    public List<Row> rows() {
        return rows;
    }

    /** The {@code n} rows with the most time, most first. */
    public List<Row> topByTime(int n) {
        return rows.stream().sorted(Comparator.comparingLong(Row::nanos).reversed().thenComparing(Row::key)).limit(n).toList();
    }

    /** The {@code n} rows with the most allocation, most first. */
    public List<Row> topByAllocation(int n) {
        return rows.stream().sorted(Comparator.comparingLong(Row::bytes).reversed().thenComparing(Row::key)).limit(n).toList();
    }

    /** The summary and both tables, per step and as shares of the step. */
    public void print(PrintWriter out, int top) {
        long opNanos = rows.stream().mapToLong(Row::nanos).sum();
        long opBytes = rows.stream().mapToLong(Row::bytes).sum();
        long calls = rows.stream().mapToLong(Row::calls).sum();
        out.printf(Locale.ROOT, "step  %.3f ms, %s allocated (means of %d steps; allocation by this thread)%n", stepMs(),
                size(stepBytes()), steps);
        out.printf(Locale.ROOT, "ops   %.3f ms (%.1f%% of the step) in %.1f kernel calls, %s (%.1f%%); the rest is "
                        + "autograd, views and the Java around the kernels%n", opNanos / 1e6 / steps, share(opNanos, stepNanos),
                (double) calls / steps, size((double) opBytes / steps), share(opBytes, stepBytes));
        int width = Math.max(24, rows.stream().mapToInt(r -> r.key().length()).max().orElse(0));
        out.printf(Locale.ROOT, "%ntop %d ops by time%n", Math.min(top, rows.size()));
        out.printf(Locale.ROOT, "  %-" + width + "s %10s %10s %8s%n", "op", "calls/step", "ms/step", "share");
        for (Row r : topByTime(top)) {
            out.printf(Locale.ROOT, "  %-" + width + "s %10.1f %10.3f %7.1f%%%n", r.key(), (double) r.calls() / steps,
                    r.nanos() / 1e6 / steps, share(r.nanos(), stepNanos));
        }
        out.printf(Locale.ROOT, "%ntop %d ops by allocation%n", Math.min(top, rows.size()));
        out.printf(Locale.ROOT, "  %-" + width + "s %10s %10s %8s%n", "op", "calls/step", "KiB/step", "share");
        for (Row r : topByAllocation(top)) {
            out.printf(Locale.ROOT, "  %-" + width + "s %10.1f %10.1f %7.1f%%%n", r.key(), (double) r.calls() / steps,
                    r.bytes() / 1024.0 / steps, share(r.bytes(), stepBytes));
        }
    }

    private static double share(long part, long whole) {
        return whole <= 0 ? 0 : 100.0 * part / whole;
    }

    private static String size(double bytes) {
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MiB", bytes / (1 << 20))
                : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }

    private static long allocatedBytes() {
        return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() ? t.getCurrentThreadAllocatedBytes() : 0;
    }
}
