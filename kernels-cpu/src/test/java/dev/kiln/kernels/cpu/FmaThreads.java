package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Locale;

/**
 * Not a test: whether this host gives two threads more FMAs than one. A register-only loop of 12 independent
 * accumulators (enough for two FMA ports at a 4-cycle latency) runs on 1 thread, then on 2 at once, three times;
 * it prints the vector FMAs per ns of all threads together (wall). Two cores give about twice one; two hyperthreads
 * of one core, or a core a neighbour holds, about the same: then no 2-thread timing of an FMA-bound kernel says much.
 * Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/test-classes dev.kiln.kernels.cpu.FmaThreads
 * </pre>
 */
final class FmaThreads {
    private FmaThreads() {
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static volatile float sink;

    private static float run(long iters) {
        FloatVector m = FloatVector.broadcast(S, 0.9999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b, a8 = b, a9 = b, a10 = b, a11 = b;
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, b);
            a1 = a1.fma(m, b);
            a2 = a2.fma(m, b);
            a3 = a3.fma(m, b);
            a4 = a4.fma(m, b);
            a5 = a5.fma(m, b);
            a6 = a6.fma(m, b);
            a7 = a7.fma(m, b);
            a8 = a8.fma(m, b);
            a9 = a9.fma(m, b);
            a10 = a10.fma(m, b);
            a11 = a11.fma(m, b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).lane(0);
    }

    public static void main(String[] args) throws InterruptedException {
        long iters = 100_000_000L;
        for (int k = 0; k < 3; k++) {
            sink += run(iters / 10);
        }
        for (int rep = 0; rep < 3; rep++) {
            for (int threads = 1; threads <= 2; threads++) {
                Thread[] ts = new Thread[threads];
                long t0 = System.nanoTime();
                for (int i = 0; i < threads; i++) {
                    ts[i] = new Thread(() -> sink += run(iters));
                    ts[i].start();
                }
                for (Thread t : ts) {
                    t.join();
                }
                double ns = System.nanoTime() - t0;
                System.out.printf(Locale.ROOT, "%d threads: %.2f vector FMAs/ns in all (%d-bit)%n", threads,
                        threads * iters * 12 / ns, S.vectorBitSize());
            }
        }
    }
}
