package dev.kiln.layers.conv;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * A 2-d convolution, as {@code torch.nn.Conv2d} (zero padding): input [N, inChannels, H, W] or
 * unbatched [inChannels, H, W]. stride, padding and dilation take one value or (height, width);
 * padding may also be "same" or "valid".
 */
public class Conv2d extends ConvNd {
    private final int[] stride;
    private final int[] padding;
    private final String paddingMode;
    private final int[] dilation;

    /** Stride 1, no padding, dilation 1, one group, with a bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator rng) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {1}, new int[] {0}, new int[] {1}, 1, true, rng);
    }

    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                  int groups, boolean bias, Generator rng) {
        super("Conv2d", inChannels, outChannels, pair(kernelSize), groups, bias, rng);
        this.stride = pair(stride);
        this.padding = pair(padding);
        this.paddingMode = null;
        this.dilation = pair(dilation);
    }

    /** With padding "same" or "valid". */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, String padding, int[] dilation,
                  int groups, boolean bias, Generator rng) {
        super("Conv2d", inChannels, outChannels, pair(kernelSize), groups, bias, rng);
        if (!"same".equals(padding) && !"valid".equals(padding)) {
            throw new IllegalArgumentException("Conv2d: padding must be \"same\", \"valid\" or numbers, got \"" + padding + "\"");
        }
        this.stride = pair(stride);
        this.padding = null;
        this.paddingMode = padding;
        this.dilation = pair(dilation);
    }

    private static int[] pair(int[] v) {
        if (v == null || (v.length != 1 && v.length != 2)) {
            throw new IllegalArgumentException("Conv2d: sizes take 1 or 2 values, got " + Arrays.toString(v));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireDType(describe(), x, weight.dtype());
        return paddingMode != null
                ? Functional.conv2d(x, weight.tensor(), biasTensor(), stride, paddingMode, dilation, groups)
                : Functional.conv2d(x, weight.tensor(), biasTensor(), stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernelSize=" + Arrays.toString(kernelSize) + ", stride="
                + Arrays.toString(stride) + ", padding=" + (paddingMode != null ? paddingMode : Arrays.toString(padding))
                + ", dilation=" + Arrays.toString(dilation) + ", groups=" + groups + ", bias=" + (bias != null);
    }
}
