package dev.kiln.layers.norm;

import dev.kiln.layers.Functional;
import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * {@code torch.nn.GroupNorm}: the channels of x [N, C, *] in numGroups groups, each sample's group
 * normalised over its channels and positions (biased variance); weight (1) and bias (0) per
 * channel when affine, exempt from weight decay. eps defaults to 1e-5.
 */
public final class GroupNorm extends Module {
    private final int numGroups;
    private final int numChannels;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true);
    }

    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
        if (numGroups < 1 || numChannels < 1 || numChannels % numGroups != 0) {
            throw new IllegalArgumentException("GroupNorm: numChannels " + numChannels + " must be divisible by numGroups "
                    + numGroups + " (both >= 1)");
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("GroupNorm: eps must be >= 0, got " + eps);
        }
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.weight = affine ? registerParameter("weight", new Parameter(Tensor.ones(numChannels)).noWeightDecay()) : null;
        this.bias = affine ? registerParameter("bias", new Parameter(Tensor.zeros(numChannels)).noWeightDecay()) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFloat(this, x);
        if (x.dim() < 2 || x.size(1) != numChannels) {
            throw new IllegalArgumentException(describe() + ": expected an input [N, " + numChannels + ", *], got "
                    + Shapes.str(x.shape()));
        }
        return Functional.groupNorm(x, numGroups, weight == null ? null : weight.tensor(),
                bias == null ? null : bias.tensor(), eps);
    }

    @Override
    protected String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + eps + ", affine=" + (weight != null);
    }
}
