package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;

/**
 * Coalescing keeps every element's offsets: for random views (permuted, sliced, expanded, with
 * size-1 and size-0 dims), the offsets a kernel computes from the packed layout, element by
 * element in row-major order, are those Strided.offsets gives for each operand.
 */
class LayoutTest {
    private final Random rnd = new Random(7);

    @Test
    void contiguousOperandsBecomeOneRun() {
        Layout l = Layout.of(new int[] {3, 4, 5}, new int[] {20, 5, 1}, new int[] {20, 5, 1});
        assertThat(l.rank()).isEqualTo(1);
        assertThat(l.shape()).containsExactly(60);
        assertThat(l.isContiguous()).isTrue();
    }

    @Test
    void broadcastRowStaysTwoDims() {
        // a [3, 4] plus a broadcast row [1, 4] -> strides (0, 1)
        Layout l = Layout.of(new int[] {3, 4}, new int[] {4, 1}, new int[] {4, 1}, new int[] {0, 1});
        assertThat(l.shape()).containsExactly(3, 4);
        assertThat(l.strides(2)).containsExactly(0, 1);
        assertThat(l.isContiguous()).isFalse();
    }

    @Test
    void scalarsAndEmptyShapes() {
        Layout scalar = Layout.of(new int[0], new int[0]);
        assertThat(scalar.numel()).isEqualTo(1);
        assertThat(scalar.offsetsOf(0)).containsExactly(0);
        assertThat(Layout.of(new int[] {3, 0, 2}, new int[] {0, 2, 1}).numel()).isZero();
        assertThat(Layout.of(new int[] {1, 1}, new int[] {9, 9}).shape()).containsExactly(1);
    }

    @Test
    void packedStructPutsEachOperandsStridesInItsRow() {
        Layout l = Layout.of(new int[] {2, 3}, new int[] {3, 1}, new int[] {1, 2});
        int[] p = l.pack();
        assertThat(p).hasSize(Layout.INTS);
        assertThat(p[0]).isEqualTo(2);  // rank
        assertThat(p[1]).isEqualTo(6);  // numel
        assertThat(p[2]).isEqualTo(2);
        assertThat(p[3]).isEqualTo(3);
        int strides = 2 + Layout.MAX_DIMS;
        assertThat(p[strides]).isEqualTo(3);
        assertThat(p[strides + 1]).isEqualTo(1);
        assertThat(p[strides + Layout.MAX_DIMS]).isEqualTo(1);
        assertThat(p[strides + Layout.MAX_DIMS + 1]).isEqualTo(2);
    }

    @Test
    void randomViewsKeepEveryOffset() {
        for (int trial = 0; trial < 300; trial++) {
            int rank = rnd.nextInt(6);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(4);
            }
            int ops = 1 + rnd.nextInt(Layout.MAX_OPS);
            List<Tensor> views = new ArrayList<>();
            for (int k = 0; k < ops; k++) {
                views.add(randomView(shape));
            }
            check(shape, views);
        }
    }

    @Test
    void deepLayoutsAreCutIntoChunksOfEightDims() {
        int[] shape = {2, 1, 3, 2, 2, 2, 2, 2, 2, 2, 3};
        // permuting makes every dim its own group
        Tensor t = Tensor.zeros(3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 3).permute(1, 9, 0, 2, 3, 4, 5, 6, 7, 8, 10);
        Tensor u = Tensor.zeros(shape).transpose(0, 10).transpose(0, 10);
        Tensor v = Tensor.zeros(shape[10], shape[9], shape[8], shape[7], shape[6], shape[5], shape[4], shape[3],
                shape[2], shape[1], shape[0]).permute(10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        assertThat(t.shape()).containsExactly(shape);
        Layout l = Layout.of(shape, t.strides(), u.strides(), v.strides());
        assertThat(l.rank()).isGreaterThan(Layout.MAX_DIMS);
        check(shape, List.of(t, u, v));
    }

    /** Walks the layout's chunks as the launches would and compares with Strided.offsets. */
    private static void check(int[] shape, List<Tensor> views) {
        int ops = views.size();
        int[][] strides = new int[ops][];
        int[][] expected = new int[ops][];
        for (int k = 0; k < ops; k++) {
            strides[k] = views.get(k).strides();
            expected[k] = Strided.offsets(views.get(k));
        }
        Layout l = Layout.of(shape, strides);
        int i = 0;
        for (Layout.Chunk c : l.chunks()) {
            assertThat(c.layout().rank()).isLessThanOrEqualTo(Layout.MAX_DIMS);
            int n = Math.toIntExact(c.layout().numel());
            for (int j = 0; j < n; j++, i++) {
                int[] off = c.layout().offsetsOf(j);
                for (int k = 0; k < ops; k++) {
                    assertThat(off[k] + c.offsets()[k] + views.get(k).offset())
                            .as("operand %d, element %d of %s (%s)", k, i, java.util.Arrays.toString(shape), l)
                            .isEqualTo(expected[k][i]);
                }
            }
        }
        assertThat(i).isEqualTo(Math.toIntExact(l.numel()) == 0 ? 0 : expected[0].length);
    }

    /** A tensor of this shape that is a view: contiguous, transposed, sliced or broadcast. */
    private Tensor randomView(int[] shape) {
        int rank = shape.length;
        switch (rnd.nextInt(4)) {
            case 0 -> {
                return Tensor.zeros(shape);
            }
            case 1 -> {
                if (rank < 2) {
                    return Tensor.zeros(shape);
                }
                int[] swapped = shape.clone();
                swapped[0] = shape[rank - 1];
                swapped[rank - 1] = shape[0];
                return Tensor.zeros(swapped).transpose(0, rank - 1);
            }
            case 2 -> {
                if (rank == 0) {
                    return Tensor.zeros(shape);
                }
                int[] bigger = shape.clone();
                int d = rnd.nextInt(rank);
                bigger[d] = shape[d] * 2 + 1;
                return Tensor.zeros(bigger).slice(d, 1, 1 + 2 * shape[d], 2);
            }
            default -> {
                int[] small = shape.clone();
                for (int d = 0; d < rank; d++) {
                    if (rnd.nextBoolean()) {
                        small[d] = 1;
                    }
                }
                return Tensor.zeros(small).expand(shape);
            }
        }
    }
}
