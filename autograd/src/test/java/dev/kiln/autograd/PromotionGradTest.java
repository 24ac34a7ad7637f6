package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gradients through type promotion and clamp: a promoted operand's gradient comes back in its own
 * dtype, integer operands take part without one, and clamp with tensor bounds (min &gt; max in
 * places) passes finite differences away from its kinks. PyTorch's values for all of these are in
 * PromotionFixturesTest.
 */
class PromotionGradTest {

    @Test
    void aPromotedOperandsGradientComesBackInItsOwnDType() {
        Tensor a = Tensor.of(new float[] {1.5f, -2f}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {0.5, 4}).requiresGrad(true);
        Tensor out = a.mul(b);
        assertThat(out.dtype()).isEqualTo(DType.F64);
        out.sum().backward();
        assertThat(a.grad().dtype()).isEqualTo(DType.F32);
        assertThat(a.grad().toFloatArray()).containsExactly(0.5f, 4f);
        assertThat(b.grad().dtype()).isEqualTo(DType.F64);
        assertThat(b.grad().toDoubleArray()).containsExactly(1.5, -2);
    }

    @Test
    void integerOperandsTakePartWithoutAGradient() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor i = Tensor.of(new int[] {2, -1, 0});
        Tensor out = x.pow(i).add(i.div(Tensor.of(new int[] {2, 2, 2}))).sum();
        out.backward();
        // d/dx x^i = i·x^(i−1): 2·1, −1·2^−2, 0
        assertThat(x.grad().toFloatArray()).containsExactly(2f, -0.25f, 0f);
        assertThat(i.grad()).isNull();
    }

    @Test
    void whereOfMixedDTypesSendsEachGradientBackInItsDType() {
        Tensor cond = Tensor.of(new boolean[] {true, false});
        Tensor a = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 4}).requiresGrad(true);
        Tensor.where(cond, a, b).mul(Tensor.of(new double[] {5, 7})).sum().backward();
        assertThat(a.grad().dtype()).isEqualTo(DType.F32);
        assertThat(a.grad().toFloatArray()).containsExactly(5f, 0f);
        assertThat(b.grad().toDoubleArray()).containsExactly(0, 7);
    }

    @Test
    void clampWithTensorBoundsPassesFiniteDifferences() {
        Generator rng = new Generator(17);
        // x spread wide, bounds crossing so that min > max in some places; ties have probability 0
        Tensor x = Tensor.randn(rng, 4, 5).mul(3).to(DType.F64).requiresGrad(true);
        Tensor lo = Tensor.randn(rng, 5).to(DType.F64).requiresGrad(true);
        Tensor hi = Tensor.randn(rng, 4, 1).to(DType.F64).requiresGrad(true);
        GradCheck.assertGradients(t -> t[0].clamp(t[1], t[2]), x, lo, hi);
        GradCheck.assertGradients(t -> t[0].clampMin(t[1]), x, lo);
        GradCheck.assertGradients(t -> t[0].clampMax(t[1]), x, hi);
    }

    @Test
    void clampWithMinAboveMaxPassesNoGradientToX() {
        Tensor x = Tensor.of(new double[] {-1, 0.5, 3}).requiresGrad(true);
        Tensor y = x.clamp(2, 1);
        assertThat(y.toDoubleArray()).containsExactly(1, 1, 1);
        y.sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(0, 0, 0);
    }
}
