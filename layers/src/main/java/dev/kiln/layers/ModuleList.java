package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Holds sub-modules by index so their parameters are registered; it has no forward of its own. */
public final class ModuleList extends Module implements Iterable<Module> {
    private final List<Module> modules = new ArrayList<>();

    public ModuleList(List<? extends Module> modules) {
        modules.forEach(this::add);
    }

    public ModuleList add(Module m) {
        registerModule(Integer.toString(modules.size()), m);
        modules.add(m);
        return this;
    }

    public Module get(int index) {
        return modules.get(index);
    }

    public int size() {
        return modules.size();
    }

    @Override
    public Iterator<Module> iterator() {
        return List.copyOf(modules).iterator();
    }

    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("ModuleList.forward: a ModuleList has no forward; iterate over its modules");
    }
}
