package dev.kiln.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Autograd through F16 and BF16, whose ops compute in F32 (tensor's DTypeBridge): gradients come
 * back in the input's dtype, as PyTorch's, and equal the F32 gradients of the same values to
 * within the 16-bit type's rounding.
 */
class ReducedPrecisionGradTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void gradientsArriveInTheInputDType(DType t) {
        Generator rng = new Generator(3);
        Tensor x32 = Tensor.randn(rng, 4, 6).to(t).to(DType.F32);
        Tensor w32 = Tensor.randn(rng, 6, 3).to(t).to(DType.F32);
        Tensor labels = Tensor.of(new long[] {0, 2, 1, 2});

        Tensor x = x32.to(t).requiresGrad(true);
        Tensor w = w32.to(t).requiresGrad(true);
        Tensor loss = x.matmul(w).tanh().mul(x.sum(1, true)).crossEntropy(labels);
        assertThat(loss.dtype()).isEqualTo(t);
        loss.backward();
        assertThat(x.grad().dtype()).isEqualTo(t);
        assertThat(w.grad().dtype()).isEqualTo(t);

        Tensor xr = x32.detach().requiresGrad(true);
        Tensor wr = w32.detach().requiresGrad(true);
        xr.matmul(wr).tanh().mul(xr.sum(1, true)).crossEntropy(labels).backward();
        // each intermediate rounds to the 16-bit type: a few units of its last place
        double tol = t == DType.F16 ? 0.01 : 0.08;
        float[] gx = x.grad().toFloatArray();
        float[] want = xr.grad().toFloatArray();
        for (int i = 0; i < gx.length; i++) {
            assertThat((double) gx[i]).as("dx[" + i + "]").isCloseTo(want[i], within(tol * Math.max(1, Math.abs(want[i]))));
        }
        float[] gw = w.grad().toFloatArray();
        float[] wantW = wr.grad().toFloatArray();
        for (int i = 0; i < gw.length; i++) {
            assertThat((double) gw[i]).as("dw[" + i + "]").isCloseTo(wantW[i], within(tol * Math.max(1, Math.abs(wantW[i]))));
        }
    }
}
