package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPAM's sparse momentum. Masks change only at resets, and the reset zeroes the moments on the
 * step after, so with gradients that do not depend on θ (and no weight decay) every masked
 * coordinate moves exactly as under dense SPAM while every other coordinate stays put.
 */
class SparseSpamTest {
    static final int M = 8;
    static final int N = 6;
    static final double DENSITY = 0.3;

    static List<Tensor> gradients(int steps) {
        var rng = new Generator(11);
        List<Tensor> gs = new ArrayList<>();
        for (int t = 0; t < steps; t++) {
            Tensor g = Tensor.randn(rng, M, N).to(DType.F64);
            if (t == 7) {
                g = g.mul(1000); // a spike for the clipping to catch
            }
            gs.add(g);
        }
        return gs;
    }

    static Spam.Builder config(Spam.Builder b) {
        return b.lr(0.01).deltaT(5).warmupSteps(2).gradAccuSteps(1).threshold(3);
    }

    @Test
    void maskedCoordinatesFollowDenseSpamAndTheOthersStayPut() {
        int steps = 18;
        Tensor dense = Tensor.randn(new Generator(3), M, N).to(DType.F64).requiresGrad(true);
        Tensor sparse = dense.detach().clone().requiresGrad(true);
        Spam d = config(Spam.builder(List.of(dense))).build();
        Spam s = config(Spam.builder(List.of(sparse))).density(DENSITY).seed(42).build();
        List<Tensor> gs = gradients(steps);
        int[] previousMask = null;
        int masksSeen = 0;
        for (int t = 0; t < steps; t++) {
            double[] denseBefore = dense.toDoubleArray();
            double[] sparseBefore = sparse.toDoubleArray();
            dense.setGrad(gs.get(t));
            sparse.setGrad(gs.get(t));
            int[] mask = s.state(sparse) == null ? null : s.state(sparse).get("mask_indices").toIntArray();
            d.step();
            s.step();
            if (mask == null) {
                mask = s.state(sparse).get("mask_indices").toIntArray(); // drawn on the first step
            }
            assertThat(mask).hasSize((int) Math.floor(DENSITY * M * N)).isSorted().doesNotHaveDuplicates();
            if (!Arrays.equals(mask, previousMask)) {
                masksSeen++;
                // a new mask appears only on the first step and on the step after each reset (total + 1 ≡ 0 mod ΔT)
                assertThat(t == 0 || t % 5 == 4).as("mask changed before step %d", t).isTrue();
            }
            previousMask = mask;
            double[] denseAfter = dense.toDoubleArray();
            double[] sparseAfter = sparse.toDoubleArray();
            boolean[] in = new boolean[M * N];
            for (int j : mask) {
                in[j] = true;
            }
            for (int j = 0; j < M * N; j++) {
                double ds = sparseAfter[j] - sparseBefore[j];
                if (in[j]) {
                    double dd = denseAfter[j] - denseBefore[j];
                    assertThat(Math.abs(ds - dd)).as("step %d, masked coordinate %d", t, j)
                            .isLessThanOrEqualTo(1e-15 * (Math.abs(sparseBefore[j]) + Math.abs(denseBefore[j])));
                } else {
                    assertThat(ds).as("step %d, coordinate %d outside the mask", t, j).isEqualTo(0.0);
                }
            }
        }
        assertThat(masksSeen).isEqualTo(4); // the initial mask and one per reset at steps 4, 9, 14
        long k = (long) Math.floor(DENSITY * M * N);
        assertThat(s.stateBytes(sparse)).isEqualTo(2 * k * 8 + k * 4);
    }

    @Test
    void weightDecayAppliesToTheMaskedEntriesOnly() {
        Tensor w = Tensor.full(1, DType.F64, M, N).requiresGrad(true);
        Spam s = Spam.builder(List.of(w)).lr(0.1).weightDecay(0.5).density(0.25).recordClipping(true).build();
        w.setGrad(Tensor.zeros(DType.F64, M, N));
        s.step();
        int[] mask = s.state(w).get("mask_indices").toIntArray();
        double[] v = w.toDoubleArray();
        boolean[] in = new boolean[M * N];
        for (int j : mask) {
            in[j] = true;
        }
        for (int j = 0; j < v.length; j++) {
            // zero gradient: a masked entry only decays by lr·λ = 0.05; the others do not move
            assertThat(v[j]).isEqualTo(in[j] ? 0.95 : 1.0);
        }
        assertThat(s.lastClipMask(w).toBooleanArray()).containsOnly(false);
    }

    @Test
    void masksDependOnTheSeed() {
        Tensor a = Tensor.zeros(DType.F64, M, N).requiresGrad(true);
        Tensor b = Tensor.zeros(DType.F64, M, N).requiresGrad(true);
        Spam sa = Spam.builder(List.of(a)).density(0.5).seed(1).build();
        Spam sb = Spam.builder(List.of(b)).density(0.5).seed(2).build();
        a.setGrad(Tensor.ones(DType.F64, M, N));
        b.setGrad(Tensor.ones(DType.F64, M, N));
        sa.step();
        sb.step();
        assertThat(sa.state(a).get("mask_indices").toIntArray()).isNotEqualTo(sb.state(b).get("mask_indices").toIntArray());
    }
}
