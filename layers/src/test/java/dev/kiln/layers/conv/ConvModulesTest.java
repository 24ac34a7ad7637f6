package dev.kiln.layers.conv;

import dev.kiln.layers.Dropout2d;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.Functional;
import dev.kiln.layers.ModuleGradients;
import dev.kiln.layers.Sequential;
import dev.kiln.layers.norm.BatchNorm2d;
import dev.kiln.layers.norm.GroupNorm;
import dev.kiln.autograd.GradCheck;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The convolutional modules: PyTorch's keys, shapes and init, their forward against the functions, gradients, refusals. */
class ConvModulesTest {
    private final Generator rng = new Generator(16);

    @Test
    void conv2dHasPyTorchKeysShapesAndInit() {
        Conv2d conv = new Conv2d(6, 8, new int[] {3, 5}, new int[] {1}, new int[] {1, 2}, new int[] {1}, 2, true, rng);
        assertThat(conv.stateDict().keySet()).containsExactly("weight", "bias");
        assertThat(conv.weight().shape()).containsExactly(8, 3, 3, 5);
        assertThat(conv.bias().shape()).containsExactly(8);
        // kaiming_uniform(a = √5) and the bias: U(±1/√fan_in), fan_in = 3·3·5 = 45
        double bound = 1 / Math.sqrt(45);
        Tensor w = conv.weight().tensor();
        assertThat(w.abs().max().item()).isLessThanOrEqualTo(bound).isGreaterThan(0.9 * bound);
        assertThat(conv.bias().tensor().abs().max().item()).isLessThanOrEqualTo(bound);
        // the spread of U(±b): variance b²/3
        assertThat(w.square().mean().item()).isBetween(0.8 * bound * bound / 3, 1.2 * bound * bound / 3);
        Tensor x = Tensor.randn(rng, 2, 6, 7, 9);
        assertThat(conv.forward(x).allClose(Functional.conv2d(x, w, conv.bias().tensor(), new int[] {1},
                new int[] {1, 2}, new int[] {1}, 2), 0, 0)).isTrue();
        assertThat(conv.forward(x).shape()).containsExactly(2, 8, 7, 9);
        assertThat(new Conv2d(2, 2, 3, rng).toString()).contains("kernelSize=[3, 3]");
    }

    @Test
    void convTranspose2dInvertsTheShapeOfAStridedConv() {
        ConvTranspose2d up = new ConvTranspose2d(4, 6, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 2,
                true, new int[] {1}, rng);
        assertThat(up.weight().shape()).containsExactly(4, 3, 3, 3);
        // fan_in = weight.size(1)·k·k = 27, as PyTorch
        assertThat(up.weight().tensor().abs().max().item()).isLessThanOrEqualTo(1 / Math.sqrt(27));
        Tensor x = Tensor.randn(rng, 2, 4, 5, 5);
        assertThat(up.forward(x).shape()).containsExactly(2, 6, 10, 10);
        Conv2d down = new Conv2d(6, 4, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 2, true, rng);
        assertThat(down.forward(up.forward(x)).shape()).containsExactly(2, 4, 5, 5);
    }

    @Test
    void conv1dAndSamePadding() {
        Conv1d conv = new Conv1d(3, 4, 4, 1, "same", 2, 1, false, rng);
        assertThat(conv.stateDict().keySet()).containsExactly("weight");
        assertThat(conv.forward(Tensor.randn(rng, 2, 3, 11)).shape()).containsExactly(2, 4, 11);
        assertThat(conv.forward(Tensor.randn(rng, 3, 11)).shape()).containsExactly(4, 11);
        Conv2d c2 = new Conv2d(2, 3, new int[] {4}, new int[] {1}, "same", new int[] {1}, 1, true, rng);
        assertThat(c2.forward(Tensor.randn(rng, 1, 2, 6, 5)).shape()).containsExactly(1, 3, 6, 5);
    }

    @Test
    void modulesRefuseBadConfigurations() {
        assertThatThrownBy(() -> new Conv2d(6, 4, new int[] {3}, new int[] {1}, new int[] {0}, new int[] {1}, 4, true, rng))
                .hasMessageStartingWith("Conv2d: groups 4 must be >= 1 and divide inChannels 6 and outChannels 4");
        assertThatThrownBy(() -> new Conv2d(2, 2, 0, rng)).hasMessageStartingWith("Conv2d: kernelSize must be >= 1");
        assertThatThrownBy(() -> new Conv1d(2, 2, 3, 1, "full", 1, 1, true, rng))
                .hasMessageStartingWith("Conv1d: padding must be \"same\", \"valid\" or a number");
        assertThatThrownBy(() -> new BatchNorm2d(0)).hasMessageStartingWith("BatchNorm2d: numFeatures must be >= 1");
        assertThatThrownBy(() -> new BatchNorm2d(3).forward(Tensor.zeros(2, 4, 2, 2)))
                .hasMessageContaining("expected a 4-D [N, C, H, W] input with 3 channels at dim 1, got [2, 4, 2, 2]");
        assertThatThrownBy(() -> new BatchNorm2d(3).forward(Tensor.zeros(1, 3, 1, 1)))
                .hasMessageStartingWith("batchNorm: expected more than 1 value per channel when training");
        assertThatThrownBy(() -> new GroupNorm(4, 6)).hasMessageStartingWith("GroupNorm: numChannels 6 must be divisible by numGroups 4");
        assertThatThrownBy(() -> Functional.batchNorm(Tensor.zeros(2, 3), Tensor.zeros(3), null, null, null, true, 0.1, 1e-5))
                .hasMessageStartingWith("batchNorm: give both runningMean and runningVar");
        assertThatThrownBy(() -> Functional.batchNorm(Tensor.zeros(2, 3), null, null, Tensor.ones(4), null, true, 0.1, 1e-5))
                .hasMessageStartingWith("batchNorm: weight must be F32 [3] for input [2, 3], got F32 [4]");
    }

    @Test
    void smallConvNetTrainsEndToEndWithGradients() {
        Sequential net = new Sequential(new Conv2d(2, 4, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, 1,
                false, rng), new BatchNorm2d(4), new MaxPool2d(2), new Conv2d(4, 3, 3, rng), new AdaptiveAvgPool2d(1),
                new Flatten());
        net.to(DType.F64);
        Tensor x = Tensor.randn(rng, 3, 2, 8, 8).to(DType.F64);
        assertThat(net.forward(x).shape()).containsExactly(3, 3);
        assertThat(ModuleGradients.assertGradients(net, x)).isGreaterThan(0);
        assertThat(net.stateDict().keySet()).contains("0.weight", "1.weight", "1.bias", "1.running_mean",
                "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias");
    }

    @Test
    void batchNormEvalUsesRunningStatisticsAndWithoutTrackingUsesTheBatch() {
        BatchNorm2d bn = new BatchNorm2d(2);
        Tensor x = Tensor.randn(rng, 4, 2, 3, 3).mul(3).add(1);
        bn.forward(x);
        assertThat(bn.numBatchesTracked()).isEqualTo(1);
        // one step with momentum 0.1 from (0, 1): 0.1 of the batch mean
        Tensor mean = x.mean(new int[] {0, 2, 3}, false);
        assertThat(bn.runningMean().allClose(mean.mul(0.1), 1e-5, 1e-6)).isTrue();
        bn.eval();
        Tensor y = bn.forward(x);
        Tensor expected = x.sub(bn.runningMean().reshape(1, 2, 1, 1))
                .div(bn.runningVar().add(1e-5).sqrt().reshape(1, 2, 1, 1));
        assertThat(y.allClose(expected, 1e-5, 1e-5)).isTrue();
        assertThat(bn.numBatchesTracked()).isEqualTo(1);
        BatchNorm2d free = new BatchNorm2d(2, 1e-5, 0.1, false, false);
        free.eval();
        assertThat(free.runningMean()).isNull();
        assertThat(free.stateDict()).isEmpty();
        Tensor z = free.forward(x);
        assertThat(z.mean(new int[] {0, 2, 3}, false).abs().max().item()).isLessThan(1e-5);
    }

    /**
     * A Sequential's BatchNorm then ReLU runs as one op (forwardRelu): on the CPU's F32 kernels its output,
     * input gradient, parameter gradients and running statistics equal the two modules' bit for bit, in
     * training and in eval.
     */
    @Test
    void sequentialBatchNormThenReluIsFusedBitForBit() {
        for (boolean training : new boolean[] {true, false}) {
            Tensor x = Tensor.randn(rng, 8, 3, 5, 7).mul(2).add(0.5);
            Tensor dy = Tensor.randn(rng, 8, 3, 5, 7);
            Tensor[] y = new Tensor[2];
            Tensor[] dx = new Tensor[2];
            BatchNorm2d[] bns = new BatchNorm2d[2];
            for (int fused = 0; fused < 2; fused++) {
                BatchNorm2d bn = new BatchNorm2d(3);
                bn.weight().setData(Tensor.randn(new Generator(5), 3));
                bn.bias().setData(Tensor.randn(new Generator(6), 3).mul(0.5));
                if (!training) {
                    bn.forward(x.mul(1.5));
                    bn.eval();
                }
                Tensor in = x.detach().requiresGrad(true);
                y[fused] = fused == 1 ? new Sequential(bn, new dev.kiln.layers.activation.ReLU()).forward(in)
                        : bn.forward(in).relu();
                y[fused].backward(dy);
                dx[fused] = in.grad();
                bns[fused] = bn;
            }
            assertThat(y[1].toFloatArray()).containsExactly(y[0].toFloatArray());
            assertThat(y[1].toFloatArray()).contains(0f).doesNotContain(-0f);
            assertThat(dx[1].toFloatArray()).containsExactly(dx[0].toFloatArray());
            assertThat(bns[1].weight().grad().toFloatArray())
                    .containsExactly(bns[0].weight().grad().toFloatArray());
            assertThat(bns[1].bias().grad().toFloatArray())
                    .containsExactly(bns[0].bias().grad().toFloatArray());
            assertThat(bns[1].runningVar().toFloatArray()).containsExactly(bns[0].runningVar().toFloatArray());
        }
    }

    @Test
    void groupNormGradients() {
        GroupNorm gn = new GroupNorm(2, 4);
        gn.to(DType.F64);
        assertThat(ModuleGradients.assertGradients(gn, Tensor.randn(rng, 2, 4, 3).to(DType.F64))).isGreaterThan(0);
        GradCheck.assertGradients(in -> Functional.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5),
                Tensor.randn(rng, 3, 2, 4).to(DType.F64).requiresGrad(true),
                Tensor.randn(rng, 2).to(DType.F64).requiresGrad(true),
                Tensor.randn(rng, 2).to(DType.F64).requiresGrad(true));
    }

    @Test
    void dropout2dZeroesWholeChannels() {
        Dropout2d drop = new Dropout2d(0.5, new Generator(3));
        Tensor x = Tensor.ones(4, 8, 3, 3);
        Tensor y = drop.forward(x);
        float[] v = y.toFloatArray();
        int zeroed = 0;
        for (int ch = 0; ch < 32; ch++) {
            float first = v[ch * 9];
            assertThat(first == 0f || first == 2f).isTrue();
            for (int i = 1; i < 9; i++) {
                assertThat(v[ch * 9 + i]).isEqualTo(first);
            }
            zeroed += first == 0f ? 1 : 0;
        }
        assertThat(zeroed).isBetween(4, 28);
        drop.eval();
        assertThat(drop.forward(x)).isSameAs(x);
        assertThat(new Flatten().forward(Tensor.zeros(2, 3, 4)).shape()).containsExactly(2, 12);
        assertThat(new Flatten(0, 1).forward(Tensor.zeros(2, 3, 4)).shape()).containsExactly(6, 4);
    }

    @Test
    void upsampleUnfoldAndFold() {
        Tensor x = Tensor.randn(rng, 1, 2, 3, 4);
        assertThat(new Upsample(2).forward(x).shape()).containsExactly(1, 2, 6, 8);
        assertThat(new Upsample(new int[] {5, 5}, null, "bilinear", true).forward(x).shape()).containsExactly(1, 2, 5, 5);
        assertThatThrownBy(() -> Functional.interpolate(x, new int[] {4}, null, "nearest", false))
                .hasMessageStartingWith("interpolate: alignCorners can only be set with the linear modes");
        assertThatThrownBy(() -> Functional.interpolate(x, new int[] {4}, null, "linear", null))
                .hasMessageStartingWith("interpolate: mode linear takes a 3-D input, got [1, 2, 3, 4]");
        assertThatThrownBy(() -> Functional.interpolate(x, null, null, "nearest", null))
                .hasMessageStartingWith("interpolate: give exactly one of size and scaleFactor");
        // fold(unfold(x)) multiplies each element by the number of windows that read it
        Tensor cols = Functional.unfold(x, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1});
        assertThat(cols.shape()).containsExactly(1, 8, 6);
        Tensor back = Functional.fold(cols, new int[] {3, 4}, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1});
        Tensor counts = Functional.fold(Functional.unfold(Tensor.onesLike(x), new int[] {2}, new int[] {1}, new int[] {0},
                new int[] {1}), new int[] {3, 4}, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1});
        assertThat(back.allClose(x.mul(counts), 1e-6, 1e-6)).isTrue();
        assertThatThrownBy(() -> Functional.fold(cols, new int[] {4, 4}, new int[] {2}, new int[] {1}, new int[] {0},
                new int[] {1})).hasMessageStartingWith("fold: expected L = 3 x 3 = 9 blocks for outputSize [4, 4], got input [1, 8, 6]");
    }

    @Test
    void poolingModules() {
        Tensor x = Tensor.randn(rng, 1, 2, 6, 6);
        assertThat(new MaxPool2d(2).forward(x).shape()).containsExactly(1, 2, 3, 3);
        // ceil mode: ⌈(6 + 2 − 3)/2⌉ + 1 = 4 (floor mode gives 3)
        assertThat(new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, false, null).forward(x).shape())
                .containsExactly(1, 2, 4, 4);
        assertThat(new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, false, false, null).forward(x).shape())
                .containsExactly(1, 2, 3, 3);
        assertThat(new AdaptiveAvgPool2d(new int[] {1, 2}).forward(x).shape()).containsExactly(1, 2, 1, 2);
        assertThat(new AdaptiveAvgPool2d(1).forward(x).reshape(2).allClose(x.mean(new int[] {2, 3}, false).reshape(2),
                1e-6, 1e-6)).isTrue();
    }

    @Test
    void pool3dModules() {
        Tensor x = Tensor.randn(rng, 1, 2, 4, 6, 6);
        Tensor max = new MaxPool3d(2).forward(x);
        assertThat(max.shape()).containsExactly(1, 2, 2, 3, 3);
        // a window of the whole volume is the max / mean of each channel
        assertThat(new MaxPool3d(new int[] {4, 6, 6}, null, new int[] {0}, new int[] {1}, false).forward(x).reshape(2)
                .allClose(x.amax(new int[] {2, 3, 4}, false), 0, 0)).isTrue();
        assertThat(new AvgPool3d(new int[] {4, 6, 6}, null, new int[] {0}, false, true, null).forward(x).reshape(2)
                .allClose(x.mean(new int[] {2, 3, 4}, false), 1e-6, 1e-6)).isTrue();
        // ceil mode: ⌈(6 + 2 − 3)/2⌉ + 1 = 4 (floor mode gives 3); depth ⌈(4 + 2 − 3)/2⌉ + 1 = 3
        assertThat(new AvgPool3d(new int[] {3}, new int[] {2}, new int[] {1}, true, false, null).forward(x).shape())
                .containsExactly(1, 2, 3, 4, 4);
        assertThat(new AvgPool3d(2).forward(x.squeeze(0)).shape()).containsExactly(2, 2, 3, 3);
        assertThat(new MaxPool3d(2).toString()).contains("MaxPool3d").contains("kernelSize=[2]");
    }
}
