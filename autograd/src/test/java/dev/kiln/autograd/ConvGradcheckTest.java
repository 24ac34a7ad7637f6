package dev.kiln.autograd;

import dev.kiln.tensor.ConvOps;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Pool3dOps;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * conv2d, conv1d and the pooling ops against finite differences in F64, over strides, paddings
 * ("same" with an even kernel included), dilations and groups; and the argument checks, each of
 * which must name the op and the shapes at fault.
 */
class ConvGradcheckTest {
    private final Generator rng = new Generator(16);

    private Tensor leaf(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64).requiresGrad(true);
    }

    private static int[] v(int... values) {
        return values;
    }

    @Test
    void conv2dGradients() {
        // {n, c, h, w, o, k, stride, pad, dilation, groups}
        int[][] cases = {{2, 3, 5, 4, 2, 3, 1, 1, 1, 1}, {1, 2, 7, 6, 3, 3, 2, 1, 1, 1}, {2, 4, 5, 5, 4, 2, 1, 0, 2, 2},
            {1, 3, 4, 4, 6, 3, 1, 1, 1, 3}, {2, 2, 3, 3, 2, 1, 2, 0, 1, 1}, {1, 1, 6, 5, 1, 3, 3, 2, 2, 1}};
        for (int[] c : cases) {
            GradCheck.assertGradients(in -> ConvOps.conv2d(in[0], in[1], in[2], v(c[6]), v(c[7]), v(c[8]), c[9]),
                    leaf(c[0], c[1], c[2], c[3]), leaf(c[4], c[1] / c[9], c[5], c[5]), leaf(c[4]));
        }
        GradCheck.assertGradients(in -> ConvOps.conv2d(in[0], in[1], null, v(1, 2), v(0, 1), v(2, 1), 1),
                leaf(2, 2, 6, 7), leaf(3, 2, 2, 3));
        GradCheck.assertGradients(in -> ConvOps.conv2d(in[0], in[1], in[2], v(1), "same", v(1), 1),
                leaf(1, 2, 5, 6), leaf(2, 2, 4, 3), leaf(2));
        // unbatched input, and a non-contiguous one
        GradCheck.assertGradients(in -> ConvOps.conv2d(in[0], in[1], null, v(1), v(1), v(1), 1), leaf(2, 4, 4),
                leaf(3, 2, 3, 3));
        GradCheck.assertGradients(in -> ConvOps.conv2d(in[0].transpose(2, 3), in[1], null, v(1), v(0), v(1), 1),
                leaf(1, 2, 5, 4), leaf(2, 2, 2, 2));
    }

    @Test
    void conv1dGradients() {
        GradCheck.assertGradients(in -> ConvOps.conv1d(in[0], in[1], in[2], 2, 1, 2, 2), leaf(2, 4, 9), leaf(4, 2, 3),
                leaf(4));
        GradCheck.assertGradients(in -> ConvOps.conv1d(in[0], in[1], null, 1, "same", 1, 1), leaf(3, 8), leaf(2, 3, 4));
    }

    @Test
    void convTranspose3dIsTheAdjointOfConv3dAndDifferentiates() {
        // <conv3d(x, w), y> = <x, convTranspose3d(y, w)>, with outputPadding restoring x's depth
        Tensor x = leaf(1, 2, 5, 4, 4).detach();
        Tensor w = leaf(3, 2, 2, 3, 2).detach();
        Tensor conv = ConvOps.conv3d(x, w, null, v(2, 1, 2), v(1, 0, 1), v(1), 1);
        assertThat(conv.shape()).containsExactly(1, 3, 3, 2, 3);
        Tensor y = leaf(1, 3, 3, 2, 3).detach();
        Tensor back = ConvOps.convTranspose3d(y, w, null, v(2, 1, 2), v(1, 0, 1), v(1, 0, 0), 1, v(1));
        assertThat(back.shape()).containsExactly(x.shape());
        assertThat(back.mul(x).sum().item()).isCloseTo(conv.mul(y).sum().item(), org.assertj.core.data.Offset.offset(1e-10));
        GradCheck.assertGradients(in -> ConvOps.convTranspose3d(in[0], in[1], in[2], v(2, 1, 1), v(1, 0, 1), v(1, 0, 0),
                2, v(1, 1, 2)), leaf(1, 2, 3, 3, 3), leaf(2, 1, 2, 2, 2), leaf(2));
        assertThatThrownBy(() -> ConvOps.convTranspose3d(Tensor.zeros(1, 2, 2, 4, 4), Tensor.zeros(3, 2, 1, 1, 1), null,
                v(1), v(0), v(0), 1, v(1))).hasMessageStartingWith("convTranspose3d: expected weight.size(0) = input channels");
        assertThatThrownBy(() -> ConvOps.convTranspose3d(Tensor.zeros(1, 2, 2, 4, 4), Tensor.zeros(2, 2, 1, 1, 1), null,
                v(1), v(0), v(1), 1, v(1))).hasMessageStartingWith("convTranspose3d: depth stride 1");
    }

    @Test
    void maxPoolBackwardRefusesIndicesOutsideThePlane() {
        Tensor dy = Tensor.ones(1, 1, 2, 2);
        assertThatThrownBy(() -> PoolOps.maxPoolBackward(dy, Tensor.of(new int[] {0, 1, 2, 9}, 1, 4), new int[] {1, 1, 3, 3}))
                .hasMessageStartingWith("maxPoolBackward: an index lies outside its input plane of 9 elements");
        assertThatThrownBy(() -> PoolOps.maxPoolBackward(dy, Tensor.of(new int[] {0, 1, 2}, 1, 3), new int[] {1, 1, 3, 3}))
                .hasMessageStartingWith("maxPoolBackward: expected I32 indices [planes, outPlane]");
        Tensor dx = PoolOps.maxPoolBackward(dy, Tensor.of(new int[] {0, 4, 4, 8}, 1, 4), new int[] {1, 1, 3, 3});
        assertThat(dx.toFloatArray()).containsExactly(1, 0, 0, 0, 2, 0, 0, 0, 1);
    }

    @Test
    void conv3dGradients() {
        GradCheck.assertGradients(in -> ConvOps.conv3d(in[0], in[1], in[2], v(2, 1, 1), v(1, 0, 1), v(1), 1),
                leaf(1, 2, 4, 3, 3), leaf(2, 2, 2, 2, 2), leaf(2));
        assertThatThrownBy(() -> ConvOps.conv3d(Tensor.zeros(1, 2, 2, 4, 4), Tensor.zeros(2, 2, 3, 3, 3), null, v(1),
                v(0), v(1), 1)).hasMessageStartingWith("conv3d: the kernel (dilated size 3) is bigger than the padded input (size 2)");
        assertThatThrownBy(() -> ConvOps.conv3d(Tensor.zeros(1, 2, 2, 4, 4), Tensor.zeros(2, 2, 1, 1, 1), null, v(1, 1),
                v(0), v(1), 1)).hasMessageStartingWith("conv3d: stride must have 1 or 3 values");
    }

    @Test
    void convTransposeGradients() {
        GradCheck.assertGradients(in -> ConvOps.convTranspose2d(in[0], in[1], in[2], v(2), v(1), v(1), 1, v(1)),
                leaf(2, 3, 3, 4), leaf(3, 2, 3, 3), leaf(2));
        GradCheck.assertGradients(in -> ConvOps.convTranspose2d(in[0], in[1], null, v(1, 2), v(0, 1), v(0, 1), 2, v(2, 1)),
                leaf(1, 4, 3, 3), leaf(4, 1, 2, 3));
        GradCheck.assertGradients(in -> ConvOps.convTranspose1d(in[0], in[1], in[2], 2, 0, 1, 1, 1), leaf(2, 2, 4),
                leaf(2, 3, 3), leaf(3));
        assertThatThrownBy(() -> ConvOps.convTranspose2d(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(2, 2, 3, 3), null, v(1),
                v(0), v(0), 1, v(1))).hasMessageStartingWith("convTranspose2d: expected the input to have weight.size(0) = 2 "
                + "channels, got 3");
        assertThatThrownBy(() -> ConvOps.convTranspose2d(Tensor.zeros(1, 2, 4, 4), Tensor.zeros(2, 2, 3, 3), null, v(2),
                v(0), v(2), 1, v(1))).hasMessageStartingWith("convTranspose2d: outputPadding [2, 2] must be >= 0 and "
                + "smaller than stride [2, 2] or dilation [1, 1]");
        assertThatThrownBy(() -> ConvOps.convTranspose2d(Tensor.zeros(1, 2, 1, 1), Tensor.zeros(2, 2, 1, 1), null, v(1),
                v(1), v(0), 1, v(1))).hasMessageStartingWith("convTranspose2d: the output size -1 in spatial dim 0 is not positive");
    }

    @Test
    void poolingGradients() {
        GradCheck.assertGradients(in -> PoolOps.avgPool2d(in[0], v(3), v(2), v(1), true, false, null), leaf(2, 2, 7, 6));
        GradCheck.assertGradients(in -> PoolOps.avgPool2d(in[0], v(2, 3), null, v(1), false, true, 4), leaf(1, 2, 5, 7));
        GradCheck.assertGradients(in -> PoolOps.adaptiveAvgPool2d(in[0], v(3, 4)), leaf(2, 2, 7, 6));
        // random inputs have no ties, so the max is differentiable where it is evaluated
        GradCheck.assertGradients(in -> PoolOps.maxPool2d(in[0], v(3), v(2), v(1), v(1), true), leaf(2, 2, 7, 6));
        GradCheck.assertGradients(in -> PoolOps.maxPool2d(in[0], v(2), v(1), v(1), v(2), false), leaf(1, 2, 6, 6));
        GradCheck.assertGradients(in -> PoolOps.adaptiveMaxPool2d(in[0], v(2, 3)), leaf(1, 3, 5, 7));
        GradCheck.assertGradients(in -> PoolOps.maxPool1d(in[0], 3, 2, 1, 1, false), leaf(2, 3, 8));
        GradCheck.assertGradients(in -> PoolOps.avgPool1d(in[0], 3, 2, 1, true, true), leaf(2, 3, 8));
    }

    @Test
    void pool3dGradients() {
        GradCheck.assertGradients(in -> Pool3dOps.avgPool3d(in[0], v(3), v(2), v(1), true, false, null),
                leaf(1, 2, 5, 6, 5));
        GradCheck.assertGradients(in -> Pool3dOps.avgPool3d(in[0], v(2, 1, 3), null, v(1, 0, 1), false, true, 4),
                leaf(2, 1, 4, 3, 7));
        // random inputs have no ties, so the max is differentiable where it is evaluated
        GradCheck.assertGradients(in -> Pool3dOps.maxPool3d(in[0], v(3), v(2), v(1), v(1), true), leaf(1, 2, 5, 6, 5));
        GradCheck.assertGradients(in -> Pool3dOps.maxPool3d(in[0], v(2), v(1), v(1), v(2, 1, 2), false),
                leaf(1, 1, 5, 4, 5));
        GradCheck.assertGradients(in -> Pool3dOps.avgPool3d(in[0], v(2), v(1), v(0), false, true, null), leaf(2, 3, 4, 3));
    }

    @Test
    void maxPool3dGradientGoesToTheRecordedIndexOnTies() {
        Tensor x = Tensor.of(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 2, 2, 2).requiresGrad(true);
        var r = Pool3dOps.maxPool3dWithIndices(x, v(2), null, v(0), v(1), false);
        assertThat(r.indices().toDoubleArray()).containsExactly(0);
        r.values().sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void pool3dRefusesBadArguments() {
        Tensor x = Tensor.zeros(1, 2, 5, 5, 5);
        assertThatThrownBy(() -> Pool3dOps.maxPool3d(x, v(2), null, v(0, 2, 0), v(1), false))
                .hasMessageStartingWith("maxPool3d: padding must be between 0 and half the kernel size, got padding [0, 2, 0]");
        assertThatThrownBy(() -> Pool3dOps.maxPool3d(x, v(2, 2), null, v(0), v(1), false))
                .hasMessageStartingWith("maxPool3d: kernelSize must have 1 or 3 values, got [2, 2]");
        assertThatThrownBy(() -> Pool3dOps.maxPool3d(x, v(2), v(0), v(0), v(1), false))
                .hasMessageStartingWith("maxPool3d: stride must be >= 1");
        assertThatThrownBy(() -> Pool3dOps.maxPool3d(x, v(3), null, v(0), v(1, 1, 3), false))
                .hasMessageStartingWith("maxPool3d: input [1, 2, 5, 5, 5] is too small for a kernel of dilated size 7")
                .hasMessageContaining("spatial dim 2");
        assertThatThrownBy(() -> Pool3dOps.avgPool3d(x, v(2), null, v(0), false, true, 0))
                .hasMessageStartingWith("avgPool3d: divisorOverride must not be 0");
        assertThatThrownBy(() -> Pool3dOps.avgPool3d(Tensor.zeros(2, 5, 5), v(2), null, v(0), false, true, null))
                .hasMessageStartingWith("avgPool3d: expected a 4-D (unbatched) or 5-D (batched) input [N, C, D, H, W], got [2, 5, 5]");
        assertThatThrownBy(() -> Pool3dOps.avgPool3d(Tensor.zeros(DType.I32, 1, 1, 2, 2, 2), v(2), null, v(0), false,
                true, null)).hasMessageStartingWith("avgPool3d: expected a floating-point tensor");
    }

    @Test
    void maxPoolGradientGoesToTheRecordedIndexOnTies() {
        // PyTorch: a tie sends the whole gradient to the first maximum, not a share to each
        Tensor x = Tensor.of(new double[] {1, 1, 1, 1}, 1, 1, 2, 2).requiresGrad(true);
        PoolOps.maxPool2d(x, v(2), null, v(0), v(1), false).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(1, 0, 0, 0);
    }

    @Test
    void conv2dRefusesBadArgumentsNamingTheShapes() {
        Tensor x = Tensor.zeros(1, 6, 8, 8);
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(4, 3, 3, 3), null, v(1), v(0), v(1), 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("conv2d: expected the input to have weight.size(1) x groups = 3 x 4 = 12 channels, got 6")
                .hasMessageContaining("[1, 6, 8, 8]").hasMessageContaining("[4, 3, 3, 3]");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(3, 3, 3, 3), null, v(1), v(0), v(1), 2))
                .hasMessageStartingWith("conv2d: out channels 3 (weight dim 0) must be divisible by groups 2");
        assertThatThrownBy(() -> ConvOps.conv2d(Tensor.zeros(1, 6, 2, 2), Tensor.zeros(4, 6, 3, 3), null, v(1), v(0),
                v(1), 1)).hasMessageStartingWith("conv2d: the kernel (dilated size 3) is bigger than the padded input (size 2)");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(4, 6, 3, 3), null, v(2), "same", v(1), 1))
                .hasMessageStartingWith("conv2d: padding \"same\" is not supported for strided convolutions");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(4, 6, 3, 3), Tensor.zeros(3), v(1), v(0), v(1), 1))
                .hasMessageStartingWith("conv2d: bias must be [4]");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(4, 6, 3, 3), null, v(0), v(0), v(1), 1))
                .hasMessageStartingWith("conv2d: stride must be >= 1");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(4, 6, 3, 3), null, v(1), v(-1), v(1), 1))
                .hasMessageStartingWith("conv2d: padding must be >= 0");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(4, 6, 3, 3), null, v(1, 2, 3), v(0), v(1), 1))
                .hasMessageStartingWith("conv2d: stride must have 1 or 2 values");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(4, 6, 3, 3), null, v(1), "full", v(1), 1))
                .hasMessageStartingWith("conv2d: padding must be \"same\", \"valid\" or numbers");
        assertThatThrownBy(() -> ConvOps.conv2d(Tensor.zeros(6, 8), Tensor.zeros(4, 6, 3, 3), null, v(1), v(0), v(1), 1))
                .hasMessageStartingWith("conv2d: expected a 3-D (unbatched) or 4-D (batched) input");
        assertThatThrownBy(() -> ConvOps.conv2d(x, Tensor.zeros(DType.F64, 4, 6, 3, 3), null, v(1), v(0), v(1), 1))
                .hasMessageStartingWith("conv2d: dtypes differ");
        assertThatThrownBy(() -> ConvOps.conv1d(Tensor.zeros(1, 2, 3), Tensor.zeros(2, 2, 3, 3), null, 1, 0, 1, 1))
                .hasMessageStartingWith("conv1d: weight must be 3-D");
    }

    @Test
    void poolingRefusesBadArguments() {
        Tensor x = Tensor.zeros(1, 2, 5, 5);
        assertThatThrownBy(() -> PoolOps.maxPool2d(x, v(2), null, v(2), v(1), false))
                .hasMessageStartingWith("maxPool2d: padding must be between 0 and half the kernel size");
        assertThatThrownBy(() -> PoolOps.maxPool2d(x, v(7), null, v(0), v(1), false))
                .hasMessageStartingWith("maxPool2d: input [1, 2, 5, 5] is too small for a kernel of dilated size 7");
        assertThatThrownBy(() -> PoolOps.avgPool2d(x, v(2), null, v(0), false, true, 0))
                .hasMessageStartingWith("avgPool2d: divisorOverride must not be 0");
        assertThatThrownBy(() -> PoolOps.adaptiveAvgPool2d(x, v(0)))
                .hasMessageStartingWith("adaptiveAvgPool2d: outputSize must be >= 1");
        assertThatThrownBy(() -> PoolOps.avgPool2d(Tensor.zeros(DType.I32, 1, 1, 2, 2), v(2), null, v(0), false, true,
                null)).hasMessageStartingWith("avgPool2d: expected a floating-point tensor");
        assertThatThrownBy(() -> PoolOps.maxPool1d(x, 2, 0, 0, 1, false))
                .hasMessageStartingWith("maxPool1d: expected a 2-D (unbatched) or 3-D (batched) input");
    }

    @Test
    void emptyBatchGivesEmptyOutputAndZeroWeightGradient() {
        Tensor x = Tensor.zeros(DType.F64, 0, 2, 4, 4).requiresGrad(true);
        Tensor w = leaf(3, 2, 3, 3);
        Tensor y = ConvOps.conv2d(x, w, null, v(1), v(1), v(1), 1);
        assertThat(y.shape()).containsExactly(0, 3, 4, 4);
        y.sum().backward();
        assertThat(w.grad().toDoubleArray()).containsOnly(0.0);
    }
}
