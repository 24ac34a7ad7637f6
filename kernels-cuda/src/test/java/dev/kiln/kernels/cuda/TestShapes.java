package dev.kiln.kernels.cuda;

/** Small shape helpers for tests. */
final class TestShapes {
    private TestShapes() {
    }

    static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= Math.max(1, shape[d]);
        }
        return s;
    }
}
