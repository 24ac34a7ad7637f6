package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;
import java.util.Arrays;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's reductions (sum, max, min over any dims; argmax/argmin): rows, columns or strided,
 * onto {@link ReduceKernels}.
 */
final class ReduceDispatch {
    private ReduceDispatch() {
    }

    static void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        if (!f32(out, x)) {
            REF.reduce(op, out, x, dims);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        int yo = out.offset();
        int xo = x.offset();
        int outN = out.numel();
        if (x.numel() == 0) {
            Arrays.fill(y, yo, yo + outN, ReduceKernels.identity(op));
            return;
        }
        if (x.isContiguous()) {
            // merge neighbouring dims of the same kind (kept or reduced), dropping size-1 dims
            int[] shape = x.shape();
            boolean[] reduced = new boolean[shape.length];
            for (int d : dims) {
                reduced[d] = true;
            }
            int[] size = new int[shape.length];
            boolean[] kind = new boolean[shape.length];
            int g = 0;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 1) {
                    continue;
                }
                if (g > 0 && kind[g - 1] == reduced[d]) {
                    size[g - 1] *= shape[d];
                } else {
                    size[g] = shape[d];
                    kind[g] = reduced[d];
                    g++;
                }
            }
            if (g == 0 || (g == 1 && !kind[0])) {
                System.arraycopy(xa, xo, y, yo, outN); // nothing to reduce
                return;
            }
            if (g == 1) {
                reduceAll(op, y, yo, xa, xo, size[0]);
                return;
            }
            if (g == 2 && !kind[0]) {
                int n = size[1];
                Parallel.forRange(size[0], rowGrain(n, GRAIN), (r0, r1) -> ReduceKernels.rows(op, y, yo, xa, xo, r0, r1, n));
                return;
            }
            if (g == 2 || (g == 3 && !kind[0])) {
                int outer = g == 2 ? 1 : size[0];
                reduceColumns(op, y, yo, xa, xo, outer, size[g - 2], size[g - 1]);
                return;
            }
        }
        reduceStrided(op, out, x, dims);
    }

    /** y[yo] = op over n contiguous elements, in partial results over size-fixed chunks (not per thread: the same bits at any thread count). */
    private static void reduceAll(ReduceOp op, float[] y, int yo, float[] x, int xo, int n) {
        int chunks = Parallel.chunks(n, GRAIN);
        if (chunks <= 1) {
            y[yo] = ReduceKernels.reduce(op, x, xo, n);
            return;
        }
        double[] part = new double[chunks];
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int s = (int) ((long) n * c / chunks);
                int e = (int) ((long) n * (c + 1) / chunks);
                part[c] = op == ReduceOp.SUM ? ReduceKernels.sum(x, xo + s, e - s) : ReduceKernels.reduce(op, x, xo + s, e - s);
            }
        });
        double r = part[0];
        for (int c = 1; c < chunks; c++) {
            r = switch (op) {
                case SUM -> r + part[c];
                case MAX -> Math.max(r, part[c]);
                case MIN -> Math.min(r, part[c]);
            };
        }
        y[yo] = (float) r;
    }

    /** x viewed as [outer, n, inner] reduced over n into y [outer, inner]. */
    private static void reduceColumns(ReduceOp op, float[] y, int yo, float[] x, int xo, int outer, int n, int inner) {
        long work = (long) outer * n * inner;
        int slab = n * inner;
        if (outer >= Parallel.MAX_CHUNKS || work < 2L * GRAIN) {
            Parallel.forRange(outer, rowGrain(slab, GRAIN), (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    ReduceKernels.columns(op, y, yo + o * inner, x, xo + o * slab, n, inner, 0, inner);
                }
            });
        } else if (inner >= 2 * Parallel.MAX_CHUNKS * Simd.F32.length()) {
            // few slabs, wide rows: split the columns
            Parallel.forRange(inner, Math.max(Simd.F32.length(), rowGrain(n, GRAIN)), (c0, c1) -> {
                for (int o = 0; o < outer; o++) {
                    ReduceKernels.columns(op, y, yo + o * inner, x, xo + o * slab, n, inner, c0, c1);
                }
            });
        } else {
            // few slabs, narrow rows, many of them: partial results per block of rows
            int chunks = Parallel.chunks(n, rowGrain(inner, GRAIN));
            int outN = outer * inner;
            float[] part = new float[chunks * outN];
            Parallel.forRange(chunks, 1, (c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    int k0 = (int) ((long) n * c / chunks);
                    int k1 = (int) ((long) n * (c + 1) / chunks);
                    for (int o = 0; o < outer; o++) {
                        ReduceKernels.columns(op, part, c * outN + o * inner, x, xo + o * slab + k0 * inner, k1 - k0,
                                inner, 0, inner);
                    }
                }
            });
            for (int i = 0; i < outN; i++) {
                float r = part[i];
                for (int c = 1; c < chunks; c++) {
                    r = ReduceKernels.combine(op, r, part[c * outN + i]);
                }
                y[yo + i] = r;
            }
        }
    }

    /** Any layout: walk x with the output's strides set to 0 on the reduced dims (one thread). */
    private static void reduceStrided(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        float[] y = f(out);
        float[] xa = f(x);
        int yo = out.offset();
        Arrays.fill(y, yo, yo + out.numel(), ReduceKernels.identity(op));
        int[] outStrides = Shapes.contiguousStrides(out.shape());
        for (int d : dims) {
            outStrides[d] = 0;
        }
        StridedLoop lp = StridedLoop.of(x.shape(), new int[][] {outStrides, x.strides()}, new int[] {yo, x.offset()});
        int ys = lp.innerStride[0];
        int xs = lp.innerStride[1];
        lp.forEach(0, lp.numel, (o, len) -> {
            if (ys == 0) {
                y[o[0]] = ReduceKernels.combine(op, y[o[0]], ReduceKernels.reduceStrided(op, xa, o[1], xs, len));
            } else {
                ReduceKernels.accumulate(op, y, o[0], ys, xa, o[1], xs, len);
            }
        });
    }

    static void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        if (!f32(x) || !x.isContiguous() || out.dtype() != DType.I32) {
            REF.argReduce(op, out, x, dim);
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        int[] y = ints(out);
        float[] xa = f(x);
        boolean max = op == ReduceOp.MAX;
        Parallel.forRange(outer, rowGrain(n * inner, GRAIN),
                (o0, o1) -> ReduceKernels.arg(max, y, out.offset(), xa, x.offset(), o0, o1, n, inner));
    }
}
