package dev.kiln.kernels.cpu;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.SgdConfig;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's fused optimizer steps onto {@link OptimizerKernels}.
 */
final class OptimizerDispatch {
    private OptimizerDispatch() {
    }

    static void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig config) {
        if (!f32(param, grad, expAvg, expAvgSq, maxExpAvgSq)) {
            REF.adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, config);
            return;
        }
        float[] p = f(param);
        float[] g = f(grad);
        float[] m = f(expAvg);
        float[] v = f(expAvgSq);
        float[] vmax = fOrNull(maxExpAvgSq);
        Parallel.forRange(param.numel(), GRAIN / 2, (i0, i1) -> OptimizerKernels.adamStep(p, param.offset(), g,
                grad.offset(), m, expAvg.offset(), v, expAvgSq.offset(), vmax, off(maxExpAvgSq), config, i0, i1));
    }

    static void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig config) {
        if (!f32(param, grad, momentumBuffer)) {
            REF.sgdStep(param, grad, momentumBuffer, config);
            return;
        }
        float[] p = f(param);
        float[] g = f(grad);
        float[] b = fOrNull(momentumBuffer);
        Parallel.forRange(param.numel(), GRAIN, (i0, i1) -> OptimizerKernels.sgdStep(p, param.offset(), g,
                grad.offset(), b, off(momentumBuffer), config, i0, i1));
    }
}
