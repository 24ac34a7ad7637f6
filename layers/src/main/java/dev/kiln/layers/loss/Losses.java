package dev.kiln.layers.loss;

import dev.kiln.tensor.Reduction;

/** The loss modules' shared argument check. */
final class Losses {
    private Losses() {
    }

    /** NONE, MEAN or SUM: BATCHMEAN belongs to KLDivLoss alone. */
    static Reduction requireReduction(String module, Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException(module + ": reduction is null");
        }
        if (reduction == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException(module + ": reduction BATCHMEAN is KLDivLoss's alone; use NONE, MEAN or SUM");
        }
        return reduction;
    }
}
