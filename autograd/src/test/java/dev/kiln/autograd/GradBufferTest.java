package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which gradient buffers the engine hands to a leaf's .grad as they are and which it copies: a
 * buffer a derivative rule has just allocated, held by nothing else, is kept; the caller's seed,
 * a buffer two inputs share, a view into another gradient and a broadcast or strided view are
 * copied to a contiguous buffer of the leaf's own.
 */
class GradBufferTest {

    private static Tensor leaf(double... v) {
        return Tensor.of(v).requiresGrad(true);
    }

    private static Tensor constant(double... v) {
        return Tensor.of(v);
    }

    /** A .grad must be a plain dense tensor of its own: contiguous, from offset 0, filling its storage. */
    private static void assertDense(Tensor grad) {
        assertThat(grad.strides()).containsExactly(Shapes.contiguousStrides(grad.shape()));
        assertThat(grad.offset()).isZero();
        assertThat(grad.storage().size()).isEqualTo(grad.numel());
    }

    @Test
    void theTwoInputsOfAnAdditionGetBuffersOfTheirOwn() {
        // mul's rule allocates g·w afresh; add then hands that one buffer to both inputs
        Tensor a = leaf(1, 2, 3);
        Tensor b = leaf(4, 5, 6);
        a.add(b).mul(constant(2, 3, 4)).sum().backward();
        assertThat(a.grad().storage()).isNotSameAs(b.grad().storage());
        a.grad().mul_(10);
        assertThat(a.grad().toDoubleArray()).containsExactly(20, 30, 40);
        assertThat(b.grad().toDoubleArray()).containsExactly(2, 3, 4);
    }

    @Test
    void aLeafAddedToItselfGetsBothContributions() {
        Tensor x = leaf(1, 2);
        x.add(x).mul(constant(3, 5)).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(6, 10);
        Tensor y = leaf(1, 2);
        y.mul(y).mul(constant(3, 5)).sum().backward(); // two fresh products into one leaf
        assertThat(y.grad().toDoubleArray()).containsExactly(6, 20);
    }

    @Test
    void theCallersSeedIsNeverTheGradient() {
        Tensor seed = constant(1, 2, 3);
        Tensor x = leaf(0, 0, 0);
        x.add(constant(5, 5, 5)).backward(seed); // add passes the seed straight through
        Tensor z = leaf(0, 0, 0);
        z.backward(seed); // a leaf as the root
        assertThat(x.grad().storage()).isNotSameAs(seed.storage());
        assertThat(z.grad().storage()).isNotSameAs(seed.storage());
        seed.fill_(9);
        assertThat(x.grad().toDoubleArray()).containsExactly(1, 2, 3);
        assertThat(z.grad().toDoubleArray()).containsExactly(1, 2, 3);
    }

    @Test
    void slicesOfOneGradientBecomeSeparateBuffers() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3, 4, 5);
        Tensor.cat(0, a, b).mul(constant(1, 2, 3, 4, 5)).sum().backward();
        assertDense(a.grad());
        assertDense(b.grad());
        assertThat(a.grad().storage()).isNotSameAs(b.grad().storage());
        b.grad().fill_(0);
        assertThat(a.grad().toDoubleArray()).containsExactly(1, 2);
    }

    @Test
    void broadcastGradientsAreMaterialised() {
        Tensor x = leaf(1, 2, 3);
        x.sum().backward(); // sum's rule expands the scalar seed: stride 0
        assertDense(x.grad());
        x.grad().narrow(0, 0, 1).fill_(7);
        assertThat(x.grad().toDoubleArray()).containsExactly(7, 1, 1);
        Tensor col = Tensor.of(new double[] {1, 2}, 2, 1).requiresGrad(true);
        col.expand(2, 3).mul(Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3)).sum().backward();
        assertDense(col.grad());
        assertThat(col.grad().toDoubleArray()).containsExactly(6, 15);
    }

    @Test
    void permutedGradientsAreMadeContiguous() {
        Tensor x = Tensor.arange(0, 24, 1).to(DType.F64).reshape(2, 3, 4).requiresGrad(true);
        Tensor w = Tensor.arange(0, 24, 1).to(DType.F64).reshape(4, 2, 3);
        x.permute(2, 0, 1).mul(w).sum().backward();
        assertDense(x.grad());
        assertThat(x.grad().toDoubleArray()).containsExactly(w.permute(1, 2, 0).contiguous().toDoubleArray());
    }

    @Test
    void aRetainedGradientAndTheLeafBehindItDoNotShareABuffer() {
        Tensor a = leaf(1, 2, 3);
        Tensor h = a.reshape(3, 1).retainGrad(); // reshape's rule passes its gradient on as a view
        h.mul(Tensor.of(new double[] {2, 3, 4}, 3, 1)).sum().backward();
        assertThat(a.grad().storage()).isNotSameAs(h.grad().storage());
        a.grad().fill_(0);
        assertThat(h.grad().toDoubleArray()).containsExactly(2, 3, 4);
    }

    @Test
    void theWeightOfALinearMapGetsItsGradientWithoutACopy() {
        // y = x·Wᵀ as Linear computes it: the weight's gradient is computed in the layout of Wᵀ, so the
        // transpose's rule hands the leaf a contiguous buffer the engine keeps. Backward allocates two
        // buffers: the seed and that product (a copy would be a third).
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor w = Tensor.of(new double[] {1, -1, 2, 0.5, 3, -2, 1, 1, 0, 2, -1, 1}, 4, 3).requiresGrad(true);
        Tensor loss = x.matmul(w.t()).sum();
        long before = Storage.nextSerial();
        loss.backward();
        assertThat(Storage.nextSerial() - before).isEqualTo(2);
        assertDense(w.grad());
        // d/dW sum(x·Wᵀ) = 1ᵀ·x for every row of W
        assertThat(w.grad().toDoubleArray()).containsExactly(5, 7, 9, 5, 7, 9, 5, 7, 9, 5, 7, 9);
    }

    @Test
    void aTransposedLeafThatIsNotAWeightStillGetsTheRightGradient() {
        // the same layout trick for the left operand: a = Xᵀ with X a leaf
        Tensor xl = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {1, 0, -1, 2, 0.5, 1}, 3, 2);
        Tensor w = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
        xl.t().matmul(b).mul(w).sum().backward();
        // d/dA sum((A·B) ⊙ W) = W·Bᵀ, with A = Xᵀ: dX = (W·Bᵀ)ᵀ = B·Wᵀ
        assertDense(xl.grad());
        assertThat(xl.grad().toDoubleArray()).containsExactly(b.matmul(w.t()).toDoubleArray());
    }
}
