package dev.kiln.layers.kan;

import dev.kiln.layers.ModuleGradients;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The KAN network: composition, keys, grid updates, refinement and the regulariser across layers. */
class KANTest {
    private final Generator rng = new Generator(29);

    @Test
    void aKanIsItsLayersInOrderWithEfficientKansKeys() {
        KAN kan = KAN.builder(2, 3, 1).gridSize(3).build(rng);
        assertThat(kan.widths()).containsExactly(2, 3, 1);
        assertThat(kan.layers()).hasSize(2);
        assertThat(kan.stateDict().keySet()).containsExactly(
                "layers.0.base_weight", "layers.0.spline_weight", "layers.0.spline_scaler", "layers.0.grid",
                "layers.1.base_weight", "layers.1.spline_weight", "layers.1.spline_scaler", "layers.1.grid");
        // 2·3 edges and 3·1 edges, each with G + k coefficients, a base weight and a scale
        assertThat(kan.parameterCount()).isEqualTo(9 * (6 + 2));
        Tensor x = Tensor.rand(rng, 5, 2).mul(2).sub(1);
        assertThat(kan.forward(x).allClose(kan.layer(1).forward(kan.layer(0).forward(x)), 0, 0)).isTrue();
        assertThatThrownBy(() -> KAN.builder(4).build(rng)).hasMessageContaining("at least two widths");
        assertThatThrownBy(() -> kan.forward(Tensor.zeros(5, 3))).hasMessageContaining("expected input [..., 2]");
    }

    @Test
    void gradientsFlowThroughTheStack() {
        KAN kan = KAN.builder(2, 2, 1).gridSize(3).dtype(DType.F64).build(rng);
        ModuleGradients.assertGradients(kan, kan::forward, Tensor.rand(rng, 3, 2).mul(2).sub(1).to(DType.F64));
    }

    @Test
    void oneRegularisedPassGivesTheForwardAndTheSumOfTheLayersRegularisers() {
        KAN kan = KAN.builder(3, 2, 2).gridSize(4).dtype(DType.F64).build(rng);
        Tensor x = Tensor.rand(rng, 8, 3).mul(2).sub(1).to(DType.F64);
        KAN.Regularized r = kan.forwardWithRegularization(x, 1, 2);
        assertThat(r.output().allClose(kan.forward(x), 1e-12, 1e-12)).isTrue();
        double expected = kan.layer(0).regularizationLoss(x).item()
                + kan.layer(1).regularizationLoss(kan.layer(0).forward(x)).item();
        assertThat(r.regularization().item()).isCloseTo(expected, within(1e-12));
        assertThat(kan.regularizationLoss(x).item()).isCloseTo(expected, within(1e-12));
        ModuleGradients.assertGradients(kan, kan::regularizationLoss, x);
    }

    @Test
    void gridUpdatesGoLayerByLayer() {
        KAN kan = KAN.builder(2, 2, 1).dtype(DType.F64).build(rng);
        Tensor x = Tensor.rand(rng, 64, 2).mul(0.8).sub(0.2).to(DType.F64);
        Tensor g0 = kan.layer(0).grid().clone();
        Tensor g1 = kan.layer(1).grid().clone();
        Tensor before = kan.forward(x);
        kan.updateGrid(x);
        assertThat(kan.layer(0).grid().allClose(g0, 0, 1e-3)).isFalse();
        assertThat(kan.layer(1).grid().allClose(g1, 0, 1e-3)).isFalse();
        // layer 1's knots span what the updated layer 0 produces
        double[] h = kan.layer(0).forward(x).toDoubleArray();
        double lo = Double.POSITIVE_INFINITY;
        for (int i = 0; i < h.length; i += 2) {
            lo = Math.min(lo, h[i]);
        }
        assertThat(kan.layer(1).grid().toDoubleArray()[3]).isCloseTo(lo, within(1e-3));
        Tensor d = kan.forward(x).sub(before);
        assertThat(Math.sqrt(d.square().sum().item() / before.square().sum().item())).isLessThan(1e-2);
    }

    @Test
    void refineMakesANewModelThatFollowsTheOldOne() {
        KAN kan = KAN.builder(2, 1, 1).gridSize(3).dtype(DType.F64).build(rng);
        Tensor x = Tensor.rand(rng, 200, 2).mul(2).sub(1).to(DType.F64);
        KAN fine = kan.refine(6, x);
        assertThat(fine).isNotSameAs(kan);
        assertThat(fine.layer(0).gridSize()).isEqualTo(6);
        assertThat(fine.layer(1).gridSize()).isEqualTo(6);
        assertThat(fine.layer(0).splineWeight().shape()).containsExactly(1, 2, 9);
        assertThat(kan.layer(0).gridSize()).isEqualTo(3);
        // G = 3 → 6 keeps every old knot: layer 0 is reproduced exactly on the interior; layer 1 is
        // fitted on layer 0's outputs, which may leave its interior, so the whole model is close
        Tensor h = kan.layer(0).forward(x);
        Tensor d0 = fine.layer(0).forward(x).sub(h);
        assertThat(d0.abs().max().item()).isLessThan(1e-10);
        Tensor y = kan.forward(x);
        Tensor d = fine.forward(x).sub(y);
        assertThat(Math.sqrt(d.square().sum().item() / y.square().sum().item())).isLessThan(1e-3);
        assertThat(kan.refine(5).layer(1).gridSize()).isEqualTo(5);
    }
}
