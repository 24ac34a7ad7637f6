package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.ConcurrentHashMap;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pool: its size, how it splits ranges, and kernels split over more threads than this machine has cores. */
class ParallelTest {

    @Test
    void forRangeCoversEveryIndexOnceOnNoMoreThreadsThanWork() {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3, 4}) {
                Parallel.setThreads(threads);
                assertThat(CpuBackend.threads()).isEqualTo(threads);
                for (int n : new int[] {0, 1, 5, 1000, 100003}) {
                    for (int grain : new int[] {1, 7, 1000, 1 << 20}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        var callers = ConcurrentHashMap.<Thread>newKeySet();
                        int[] calls = new int[1];
                        int[] minLength = {Integer.MAX_VALUE};
                        Parallel.forRange(n, grain, (s, e) -> {
                            callers.add(Thread.currentThread());
                            synchronized (calls) {
                                calls[0]++;
                                minLength[0] = Math.min(minLength[0], e - s);
                            }
                            for (int i = s; i < e; i++) {
                                hits.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertThat(hits.get(i)).as("n %d grain %d index %d", n, grain, i).isEqualTo(1);
                        }
                        int chunks = Parallel.threadsFor(n, grain);
                        assertThat(chunks).isLessThanOrEqualTo(threads);
                        assertThat((long) chunks * grain).isLessThanOrEqualTo(Math.max(n, grain));
                        assertThat(callers.size()).isLessThanOrEqualTo(Math.max(1, chunks));
                        if (chunks <= 1) {
                            assertThat(calls[0]).isEqualTo(n == 0 ? 0 : 1);
                            assertThat(callers).allMatch(t -> t == Thread.currentThread());
                        } else {
                            assertThat(calls[0]).isBetween(chunks, 4 * chunks);
                            assertThat(minLength[0]).isGreaterThanOrEqualTo(grain);
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void reductionChunksDependOnTheSizeAloneNotOnTheThreadCount() {
        int before = Parallel.threads();
        try {
            int[][] cases = {{0, 1}, {1, 1}, {5, 7}, {40000, 10000}, {100003, 1000}, {1 << 20, 1 << 15}};
            int[] expected = new int[cases.length];
            for (int threads : new int[] {1, 2, 3, 7, 64}) {
                Parallel.setThreads(threads);
                for (int i = 0; i < cases.length; i++) {
                    int chunks = Parallel.chunks(cases[i][0], cases[i][1]);
                    if (threads == 1) {
                        expected[i] = chunks;
                    }
                    assertThat(chunks).as("chunks(%d, %d) at %d threads", cases[i][0], cases[i][1], threads)
                            .isEqualTo(expected[i]).isLessThanOrEqualTo(Parallel.MAX_CHUNKS);
                }
            }
            int cap = Parallel.MAX_CHUNKS;
            assertThat(expected).containsExactly(0, 1, 1, Math.min(4, cap), Math.min(100, cap), Math.min(32, cap));
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void rejectsNonPositiveThreadCounts() {
        assertThatThrownBy(() -> Parallel.setThreads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Parallel.setThreads");
    }

    @Test
    void kernelsGiveTheSameResultsSplitOverThreeThreads() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(3);
            var rng = new Generator(61);
            int[] shape = {300, 301};
            double[] av = KernelCheck.randn(rng, 300 * 301, 1, 0);
            double[] bv = KernelCheck.randn(rng, 301, 1, 0);
            Tensor a = input(av, shape, Layout.OFFSET);
            Tensor b = input(bv, new int[] {301}, Layout.CONTIGUOUS).expand(shape);

            Tensor out = poisoned(shape);
            CPU.binary(BinaryOp.MUL, out, a, b);
            Tensor ref = poisoned(shape);
            REF.binary(BinaryOp.MUL, ref, a, b);
            assertWrittenExactly("mul", out);
            assertClose("mul", out, ref, 3e-7, 0);

            for (int[] dims : new int[][] {{0}, {1}, {0, 1}}) {
                ReduceKernelsTest.check(ReduceOp.SUM, a, dims, "sum over 3 threads " + KernelCheck.str(dims));
                ReduceKernelsTest.check(ReduceOp.MAX, a, dims, "max over 3 threads " + KernelCheck.str(dims));
            }
            double[] narrow = KernelCheck.randn(rng, 60000 * 3, 1, 0);
            ReduceKernelsTest.check(ReduceOp.SUM, input(narrow, new int[] {60000, 3}, Layout.CONTIGUOUS), new int[] {0},
                    "sum down narrow columns over 3 threads");

            Tensor sm = poisoned(shape);
            CPU.softmax(sm, a, 1);
            Tensor smRef = poisoned(shape);
            REF.softmax(smRef, a, 1);
            assertWrittenExactly("softmax", sm);
            assertClose("softmax", sm, smRef, 1e-5, 1e-7);

            Tensor w = input(bv, new int[] {301}, Layout.CONTIGUOUS);
            Tensor mean = poisoned(300);
            Tensor rstd = poisoned(300);
            REF.layerNorm(poisoned(shape), mean, rstd, a, w, w, 1e-5);
            Tensor dx = poisoned(shape);
            Tensor dw = poisoned(301);
            Tensor db = poisoned(301);
            CPU.layerNormBackward(dx, dw, db, a, a, mean, rstd, w);
            Tensor rdx = poisoned(shape);
            Tensor rdw = poisoned(301);
            Tensor rdb = poisoned(301);
            REF.layerNormBackward(rdx, rdw, rdb, a, a, mean, rstd, w);
            assertWrittenExactly("dweight", dw);
            assertClose("dx", dx, rdx, 1e-4, 1e-5);
            assertClose("dweight", dw, rdw, 1e-5, 3e-3);
            assertClose("dbias", db, rdb, 1e-5, 3e-3);
        } finally {
            Parallel.setThreads(before);
        }
    }
}
