package dev.kiln.layers.bilinear;

import dev.kiln.layers.Fixtures;
import dev.kiln.layers.Gate;
import dev.kiln.layers.Linear;
import dev.kiln.layers.ffn.Bilinear;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BilinearDecompositionTest {
    private static final Map<String, Fixtures.Case> CASES = Fixtures.load("kan.json");
    private final Generator rng = new Generator(41);

    private static double maxAbsDiff(Tensor a, Tensor b) {
        return a.to(DType.F64).sub(b.to(DType.F64)).abs().max().item();
    }

    private static double maxAbs(Tensor a) {
        return a.to(DType.F64).abs().max().item();
    }

    @Test
    void eigendecompositionsMatchTorchLinalgEigh() {
        for (String name : new String[] {"bilinear_small", "bilinear_wide"}) {
            Fixtures.Case c = CASES.get(name);
            BilinearDecomposition d = BilinearDecomposition.of(c.tensor("left"), c.tensor("right"), c.tensor("head"));
            int classes = c.tensor("head").size(0);
            int n = c.tensor("left").size(1);
            assertThat(d.outputs()).isEqualTo(classes);
            assertThat(d.dimension()).isEqualTo(n);
            for (int k = 0; k < classes; k++) {
                BilinearDecomposition.Eigen e = d.decompose(k);
                Tensor values = c.tensor("eigenvalues").select(0, k);
                Tensor vectors = c.tensor("eigenvectors").select(0, k);
                assertThat(maxAbsDiff(e.eigenvalues(), values)).as(name + " eigenvalues " + k).isLessThan(1e-12 * Math.max(1, maxAbs(values)));
                assertThat(maxAbsDiff(e.eigenvectors(), vectors)).as(name + " eigenvectors " + k).isLessThan(1e-9);
            }
            Tensor u = c.tensor("u");
            assertThat(maxAbsDiff(d.interactionMatrix(u), c.tensor("interaction_u"))).isLessThan(1e-13);
            assertThat(maxAbsDiff(d.decompose(u).eigenvalues(), c.tensor("eigenvalues_u"))).isLessThan(1e-12);
            // the model's logits (computed by PyTorch) from the eigenvalues and eigenvectors
            Tensor logits = c.tensor("out");
            assertThat(maxAbsDiff(d.logits(c.tensor("x")), logits)).isLessThan(1e-12 * Math.max(1, maxAbs(logits)));
        }
    }

    /** embed (with bias) → Bilinear (with bias) → head (with bias), as a model would run it. */
    private static Tensor modelLogits(Linear embed, Bilinear layer, Linear head, Tensor x) {
        return head.forward(layer.forward(embed.forward(x)));
    }

    @Test
    void theDecompositionReconstructsTheModelsLogitsWithEveryBias() {
        Linear embed = new Linear(7, 5, rng);
        Bilinear layer = new Bilinear(5, 6, Gate.IDENTITY, true, rng);
        Linear head = new Linear(6, 3, rng);
        for (var m : new dev.kiln.layers.Module[] {embed, layer, head}) {
            m.to(DType.F64);
        }
        Tensor x = Tensor.randn(rng, 9, 7).to(DType.F64);
        BilinearDecomposition d = BilinearDecomposition.of(embed, layer, head);
        assertThat(d.hasConstantOne()).isTrue();
        assertThat(d.dimension()).isEqualTo(6);
        Tensor expected = modelLogits(embed, layer, head, x);
        assertThat(maxAbsDiff(d.logits(x), expected)).isLessThan(1e-12 * Math.max(1, maxAbs(expected)));
        // one class at a time, with the readout bias as its constant
        for (int c = 0; c < 3; c++) {
            BilinearDecomposition.Eigen e = d.decompose(c);
            assertThat(e.bias()).isEqualTo(head.bias().tensor().toDoubleArray()[c]);
            assertThat(maxAbsDiff(e.apply(d.features(x)), expected.select(1, c))).isLessThan(1e-12);
            double[] lambda = e.eigenvalues().toDoubleArray();
            for (int i = 1; i < lambda.length; i++) {
                assertThat(lambda[i]).isGreaterThanOrEqualTo(lambda[i - 1]);
            }
        }
        // any unit direction u: uᵀ·logits = Σ λ (v·z)² + uᵀb
        Tensor u = Tensor.of(new double[] {0.6, 0, -0.8});
        Tensor projected = expected.matmul(u);
        assertThat(maxAbsDiff(d.decompose(u).apply(d.features(x)), projected)).isLessThan(1e-12);
    }

    @Test
    void f32ModelsAreReconstructedToFloatRounding() {
        Linear embed = new Linear(12, 8, false, rng);
        Bilinear layer = new Bilinear(8, 8, rng);
        Linear head = new Linear(8, 4, false, rng);
        Tensor x = Tensor.rand(rng, 20, 12);
        Tensor expected = modelLogits(embed, layer, head, x);
        BilinearDecomposition d = BilinearDecomposition.of(embed, layer, head);
        assertThat(d.hasConstantOne()).isFalse();
        assertThat(maxAbsDiff(d.logits(x), expected)).isLessThan(1e-5 * Math.max(1, maxAbs(expected)));
    }

    @Test
    void inputSpaceEigenvectorsCarryTheWholeLogit() {
        Linear embed = new Linear(10, 6, false, rng);
        Bilinear layer = new Bilinear(6, 5, rng);
        Linear head = new Linear(5, 2, false, rng);
        for (var m : new dev.kiln.layers.Module[] {embed, layer, head}) {
            m.to(DType.F64);
        }
        BilinearDecomposition d = BilinearDecomposition.of(embed, layer, head);
        BilinearDecomposition.Eigen e = d.decompose(1);
        Tensor images = e.inputSpaceEigenvectors(); // [6, 10]: row i = Eᵀ v_i
        assertThat(images.shape()).containsExactly(6, 10);
        Tensor x = Tensor.randn(rng, 4, 10).to(DType.F64);
        Tensor fromImages = x.matmul(images.t()).square().mul(e.eigenvalues()).sum(1);
        assertThat(maxAbsDiff(fromImages, modelLogits(embed, layer, head, x).select(1, 1))).isLessThan(1e-12);
        // with the bias trick the constant entry is dropped before projecting
        Bilinear biased = new Bilinear(6, 5, Gate.IDENTITY, true, rng);
        biased.to(DType.F64);
        assertThat(BilinearDecomposition.of(embed, biased, head).decompose(0).inputSpaceEigenvectors().shape())
                .containsExactly(7, 10);
    }

    @Test
    void truncationKeepsTheLargestEigenvaluesAndConvergesToTheLogits() {
        Bilinear layer = new Bilinear(9, 7, rng);
        Linear head = new Linear(7, 3, rng);
        layer.to(DType.F64);
        head.to(DType.F64);
        BilinearDecomposition d = BilinearDecomposition.of(layer, head);
        Tensor x = Tensor.randn(rng, 30, 9).to(DType.F64);
        Tensor exact = head.forward(layer.forward(x));
        assertThat(maxAbsDiff(d.truncatedLogits(x, 9), exact)).isLessThan(1e-12);
        // k = 0 leaves the readout bias
        Tensor bias = head.bias().tensor().unsqueeze(0).expand(30, 3);
        assertThat(maxAbsDiff(d.truncatedLogits(x, 0), bias)).isEqualTo(0.0);
        // top-2 by hand: the two eigenpairs of largest |λ|
        BilinearDecomposition.Eigen e = d.decompose(2);
        double[] lambda = e.eigenvalues().toDoubleArray();
        int a = 0;
        for (int i = 1; i < lambda.length; i++) {
            a = Math.abs(lambda[i]) > Math.abs(lambda[a]) ? i : a;
        }
        int b = a == 0 ? 1 : 0;
        for (int i = 0; i < lambda.length; i++) {
            b = i != a && Math.abs(lambda[i]) > Math.abs(lambda[b]) ? i : b;
        }
        Tensor z = d.features(x);
        Tensor manual = z.matmul(e.eigenvector(a)).square().mul(lambda[a])
                .add(z.matmul(e.eigenvector(b)).square().mul(lambda[b])).add(e.bias());
        assertThat(maxAbsDiff(d.truncatedLogits(x, 2).select(1, 2), manual)).isLessThan(1e-12);
        assertThat(e.topK(2).eigenvalues().toDoubleArray()).containsExactly(lambda[a], lambda[b]);
        // the sorted contributions give every k at once
        Tensor contributions = d.sortedContributions(x); // [3, 30, 9]
        assertThat(contributions.shape()).containsExactly(3, 30, 9);
        Tensor firstTwo = contributions.narrow(2, 0, 2).sum(2).t().add(head.bias().tensor());
        assertThat(maxAbsDiff(firstTwo, d.truncatedLogits(x, 2))).isLessThan(1e-12);
        // accuracy with every eigenvector is the model's own agreement with the labels
        Tensor labels = exact.argmax(1, false);
        double[] acc = d.topKAccuracy(x, labels, 9, 0);
        assertThat(acc[0]).isEqualTo(1.0);
        assertThat(acc[1]).isCloseTo(fractionEqual(bias.argmax(1, false), labels), within(1e-12));
    }

    private static double fractionEqual(Tensor a, Tensor b) {
        int[] x = a.toIntArray();
        int[] y = b.toIntArray();
        int same = 0;
        for (int i = 0; i < x.length; i++) {
            same += x[i] == y[i] ? 1 : 0;
        }
        return (double) same / x.length;
    }

    @Test
    void badArgumentsAreRefused() {
        Bilinear swiglu = new Bilinear(4, 4, Gate.SILU, false, rng);
        Linear head = new Linear(4, 2, rng);
        assertThatThrownBy(() -> BilinearDecomposition.of(swiglu, head))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only the pure bilinear layer");
        assertThatThrownBy(() -> BilinearDecomposition.of(new Bilinear(4, 3, rng), head))
                .hasMessageContaining("cannot read");
        assertThatThrownBy(() -> BilinearDecomposition.of(new Linear(5, 3, rng), new Bilinear(4, 4, rng), head))
                .hasMessageContaining("does not feed");
        BilinearDecomposition d = BilinearDecomposition.of(new Bilinear(4, 4, rng), head);
        assertThatThrownBy(() -> d.decompose(Tensor.ones(3))).hasMessageContaining("output direction must be a floating-point vector [2]");
        assertThatThrownBy(() -> d.decompose(2)).hasMessageContaining("output 2 is out of range [0, 2)");
        assertThatThrownBy(() -> d.logits(Tensor.zeros(3, 5))).hasMessageContaining("expected a floating-point input [N, 4], got F32 [3, 5]");
        assertThatThrownBy(() -> d.truncatedLogits(Tensor.zeros(3, 4), 5)).hasMessageContaining("k must be in [0, 4]");
        assertThatThrownBy(() -> BilinearDecomposition.of(Tensor.zeros(3, 4), Tensor.zeros(3, 5), Tensor.zeros(2, 3)))
                .hasMessageContaining("must have one shape");
    }
}
