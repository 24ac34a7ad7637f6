package dev.kiln.layers.conv;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * A 1-d convolution, as {@code torch.nn.Conv1d} (zero padding): input [N, inChannels, L] or
 * unbatched [inChannels, L]; computed as a 2-d convolution over a height of 1.
 */
public class Conv1d extends ConvNd {
    private final int stride;
    private final int padding;
    private final String paddingMode;
    private final int dilation;

    /** Stride 1, no padding, dilation 1, one group, with a bias. */
    public Conv1d(int inChannels, int outChannels, int kernelSize, Generator rng) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, rng);
    }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups,
                  boolean bias, Generator rng) {
        super("Conv1d", inChannels, outChannels, new int[] {kernelSize}, groups, bias, rng);
        this.stride = stride;
        this.padding = padding;
        this.paddingMode = null;
        this.dilation = dilation;
    }

    /** With padding "same" or "valid". */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, String padding, int dilation, int groups,
                  boolean bias, Generator rng) {
        super("Conv1d", inChannels, outChannels, new int[] {kernelSize}, groups, bias, rng);
        if (!"same".equals(padding) && !"valid".equals(padding)) {
            throw new IllegalArgumentException("Conv1d: padding must be \"same\", \"valid\" or a number, got \"" + padding + "\"");
        }
        this.stride = stride;
        this.padding = 0;
        this.paddingMode = padding;
        this.dilation = dilation;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireDType(describe(), x, weight.dtype());
        return paddingMode != null
                ? Functional.conv1d(x, weight.tensor(), biasTensor(), stride, paddingMode, dilation, groups)
                : Functional.conv1d(x, weight.tensor(), biasTensor(), stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernelSize=" + kernelSize[0] + ", stride=" + stride + ", padding="
                + (paddingMode != null ? paddingMode : String.valueOf(padding)) + ", dilation=" + dilation + ", groups="
                + groups + ", bias=" + (bias != null);
    }
}
