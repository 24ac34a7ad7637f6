package dev.kiln.layers;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * Channel dropout, as {@code torch.nn.Dropout2d}: in training each channel of each sample of x
 * [N, C, H, W] (or unbatched [C, H, W]) is zeroed whole with probability p and the rest scaled by
 * 1/(1 − p), the masks drawn from this layer's generator; in eval mode the identity.
 */
public class Dropout2d extends Module {
    private final double p;
    private final Generator rng;

    public Dropout2d(double p, Generator rng) {
        Functional.checkProbability("Dropout2d", p);
        if (rng == null) {
            throw new IllegalArgumentException("Dropout2d: a Generator is required (masks are seeded)");
        }
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException(describe() + ": expected a 3-D or 4-D input [N, C, H, W], got "
                    + Arrays.toString(x.shape()));
        }
        if (!isTraining() || p == 0) {
            return x;
        }
        int[] maskShape = x.shape();
        for (int d = x.dim() - 2; d < x.dim(); d++) {
            maskShape[d] = 1;
        }
        double scale = p == 1 ? 0 : 1 / (1 - p);
        Tensor mask = Init.hostTensor(x.dtype(), maskShape, () -> rng.nextDouble() >= p ? scale : 0);
        return x.mul(mask.to(x.device()));
    }

    public double p() {
        return p;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
