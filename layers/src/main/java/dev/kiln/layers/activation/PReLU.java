package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * max(0, x) + a·min(0, x) with a learned slope a (He et al. 2015), as {@code torch.nn.PReLU}:
 * one slope shared by all positions (numParameters = 1) or one per channel at dim 1, initialised
 * to 0.25 and exempt from weight decay (the paper: decay would push the slopes toward ReLU).
 */
public final class PReLU extends Module {
    private final int numParameters;
    private final Parameter weight;

    /** One shared slope, initialised to 0.25. */
    public PReLU() {
        this(1, 0.25);
    }

    public PReLU(int numParameters) {
        this(numParameters, 0.25);
    }

    public PReLU(int numParameters, double init) {
        if (numParameters < 1) {
            throw new IllegalArgumentException("PReLU: numParameters must be >= 1, got " + numParameters);
        }
        this.numParameters = numParameters;
        this.weight = registerParameter("weight", new Parameter(Tensor.full(init, numParameters)).noWeightDecay());
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireDType(describe(), x, weight.dtype());
        if (numParameters > 1 && (x.dim() < 2 || x.size(1) != numParameters)) {
            throw new IllegalArgumentException(describe() + ": expected input with " + numParameters
                    + " channels at dim 1, got " + Shapes.str(x.shape()));
        }
        return x.prelu(weight.tensor());
    }

    public Parameter weight() {
        return weight;
    }

    public int numParameters() {
        return numParameters;
    }

    @Override
    protected String extraRepr() {
        return "numParameters=" + numParameters;
    }
}
