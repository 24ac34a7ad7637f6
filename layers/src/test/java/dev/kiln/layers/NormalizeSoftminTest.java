package dev.kiln.layers;

import dev.kiln.autograd.GradCheck;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** F.normalize and F.softmin (values against PyTorch are in LayerFixturesTest). */
class NormalizeSoftminTest {

    @Test
    void normalizeScalesEachLineToNormOneAndClampsSmallNormsAtEps() {
        Tensor x = Tensor.of(new double[] {3, 4, 0, 0, 1e-3, 0}, 3, 2);
        Tensor y = Functional.normalize(x);
        assertThat(y.toDoubleArray()).containsExactly(new double[] {0.6, 0.8, 0, 0, 1, 0},
                within(1e-12));
        // eps larger than the norm: the line is divided by eps, not scaled up to norm 1
        assertThat(Functional.normalize(x, 2, 1, 0.01).toDoubleArray()[4]).isCloseTo(0.1, within(1e-12));
        assertThat(Functional.normalize(x, 1, 0).toDoubleArray()[0]).isCloseTo(3 / 3.001, within(1e-12));
    }

    @Test
    void normalizeAndSoftminGradientsMatchFiniteDifferences() {
        Generator rng = new Generator(7);
        Tensor x = Tensor.randn(rng, 3, 4).to(DType.F64).requiresGrad(true);
        GradCheck.assertGradients(in -> Functional.normalize(in[0], 2, 1, 1e-12), x);
        GradCheck.assertGradients(in -> Functional.normalize(in[0], 3, 0, 1e-12), x);
        GradCheck.assertGradients(in -> Functional.normalize(in[0].t(), 1.5, -1, 1e-12), x);
        GradCheck.assertGradients(in -> Functional.softmin(in[0], 1), x);
        GradCheck.assertGradients(in -> Functional.softmin(in[0].t(), 0), x);
    }

    @Test
    void softminIsTheSoftmaxOfTheNegation() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 1, 3);
        double[] s = Functional.softmin(x, 1).toDoubleArray();
        double z = Math.exp(-1) + Math.exp(-2) + Math.exp(-3);
        assertThat(s).containsExactly(new double[] {Math.exp(-1) / z, Math.exp(-2) / z, Math.exp(-3) / z}, within(1e-15));
    }

    @Test
    void badArgumentsNameTheOp() {
        assertThatThrownBy(() -> Functional.normalize(Tensor.zeros(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("normalize: dim 1 is out of range for [3]");
        assertThatThrownBy(() -> Functional.normalize(Tensor.zeros(2, 3), 2, 1, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("normalize: eps must be >= 0, got -1.0");
        assertThatThrownBy(() -> Functional.softmin(Tensor.zeros(2, 3), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("softmax:");
    }
}
