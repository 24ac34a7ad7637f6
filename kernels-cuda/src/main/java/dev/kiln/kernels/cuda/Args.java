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
    /** Each value as a one-element (or struct-sized) primitive array: long[], int[], double[], float[]. */
    private final List<Object> values = new ArrayList<>();

    Args ptr(long address) {
        return add(Param.PTR, new long[] {address});
    }

    Args i(int v) {
        return add(Param.INT, new int[] {v});
    }

    Args l(long v) {
        return add(Param.LONG, new long[] {v});
    }

    Args d(double v) {
        return add(Param.DOUBLE, new double[] {v});
    }

    Args f(float v) {
        return add(Param.FLOAT, new float[] {v});
    }

    Args layout(int[] packed) {
        if (packed.length != Layout.INTS) {
            throw new IllegalArgumentException("Args.layout: expected " + Layout.INTS + " ints, got " + packed.length);
        }
        return add(Param.LAYOUT, packed.clone());
    }

    Args reduceLayout(int[] packed) {
        if (packed.length != ReduceLayout.INTS) {
            throw new IllegalArgumentException("Args.reduceLayout: expected " + ReduceLayout.INTS + " ints, got "
                    + packed.length);
        }
        return add(Param.REDUCE_LAYOUT, packed.clone());
    }

    Args attnShape(int[] packed) {
        if (packed.length != AttentionShape.INTS) {
            throw new IllegalArgumentException("Args.attnShape: expected " + AttentionShape.INTS + " ints, got "
                    + packed.length);
        }
        return add(Param.ATTN_SHAPE, packed.clone());
    }

    Args convGeom(int[] packed) {
        if (packed.length != ConvGeom.INTS) {
            throw new IllegalArgumentException("Args.convGeom: expected " + ConvGeom.INTS + " ints, got " + packed.length);
        }
        return add(Param.CONV_GEOM, packed.clone());
    }

    Args poolDims(int[] packed) {
        if (packed.length != PoolDispatch.DIMS) {
            throw new IllegalArgumentException("Args.poolDims: expected " + PoolDispatch.DIMS + " ints, got " + packed.length);
        }
        return add(Param.POOL_DIMS, packed.clone());
    }

    private Args add(Param kind, Object value) {
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

    /** cuLaunchKernel's kernelParams for JCuda: a pointer to each value. */
    Pointer kernelParams() {
        Pointer[] ps = new Pointer[values.size()];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = switch (values.get(i)) {
                case long[] a -> Pointer.to(a);
                case int[] a -> Pointer.to(a);
                case double[] a -> Pointer.to(a);
                case float[] a -> Pointer.to(a);
                default -> throw new IllegalStateException();
            };
        }
        return Pointer.to(ps);
    }

    /** The same as a native void** array in {@code arena}, for drivers called through FFM. */
    java.lang.foreign.MemorySegment nativeParams(java.lang.foreign.Arena arena) {
        java.lang.foreign.MemorySegment array = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, values.size());
        for (int i = 0; i < values.size(); i++) {
            java.lang.foreign.MemorySegment v = switch (values.get(i)) {
                case long[] a -> arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_LONG, a);
                case int[] a -> arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, a);
                case double[] a -> arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, a);
                case float[] a -> arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, a);
                default -> throw new IllegalStateException();
            };
            array.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, i, v);
        }
        return array;
    }
}
