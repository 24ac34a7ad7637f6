package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static dev.kiln.tensor.testing.TensorAssert.assertRefusesState;
import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

/** The engine's contract: recording, backward, accumulation, NoGrad scopes and the errors of misuse. */
class EngineTest {

    private static Tensor leaf(double... v) {
        return Tensor.of(v).requiresGrad(true);
    }

    @Test
    void opsOnTensorsThatRequireGradAreRecorded() {
        Tensor x = leaf(1, 2);
        Tensor c = Tensor.of(new double[] {3, 4});
        assertThat(x.requiresGrad()).isTrue();
        assertThat(x.isLeaf()).isTrue();
        assertThat(x.grad()).isNull();
        Tensor y = x.mul(c);
        assertThat(y.requiresGrad()).isTrue();
        assertThat(y.isLeaf()).isFalse();
        assertThat(y.gradFn().name()).isEqualTo("MulBackward");
        assertThat(c.mul(c).requiresGrad()).isFalse();
        // integer and BOOL results carry no gradient
        assertThat(x.gt(0).requiresGrad()).isFalse();
        assertThat(x.argmax().requiresGrad()).isFalse();
        assertThat(x.to(DType.I32).requiresGrad()).isFalse();
        assertThat(Tensor.zeros(2).requiresGrad(true).requiresGrad(false).requiresGrad()).isFalse();
    }

    @Test
    void toStringShowsGradFn() {
        Tensor x = Tensor.of(new double[] {0.25, -1.5}).requiresGrad(true);
        assertThat(x.mul(2)).hasToString("tensor([ 0.5000, -3.0000], dtype=F64, grad_fn=<MulBackward>)");
        assertThat(x.sum()).hasToString("tensor(-1.2500, dtype=F64, grad_fn=<SumBackward>)");
        assertThat(x.exp().gradFn().name()).isEqualTo("ExpBackward");
        assertThat(x.reshape(2, 1).gradFn().name()).isEqualTo("ReshapeBackward");
        assertThat(x.amax(new int[] {0}, false).gradFn().name()).isEqualTo("MaxBackward");
        assertThat(x.detach()).hasToString("tensor([ 0.2500, -1.5000], dtype=F64)");
    }

    @Test
    void backwardOnAScalar() {
        Tensor x = leaf(1, -2, 3);
        x.mul(x).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(2, -4, 6);
        assertThat(x.grad().dtype()).isEqualTo(DType.F64);
        assertThat(x.grad().requiresGrad()).isFalse();
    }

    @Test
    void backwardWithASeed() {
        Tensor x = leaf(1, 2, 3);
        Tensor y = x.mul(3);
        y.backward(Tensor.of(new double[] {1, 10, 100}));
        assertThat(x.grad().toDoubleArray()).containsExactly(3, 30, 300);
        assertRejects(() -> leaf(1, 2).mul(2).backward(), "backward", "one-element", "[2]");
        assertRejects(() -> leaf(1, 2).mul(2).backward(Tensor.of(new double[] {1})), "backward", "seed", "[1]", "[2]");
        assertRejects(() -> leaf(1, 2).mul(2).backward(Tensor.of(new float[] {1, 1})), "backward", "F32", "F64");
    }

    @Test
    void backwardFromALeaf() {
        Tensor x = Tensor.scalar(5, DType.F64).requiresGrad(true);
        x.backward();
        assertThat(x.grad().item()).isEqualTo(1);
    }

    @Test
    void gradientsAccumulateAcrossUses() {
        Tensor x = leaf(2, 3);
        // y = x·x + 3x + x: dy/dx = 2x + 4
        x.mul(x).add(x.mul(3)).add(x).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(8, 10);
        // one node reading the same tensor twice
        Tensor z = leaf(4);
        z.mul(z).mul(z).sum().backward();
        assertThat(z.grad().item()).isEqualTo(48);
        // a diamond: both branches flow into the same intermediate
        Tensor w = leaf(1, 2);
        Tensor h = w.exp();
        h.add(h.mul(2)).sum().backward();
        assertThat(w.grad().toDoubleArray()).containsExactly(3 * Math.exp(1), 3 * Math.exp(2));
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor x = leaf(1, 2);
        x.mul(2).sum().backward();
        x.mul(x).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(2 + 2, 2 + 4);
        x.zeroGrad();
        assertThat(x.grad()).isNull();
        x.mul(5).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(5, 5);
    }

    @Test
    void broadcastGradientsAreSummedBackToTheInputShape() {
        Tensor row = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        Tensor col = Tensor.of(new double[] {10, 20}, 2, 1).requiresGrad(true);
        Tensor s = Tensor.scalar(2, DType.F64).requiresGrad(true);
        row.mul(col).mul(s).sum().backward();
        assertThat(row.grad().shape()).containsExactly(3);
        assertThat(row.grad().toDoubleArray()).containsExactly(60, 60, 60);
        assertThat(col.grad().shape()).containsExactly(2, 1);
        assertThat(col.grad().toDoubleArray()).containsExactly(12, 12);
        assertThat(s.grad().shape()).isEmpty();
        assertThat(s.grad().item()).isEqualTo(6 * 30);
    }

    @Test
    void onlyTensorsThatRequireGradGetOne() {
        Tensor x = leaf(1, 2);
        Tensor c = Tensor.of(new double[] {3, 4});
        x.mul(c).sum().backward();
        assertThat(c.grad()).isNull();
        assertThat(x.grad().toDoubleArray()).containsExactly(3, 4);
    }

    @Test
    void detachCutsTheGraphButSharesStorage() {
        Tensor x = leaf(1, 2);
        Tensor d = x.detach();
        assertThat(d.requiresGrad()).isFalse();
        assertThat(d.isLeaf()).isTrue();
        assertThat(d.storage()).isSameAs(x.storage());
        x.mul(d).sum().backward(); // d is a constant: gradient is d, not 2x
        assertThat(x.grad().toDoubleArray()).containsExactly(1, 2);
        Tensor y = x.exp();
        assertThat(y.detach().gradFn()).isNull();
    }

    @Test
    void retainGradKeepsTheGradientOfAnIntermediate() {
        Tensor x = leaf(1, 2);
        Tensor h = x.mul(3).retainGrad();
        Tensor h2 = x.mul(4);
        Tensor y = h.mul(h).add(h2).sum().retainGrad();
        y.backward();
        assertThat(h.grad().toDoubleArray()).containsExactly(6, 12);
        assertThat(h2.grad()).isNull();
        assertThat(y.grad().item()).isEqualTo(1);
        assertThat(x.grad().toDoubleArray()).containsExactly(18 + 4, 36 + 4);
        assertThat(h.retainsGrad()).isTrue();
    }

    @Test
    void backwardTwiceThroughAFreedGraphIsRefused() {
        Tensor x = leaf(1, 2);
        Tensor y = x.exp().sum();
        y.backward();
        assertRefusesState(y::backward, "backward", "second time", "retainGraph");
        // retaining the graph allows a second pass, which accumulates
        Tensor z = leaf(1, 2);
        Tensor w = z.mul(z).sum();
        w.backward(null, true);
        w.backward(null, false);
        assertThat(z.grad().toDoubleArray()).containsExactly(4, 8);
        assertRefusesState(w::backward, "backward", "second time");
    }

    @Test
    void backwardOnATensorThatDoesNotRequireGradIsRefused() {
        assertRefusesState(() -> Tensor.of(new double[] {1}).sum().backward(), "backward", "does not require grad");
        Tensor x = leaf(1);
        Tensor y;
        try (NoGrad ignored = NoGrad.enter()) {
            y = x.mul(2).sum();
        }
        assertRefusesState(y::backward, "backward", "does not require grad");
    }

    @Test
    void aSavedTensorModifiedInPlaceIsRefused() {
        // an input saved by mul, overwritten afterwards
        Tensor x = leaf(1, 2);
        Tensor c = Tensor.of(new double[] {3, 4});
        Tensor y = x.mul(c).sum();
        c.fill_(0);
        assertRefusesState(y::backward, "backward", "input 1", "MulBackward", "modified in place");
        // a saved output, overwritten through a view under NoGrad
        Tensor z = leaf(1, 2);
        Tensor e = z.exp();
        Tensor loss = e.sum();
        try (NoGrad ignored = NoGrad.enter()) {
            e.narrow(0, 0, 1).mul_(Tensor.scalar(2, DType.F64));
        }
        assertRefusesState(loss::backward, "backward", "output", "ExpBackward", "[2]");
        // a write that comes after backward is fine
        Tensor v = leaf(1, 2);
        Tensor d = Tensor.of(new double[] {5, 6});
        v.mul(d).sum().backward();
        d.fill_(1);
        assertThat(v.grad().toDoubleArray()).containsExactly(5, 6);
    }

    @Test
    void inPlaceOpsOnTensorsThatRequireGradAreRefusedWhileGradIsEnabled() {
        Tensor x = leaf(1, 2);
        assertRefusesState(() -> x.add_(Tensor.of(new double[] {1, 1})), "add_", "requires grad");
        assertRefusesState(() -> x.fill_(0), "fill_", "requires grad");
        assertRefusesState(() -> x.narrow(0, 0, 1).zero_(), "fill_", "requires grad");
        assertRefusesState(() -> x.exp().mul_(2), "mul_", "requires grad");
        try (NoGrad ignored = NoGrad.enter()) {
            x.add_(Tensor.of(new double[] {1, 1}));
            x.mul_(2);
        }
        assertThat(x.toDoubleArray()).containsExactly(4, 6);
        assertThat(x.requiresGrad()).isTrue();
    }

    @Test
    void inPlaceWritesFromATensorThatRequiresGradAreRefusedWhileGradIsEnabled() {
        // the write would not be recorded, so the gradient would be lost without a word
        Tensor x = leaf(1, 2);
        Tensor buffer = Tensor.zeros(DType.F64, 2);
        assertRefusesState(() -> buffer.copy_(x), "copy_", "source requires grad");
        assertRefusesState(() -> buffer.add_(x), "add_", "requires grad");
        try (NoGrad ignored = NoGrad.enter()) {
            buffer.copy_(x);
        }
        assertThat(buffer.toDoubleArray()).containsExactly(1, 2);
        buffer.copy_(x.detach());
    }

    @Test
    void noGradScopesNestAndRestore() {
        Tensor x = leaf(1, 2);
        assertThat(NoGrad.isGradEnabled()).isTrue();
        try (NoGrad outer = NoGrad.enter()) {
            assertThat(NoGrad.isGradEnabled()).isFalse();
            Tensor y = x.mul(2);
            assertThat(y.requiresGrad()).isFalse();
            assertThat(y.gradFn()).isNull();
            try (NoGrad inner = NoGrad.enter()) {
                assertThat(NoGrad.isGradEnabled()).isFalse();
            }
            assertThat(NoGrad.isGradEnabled()).isFalse();
            assertThat(x.exp().requiresGrad()).isFalse();
        }
        assertThat(NoGrad.isGradEnabled()).isTrue();
        assertThat(x.mul(2).requiresGrad()).isTrue();
        assertThat(NoGrad.run(() -> x.mul(2)).requiresGrad()).isFalse();
        assertThat(NoGrad.isGradEnabled()).isTrue();
        NoGrad scope = NoGrad.enter();
        scope.close();
        scope.close(); // closing twice changes nothing
        assertThat(NoGrad.isGradEnabled()).isTrue();
    }

    @Test
    void noGradIsPerThread() throws Exception {
        Tensor x = leaf(1, 2);
        Tensor other;
        try (NoGrad ignored = NoGrad.enter()) {
            other = CompletableFuture.supplyAsync(() -> x.mul(3).sum()).get();
            assertThat(other.requiresGrad()).isTrue();
            assertThat(x.mul(3).requiresGrad()).isFalse();
        }
        other.backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(3, 3);
    }

    @Test
    void viewsOfALeafUnderNoGradWriteThroughToIt() {
        Tensor w = leaf(1, 2, 3, 4);
        try (NoGrad ignored = NoGrad.enter()) {
            w.reshape(2, 2).t().select(0, 1).copy_(Tensor.of(new double[] {-1, -2}));
        }
        assertThat(w.toDoubleArray()).containsExactly(1, -1, 3, -2);
    }

    @Test
    void gradientsFlowThroughViewsAndCopies() {
        Generator rng = new Generator(3);
        Tensor x = TestTensors.random(rng, DType.F64, 3, 4).requiresGrad(true);
        // y = Σ (xᵀ)[1:3:1] * 2  → gradient 2 on columns 1..2 of x
        x.t().slice(0, 1, 3).contiguous().mul(2).sum().backward();
        double[] g = x.grad().toDoubleArray();
        for (int i = 0; i < 12; i++) {
            int col = i % 4;
            assertThat(g[i]).isEqualTo(col == 1 || col == 2 ? 2 : 0);
        }
    }

    @Test
    void requiresGradOnlyOnFloatLeaves() {
        Tensor y = leaf(1).mul(2);
        assertRefusesState(() -> y.requiresGrad(false), "requiresGrad", "leaf", "MulBackward");
        assertRejects(() -> Tensor.arange(3).requiresGrad(true), "requiresGrad", "I32");
        assertRefusesState(() -> Tensor.zeros(1).retainGrad(), "retainGrad", "does not require grad");
    }

    @Test
    void f32LeavesGetF32Gradients() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        x.to(DType.F64).mul(3).sum().backward();
        assertThat(x.grad().dtype()).isEqualTo(DType.F32);
        assertThat(x.grad().toFloatArray()).containsExactly(3, 3);
    }
}
