package dev.kiln.layers.kan;

import dev.kiln.layers.ModuleGradients;
import dev.kiln.autograd.GradCheck;
import dev.kiln.autograd.NoGrad;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The bases behind a KAN layer: fused against composed B-splines, Chebyshev, RBF, and the S-KAN mix. */
class BasisTest {
    private final Generator rng = new Generator(17);

    @Test
    void fusedAndComposedBSplinesAgreeInValuesAndGradients() {
        BSplineBasis basis = new BSplineBasis(6, 3, -1.5, 1);
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            Tensor grid = basis.initialGrid(3, dtype);
            Tensor x = Tensor.rand(rng, 11, 3).mul(3.6).sub(2.1).to(dtype); // inside and outside the grid
            Tensor w = Tensor.randn(rng, 11, 3, 9).to(dtype);
            Tensor a = x.detach().requiresGrad(true);
            Tensor b = x.detach().requiresGrad(true);
            Tensor fused = basis.evaluate(a, grid);
            Tensor composed = BSplineBasis.composed(b, grid, 3);
            double tol = dtype == DType.F64 ? 1e-12 : 2e-6;
            assertThat(fused.allClose(composed, tol, tol)).isTrue();
            fused.mul(w).sum().backward();
            composed.mul(w).sum().backward();
            assertThat(a.grad().allClose(b.grad(), dtype == DType.F64 ? 1e-10 : 1e-4, dtype == DType.F64 ? 1e-10 : 1e-4)).isTrue();
            assertThat(a.grad().abs().sum().item()).isGreaterThan(0);
        }
    }

    @Test
    void theFusedBasisPassesGradcheck() {
        Tensor grid = new BSplineBasis(4, 3, -1, 1).initialGrid(2, DType.F64);
        Tensor x = Tensor.rand(rng, 5, 2).mul(3).sub(1.5).to(DType.F64).requiresGrad(true);
        GradCheck.assertGradients(in -> new BSplineBasis(4, 3, -1, 1).evaluate(in[0], grid), x);
        Tensor grid2 = new BSplineBasis(3, 2, -1, 1).initialGrid(2, DType.F64);
        GradCheck.assertGradients(in -> new BSplineBasis(3, 2, -1, 1).evaluate(in[0], grid2), x);
    }

    @Test
    void chebyshevIsTheCosineFormOnTanh() {
        ChebyshevBasis basis = new ChebyshevBasis(6);
        assertThat(basis.size()).isEqualTo(7);
        assertThat(basis.initialGrid(3, DType.F32)).isNull();
        double[] xs = {-3, -0.7, 0, 0.4, 2.5};
        double[] v = basis.evaluate(Tensor.of(xs, 5, 1), null).toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double theta = Math.acos(Math.tanh(xs[i]));
            for (int n = 0; n <= 6; n++) {
                assertThat(v[i * 7 + n]).isCloseTo(Math.cos(n * theta), within(1e-12));
            }
        }
        Tensor x = Tensor.randn(rng, 3, 2).to(DType.F64).requiresGrad(true);
        GradCheck.assertGradients(in -> basis.evaluate(in[0], null), x);
        assertThat(new ChebyshevBasis(0).evaluate(Tensor.zeros(2, 3), null).shape()).containsExactly(2, 3, 1);
    }

    @Test
    void gaussianRbfPeaksAtItsCentres() {
        GaussianRbfBasis basis = new GaussianRbfBasis(5, -2, 2);
        assertThat(basis.width()).isEqualTo(1.0);
        double[] v = basis.evaluate(Tensor.of(new double[] {-1, 0.5}, 2, 1), null).toDoubleArray();
        assertThat(v[1]).isEqualTo(1.0); // x = −1 is centre 1
        assertThat(v[0]).isCloseTo(Math.exp(-1), within(1e-15));
        assertThat(v[5 + 2]).isCloseTo(Math.exp(-0.25), within(1e-15));
        Tensor x = Tensor.randn(rng, 3, 2).to(DType.F64).requiresGrad(true);
        GradCheck.assertGradients(in -> basis.evaluate(in[0], null), x);
        assertThatThrownBy(() -> new GaussianRbfBasis(1, -1, 1)).hasMessageContaining("numCenters must be >= 2");
    }

    @Test
    void layersOnOtherBasesTrainAndCheck() {
        for (Basis basis : List.of(new ChebyshevBasis(4), new GaussianRbfBasis(6, -2, 2))) {
            KANLinear layer = KANLinear.builder(3, 2).basis(basis).dtype(DType.F64).build(rng);
            assertThat(layer.grid()).isNull();
            assertThat(layer.stateDict().keySet()).containsExactly("base_weight", "spline_weight", "spline_scaler");
            assertThat(layer.splineWeight().shape()).containsExactly(2, 3, basis.size());
            Tensor x = Tensor.randn(rng, 4, 3).to(DType.F64);
            ModuleGradients.assertGradients(layer, layer::forward, x);
        }
        // no base branch: ChebyKAN's form
        KANLinear plain = KANLinear.builder(2, 2).basis(new ChebyshevBasis(3)).baseActivation(null).build(rng);
        assertThat(plain.stateDict().keySet()).containsExactly("spline_weight", "spline_scaler");
        assertThat(plain.forward(Tensor.zeros(1, 2)).shape()).containsExactly(1, 2);
    }

    @Test
    void aMixedBasisWeighsEachFamilyPerEdgeAndPruningKeepsOne() {
        MixedBasis mixed = new MixedBasis(new BSplineBasis(3, 3, -1, 1), new ChebyshevBasis(3), new GaussianRbfBasis(4, -1, 1));
        assertThat(mixed.size()).isEqualTo(6 + 4 + 4);
        assertThat(mixed.familyOfColumn()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2);
        KANLinear layer = KANLinear.builder(2, 3).basis(mixed).dtype(DType.F64).build(rng);
        assertThat(layer.stateDict().keySet())
                .containsExactly("base_weight", "spline_weight", "spline_scaler", "mixing_weight", "family_mask", "grid");
        assertThat(layer.mixingWeight().tensor().toDoubleArray()).containsOnly(1.0 / 3);
        Tensor x = Tensor.rand(rng, 5, 2).mul(2).sub(1).to(DType.F64);
        ModuleGradients.assertGradients(layer, layer::forward, x);

        // the output is the base branch plus each family's curve times its mixing weight
        try (NoGrad ignored = NoGrad.enter()) {
            layer.mixingWeight().tensor().copy_(Tensor.randn(rng, 3, 2, 3).to(DType.F64));
        }
        Tensor[] parts = new Tensor[3];
        Tensor bases = mixed.evaluate(x, layer.grid()); // [5, 2, 14]
        Tensor cs = layer.splineWeight().tensor().mul(layer.splineScaler().tensor().unsqueeze(-1));
        int[][] ranges = {{0, 6}, {6, 4}, {10, 4}};
        Tensor y = x.silu().matmul(layer.baseWeight().tensor().t());
        for (int f = 0; f < 3; f++) {
            Tensor b = bases.narrow(2, ranges[f][0], ranges[f][1]).reshape(5, -1);
            Tensor c = cs.narrow(2, ranges[f][0], ranges[f][1]).mul(layer.mixingWeight().tensor().narrow(2, f, 1));
            parts[f] = b.matmul(c.reshape(3, -1).t());
            y = y.add(parts[f]);
        }
        assertThat(layer.forward(x).allClose(y, 1e-12, 1e-12)).isTrue();

        // pruning: each edge keeps the family of largest |weight|; the others stop contributing
        Tensor chosen = layer.selectFamilies();
        assertThat(chosen.shape()).containsExactly(3, 2);
        double[] m = layer.mixingWeight().tensor().abs().toDoubleArray();
        int[] c = chosen.toIntArray();
        for (int e = 0; e < 6; e++) {
            for (int f = 0; f < 3; f++) {
                assertThat(m[e * 3 + f]).isLessThanOrEqualTo(m[e * 3 + c[e]]);
            }
        }
        double[] mask = layer.namedBuffers().get("family_mask").toDoubleArray();
        assertThat(java.util.Arrays.stream(mask).sum()).isEqualTo(6);
        Tensor pruned = layer.forward(x);
        Tensor expected = x.silu().matmul(layer.baseWeight().tensor().t());
        Tensor mixing = layer.mixingWeight().tensor().mul(layer.namedBuffers().get("family_mask"));
        for (int f = 0; f < 3; f++) {
            Tensor b = bases.narrow(2, ranges[f][0], ranges[f][1]).reshape(5, -1);
            Tensor cf = cs.narrow(2, ranges[f][0], ranges[f][1]).mul(mixing.narrow(2, f, 1));
            expected = expected.add(b.matmul(cf.reshape(3, -1).t()));
        }
        assertThat(pruned.allClose(expected, 1e-12, 1e-12)).isTrue();
        assertThat(pruned.allClose(y, 1e-6, 1e-6)).isFalse();
        assertThatThrownBy(() -> new KANLinear(2, 2, rng).selectFamilies()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new MixedBasis(new BSplineBasis(), new BSplineBasis())).hasMessageContaining("at most one B-spline");
    }
}
