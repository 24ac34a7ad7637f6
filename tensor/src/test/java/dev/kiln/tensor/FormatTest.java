package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exact strings, as PyTorch would print the same values (expected strings come from a Python
 * re-implementation of torch/_tensor_str.py's default rules), with Kiln's dtype names.
 */
class FormatTest {

    @Test
    void fixedPointWithAlignedSigns() {
        assertThat(Tensor.of(new float[] {1, 2.5f, -3})).hasToString("tensor([ 1.0000,  2.5000, -3.0000])");
    }

    @Test
    void integralFloatsGetATrailingDot() {
        assertThat(Tensor.of(new float[] {1, 2, 3, 4, 5, 60}, 2, 3))
                .hasToString("tensor([[ 1.,  2.,  3.],\n        [ 4.,  5., 60.]])");
        assertThat(Tensor.zeros(2, 2)).hasToString("tensor([[0., 0.],\n        [0., 0.]])");
    }

    @Test
    void scientificWhenTheRangeIsWideOrValuesTiny() {
        assertThat(Tensor.of(new double[] {0.5, 1e-5})).hasToString("tensor([5.0000e-01, 1.0000e-05], dtype=F64)");
        assertThat(Tensor.of(new float[] {0.001f, 1000.5f}, 1, 2)).hasToString("tensor([[1.0000e-03, 1.0005e+03]])");
    }

    @Test
    void summarisesBeyondAThousandElements() {
        assertThat(Tensor.arange(0, 2000, 1.0)).hasToString(
                "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
        assertThat(Tensor.arange(1200).reshape(40, 30)).hasToString("""
                tensor([[   0,    1,    2,  ...,   27,   28,   29],
                        [  30,   31,   32,  ...,   57,   58,   59],
                        [  60,   61,   62,  ...,   87,   88,   89],
                        ...,
                        [1110, 1111, 1112,  ..., 1137, 1138, 1139],
                        [1140, 1141, 1142,  ..., 1167, 1168, 1169],
                        [1170, 1171, 1172,  ..., 1197, 1198, 1199]], dtype=I32)""");
    }

    @Test
    void summarisedThreeDimensional() {
        Tensor t = Tensor.arange(0, 2002, 1.0).div(4).reshape(7, 2, 143);
        assertThat(t).hasToString(String.join("\n",
                "tensor([[[0.0000e+00, 2.5000e-01, 5.0000e-01,  ..., 3.5000e+01,",
                "          3.5250e+01, 3.5500e+01],",
                "         [3.5750e+01, 3.6000e+01, 3.6250e+01,  ..., 7.0750e+01,",
                "          7.1000e+01, 7.1250e+01]],",
                "",
                "        [[7.1500e+01, 7.1750e+01, 7.2000e+01,  ..., 1.0650e+02,",
                "          1.0675e+02, 1.0700e+02],",
                "         [1.0725e+02, 1.0750e+02, 1.0775e+02,  ..., 1.4225e+02,",
                "          1.4250e+02, 1.4275e+02]],",
                "",
                "        [[1.4300e+02, 1.4325e+02, 1.4350e+02,  ..., 1.7800e+02,",
                "          1.7825e+02, 1.7850e+02],",
                "         [1.7875e+02, 1.7900e+02, 1.7925e+02,  ..., 2.1375e+02,",
                "          2.1400e+02, 2.1425e+02]],",
                "",
                "        ...,",
                "",
                "        [[2.8600e+02, 2.8625e+02, 2.8650e+02,  ..., 3.2100e+02,",
                "          3.2125e+02, 3.2150e+02],",
                "         [3.2175e+02, 3.2200e+02, 3.2225e+02,  ..., 3.5675e+02,",
                "          3.5700e+02, 3.5725e+02]],",
                "",
                "        [[3.5750e+02, 3.5775e+02, 3.5800e+02,  ..., 3.9250e+02,",
                "          3.9275e+02, 3.9300e+02],",
                "         [3.9325e+02, 3.9350e+02, 3.9375e+02,  ..., 4.2825e+02,",
                "          4.2850e+02, 4.2875e+02]],",
                "",
                "        [[4.2900e+02, 4.2925e+02, 4.2950e+02,  ..., 4.6400e+02,",
                "          4.6425e+02, 4.6450e+02],",
                "         [4.6475e+02, 4.6500e+02, 4.6525e+02,  ..., 4.9975e+02,",
                "          5.0000e+02, 5.0025e+02]]])"));
    }

    @Test
    void longRowsWrapAtEightyColumns() {
        assertThat(Tensor.arange(0, 30, 1.0).div(8)).hasToString("""
                tensor([0.0000, 0.1250, 0.2500, 0.3750, 0.5000, 0.6250, 0.7500, 0.8750, 1.0000,
                        1.1250, 1.2500, 1.3750, 1.5000, 1.6250, 1.7500, 1.8750, 2.0000, 2.1250,
                        2.2500, 2.3750, 2.5000, 2.6250, 2.7500, 2.8750, 3.0000, 3.1250, 3.2500,
                        3.3750, 3.5000, 3.6250])""");
        assertThat(Tensor.arange(0, 9, 1.0).div(8).to(DType.F64)).hasToString(
                "tensor([0.0000, 0.1250, 0.2500, 0.3750, 0.5000, 0.6250, 0.7500, 0.8750, 1.0000],\n"
                        + "       dtype=F64)");
    }

    @Test
    void intsAndBools() {
        assertThat(Tensor.of(new int[] {1, -20, 300, 4}, 2, 2))
                .hasToString("tensor([[  1, -20],\n        [300,   4]], dtype=I32)");
        assertThat(Tensor.of(new boolean[] {true, false, true})).hasToString("tensor([ True, False,  True], dtype=BOOL)");
        assertThat(Tensor.of(new float[] {1, 5, 2}).gt(1.5)).hasToString("tensor([False,  True,  True], dtype=BOOL)");
        assertThat(Tensor.arange(8).reshape(2, 2, 2))
                .hasToString("tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], dtype=I32)");
    }

    @Test
    void scalarsEmptiesAndNonFinite() {
        assertThat(Tensor.scalar(3.5)).hasToString("tensor(3.5000)");
        assertThat(Tensor.scalar(7, DType.I32)).hasToString("tensor(7, dtype=I32)");
        assertThat(Tensor.zeros(0)).hasToString("tensor([])");
        assertThat(Tensor.zeros(2, 0)).hasToString("tensor([], size=(2, 0))");
        assertThat(Tensor.zeros(DType.I32, 0, 3)).hasToString("tensor([], size=(0, 3), dtype=I32)");
        assertThat(Tensor.of(new float[] {1, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}))
                .hasToString("tensor([1., nan, inf, -inf])");
    }

    @Test
    void requiresGradSuffixAndViewsPrintTheirOwnValues() {
        assertThat(Tensor.of(new double[] {0.25, -1.5}).requiresGrad(true))
                .hasToString("tensor([ 0.2500, -1.5000], dtype=F64, requires_grad=true)");
        assertThat(Tensor.arange(6).reshape(2, 3).t()).hasToString("tensor([[0, 3],\n        [1, 4],\n        [2, 5]], dtype=I32)");
    }
}
