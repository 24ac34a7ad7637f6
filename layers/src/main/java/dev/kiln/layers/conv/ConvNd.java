package dev.kiln.layers.conv;

import dev.kiln.layers.Init;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * What the convolution modules share, as PyTorch's {@code _ConvNd}: the weight [out, in/groups,
 * *kernel] (transposed: [in, out/groups, *kernel]) and bias [out] under PyTorch's key names, checked sizes, and PyTorch's initialisation
 * (kaiming_uniform with a = √5, i.e. U(±1/√fan_in), then bias U(±1/√fan_in)) from the generator.
 */
abstract class ConvNd extends Module {
    final int inChannels;
    final int outChannels;
    final int[] kernelSize;
    final int groups;
    final Parameter weight;
    final Parameter bias;

    ConvNd(String name, int inChannels, int outChannels, int[] kernelSize, int groups, boolean bias, Generator rng) {
        this(name, inChannels, outChannels, kernelSize, groups, bias, false, rng);
    }

    ConvNd(String name, int inChannels, int outChannels, int[] kernelSize, int groups, boolean bias, boolean transposed,
           Generator rng) {
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException(name + ": inChannels and outChannels must be >= 1, got " + inChannels
                    + " and " + outChannels);
        }
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(name + ": groups " + groups + " must be >= 1 and divide inChannels "
                    + inChannels + " and outChannels " + outChannels);
        }
        for (int k : kernelSize) {
            if (k < 1) {
                throw new IllegalArgumentException(name + ": kernelSize must be >= 1, got " + Arrays.toString(kernelSize));
            }
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize.clone();
        this.groups = groups;
        int[] shape = new int[2 + kernelSize.length];
        shape[0] = transposed ? inChannels : outChannels;
        shape[1] = transposed ? outChannels / groups : inChannels / groups;
        System.arraycopy(kernelSize, 0, shape, 2, kernelSize.length);
        this.weight = registerParameter("weight", new Parameter(Tensor.zeros(shape)));
        this.bias = bias ? registerParameter("bias", new Parameter(Tensor.zeros(outChannels))) : null;
        // kaiming_uniform(a = √5) gives U(±1/√fan_in), the same bound as Linear's default
        Init.linearDefault_(weight.tensor(), bias ? this.bias.tensor() : null, rng);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when the layer has none. */
    public Parameter bias() {
        return bias;
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int groups() {
        return groups;
    }

    Tensor biasTensor() {
        return bias == null ? null : bias.tensor();
    }
}
