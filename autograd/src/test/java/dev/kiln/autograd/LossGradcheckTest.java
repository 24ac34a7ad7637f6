package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.LossFunctions;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The losses of issue 15 against finite differences in F64, every input that takes a gradient
 * (class weights included), with weights, ignored targets and non-contiguous inputs. PyTorch's
 * values are in {@link LossFixturesTest}.
 */
class LossGradcheckTest {
    private static final Generator RNG = new Generator(1515);
    private static final Reduction[] REDUCTIONS = {Reduction.NONE, Reduction.MEAN, Reduction.SUM};

    record Case(String name, Function<Tensor[], Tensor> f, Supplier<Tensor[]> inputs) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Tensor x(int... shape) {
        return TestTensors.random(RNG, DType.F64, shape).requiresGrad(true);
    }

    private static Tensor u(double lo, double hi, int... shape) {
        return TestTensors.uniform(RNG, lo, hi, DType.F64, shape).requiresGrad(true);
    }

    @SafeVarargs
    private static Supplier<Tensor[]> in(Supplier<Tensor>... parts) {
        return () -> Stream.of(parts).map(Supplier::get).toArray(Tensor[]::new);
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        Tensor labels = Tensor.of(new int[] {2, -100, 0, 3, 1, -100});
        for (Reduction r : REDUCTIONS) {
            c.add(new Case("nllLoss weighted ignored " + r, t -> t[0].nllLoss(labels, t[1], -100, r),
                    in(() -> x(6, 4), () -> u(0.5, 2, 4))));
            c.add(new Case("nllLoss [N, C, d] " + r, t -> t[0].nllLoss(Tensor.of(new int[] {0, 2, 1, 1}, 2, 2), null,
                    -100, r), in(() -> x(2, 3, 2))));
            c.add(new Case("crossEntropy weighted smoothed " + r,
                    t -> t[0].crossEntropy(labels, t[1], -100, r, 0.2), in(() -> x(6, 4), () -> u(0.5, 2, 4))));
            c.add(new Case("crossEntropy probabilities weighted smoothed " + r,
                    t -> t[0].crossEntropy(t[1].softmax(1), t[2], -100, r, 0.1),
                    in(() -> x(3, 4), () -> x(3, 4), () -> u(0.5, 2, 4))));
            c.add(new Case("binaryCrossEntropy weighted " + r,
                    t -> LossFunctions.binaryCrossEntropy(t[0], t[1], t[2], r),
                    in(() -> u(0.05, 0.95, 3, 4), () -> u(0, 1, 3, 4), () -> u(0.5, 2, 4))));
            c.add(new Case("binaryCrossEntropyWithLogits both weights " + r,
                    t -> LossFunctions.binaryCrossEntropyWithLogits(t[0], t[1], t[2], r, t[3]),
                    in(() -> x(3, 4), () -> u(0, 1, 3, 4), () -> u(0.5, 2, 3, 1), () -> u(0.5, 3, 4))));
            c.add(new Case("l1Loss " + r, t -> LossFunctions.l1Loss(t[0], t[1], r), in(() -> x(3, 4), () -> x(3, 4))));
            c.add(new Case("smoothL1Loss " + r, t -> LossFunctions.smoothL1Loss(t[0], t[1], r, 0.7),
                    in(() -> x(3, 4), () -> x(3, 4))));
            c.add(new Case("huberLoss " + r, t -> LossFunctions.huberLoss(t[0], t[1], r, 0.6),
                    in(() -> x(3, 4), () -> x(3, 4))));
            c.add(new Case("cosineEmbeddingLoss " + r, t -> LossFunctions.cosineEmbeddingLoss(t[0], t[1],
                    Tensor.of(new int[] {1, -1, -1, 1}), -0.2, r), in(() -> x(4, 3), () -> x(4, 3))));
            c.add(new Case("marginRankingLoss " + r, t -> LossFunctions.marginRankingLoss(t[0], t[1],
                    Tensor.of(new int[] {1, -1, -1, 1, 1}), 0.3, r), in(() -> x(5), () -> x(5))));
            c.add(new Case("tripletMarginLoss swap " + r, t -> LossFunctions.tripletMarginLoss(t[0], t[1], t[2], 1.5,
                    2, 1e-6, true, r), in(() -> x(4, 3), () -> x(4, 3), () -> x(4, 3))));
        }
        for (Reduction r : Reduction.values()) {
            c.add(new Case("klDiv " + r, t -> LossFunctions.klDiv(t[0].logSoftmax(1), t[1].softmax(1), r, false),
                    in(() -> x(3, 4), () -> x(3, 4))));
            c.add(new Case("klDiv logTarget " + r, t -> LossFunctions.klDiv(t[0], t[1], r, true),
                    in(() -> x(3, 4), () -> x(3, 4))));
        }
        c.add(new Case("nllLoss of a transposed input", t -> t[0].t().nllLoss(Tensor.of(new int[] {0, 2, 1})),
                in(() -> x(4, 3))));
        c.add(new Case("nllLoss class vector", t -> t[0].nllLoss(Tensor.scalar(2, DType.I32), t[1], -100,
                Reduction.MEAN), in(() -> x(4), () -> u(0.5, 2, 4))));
        c.add(new Case("crossEntropy [N, C, d] weighted", t -> t[0].crossEntropy(Tensor.of(new int[] {0, 2, 1, 1}, 2, 2),
                t[1], 1, Reduction.MEAN, 0.3), in(() -> x(2, 3, 2), () -> u(0.5, 2, 3))));
        c.add(new Case("tripletMarginLoss p = 3", t -> LossFunctions.tripletMarginLoss(t[0], t[1], t[2], 2, 3, 1e-6,
                false, Reduction.SUM), in(() -> x(3, 2), () -> x(3, 2), () -> x(3, 2))));
        c.add(new Case("tripletMarginLoss p = 1 vectors", t -> LossFunctions.tripletMarginLoss(t[0], t[1], t[2], 2, 1,
                1e-6, false, Reduction.SUM), in(() -> x(4), () -> x(4), () -> x(4))));
        c.add(new Case("cosineSimilarity broadcast", t -> t[0].cosineSimilarity(t[1], -1, 1e-8),
                in(() -> x(3, 1, 4), () -> x(2, 4))));
        c.add(new Case("cosineSimilarity of a transposed input", t -> t[0].t().cosineSimilarity(t[1]),
                in(() -> x(3, 2), () -> x(2, 3))));
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void analyticGradientsMatchFiniteDifferences(Case c) {
        GradCheck.assertGradients(c.f(), c.inputs().get());
    }

    @Test
    void binaryCrossEntropyGradientIsFiniteAtZeroAndOne() {
        // PyTorch: w·(x − t)/max(x·(1 − x), 1e-12), a large finite number, where a composition's 1/x is NaN
        Tensor input = Tensor.of(new double[] {0, 1, 0.5}).requiresGrad(true);
        Tensor target = Tensor.of(new double[] {1, 0, 0.5});
        LossFunctions.binaryCrossEntropy(input, target, null, Reduction.SUM).backward();
        double[] g = input.grad().toDoubleArray();
        assertThat(g[0]).isCloseTo(-1 / (double) 1e-12f, org.assertj.core.api.Assertions.within(1.0));
        assertThat(g[1]).isCloseTo(1 / (double) 1e-12f, org.assertj.core.api.Assertions.within(1.0));
        assertThat(g[2]).isZero();
    }
}
