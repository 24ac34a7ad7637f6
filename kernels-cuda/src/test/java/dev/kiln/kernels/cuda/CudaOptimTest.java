package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Fused;
import dev.kiln.tensor.SgdConfig;
import dev.kiln.tensor.Tensor;

/**
 * The fused Adam step in its three modes, with and without amsgrad, over several steps, and the SGD step
 * (the backend's default, op by op); skipped without a GPU.
 */
class CudaOptimTest extends GpuTesting {

    @Test
    void adamStepMatchesTheReferenceInEveryMode() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-6, 1e-7), F64_ULPS);
            for (AdamConfig.Mode mode : AdamConfig.Mode.values()) {
                for (boolean amsgrad : new boolean[] {false, true}) {
                    if (amsgrad && mode == AdamConfig.Mode.ADAMW_HF) {
                        continue;
                    }
                    for (int n : new int[] {1, 1000, 4099}) {
                        Tensor p = randn(t, n);
                        Tensor g = randn(t, n);
                        Tensor m = randn(t, n).mul(0.1);
                        Tensor v = randn(t, n).abs().mul(0.01);
                        Tensor vmax = v.mul(1.5);
                        for (long step = 1; step <= 3; step++) {
                            AdamConfig c = new AdamConfig(1e-2, 0.9, 0.999, 1e-8, 0.1, step, mode);
                            checkKernel("adam " + t + " " + mode + (amsgrad ? " amsgrad" : "") + " n=" + n + " step "
                                    + step, tol, dev -> new Tensor[] {on(dev, p), on(dev, g), on(dev, m), on(dev, v),
                                            amsgrad ? on(dev, vmax) : null},
                                    (b, a) -> b.adamStep(a[0], a[1], a[2], a[3], a[4], c));
                        }
                    }
                }
            }
        }
    }

    @Test
    void fusedEntryPointRunsOnTheDevice() {
        Tensor p = randn(DType.F32, 257);
        Tensor g = randn(DType.F32, 257);
        AdamConfig c = new AdamConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, 1, AdamConfig.Mode.ADAMW);
        Tensor hp = p.clone();
        Fused.adamStep(hp, g, Tensor.zeros(257), Tensor.zeros(257), null, c);
        Tensor dp = p.to(GPU);
        Fused.adamStep(dp, g.to(GPU), Tensor.full(0, DType.F32, GPU, 257), Tensor.full(0, DType.F32, GPU, 257), null, c);
        assertClose("Fused.adamStep", new Tol(1e-6, 1e-7), hp, dp.to(CPU));
    }

    @Test
    void sgdStepMatchesTheReferenceWithAndWithoutMomentum() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-6, 1e-7), F64_ULPS);
            double[][] settings = {{0, 0, 5e-4, 0}, {0.9, 0, 5e-4, 0}, {0.9, 0.1, 0, 0}, {0.9, 0, 0.01, 1}};
            for (double[] set : settings) {
                for (int n : new int[] {1, 1000, 4099}) {
                    Tensor p = randn(t, n);
                    Tensor g = randn(t, n);
                    Tensor buf = randn(t, n).mul(0.1);
                    for (int step = 1; step <= 2; step++) {
                        SgdConfig c = new SgdConfig(0.05, set[0], set[1], set[2], set[3] != 0, step == 1);
                        checkKernel("sgdStep " + t + " " + java.util.Arrays.toString(set) + " n=" + n + " step " + step,
                                tol, dev -> new Tensor[] {on(dev, p), on(dev, g), set[0] != 0 ? on(dev, buf) : null},
                                (b, a) -> b.sgdStep(a[0], a[1], a[2], c));
                    }
                }
            }
        }
    }
}
