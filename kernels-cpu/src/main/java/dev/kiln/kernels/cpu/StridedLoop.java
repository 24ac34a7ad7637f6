package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Tensor;

/**
 * Walks several tensors of one shape together, in row-major order, as runs along the innermost dim.
 *
 * <p>Dims of size 1 are dropped and neighbouring dims are merged wherever every operand steps
 * through them evenly, so a contiguous tensor is one run, a row broadcast is rows with a stride-1
 * operand, and a column broadcast is rows with a stride-0 operand. Kernels then only need fast
 * loops for inner strides 1 and 0 and a scalar loop for everything else.
 */
final class StridedLoop {
    /** Elements in the walk. */
    final int numel;
    /** Length of one run (the merged innermost dim). */
    final int inner;
    /** Per operand, its stride along the innermost dim. */
    final int[] innerStride;
    private final int[] outerShape;
    private final int[][] outerStrides;
    private final int[] base;

    /** A run of {@code len} elements; {@code off[k]} is operand k's offset at the run's start (read only). */
    @FunctionalInterface
    interface Body {
        void run(int[] off, int len);
    }

    private StridedLoop(int numel, int inner, int[] innerStride, int[] outerShape, int[][] outerStrides, int[] base) {
        this.numel = numel;
        this.inner = inner;
        this.innerStride = innerStride;
        this.outerShape = outerShape;
        this.outerStrides = outerStrides;
        this.base = base;
    }

    /** Operands are the tensors' own layouts over the first tensor's shape (all shapes must be equal). */
    static StridedLoop of(Tensor... ts) {
        int[][] strides = new int[ts.length][];
        int[] offsets = new int[ts.length];
        for (int k = 0; k < ts.length; k++) {
            strides[k] = ts[k].strides();
            offsets[k] = ts[k].offset();
        }
        return of(ts[0].shape(), strides, offsets);
    }

    /** Operand k has {@code strides[k]} over {@code shape} and starts at {@code offsets[k]}. */
    static StridedLoop of(int[] shape, int[][] strides, int[] offsets) {
        int ops = strides.length;
        long count = 1;
        for (int s : shape) {
            count *= s;
        }
        int numel = (int) count;
        // merged dims, innermost first
        int[] size = new int[shape.length + 1];
        int[][] st = new int[ops][shape.length + 1];
        int r = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (r > 0 && mergeable(strides, d, st, r - 1, size[r - 1])) {
                size[r - 1] *= shape[d];
                continue;
            }
            size[r] = shape[d];
            for (int k = 0; k < ops; k++) {
                st[k][r] = strides[k][d];
            }
            r++;
        }
        if (r == 0) {
            // a single element (or none): one run of length numel
            size[0] = numel;
            r = 1;
        }
        int[] innerStride = new int[ops];
        int[] outerShape = new int[r - 1];
        int[][] outerStrides = new int[ops][r - 1];
        for (int k = 0; k < ops; k++) {
            innerStride[k] = st[k][0];
            for (int i = 1; i < r; i++) {
                outerStrides[k][r - 1 - i] = st[k][i];
            }
        }
        for (int i = 1; i < r; i++) {
            outerShape[r - 1 - i] = size[i];
        }
        return new StridedLoop(numel, numel == 0 ? 0 : size[0], innerStride, outerShape, outerStrides, offsets.clone());
    }

    private static boolean mergeable(int[][] strides, int d, int[][] st, int group, int groupSize) {
        for (int k = 0; k < strides.length; k++) {
            if ((long) st[k][group] * groupSize != strides[k][d]) {
                return false;
            }
        }
        return true;
    }

    /** Runs the body over the runs covering elements [start, end) of the walk. */
    void forEach(int start, int end, Body body) {
        if (start >= end) {
            return;
        }
        int ops = base.length;
        int rank = outerShape.length;
        int row = start / inner;
        int col = start - row * inner;
        int[] idx = new int[rank];
        int[] rowOff = base.clone();
        for (int d = rank - 1; d >= 0; d--) {
            idx[d] = row % outerShape[d];
            row /= outerShape[d];
            for (int k = 0; k < ops; k++) {
                rowOff[k] += idx[d] * outerStrides[k][d];
            }
        }
        int[] off = new int[ops];
        int p = start;
        while (true) {
            int len = Math.min(inner - col, end - p);
            for (int k = 0; k < ops; k++) {
                off[k] = rowOff[k] + col * innerStride[k];
            }
            body.run(off, len);
            p += len;
            if (p >= end) {
                return;
            }
            col = 0;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                for (int k = 0; k < ops; k++) {
                    rowOff[k] += outerStrides[k][d];
                }
                if (idx[d] < outerShape[d]) {
                    break;
                }
                idx[d] = 0;
                for (int k = 0; k < ops; k++) {
                    rowOff[k] -= outerStrides[k][d] * outerShape[d];
                }
            }
        }
    }

    /** Runs the whole walk, split over the pool when it has more than {@code grain} elements. */
    void run(int grain, Body body) {
        Parallel.forRange(numel, grain, (s, e) -> forEach(s, e, body));
    }

    /** Whether the walk is one run with stride 1 for every operand. */
    boolean isFlat() {
        if (outerShape.length != 0) {
            return false;
        }
        for (int s : innerStride) {
            if (s != 1 && numel > 1) {
                return false;
            }
        }
        return true;
    }
}
