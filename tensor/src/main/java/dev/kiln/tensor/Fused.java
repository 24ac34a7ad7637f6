package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import java.util.Arrays;

/**
 * In-place fused kernels that optimizers call on every parameter (PyTorch's {@code _fused_adamw_}, and
 * SGD's update in one pass).
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
        requireAlike(op, all, new String[] {"param", "grad", "expAvg", "expAvgSq", "maxExpAvgSq"});
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

    /**
     * One SGD step ({@link SgdConfig}'s update, torch.optim.SGD's) in place on param and momentumBuffer
     * (null exactly when momentum is 0). All contiguous, of one shape, dtype and device.
     */
    public static void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig config) {
        String op = "sgdStep";
        if (config == null) {
            throw new IllegalArgumentException(op + ": config is null");
        }
        if ((momentumBuffer == null) != (config.momentum() == 0)) {
            throw new IllegalArgumentException(op + ": momentumBuffer must be " + (config.momentum() == 0
                    ? "null when momentum is 0" : "given when momentum is " + config.momentum()));
        }
        Tensor[] all = momentumBuffer == null ? new Tensor[] {param, grad} : new Tensor[] {param, grad, momentumBuffer};
        Dispatch.requireFloat(op, param);
        Backend b = Dispatch.backend(op, all);
        requireAlike(op, all, new String[] {"param", "grad", "momentumBuffer"});
        b.sgdStep(param, grad, momentumBuffer, config);
        param.storage().bumpVersion();
        if (momentumBuffer != null) {
            momentumBuffer.storage().bumpVersion();
        }
    }

    /** Every tensor of all[0]'s dtype and shape, and contiguous. */
    private static void requireAlike(String op, Tensor[] all, String[] names) {
        Tensor param = all[0];
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
    }
}
