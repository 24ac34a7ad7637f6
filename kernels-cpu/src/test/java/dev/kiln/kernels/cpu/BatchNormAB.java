package dev.kiln.kernels.cpu;

import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import static dev.kiln.kernels.cpu.AbTiming.median;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of batch norm in training on {@code kiln train
 * cnn}'s shapes, forward alone and forward + backward through autograd: the composition of
 * mean/sub/square/rsqrt/mul/add that layers' Functional.batchNorm used to be (old) against the
 * fused op (new), both updating running statistics; with {@code -Dab=relu}, batchNorm then relu
 * (old) against the fused batchNormRelu (new); with {@code -Dab=addRelu}, x.add(dy).relu() against
 * x.addRelu(dy), forward only (the residual add of kiln train cnn's blocks). Each round times a few calls of one then of
 * the other; the medians of the rounds are compared, so a machine loaded by others slows both
 * alike. Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:autograd/target/classes dev.kiln.kernels.cpu.BatchNormAB [rounds]
 * </pre>
 */
final class BatchNormAB {
    private BatchNormAB() {
    }

    private static final int[][] SHAPES = {{128, 16, 28, 28}, {128, 32, 14, 14}, {128, 64, 7, 7}};

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        var rng = new Generator(1);
        System.out.printf(Locale.ROOT, "%s, %d threads, %d rounds; ms per call, medians; x = old / new%n", Simd.describe(),
                CpuBackend.threads(), rounds);
        for (int[] s : SHAPES) {
            int c = s[1];
            Tensor x = Tensor.randn(rng, s).mul(2).add(1);
            Tensor dy = Tensor.randn(rng, s);
            Tensor w = Tensor.randn(rng, c);
            Tensor b = Tensor.randn(rng, c);
            Tensor rm = Tensor.zeros(c);
            Tensor rv = Tensor.ones(c);
            String ab = System.getProperty("ab", "");
            Runnable[][] passes = ab.equals("addRelu") ? new Runnable[][] {{() -> x.add(dy).relu(), () -> x.addRelu(dy)}}
                    : ab.equals("relu") ? new Runnable[][] {
                {() -> x.batchNorm(rm, rv, w, b, true, 0.1, 1e-5).relu(),
                    () -> x.batchNormRelu(rm, rv, w, b, true, 0.1, 1e-5)},
                {() -> x.detach().requiresGrad(true).batchNorm(rm, rv, w.detach().requiresGrad(true),
                        b.detach().requiresGrad(true), true, 0.1, 1e-5).relu().backward(dy),
                    () -> x.detach().requiresGrad(true).batchNormRelu(rm, rv, w.detach().requiresGrad(true),
                            b.detach().requiresGrad(true), true, 0.1, 1e-5).backward(dy)},
            } : new Runnable[][] {
                {() -> composed(x, rm, rv, w, b), () -> x.batchNorm(rm, rv, w, b, true, 0.1, 1e-5)},
                {() -> composed(x.detach().requiresGrad(true), rm, rv, w.detach().requiresGrad(true),
                        b.detach().requiresGrad(true)).backward(dy),
                    () -> x.detach().requiresGrad(true).batchNorm(rm, rv, w.detach().requiresGrad(true),
                            b.detach().requiresGrad(true), true, 0.1, 1e-5).backward(dy)},
            };
            String[] names = {"forward", "fwd+bwd"};
            for (int p = 0; p < passes.length; p++) {
                double[][] t = new double[2][rounds];
                int calls = 5;
                for (int r = -3; r < rounds; r++) { // three warm-up rounds
                    for (int path = 0; path < 2; path++) {
                        long t0 = System.nanoTime();
                        for (int k = 0; k < calls; k++) {
                            passes[p][path].run();
                        }
                        if (r >= 0) {
                            t[path][r] = (System.nanoTime() - t0) / 1e6 / calls;
                        }
                    }
                }
                double old = median(t[0]);
                double now = median(t[1]);
                System.out.printf(Locale.ROOT, "%-20s %-8s old %8.3f ms  new %8.3f ms  x %.2f%n", Arrays.toString(s),
                        names[p], old, now, old / now);
            }
        }
    }

    /** Functional.batchNorm in training before the fused op, with running statistics. */
    private static Tensor composed(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias) {
        int c = x.size(1);
        int[] view = {1, c, 1, 1};
        int[] dims = {0, 2, 3};
        long perChannel = x.numel() / c;
        Tensor mean = x.mean(dims, true);
        Tensor centred = x.sub(mean);
        Tensor var = centred.square().mean(dims, true);
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor m = mean.detach().reshape(c);
            Tensor unbiased = var.detach().reshape(c).mul(perChannel / (double) (perChannel - 1));
            runningMean.mul_(0.9).add_(m, 0.1);
            runningVar.mul_(0.9).add_(unbiased, 0.1);
        }
        Tensor scale = var.add(1e-5).rsqrt().mul(weight.reshape(view));
        return centred.mul(scale).add(bias.reshape(view));
    }
}
