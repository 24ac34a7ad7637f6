package dev.kiln.kernels.cpu;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.SgdConfig;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertNothingOutside;
import static dev.kiln.kernels.cpu.KernelCheck.holding;
import static dev.kiln.kernels.cpu.KernelCheck.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fused Adam step against the reference in every mode, with and without amsgrad and weight
 * decay, over several steps (so the moments and bias corrections evolve). Error bound: rtol 1e-5
 * + atol 1e-7 on parameters and moments after 3 steps (float arithmetic against double). The fused
 * SGD step against the op-by-op update, bit for bit.
 */
class OptimizerKernelsTest {

    @ParameterizedTest
    @EnumSource(AdamConfig.Mode.class)
    void adamStepMatchesReference(AdamConfig.Mode mode) {
        var rng = new Generator(51);
        for (int n : new int[] {0, 1, 7, 16, 17, 100, 4099, 70001}) {
            if (KernelCheck.skipLarge(new int[] {n})) {
                continue;
            }
            for (boolean amsgrad : new boolean[] {false, true}) {
                if (amsgrad && mode == AdamConfig.Mode.ADAMW_HF) {
                    continue; // not part of that convention; tensor refuses it
                }
                for (double wd : new double[] {0, 0.1}) {
                    double[] p = KernelCheck.randn(rng, n, 1, 0);
                    double[] m = KernelCheck.randn(rng, n, 0.1, 0);
                    double[] v = KernelCheck.randn(rng, n, 0.01, 0);
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) Math.abs(v[i]);
                    }
                    Tensor[] cpu = {holding(DType.F32, p, n), holding(DType.F32, m, n), holding(DType.F32, v, n),
                        amsgrad ? holding(DType.F32, v, n) : null};
                    Tensor[] ref = {holding(DType.F32, p, n), holding(DType.F32, m, n), holding(DType.F32, v, n),
                        amsgrad ? holding(DType.F32, v, n) : null};
                    String what = "adamStep " + mode + " n " + n + (amsgrad ? " amsgrad" : "") + " wd " + wd;
                    for (int step = 1; step <= 3; step++) {
                        Tensor grad = holding(DType.F32, KernelCheck.randn(rng, n, 1, 0), n);
                        var c = new AdamConfig(1e-2, 0.9, 0.999, 1e-8, wd, step, mode);
                        CPU.adamStep(cpu[0], grad, cpu[1], cpu[2], cpu[3], c);
                        REF.adamStep(ref[0], grad, ref[1], ref[2], ref[3], c);
                    }
                    String[] names = {"param", "expAvg", "expAvgSq", "maxExpAvgSq"};
                    for (int k = 0; k < 4; k++) {
                        if (cpu[k] != null) {
                            assertNothingOutside(what + " " + names[k], cpu[k]);
                            assertClose(what + " " + names[k], cpu[k], ref[k], 1e-5, 1e-7);
                        }
                    }
                }
            }
        }
    }

    /**
     * The fused SGD step gives the op-by-op update's values bit for bit (the reference backend runs
     * {@code Backend.sgdStep}'s default: mul by a scalar and add, each rounded to float), over three
     * steps from the buffer's first, at sizes around the vector width.
     */
    @Test
    void sgdStepMatchesTheOpByOpUpdateBitForBit() {
        var rng = new Generator(52);
        double[][] settings = { // momentum, dampening, weight decay, nesterov
            {0, 0, 0, 0}, {0, 0, 5e-4, 0}, {0.9, 0, 0, 0}, {0.9, 0, 5e-4, 0}, {0.9, 0.1, 5e-4, 0}, {0.9, 0, 0.01, 1},
            {1, 0, 0, 1}};
        for (int n : new int[] {0, 1, 7, 16, 17, 100, 4099, 70001}) {
            if (KernelCheck.skipLarge(new int[] {n})) {
                continue;
            }
            for (double[] set : settings) {
                boolean momentum = set[0] != 0;
                double[] p = KernelCheck.randn(rng, n, 1, 0);
                Tensor[] cpu = {holding(DType.F32, p, n), momentum ? holding(DType.F32, new double[n], n) : null};
                Tensor[] ref = {holding(DType.F32, p, n), momentum ? holding(DType.F32, new double[n], n) : null};
                String what = "sgdStep n " + n + " " + Arrays.toString(set);
                for (int step = 1; step <= 3; step++) {
                    Tensor grad = holding(DType.F32, KernelCheck.randn(rng, n, 1, 0), n);
                    var c = new SgdConfig(0.05, set[0], set[1], set[2], set[3] != 0, step == 1);
                    CPU.sgdStep(cpu[0], grad, cpu[1], c);
                    REF.sgdStep(ref[0], grad, ref[1], c);
                }
                for (int k = 0; k < 2; k++) {
                    if (cpu[k] != null) {
                        String name = what + (k == 0 ? " param" : " momentumBuffer");
                        assertNothingOutside(name, cpu[k]);
                        assertThat(values(cpu[k])).as(name).containsExactly(values(ref[k]));
                        if (n > 0) {
                            assertThat(values(cpu[k])).as(name + " moved").isNotEqualTo(k == 0 ? p : new double[n]);
                        }
                    }
                }
            }
        }
    }
}
