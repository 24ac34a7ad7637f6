package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DirectConvChannels#cells}, the copy of a strided input into its phase cells: by register
 * transposes ({@link DirectConvChannels#transposedCells}) it writes exactly the cells, and the values,
 * of the copy it replaced (float by float, or a gathered vector of channels with 32 registers), into
 * buffers filled with a sentinel beforehand, so a cell written by one and not the other, or past the
 * cells, shows. Shapes: ResNet-18's stride-2 128 → 256 and a smaller copy of it, odd and even sizes,
 * padding 0 to 2, stride 3, channel counts and planes off the vector (the last block overlapping), a
 * plane under a vector, chunks.
 */
class DirectConvChannelsKernelsTest {
    private static final int L = Simd.F32.length();

    /** {n, cIn, h, w, cOut, k, stride, pad}. */
    private static ConvShape shape(int cIn, int h, int w, int k, int stride, int pad) {
        return new ConvShape(1, cIn, h, w, 32, k, k, stride, stride, pad, pad, 1, 1, 1,
                (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1);
    }

    @Test
    void transposedCopyWritesTheCellsOfTheScalarCopy() {
        var rng = new Generator(5);
        ConvShape[] shapes = {
            shape(128, 28, 28, 3, 2, 1), // ResNet-18's stride-2 128 -> 256
            shape(2 * L, 9, 9, 3, 2, 1),  // odd size
            shape(2 * L + 3, 10, 11, 3, 2, 0), // channels off the vector, no padding
            shape(L, 2, 9, 3, 2, 1),     // a plane of 18 positions: its last block overlaps
            shape(L, 1, 5, 3, 2, 1),     // 5 positions, under a vector: the old copy
            shape(L + 1, 11, 13, 3, 3, 1), // stride 3
            shape(3 * L, 12, 12, 5, 2, 2), // 5 x 5, padding 2
        };
        boolean was = DirectConvChannels.transposedCells;
        try {
            for (ConvShape s : shapes) {
                DirectConv.Grid gr = DirectConv.Grid.of(s);
                int cpg = s.cInPerGroup();
                int cells = gr.positionsUpTo(DirectConvChannels.positions(DirectConvKernels.WIDE))
                        + Arrays.stream(gr.taps()).max().orElse(0);
                float[] x = AbTiming.randn(rng, 3 + cpg * s.h() * s.w());
                for (int chunk : new int[] {cpg, L, L + 2}) {
                    if (chunk > cpg) {
                        continue;
                    }
                    float[] scalar = new float[cells * cpg];
                    float[] vector = new float[cells * cpg];
                    Arrays.fill(scalar, -7f);
                    Arrays.fill(vector, -7f);
                    DirectConvChannels.transposedCells = false;
                    DirectConvChannels.cells(scalar, cells, x, 3, cpg, chunk, s, gr);
                    DirectConvChannels.transposedCells = true;
                    DirectConvChannels.cells(vector, cells, x, 3, cpg, chunk, s, gr);
                    String what = s + ", chunks of " + chunk;
                    assertThat(DirectConvChannels.transposedCells(cpg, chunk, s.h() * s.w())).as(what)
                            .isEqualTo(ChannelsLast.VECTOR && cpg - (cpg - 1) / chunk * chunk >= L && s.h() * s.w() >= L);
                    assertThat(vector).as(what).containsExactly(scalar);
                }
            }
        } finally {
            DirectConvChannels.transposedCells = was;
        }
    }
}
