package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;

/** The reduction layout visits, for each output in order, exactly the input elements that reduce into it. */
class ReduceLayoutTest {

    @Test
    void keptAndReducedGroupsCoverEveryElementOnce() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int rank = 1 + rnd.nextInt(5);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = 1 + rnd.nextInt(4);
            }
            Tensor x = Tensor.zeros(shape);
            if (rank > 1 && rnd.nextBoolean()) {
                int[] s2 = shape.clone();
                s2[0] = shape[rank - 1];
                s2[rank - 1] = shape[0];
                x = Tensor.zeros(s2).transpose(0, rank - 1);
            }
            int[] dims = java.util.stream.IntStream.range(0, rank).filter(d -> rnd.nextBoolean()).toArray();
            ReduceLayout r = ReduceLayout.of(x.shape(), x.strides(), dims);
            // expected: for output o (row-major over kept dims), the offsets of its elements
            int[] offsets = Strided.offsets(x);
            int[] outShape = x.shape();
            for (int d : dims) {
                outShape[d] = 1;
            }
            int[] outStrides = dev.kiln.kernels.cuda.TestShapes.contiguousStrides(outShape);
            long[] expectedSum = new long[r.outer];
            for (int i = 0; i < offsets.length; i++) {
                int[] idx = Strided.unravel(i, x.shape());
                int o = 0;
                for (int d = 0; d < rank; d++) {
                    o += (outShape[d] == 1 ? 0 : idx[d]) * outStrides[d];
                }
                expectedSum[o] += offsets[i] + 1000L * i;  // any injective-enough checksum
            }
            long[] actualSum = new long[r.outer];
            for (int o = 0; o < r.outer; o++) {
                int base = r.kept.offsetsOf(o)[0];
                for (int e = 0; e < r.inner; e++) {
                    int off = base + r.reduced.offsetsOf(e)[0];
                    int i = indexOf(offsets, off);
                    actualSum[o] += off + 1000L * i;
                }
            }
            assertThat(actualSum).as("shape %s dims %s", java.util.Arrays.toString(shape),
                    java.util.Arrays.toString(dims)).containsExactly(expectedSum);
        }
    }

    @Test
    void singleDimKeepsItsStrideEvenWhenItCouldMerge() {
        ReduceLayout r = ReduceLayout.ofDim(new int[] {4, 5, 6}, new int[] {30, 6, 1}, 1);
        assertThat(r.reduced.rank()).isEqualTo(1);
        assertThat(r.innerReducedStride()).isEqualTo(6);
        assertThat(r.inner).isEqualTo(5);
        assertThat(r.outer).isEqualTo(24);
        int[] p = r.pack();
        assertThat(p).hasSize(ReduceLayout.INTS);
        assertThat(p[0]).isEqualTo(2);  // kept [4, 6] strides [30, 1] do not merge
        assertThat(p[1]).isEqualTo(1);
        assertThat(p[2]).isEqualTo(24);
        assertThat(p[3]).isEqualTo(5);
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        throw new AssertionError("offset " + v + " is not an element");
    }
}
