package dev.kiln.layers;

import dev.kiln.layers.activation.ReLU;
import dev.kiln.layers.norm.BatchNorm;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Applies its modules in order; state-dict keys are "0.weight", "1.bias", ... as PyTorch. A BatchNorm
 * followed by a ReLU runs as {@link BatchNorm#forwardRelu}, one op with the same values and gradients.
 */
public final class Sequential extends Module implements Iterable<Module> {
    private final List<Module> modules = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) {
            append(m);
        }
    }

    public Sequential(List<? extends Module> modules) {
        modules.forEach(this::append);
    }

    /** Adds a module at the end, under the next index; returns this. */
    public Sequential append(Module m) {
        if (m == null) {
            throw new IllegalArgumentException("Sequential.append: module " + modules.size() + " is null");
        }
        registerModule(Integer.toString(modules.size()), m);
        modules.add(m);
        return this;
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            if (m instanceof BatchNorm bn && i + 1 < modules.size() && modules.get(i + 1) instanceof ReLU) {
                x = bn.forwardRelu(x);
                i++;
            } else {
                x = m.forward(x);
            }
        }
        return x;
    }

    public Module get(int index) {
        if (index < 0 || index >= modules.size()) {
            throw new IndexOutOfBoundsException("Sequential.get: index " + index + " is out of range for "
                    + modules.size() + " modules");
        }
        return modules.get(index);
    }

    public int size() {
        return modules.size();
    }

    @Override
    public Iterator<Module> iterator() {
        return List.copyOf(modules).iterator();
    }
}
