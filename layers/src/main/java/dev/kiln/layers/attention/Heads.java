package dev.kiln.layers.attention;

import dev.kiln.layers.Inputs;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/** What the attention modules share: input checks and moving features in and out of heads. */
final class Heads {
    private Heads() {
    }

    /**
     * Checks a module input: [B, T, dModel] or unbatched [T, dModel], floating point, in the
     * parameters' dtype. Returns it as [B, T, dModel].
     */
    static Tensor batched(String who, Tensor x, int dModel, DType dtype) {
        Inputs.requireDType(who, x, dtype);
        if ((x.dim() != 2 && x.dim() != 3) || x.size(-1) != dModel) {
            throw new IllegalArgumentException(who + ": expected input [B, T, " + dModel + "] or [T, " + dModel
                    + "], got " + Shapes.str(x.shape()));
        }
        return x.dim() == 2 ? x.unsqueeze(0) : x;
    }

    /** [B, T, H·D] → [B, H, T, D], a view (the fused kernels read it through its strides). */
    static Tensor split(Tensor x, int heads, int headDim) {
        return x.reshape(x.size(0), x.size(1), heads, headDim).transpose(1, 2);
    }

    /** [B, H, T, D] → [B, T, H·D]. */
    static Tensor merge(Tensor x) {
        return x.transpose(1, 2).reshape(x.size(0), x.size(2), x.size(1) * x.size(3));
    }

    /** Boolean [Tq, Tk]: true where query i may see key j ≤ i + Tk − Tq (end-aligned, as the fused ops). */
    static Tensor causalMask(int tq, int tk) {
        boolean[] m = new boolean[tq * tk];
        for (int i = 0; i < tq; i++) {
            for (int j = 0; j < tk; j++) {
                m[i * tk + j] = j <= i + tk - tq;
            }
        }
        return Tensor.of(m, tq, tk);
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
