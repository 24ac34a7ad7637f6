package dev.kiln.tensor;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/** Reads a scalar or rectangular nested Java array into a tensor (Tensor.tensor). */
final class NestedArrays {
    private NestedArrays() {
    }

    static Tensor toTensor(Object data) {
        if (data == null) {
            throw new IllegalArgumentException("tensor: data is null");
        }
        switch (data) {
            case Float f -> {
                return Tensor.of(new float[] {f}).reshape();
            }
            case Double d -> {
                return Tensor.of(new double[] {d}).reshape();
            }
            case Integer i -> {
                return Tensor.of(new int[] {i}).reshape();
            }
            case Long l -> {
                return Tensor.of(new long[] {l}).reshape();
            }
            case Byte b -> {
                return Tensor.of(new byte[] {b}).reshape();
            }
            case Boolean b -> {
                return Tensor.of(new boolean[] {b}).reshape();
            }
            default -> {
            }
        }
        if (!data.getClass().isArray()) {
            throw new IllegalArgumentException("tensor: expected a number, a boolean or nested arrays of them, got "
                    + data.getClass().getSimpleName());
        }
        List<Integer> shape = new ArrayList<>();
        Class<?> leaf = data.getClass();
        Object probe = data;
        while (leaf.isArray()) {
            int n = Array.getLength(probe);
            shape.add(n);
            leaf = leaf.getComponentType();
            if (leaf.isArray()) {
                probe = n > 0 ? Array.get(probe, 0) : null;
                if (probe == null) {
                    // an empty outer dim: the inner sizes are unknown, as an empty Python list's; they are 0
                    while (leaf.isArray()) {
                        shape.add(0);
                        leaf = leaf.getComponentType();
                    }
                    break;
                }
            }
        }
        int[] dims = shape.stream().mapToInt(Integer::intValue).toArray();
        int count = Shapes.checkShape("tensor", dims);
        Object flat;
        if (leaf == float.class) {
            flat = new float[count];
        } else if (leaf == double.class) {
            flat = new double[count];
        } else if (leaf == int.class) {
            flat = new int[count];
        } else if (leaf == long.class) {
            flat = new long[count];
        } else if (leaf == byte.class) {
            flat = new byte[count];
        } else if (leaf == boolean.class) {
            flat = new boolean[count];
        } else {
            throw new IllegalArgumentException("tensor: nested arrays must hold float, double, int, long, byte or boolean, got "
                    + leaf.getSimpleName());
        }
        copy(data, dims, 0, flat, new int[] {0});
        Tensor t = switch (flat) {
            case float[] f -> Tensor.of(f);
            case double[] d -> Tensor.of(d);
            case int[] i -> Tensor.of(i);
            case long[] l -> Tensor.of(l);
            case byte[] b -> Tensor.of(b);
            case boolean[] b -> Tensor.of(b);
            default -> throw new IllegalStateException("tensor: unreachable");
        };
        return t.reshape(dims);
    }

    private static void copy(Object src, int[] dims, int depth, Object flat, int[] at) {
        int n = Array.getLength(src);
        if (n != dims[depth]) {
            throw new IllegalArgumentException("tensor: the nested arrays are ragged: dim " + depth + " has length "
                    + n + " here but " + dims[depth] + " in the first element");
        }
        if (depth == dims.length - 1) {
            System.arraycopy(src, 0, flat, at[0], n);
            at[0] += n;
            return;
        }
        for (int i = 0; i < n; i++) {
            Object child = Array.get(src, i);
            if (child == null) {
                throw new IllegalArgumentException("tensor: a null row at dim " + depth + ", index " + i);
            }
            copy(child, dims, depth + 1, flat, at);
        }
    }
}
