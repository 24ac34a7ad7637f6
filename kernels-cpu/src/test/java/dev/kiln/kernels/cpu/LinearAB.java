package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: an A/B in one JVM, interleaved, of the GPT step's MLP input layer ([2048, 256] to
 * 1024, GELU) forward and backward through autograd: matmul, add and gelu as separate ops (old)
 * against the fused {@code Tensor.linear} (new), and the same without the activation; then GELU's
 * forward and backward alone, with what each call allocates (its outputs only, once nothing is
 * boxed). Times are the calling thread's CPU time, so other processes on the machine disturb them
 * little; run it with {@code -Dkiln.threads=1} for that to cover all the work. After
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -Dkiln.threads=1 -cp kernels-cpu/target/classes:\
 *   kernels-cpu/target/test-classes:tensor/target/classes:autograd/target/classes dev.kiln.kernels.cpu.LinearAB [rounds]
 * </pre>
 */
final class LinearAB {
    private LinearAB() {
    }

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds (a third of them warm-up); thread CPU ms, medians%n",
                Simd.describe(), CpuBackend.threads(), rounds);
        Tensor x = Tensor.randn(rng, 2048, 256).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 1024, 256).mul(0.05).detach().requiresGrad(true);
        Tensor b = Tensor.randn(rng, 1024).detach().requiresGrad(true);
        Tensor dy = Tensor.randn(rng, 2048, 1024);
        for (UnaryOp act : new UnaryOp[] {UnaryOp.GELU, null}) {
            List<Double> old = new ArrayList<>();
            List<Double> fused = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                for (int arm = 0; arm < 2; arm++) {
                    long t0 = MX.getCurrentThreadCpuTime();
                    Tensor y;
                    if (arm == 0) {
                        Tensor h = x.matmul(w.t()).add(b);
                        y = act == null ? h : h.gelu();
                    } else {
                        y = Tensor.linear(x, w, b, act);
                    }
                    y.backward(dy);
                    long t1 = MX.getCurrentThreadCpuTime();
                    x.zeroGrad();
                    w.zeroGrad();
                    b.zeroGrad();
                    if (r >= rounds / 3) {
                        (arm == 0 ? old : fused).add((t1 - t0) / 1e6);
                    }
                }
            }
            double o = median(old);
            double n = median(fused);
            System.out.printf(Locale.ROOT, "linear [2048, 256] -> 1024, %s, forward + backward: old %.2f  new %.2f  x %.3f%n",
                    act == null ? "no activation" : act, o, n, n / o);
        }
        Tensor g = Tensor.randn(rng, 2048, 1024).requiresGrad(true);
        List<Double> fwd = new ArrayList<>();
        List<Double> bwd = new ArrayList<>();
        long fwdBytes = 0;
        long bwdBytes = 0;
        for (int r = 0; r < rounds; r++) {
            long b0 = MX.getCurrentThreadAllocatedBytes();
            long t0 = MX.getCurrentThreadCpuTime();
            Tensor y = g.gelu();
            long t1 = MX.getCurrentThreadCpuTime();
            long b1 = MX.getCurrentThreadAllocatedBytes();
            y.backward(dy);
            long t2 = MX.getCurrentThreadCpuTime();
            long b2 = MX.getCurrentThreadAllocatedBytes();
            g.zeroGrad();
            if (r >= rounds / 3) {
                fwd.add((t1 - t0) / 1e6);
                bwd.add((t2 - t1) / 1e6);
                fwdBytes = b1 - b0;
                bwdBytes = b2 - b1;
            }
        }
        System.out.printf(Locale.ROOT, "gelu [2048, 1024]: forward %.2f ms, %.1f MB allocated; backward %.2f ms, %.1f MB "
                + "(each its 8.4 MB output when nothing is boxed)%n", median(fwd), fwdBytes / 1e6,
                median(bwd), bwdBytes / 1e6);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
