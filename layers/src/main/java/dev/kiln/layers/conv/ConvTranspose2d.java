package dev.kiln.layers.conv;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * A transposed 2-d convolution, as {@code torch.nn.ConvTranspose2d}: weight [in, out/groups, kH, kW];
 * output size (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 per spatial dim.
 * Initialised as PyTorch, U(±1/√fan_in) with fan_in = weight.size(1)·kH·kW.
 */
public class ConvTranspose2d extends ConvNd {
    private final int[] stride;
    private final int[] padding;
    private final int[] outputPadding;
    private final int[] dilation;

    /** Stride 1, no padding, with a bias. */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, Generator rng) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true,
                new int[] {1}, rng);
    }

    /** In PyTorch's argument order (groups, bias, then dilation). */
    public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding,
                           int[] outputPadding, int groups, boolean bias, int[] dilation, Generator rng) {
        super("ConvTranspose2d", inChannels, outChannels, pair(kernelSize), groups, bias, true, rng);
        this.stride = pair(stride);
        this.padding = pair(padding);
        this.outputPadding = pair(outputPadding);
        this.dilation = pair(dilation);
    }

    private static int[] pair(int[] v) {
        if (v == null || (v.length != 1 && v.length != 2)) {
            throw new IllegalArgumentException("ConvTranspose2d: sizes take 1 or 2 values, got " + Arrays.toString(v));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireDType(describe(), x, weight.dtype());
        return Functional.convTranspose2d(x, weight.tensor(), biasTensor(), stride, padding, outputPadding, groups,
                dilation);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernelSize=" + Arrays.toString(kernelSize) + ", stride="
                + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding) + ", outputPadding="
                + Arrays.toString(outputPadding) + ", groups=" + groups + ", dilation=" + Arrays.toString(dilation)
                + ", bias=" + (bias != null);
    }
}
