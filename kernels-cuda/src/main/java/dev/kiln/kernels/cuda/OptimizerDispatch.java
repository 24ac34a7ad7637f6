package dev.kiln.kernels.cuda;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's fused optimizer steps: the kernels of optim.cu.
 */
final class OptimizerDispatch {
    private OptimizerDispatch() {
    }

    static void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig c) {
        int n = param.numel();
        if (n == 0) {
            return;
        }
        dev(param).launch1d(Kernels.ADAM, sfx(param), n, new Args().i(n).i(OpCodes.adam(c.mode())).d(c.lr())
                .d(c.beta1()).d(c.beta2()).d(c.eps()).d(c.weightDecay()).d(c.biasCorrection1())
                .d(c.biasCorrection2()).ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(expAvg)).ptr(ptr(expAvgSq))
                .ptr(ptrOrNull(maxExpAvgSq)));
    }
}
