package dev.kiln.layers.conv;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/** {@code torch.nn.AvgPool3d}: stride defaults to the kernel size; countIncludePad defaults to true. */
public class AvgPool3d extends Module {
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;
    private final Integer divisorOverride;

    /** Stride = kernel, no padding, floor mode, padding counted. */
    public AvgPool3d(int kernelSize) {
        this(new int[] {kernelSize}, null, new int[] {0}, false, true, null);
    }

    /** stride null means the kernel size; divisorOverride null means none. */
    public AvgPool3d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                     Integer divisorOverride) {
        this.kernelSize = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        return Functional.avgPool3d(x, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    @Override
    protected String extraRepr() {
        return "kernelSize=" + Arrays.toString(kernelSize) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + ", ceilMode=" + ceilMode + ", countIncludePad=" + countIncludePad
                + (divisorOverride != null ? ", divisorOverride=" + divisorOverride : "");
    }
}
