package dev.kiln.kernels.cuda;

import java.util.ArrayList;
import java.util.List;

import jcuda.Pointer;

/**
 * A kernel's arguments in order, each with its {@link Param} kind, turned into the
 * {@code void** kernelParams} that cuLaunchKernel takes (one host pointer per argument).
 */
final class Args {
    private final List<Param> kinds = new ArrayList<>();
    private final List<Pointer> values = new ArrayList<>();

    Args ptr(long address) {
        return add(Param.PTR, Pointer.to(new long[] {address}));
    }

    Args i(int v) {
        return add(Param.INT, Pointer.to(new int[] {v}));
    }

    Args l(long v) {
        return add(Param.LONG, Pointer.to(new long[] {v}));
    }

    Args d(double v) {
        return add(Param.DOUBLE, Pointer.to(new double[] {v}));
    }

    Args f(float v) {
        return add(Param.FLOAT, Pointer.to(new float[] {v}));
    }

    Args layout(int[] packed) {
        if (packed.length != Layout.INTS) {
            throw new IllegalArgumentException("Args.layout: expected " + Layout.INTS + " ints, got " + packed.length);
        }
        return add(Param.LAYOUT, Pointer.to(packed));
    }

    Args reduceLayout(int[] packed) {
        if (packed.length != ReduceLayout.INTS) {
            throw new IllegalArgumentException("Args.reduceLayout: expected " + ReduceLayout.INTS + " ints, got "
                    + packed.length);
        }
        return add(Param.REDUCE_LAYOUT, Pointer.to(packed));
    }

    Args attnShape(int[] packed) {
        if (packed.length != AttentionShape.INTS) {
            throw new IllegalArgumentException("Args.attnShape: expected " + AttentionShape.INTS + " ints, got "
                    + packed.length);
        }
        return add(Param.ATTN_SHAPE, Pointer.to(packed));
    }

    private Args add(Param kind, Pointer value) {
        kinds.add(kind);
        values.add(value);
        return this;
    }

    List<Param> kinds() {
        return List.copyOf(kinds);
    }

    /** Fails unless these arguments match the kernel's parameter list. */
    void check(KernelSpec spec, String name) {
        if (!kinds.equals(spec.params())) {
            throw new IllegalArgumentException("cuda: kernel " + name + " takes " + spec.params() + " but was given "
                    + kinds);
        }
    }

    Pointer kernelParams() {
        return Pointer.to(values.toArray(new Pointer[0]));
    }
}
