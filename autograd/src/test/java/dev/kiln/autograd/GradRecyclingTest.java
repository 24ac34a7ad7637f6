package dev.kiln.autograd;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.CpuStorage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine gives the buffers of gradients it has consumed back to the backend's pool
 * ({@code Storage.recycle}); none that travels on, becomes a .grad or is retained may go. Large
 * tensors, since only those are pooled. Inside {@link RecycleActivations} the graph's intermediate
 * results go back too, once backward is done.
 */
class GradRecyclingTest {
    private static final int N = 40_000;

    private static float[] values(int seed) {
        return values(seed, N);
    }

    private static float[] values(int seed, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(seed * 7.1 + i * 0.37);
        }
        return v;
    }

    private static Tensor leaf(int seed) {
        return Tensor.of(values(seed), N).requiresGrad(true);
    }

    @Test
    void theIntermediateGradientsOfAChainGoBackToThePoolAndTheLeafGradientIsRight() {
        int n = N + 1; // a size no other test pools, so the pool holds none of it before the backward
        float[] xv = values(1, n);
        float[] cv = values(2, n);
        float[] dv = values(3, n);
        Tensor x = Tensor.of(xv, n).requiresGrad(true);
        Tensor loss = x.mul(Tensor.of(cv, n)).relu().mul(Tensor.of(dv, n)).sum();
        long before = CpuStorage.pooledBytes();
        loss.backward();
        // mul's gradient (consumed by relu's rule) and relu's (consumed by the first mul's) were
        // recycled; the second of them was taken again for x's gradient, which x keeps
        assertThat(CpuStorage.pooledBytes() - before).isEqualTo(4L * n);
        float[] g = x.grad().toFloatArray();
        for (int i = 0; i < n; i++) {
            float expected = xv[i] * cv[i] > 0 ? dv[i] * cv[i] : 0f;
            assertThat(g[i]).as("dx[%d]", i).isEqualTo(expected);
        }
    }

    @Test
    void repeatedStepsOnRecycledBuffersGiveTheSameGradients() {
        Tensor w = leaf(4);
        Tensor x = Tensor.of(values(5), N);
        float[] first = null;
        for (int step = 0; step < 4; step++) {
            w.setGrad(null);
            Tensor h = x.mul(w).tanh();
            h.add(h.mul(x)).relu().mul(w).sum().backward(); // h feeds two consumers: its gradients are summed
            float[] g = w.grad().toFloatArray();
            if (first == null) {
                first = g;
            } else {
                assertThat(g).containsExactly(first);
            }
        }
        assertThat(first).doesNotContain(Float.NaN);
    }

    @Test
    void aResidualsTwoGradientsAreSummedInPlaceAndRight() {
        int n = N + 2;
        float[] xv = values(11, n);
        float[] cv = values(12, n);
        float[] dv = values(13, n);
        float[] ev = values(14, n);
        for (int step = 0; step < 2; step++) { // the second step runs on recycled buffers
            Tensor x = Tensor.of(xv, n).requiresGrad(true);
            Tensor h = x.mul(Tensor.of(cv, n));
            // h's two consumers each hand back a fresh gradient: the second is added into the first's buffer
            h.relu().mul(Tensor.of(dv, n)).add(h.mul(Tensor.of(ev, n))).sum().backward();
            float[] g = x.grad().toFloatArray();
            for (int i = 0; i < n; i++) {
                float gh = (xv[i] * cv[i] > 0 ? dv[i] : 0f) + ev[i];
                assertThat(g[i]).as("step %d dx[%d]", step, i).isEqualTo(gh * cv[i]);
            }
        }
    }

    @Test
    void theGradientAnAddHandsToBothInputsGoesBackToThePoolOnceBothAreDone() {
        int n = N + 3;
        Tensor c = Tensor.of(values(17, n), n);
        Tensor d = Tensor.of(values(18, n), n);
        Tensor x = Tensor.of(values(19, n), n).requiresGrad(true);
        Runnable step = () -> {
            try (RecycleActivations r = RecycleActivations.enter()) {
                Tensor h = x.mul(c);
                h.mul(d).add(h).relu().sum().backward(); // add's rule hands relu's gradient to both of its inputs
            }
            x.grad().storage().recycle(); // as an optimizer's zeroGrad would drop it
            x.setGrad(null);
        };
        // had the shared gradient not gone back, each step would allocate a fresh one
        assertAllocatesNothingFreshOnceWarm(step);
    }

    /** Once warm, every pool-sized buffer a step uses comes from the pool. */
    private static void assertAllocatesNothingFreshOnceWarm(Runnable step) {
        for (int i = 0; i < 3; i++) {
            step.run();
        }
        long before = CpuStorage.freshPoolableAllocations();
        for (int i = 0; i < 5; i++) {
            step.run();
        }
        assertThat(CpuStorage.freshPoolableAllocations() - before).isZero();
    }

    @Test
    void aFusedLinearsPreActivationAndItsRulesTemporaryGoBackToThePool() {
        int rows = 64;
        int in = 32;
        int out = 1024 + 7; // rows × out floats: large enough to be pooled, a size no other test uses
        Tensor x = Tensor.of(values(20, rows * in), rows, in);
        Tensor w = Tensor.of(values(21, out * in), out, in).requiresGrad(true);
        Tensor b = Tensor.of(values(22, out), out).requiresGrad(true);
        Runnable step = () -> {
            try (RecycleActivations r = RecycleActivations.enter()) {
                if (w.grad() != null) {
                    w.grad().storage().recycle(); // as an optimizer's zeroGrad inside the scope does
                }
                w.setGrad(null);
                b.setGrad(null);
                Tensor.linear(x, w, b, dev.kiln.tensor.UnaryOp.GELU).sum().backward();
            }
        };
        // the output, the pre-activation and d = dy ⊙ gelu'(pre) are all rows × out: each comes from the pool
        assertAllocatesNothingFreshOnceWarm(step);
    }

    @Test
    void aGradientSharedByTwoInputsIsNotSummedIntoItself() {
        Tensor x = leaf(15);
        float[] cv = values(16);
        Tensor h = x.mul(Tensor.of(cv, N));
        h.add(h).relu().sum().backward(); // add hands one gradient buffer to both of its inputs, both h
        float[] xv = values(15);
        float[] g = x.grad().toFloatArray();
        for (int i = 0; i < N; i++) {
            float expected = xv[i] * cv[i] > 0 ? 2 * cv[i] : 0f;
            assertThat(g[i]).as("dx[%d]", i).isEqualTo(expected);
        }
    }

    @Test
    void aRetainedIntermediateGradientStaysReadable() {
        Tensor x = leaf(6);
        Tensor y = x.mul(Tensor.of(values(7), N)).retainGrad();
        Tensor z = y.relu();
        z.retainGrad();
        z.mul(Tensor.of(values(8), N)).sum().backward();
        float[] dz = values(8);
        assertThat(z.grad().toFloatArray()).containsExactly(dz);
        float[] yv = y.detach().toFloatArray();
        float[] dy = y.grad().toFloatArray();
        for (int i = 0; i < N; i++) {
            assertThat(dy[i]).isEqualTo(yv[i] > 0 ? dz[i] : 0f);
        }
    }

    @Test
    void aGraphKeptForASecondBackwardStillWorks() {
        Tensor x = leaf(9);
        Tensor loss = x.mul(x).relu().mul(Tensor.of(values(10), N)).sum();
        loss.backward(null, true);
        float[] once = x.grad().toFloatArray();
        loss.backward(null, true);
        float[] twice = x.grad().toFloatArray();
        for (int i = 0; i < N; i++) {
            assertThat(twice[i]).isEqualTo(2 * once[i]);
        }
    }

    @Test
    void insideRecycleActivationsTheIntermediateResultsAreRecycledAndTheLeavesAndTheLossKept() {
        int rows = 200;
        int cols = 210; // 42,000 floats per activation: pooled
        Tensor x = Tensor.of(values(11, rows * cols), rows, cols);
        Tensor w = Tensor.of(values(12, cols * cols), cols, cols).requiresGrad(true);
        Tensor h;
        Tensor kept;
        Tensor loss;
        float[] wBefore = w.detach().toFloatArray();
        try (RecycleActivations r = RecycleActivations.enter()) {
            h = x.matmul(w.t()).relu(); // w is read through a view: its buffer must survive
            kept = h.mul(2).retainGrad();
            loss = kept.sum();
            loss.backward();
        }
        assertThat(loss.item()).isFinite();
        assertThat(w.detach().toFloatArray()).containsExactly(wBefore);
        assertThat(x.toFloatArray()).containsExactly(values(11, rows * cols));
        assertThat(kept.grad().toFloatArray()).containsOnly(1f);
        assertThat(kept.detach().toFloatArray()).hasSize(rows * cols);
        assertThatThrownBy(h::toFloatArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("recycled");
        assertThat(RecycleActivations.isActive()).isFalse();
    }

    @Test
    void recycledActivationsChangeNoGradientAndOutsideTheScopeActivationsStayReadable() {
        float[][] grads = new float[2][];
        for (int run = 0; run < 2; run++) {
            Tensor w = leaf(13);
            Tensor x = Tensor.of(values(14), N);
            for (int step = 0; step < 3; step++) {
                w.setGrad(null);
                Tensor h = x.mul(w).tanh();
                Tensor loss = h.add(h.mul(x)).relu().mul(w).sum();
                if (run == 1) {
                    try (RecycleActivations r = RecycleActivations.enter()) {
                        loss.backward();
                    }
                } else {
                    loss.backward();
                    assertThat(h.toFloatArray()).hasSize(N); // no scope: still readable
                }
            }
            grads[run] = w.grad().toFloatArray();
        }
        assertThat(grads[1]).containsExactly(grads[0]);
    }

    @Test
    void aGraphRetainedForAnotherBackwardKeepsItsActivationsEvenInsideTheScope() {
        Tensor x = leaf(15);
        Tensor h = x.mul(x).relu();
        Tensor loss = h.mul(Tensor.of(values(16), N)).sum();
        try (RecycleActivations r = RecycleActivations.enter()) {
            loss.backward(null, true);
        }
        assertThat(h.toFloatArray()).hasSize(N);
        loss.backward();
        assertThat(x.grad().toFloatArray()).doesNotContain(Float.NaN);
    }
}
