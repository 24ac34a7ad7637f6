package dev.kiln.layers.transformer;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.ffn.Bilinear;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * The feed-forward sub-layer of a transformer block, fc2(φ(fc1(x))): for MLP, fc1 is a Linear
 * in → hidden and φ is GELU (erf form, as nn.GELU and GPT-2's nanoGPT port); for the gated kinds,
 * fc1 is a {@link Bilinear} in → hidden whose weight [2·hidden, in] holds the gated half on top of
 * the linear half, and φ is its gate. fc2 maps hidden → out. Keys "fc1.weight", "fc1.bias",
 * "fc2.weight", "fc2.bias"; in and out differ only on a compressed (Pre-CRMSNorm) stream.
 */
public final class FeedForward extends Module {
    private final FeedForwardKind kind;
    private final int inFeatures;
    private final Module fc1;
    private final Linear fc2;

    public FeedForward(FeedForwardKind kind, int inFeatures, int hidden, int outFeatures, boolean bias, Generator rng) {
        if (kind == null) {
            throw new IllegalArgumentException("FeedForward: kind is null");
        }
        if (inFeatures < 1 || hidden < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("FeedForward: sizes must be >= 1, got in " + inFeatures + ", hidden " + hidden
                    + ", out " + outFeatures);
        }
        this.kind = kind;
        this.inFeatures = inFeatures;
        this.fc1 = registerModule("fc1", kind.isGated() ? new Bilinear(inFeatures, hidden, kind.gate(), bias, rng)
                : new Linear(inFeatures, hidden, bias, rng));
        this.fc2 = registerModule("fc2", new Linear(hidden, outFeatures, bias, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireFeatures(describe(), x, inFeatures, fc2.weight().dtype());
        // MLP: fc1 and GELU as one op (the activation in the bias's pass over fc1's output)
        Tensor h = kind.isGated() ? fc1.forward(x) : ((Linear) fc1).forward(x, UnaryOp.GELU);
        return fc2.forward(h);
    }

    public FeedForwardKind kind() {
        return kind;
    }

    /** The input projection: a Linear for MLP, a Bilinear for the gated kinds. */
    public Module fc1() {
        return fc1;
    }

    public Linear fc2() {
        return fc2;
    }

    @Override
    protected String extraRepr() {
        return "kind=" + kind.id();
    }
}
