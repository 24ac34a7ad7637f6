package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import java.util.Arrays;

/**
 * In-place fused kernels that optimizers call on every parameter (PyTorch's {@code _fused_adamw_}).
 * They write through autograd's back, as an optimizer step must: call them on leaves, outside
 * the graph.
 */
public final class Fused {
    private Fused() {
    }

    /**
     * One Adam/AdamW step in place on param, expAvg, expAvgSq (and maxExpAvgSq for amsgrad, else
     * null). All contiguous, of one shape, dtype and device.
     */
    public static void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                                AdamConfig config) {
        String op = "adamStep";
        Tensor[] all = maxExpAvgSq == null ? new Tensor[] {param, grad, expAvg, expAvgSq}
                : new Tensor[] {param, grad, expAvg, expAvgSq, maxExpAvgSq};
        Dispatch.requireFloat(op, param);
        Backend b = Dispatch.backend(op, all);
        String[] names = {"param", "grad", "expAvg", "expAvgSq", "maxExpAvgSq"};
        for (int i = 0; i < all.length; i++) {
            Tensor t = all[i];
            if (t.dtype() != param.dtype() || !Arrays.equals(t.shape(), param.shape())) {
                throw new IllegalArgumentException(op + ": " + names[i] + " is " + t.dtype() + " " + Shapes.str(t.shape())
                        + " but param is " + param.dtype() + " " + Shapes.str(param.shape()));
            }
            if (!t.isContiguous()) {
                throw new IllegalArgumentException(op + ": " + names[i] + " must be contiguous");
            }
        }
        if (maxExpAvgSq != null && config.mode() == AdamConfig.Mode.ADAMW_HF) {
            throw new IllegalArgumentException(op + ": amsgrad is not part of the Hugging Face AdamW convention");
        }
        b.adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, config);
        for (Tensor t : all) {
            if (t != grad) {
                t.storage().bumpVersion();
            }
        }
    }
}
