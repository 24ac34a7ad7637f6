package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

import java.util.List;

/** Applies its modules in order; state-dict keys are "0.weight", "1.bias", ... as PyTorch. */
public final class Sequential extends Module {
    private final List<Module> modules;

    public Sequential(Module... modules) {
        this.modules = List.of(modules);
        for (int i = 0; i < modules.length; i++) {
            registerModule(Integer.toString(i), modules[i]);
        }
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : modules) {
            x = m.forward(x);
        }
        return x;
    }

    public Module get(int index) {
        return modules.get(index);
    }

    public int size() {
        return modules.size();
    }
}
