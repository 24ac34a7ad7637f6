package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;

import dev.kiln.layers.Functional;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.ConvOps;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.PoolOps;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The ops of a convnet on CUDA tensors through autograd, values and gradients against the same
 * on the host under the reference backend: convolution and pooling (their kernels), and
 * batchNorm, groupNorm, instanceNorm, localResponseNorm and interpolate, which are compositions
 * of ops with CUDA kernels. Skipped without a GPU.
 */
class CudaConvNetGradTest extends GpuTesting {
    private static final Tol F32_GRADS = new Tol(5e-5, 5e-5);

    /**
     * Runs f on requires-grad copies of the inputs, on the host (reference) and on the GPU, backs
     * a fixed random upstream gradient through both and compares the value and every input's gradient.
     */
    private static void checkGrads(String what, Tol tol, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] host = new Tensor[inputs.length];
        Tensor[] gpu = new Tensor[inputs.length];
        Tensor expected;
        Tensor upstream;
        try (Backends.Scope s = Backends.use(REF)) {
            for (int i = 0; i < inputs.length; i++) {
                host[i] = inputs[i].detach().clone().requiresGrad(true);
            }
            expected = f.apply(host);
            upstream = Tensor.randn(new Generator(99), expected.shape()).to(expected.dtype());
            expected.mul(upstream).sum().backward();
        }
        for (int i = 0; i < inputs.length; i++) {
            gpu[i] = inputs[i].detach().to(GPU).requiresGrad(true);
        }
        Tensor actual = f.apply(gpu);
        assertThat(actual.device()).as(what + ": result device").isEqualTo(GPU);
        actual.mul(upstream.to(GPU)).sum().backward();
        assertClose(what + " value", tol, expected, actual.detach().to(CPU));
        for (int i = 0; i < inputs.length; i++) {
            assertThat(gpu[i].grad()).as(what + " gradient " + i).isNotNull();
            assertClose(what + " gradient of input " + i, tol, host[i].grad(), gpu[i].grad().to(CPU));
        }
    }

    @Test
    void convolutionAndPoolingGradients() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_GRADS, F64_SUMS);
            Tensor x = randn(t, 2, 4, 7, 6);
            checkGrads("conv2d " + t, tol, ts -> ConvOps.conv2d(ts[0], ts[1], ts[2], new int[] {2, 1},
                    new int[] {1, 2}, new int[] {1, 2}, 2), x, randn(t, 6, 2, 3, 3), randn(t, 6));
            checkGrads("conv2d 1x1 " + t, tol, ts -> ConvOps.conv2d(ts[0], ts[1], null, new int[] {1},
                    new int[] {0}, new int[] {1}, 1), x, randn(t, 5, 4, 1, 1));
            checkGrads("conv1d same " + t, tol, ts -> ConvOps.conv1d(ts[0], ts[1], ts[2], 1, "same", 1, 1),
                    randn(t, 3, 2, 9), randn(t, 4, 2, 4), randn(t, 4));
            checkGrads("conv3d " + t, tol, ts -> ConvOps.conv3d(ts[0], ts[1], ts[2], new int[] {1, 2, 1},
                    new int[] {1, 0, 1}, new int[] {1}, 1), randn(t, 2, 2, 3, 5, 4), randn(t, 3, 2, 2, 3, 2),
                    randn(t, 3));
            checkGrads("convTranspose2d " + t, tol, ts -> ConvOps.convTranspose2d(ts[0], ts[1], ts[2], new int[] {2},
                    new int[] {1}, new int[] {1}, 2, new int[] {1}), x, randn(t, 4, 3, 3, 3), randn(t, 6));
            checkGrads("maxPool2d ceil " + t, tol, ts -> PoolOps.maxPool2d(ts[0], new int[] {3}, new int[] {2},
                    new int[] {1}, new int[] {1}, true), x);
            checkGrads("avgPool2d " + t, tol, ts -> PoolOps.avgPool2d(ts[0], new int[] {3, 2}, null, new int[] {1, 0},
                    true, false, null), x);
            checkGrads("adaptiveAvgPool2d " + t, tol, ts -> PoolOps.adaptiveAvgPool2d(ts[0], new int[] {3, 4}), x);
            checkGrads("adaptiveMaxPool2d " + t, tol, ts -> PoolOps.adaptiveMaxPool2d(ts[0], new int[] {2, 5}), x);
            checkGrads("unfold " + t, tol, ts -> Functional.unfold(ts[0], new int[] {2, 3}, new int[] {1},
                    new int[] {1}, new int[] {2, 1}), x);
        }
    }

    @Test
    void normalisationAndInterpolationGradients() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_GRADS, F64_SUMS);
            Tensor x = randn(t, 3, 4, 5, 6);
            Tensor w = randn(t, 4);
            Tensor b = randn(t, 4);
            checkGrads("batchNorm training " + t, tol, ts -> Functional.batchNorm(ts[0], null, null, ts[1], ts[2], true,
                    0.1, 1e-5), x, w, b);
            Tensor runningMean = randn(t, 4);
            Tensor runningVar = randn(t, 4).abs().add(0.5);
            checkGrads("batchNorm eval " + t, tol, ts -> Functional.batchNorm(ts[0], runningMean.to(ts[0].device()),
                    runningVar.to(ts[0].device()), ts[1], ts[2], false, 0.1, 1e-5), x, w, b);
            checkGrads("groupNorm " + t, tol, ts -> Functional.groupNorm(ts[0], 2, ts[1], ts[2], 1e-5), x, w, b);
            checkGrads("instanceNorm " + t, tol, ts -> Functional.instanceNorm(ts[0], ts[1], ts[2], 1e-5), x, w, b);
            checkGrads("localResponseNorm " + t, tol, ts -> Functional.localResponseNorm(ts[0], 3, 1e-2, 0.75, 1), x);
            checkGrads("interpolate bilinear " + t, tol, ts -> Functional.interpolate(ts[0], new int[] {7, 4}, null,
                    "bilinear", false), x);
            checkGrads("interpolate nearest " + t, tol, ts -> Functional.interpolate(ts[0], null, new double[] {2},
                    "nearest", null), x);
        }
    }

    @Test
    void batchNormRunningStatisticsOnTheDevice() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            Tensor x = randn(t, 4, 3, 5, 5).mul(2).add(1);
            Tensor hostMean = Tensor.zeros(t, 3);
            Tensor hostVar = Tensor.ones(t, 3);
            try (Backends.Scope s = Backends.use(REF)) {
                Functional.batchNorm(x, hostMean, hostVar, null, null, true, 0.1, 1e-5);
            }
            Tensor mean = Tensor.zeros(t, 3).to(GPU);
            Tensor var = Tensor.ones(t, 3).to(GPU);
            Functional.batchNorm(x.to(GPU), mean, var, null, null, true, 0.1, 1e-5);
            assertClose("running mean " + t, tol, hostMean, mean.to(CPU));
            assertClose("running var " + t, tol, hostVar, var.to(CPU));
        }
    }
}
