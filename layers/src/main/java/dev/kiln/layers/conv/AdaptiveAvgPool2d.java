package dev.kiln.layers.conv;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/** {@code torch.nn.AdaptiveAvgPool2d}: averages windows that tile the input into outputSize cells. */
public class AdaptiveAvgPool2d extends Module {
    private final int[] outputSize;

    /** A square output. */
    public AdaptiveAvgPool2d(int outputSize) {
        this(new int[] {outputSize});
    }

    /** One value (square) or (height, width). */
    public AdaptiveAvgPool2d(int[] outputSize) {
        if (outputSize.length != 1 && outputSize.length != 2 || Arrays.stream(outputSize).anyMatch(v -> v < 1)) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: outputSize must be 1 or 2 values >= 1, got "
                    + Arrays.toString(outputSize));
        }
        this.outputSize = outputSize.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return Functional.adaptiveAvgPool2d(x, outputSize);
    }

    @Override
    protected String extraRepr() {
        return "outputSize=" + Arrays.toString(outputSize);
    }
}
