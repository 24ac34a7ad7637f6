package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The layout walk: which runs it makes, and that any split of it visits exactly the strided offsets. */
class StridedLoopTest {

    private static Tensor view(int[] shape, int[] strides, int offset) {
        int span = offset + 1;
        for (int d = 0; d < shape.length; d++) {
            span += Math.max(shape[d] - 1, 0) * Math.abs(strides[d]);
        }
        return Tensor.fromStorage(dev.kiln.tensor.spi.CpuStorage.allocate(dev.kiln.tensor.DType.F32, span), shape, strides,
                offset);
    }

    @Test
    void contiguousTensorsAreOneRun() {
        Tensor a = view(new int[] {3, 4, 5}, Shapes.contiguousStrides(new int[] {3, 4, 5}), 2);
        Tensor b = view(new int[] {3, 4, 5}, Shapes.contiguousStrides(new int[] {3, 4, 5}), 0);
        StridedLoop lp = StridedLoop.of(a, b);
        assertThat(lp.isFlat()).isTrue();
        assertThat(lp.inner).isEqualTo(60);
    }

    @Test
    void broadcastsBecomeRunsWithStrideOneOrZero() {
        int[] shape = {6, 10};
        Tensor out = view(shape, new int[] {10, 1}, 0);
        Tensor row = view(shape, new int[] {0, 1}, 0);
        Tensor col = view(shape, new int[] {1, 0}, 0);
        Tensor scalar = view(shape, new int[] {0, 0}, 0);
        StridedLoop lp = StridedLoop.of(out, row, col, scalar);
        assertThat(lp.inner).isEqualTo(10);
        assertThat(lp.innerStride).containsExactly(1, 1, 0, 0);
        // a scalar operand does not stop a contiguous pair from merging into one run
        StridedLoop flat = StridedLoop.of(out, scalar);
        assertThat(flat.inner).isEqualTo(60);
        assertThat(flat.innerStride).containsExactly(1, 0);
    }

    @Test
    void everySplitVisitsExactlyTheStridedOffsets() {
        int[][] shapes = {{}, {0}, {1}, {7}, {3, 1, 4}, {2, 3, 4}, {5, 1}, {1, 5}};
        for (int[] shape : shapes) {
            int rank = shape.length;
            int[] contiguous = Shapes.contiguousStrides(shape);
            int[] permuted = new int[rank];
            int[] gappy = new int[rank];
            for (int d = 0; d < rank; d++) {
                gappy[d] = contiguous[d] * 3;
            }
            // dims stored in reverse order
            int[] phys = new int[rank];
            for (int d = 0; d < rank; d++) {
                phys[d] = shape[rank - 1 - d];
            }
            int[] ps = Shapes.contiguousStrides(phys);
            for (int d = 0; d < rank; d++) {
                permuted[d] = ps[rank - 1 - d];
            }
            Tensor a = view(shape, contiguous, 1);
            Tensor b = view(shape, permuted, 0);
            Tensor c = view(shape, gappy, 2);
            int[][] expected = {Strided.offsets(a), Strided.offsets(b), Strided.offsets(c)};
            StridedLoop lp = StridedLoop.of(a, b, c);
            int n = lp.numel;
            for (int split = 1; split <= Math.max(n, 1); split++) {
                List<int[]> seen = new ArrayList<>();
                for (int s = 0; s < n; s += split) {
                    int e = Math.min(n, s + split);
                    lp.forEach(s, e, (off, len) -> {
                        for (int i = 0; i < len; i++) {
                            seen.add(new int[] {off[0] + i * lp.innerStride[0], off[1] + i * lp.innerStride[1],
                                off[2] + i * lp.innerStride[2]});
                        }
                    });
                }
                assertThat(seen).hasSize(n);
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < 3; k++) {
                        assertThat(seen.get(i)[k]).as("shape %s split %d element %d operand %d",
                                java.util.Arrays.toString(shape), split, i, k).isEqualTo(expected[k][i]);
                    }
                }
            }
        }
    }
}
