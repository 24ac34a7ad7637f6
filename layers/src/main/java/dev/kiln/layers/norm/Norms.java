package dev.kiln.layers.norm;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/** The input check the norms share: floating point, the parameters' dtype, and the trailing dims they normalise. */
final class Norms {
    private Norms() {
    }

    static void check(Module layer, Tensor x, int[] normalizedShape, Parameter weight) {
        String who = layer.describe();
        Inputs.requireFloat(who, x);
        if (weight != null) {
            Inputs.requireDType(who, x, weight.dtype());
        }
        int k = normalizedShape.length;
        int[] s = x.shape();
        if (s.length < k || !Arrays.equals(Arrays.copyOfRange(s, s.length - k, s.length), normalizedShape)) {
            throw new IllegalArgumentException(who + ": expected input ending in " + Shapes.str(normalizedShape)
                    + ", got " + Shapes.str(s));
        }
    }
}
