package dev.kiln.layers;

import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Holds sub-modules by index so their parameters are registered ("0.weight", "1.weight", ...); it
 * has no forward of its own. Typed, so a stack of blocks needs no casts:
 * {@code ModuleList<Block> blocks = new ModuleList<>(); blocks.append(new Block(...));}
 */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> modules = new ArrayList<>();

    public ModuleList() {
    }

    public ModuleList(List<? extends M> modules) {
        modules.forEach(this::append);
    }

    /** Adds a module at the end, under the next index; returns this. */
    public ModuleList<M> append(M m) {
        if (m == null) {
            throw new IllegalArgumentException("ModuleList.append: module " + modules.size() + " is null");
        }
        registerModule(Integer.toString(modules.size()), m);
        modules.add(m);
        return this;
    }

    public M get(int index) {
        if (index < 0 || index >= modules.size()) {
            throw new IndexOutOfBoundsException("ModuleList.get: index " + index + " is out of range for "
                    + modules.size() + " modules");
        }
        return modules.get(index);
    }

    public int size() {
        return modules.size();
    }

    @Override
    public Iterator<M> iterator() {
        return List.copyOf(modules).iterator();
    }

    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("ModuleList.forward: a ModuleList has no forward; iterate over its modules");
    }
}
