package dev.kiln.layers.ffn;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * The classic feed-forward block fc2(act(fc1(x))): Linear(dIn, dHidden) → activation →
 * Linear(dHidden, dOut). Keys "fc1.weight", "fc1.bias", "fc2.weight", ... (timm's Mlp names);
 * the activation is any module (a learnable one, e.g. PReLU, registers its parameters as "act.*").
 */
public final class MLP extends Module {
    private final Linear fc1;
    private final Module act;
    private final Linear fc2;

    public MLP(int dIn, int dHidden, int dOut, Module activation, Generator rng) {
        this(dIn, dHidden, dOut, activation, true, rng);
    }

    public MLP(int dIn, int dHidden, int dOut, Module activation, boolean bias, Generator rng) {
        if (activation == null) {
            throw new IllegalArgumentException("MLP: activation is null (use new Identity() for none)");
        }
        this.fc1 = registerModule("fc1", new Linear(dIn, dHidden, bias, rng));
        this.act = registerModule("act", activation);
        this.fc2 = registerModule("fc2", new Linear(dHidden, dOut, bias, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        return fc2.forward(act.forward(fc1.forward(x)));
    }

    public Linear fc1() {
        return fc1;
    }

    public Module act() {
        return act;
    }

    public Linear fc2() {
        return fc2;
    }
}
