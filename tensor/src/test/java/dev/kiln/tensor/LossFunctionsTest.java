package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The losses of issue 15 by hand (nllLoss and the weighted crossEntropy in {@link LossOps}, the
 * rest in {@link LossFunctions}): values PyTorch's fixtures cannot hold (NaN means over no
 * targets, 0-size inputs) and each bad argument. PyTorch's values and the gradients are checked in
 * autograd's LossFixturesTest and LossGradcheckTest.
 */
class LossFunctionsTest {
    private static final Tensor LOGP = Tensor.of(new double[] {-0.5, -1.5, -2.0, -0.25, -3.0, -1.0}, 2, 3);

    @Test
    void nllLossPicksTheTargetsLogProbabilityAndDividesByTheirWeights() {
        Tensor target = Tensor.of(new int[] {2, 0});
        Tensor w = Tensor.of(new double[] {3, 1, 0.5});
        // −(0.5·−2 + 3·−0.25) = 1.75, over Σw[y] = 3.5
        assertThat(LOGP.nllLoss(target, w, -100, Reduction.SUM).item()).isCloseTo(1.75, within(1e-15));
        assertThat(LOGP.nllLoss(target, w).item()).isCloseTo(0.5, within(1e-15));
        assertThat(LOGP.nllLoss(target, w, -100, "none").toDoubleArray()).containsExactly(1.0, 0.75);
        assertThat(LOGP.nllLoss(target).item()).isCloseTo(1.125, within(1e-15));
    }

    @Test
    void everyTargetIgnoredGivesNaNMeanAndZeroSum() {
        Tensor target = Tensor.of(new int[] {-100, -100});
        assertThat(LOGP.nllLoss(target).item()).isNaN();
        assertThat(LOGP.nllLoss(target, null, -100, Reduction.SUM).item()).isZero();
        assertThat(LOGP.crossEntropy(target, Tensor.of(new double[] {1, 2, 3}), -100, Reduction.MEAN).item()).isNaN();
        assertThat(LOGP.crossEntropy(target, null, -100, Reduction.NONE, 0.3).toDoubleArray()).containsExactly(0.0, 0.0);
    }

    @Test
    void emptyBatchesAsPyTorch() {
        Tensor in = Tensor.zeros(DType.F64, 0, 3);
        Tensor labels = Tensor.zeros(DType.I32, 0);
        assertThat(in.nllLoss(labels).item()).isNaN();
        assertThat(in.nllLoss(labels, null, -100, Reduction.SUM).item()).isZero();
        assertThat(in.crossEntropy(labels, Tensor.ones(3).to(DType.F64), -100, Reduction.MEAN, 0.1).item()).isNaN();
        assertThat(LossFunctions.klDiv(in, in, Reduction.BATCHMEAN, false).item()).isNaN();
        assertThat(LossFunctions.l1Loss(in, in, Reduction.MEAN).item()).isNaN();
        assertThat(LossFunctions.binaryCrossEntropy(in, in, null, Reduction.SUM).item()).isZero();
        assertThat(LossFunctions.cosineSimilarity(in, in, 1, 1e-8).shape()).containsExactly(0);
    }

    @Test
    void zeroClassWeightRemovesTheTargetFromTheMean() {
        Tensor logits = Tensor.of(new double[] {1, 2, 0.5, -1, 0, 3}, 2, 3);
        Tensor target = Tensor.of(new int[] {1, 2});
        Tensor w = Tensor.of(new double[] {1, 0, 1});
        double second = logits.select(0, 1).unsqueeze(0).crossEntropy(Tensor.of(new int[] {2})).item();
        assertThat(logits.crossEntropy(target, w, -100, Reduction.MEAN).item()).isCloseTo(second, within(1e-14));
    }

    @Test
    void klDivBatchmeanIsTheSumOverTheBatch() {
        Tensor p = Tensor.of(new double[] {0.5, 0.5, 0.25, 0.75}, 2, 2);
        Tensor q = Tensor.of(new double[] {0.25, 0.75, 0.5, 0.5}, 2, 2);
        double kl = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75) + 0.25 * Math.log(0.25 / 0.5)
                + 0.75 * Math.log(0.75 / 0.5);
        assertThat(LossFunctions.klDiv(q.log(), p, Reduction.BATCHMEAN, false).item()).isCloseTo(kl / 2, within(1e-15));
        assertThat(LossFunctions.klDiv(q.log(), p.log(), Reduction.SUM, true).item()).isCloseTo(kl, within(1e-15));
        assertThat(LossFunctions.klDiv(q.log(), p, Reduction.MEAN, false).item()).isCloseTo(kl / 4, within(1e-15));
    }

    @Test
    void regressionLossesByHand() {
        Tensor a = Tensor.of(new double[] {0, 0.25, 3});
        Tensor b = Tensor.of(new double[] {0, -0.25, 0});
        assertThat(LossFunctions.l1Loss(a, b, Reduction.NONE).toDoubleArray()).containsExactly(0, 0.5, 3);
        // d = 0.5 < β: 0.5·0.25/1; d = 3: 3 − 0.5
        assertThat(LossFunctions.smoothL1Loss(a, b, Reduction.NONE, 1).toDoubleArray()).containsExactly(0, 0.125, 2.5);
        // δ = 2: 0.5·d² for d = 0.5, 2·(3 − 1) for d = 3
        assertThat(LossFunctions.huberLoss(a, b, Reduction.NONE, 2).toDoubleArray()).containsExactly(0, 0.125, 4);
        assertThat(LossFunctions.smoothL1Loss(a, b, Reduction.SUM, 0).item()).isEqualTo(3.5);
    }

    @Test
    void binaryCrossEntropyClampsTheLogAtMinus100() {
        Tensor x = Tensor.of(new double[] {0, 1});
        Tensor t = Tensor.of(new double[] {1, 0});
        assertThat(LossFunctions.binaryCrossEntropy(x, t, null, Reduction.NONE).toDoubleArray()).containsExactly(100, 100);
        Tensor logits = Tensor.of(new double[] {-200, 200});
        // the logits form is exact where sigmoid rounds to 0 or 1
        assertThat(LossFunctions.binaryCrossEntropyWithLogits(logits, t, null, Reduction.NONE, null).toDoubleArray())
                .containsExactly(200, 200);
    }

    @Test
    void marginLossesByHand() {
        Tensor x1 = Tensor.of(new double[] {1, 0});
        Tensor x2 = Tensor.of(new double[] {0, 1});
        Tensor y = Tensor.of(new int[] {1, 1});
        // max(0, −(1)·(1 − 0) + 0.5) = 0 and max(0, −(−1) + 0.5) = 1.5
        assertThat(LossFunctions.marginRankingLoss(x1, x2, y, 0.5, Reduction.NONE).toDoubleArray()).containsExactly(0, 1.5);
        Tensor a = Tensor.of(new double[] {1, 0, 0, 1}, 2, 2);
        Tensor b = Tensor.of(new double[] {1, 0, 1, 0}, 2, 2);
        // cos = 1 and 0; y = 1 → 1 − cos; y = −1 → max(0, cos − margin)
        assertThat(LossFunctions.cosineEmbeddingLoss(a, b, Tensor.of(new int[] {1, -1}), -0.5, Reduction.NONE)
                .toDoubleArray()).usingComparatorWithPrecision(1e-11).containsExactly(0, 0.5);
        assertThat(LossFunctions.cosineSimilarity(a, b, 1, 1e-8).toDoubleArray())
                .usingComparatorWithPrecision(1e-15).containsExactly(1, 0);
        assertThat(LossFunctions.cosineSimilarity(Tensor.zeros(DType.F64, 2), Tensor.ones(2).to(DType.F64), 0, 1e-8)
                .item()).isZero();
        Tensor anchor = Tensor.of(new double[] {0, 0});
        Tensor pos = Tensor.of(new double[] {3, 4});
        Tensor neg = Tensor.of(new double[] {0, 1});
        // d(a, p) = 5, d(a, n) = 1 (eps 0): max(0, 1 + 5 − 1) = 5; swap: d(p, n) = √18 > 1 keeps 1
        assertThat(LossFunctions.tripletMarginLoss(anchor, pos, neg, 1, 2, 0, true, Reduction.NONE).item())
                .isCloseTo(5, within(1e-15));
    }

    @Test
    void reductionStringsArePyTorchs() {
        assertThat(Reduction.of("batchmean")).isEqualTo(Reduction.BATCHMEAN);
        assertThat(Reduction.of("none")).isEqualTo(Reduction.NONE);
        assertThat(Reduction.SUM.pytorchName()).isEqualTo("sum");
        assertRejects(() -> Reduction.of("avg"), "reduction", "\"avg\"", "\"mean\"");
    }

    @Test
    void badArgumentsNameTheOpAndWhatIsWrong() {
        Tensor x = Tensor.zeros(DType.F64, 2, 3);
        Tensor labels = Tensor.of(new int[] {0, 1});
        assertRejects(() -> x.nllLoss(Tensor.of(new int[] {0, 3})), "nllLoss", "label 3", "[0, 3)");
        assertRejects(() -> x.nllLoss(Tensor.of(new int[] {0, 1, 2})), "nllLoss", "[2, 3]", "[2]", "[3]");
        assertRejects(() -> x.nllLoss(Tensor.zeros(DType.F64, 2)), "nllLoss", "I32", "F64");
        assertRejects(() -> x.nllLoss(labels, Tensor.ones(4).to(DType.F64)), "nllLoss", "weight", "3", "[4]");
        assertRejects(() -> x.nllLoss(labels, Tensor.ones(3)), "nllLoss", "weight", "F64", "F32");
        assertRejects(() -> Tensor.scalar(1.0, DType.F64).nllLoss(labels), "nllLoss", "0-d");
        assertRejects(() -> x.crossEntropy(labels, null, -100, Reduction.BATCHMEAN), "crossEntropy", "BATCHMEAN",
                "klDiv");
        assertRejects(() -> x.crossEntropy(labels, null, -100, Reduction.MEAN, 1.5), "crossEntropy",
                "labelSmoothing", "1.5");
        assertRejects(() -> x.crossEntropy(x.softmax(1), null, 0, Reduction.MEAN, 0), "crossEntropy", "ignoreIndex 0",
                "probabilities");
        assertRejects(() -> x.crossEntropy(labels, Tensor.ones(2, 3).to(DType.F64), -100, Reduction.MEAN),
                "crossEntropy", "weight", "[2, 3]");
        Tensor p = Tensor.full(0.5, DType.F64, 2, 3);
        assertRejects(() -> LossFunctions.binaryCrossEntropy(p.add(1), p, null, Reduction.MEAN), "binaryCrossEntropy",
                "[0, 1]", "1.5");
        assertRejects(() -> LossFunctions.binaryCrossEntropy(p, p.reshape(3, 2), null, Reduction.MEAN),
                "binaryCrossEntropy", "[2, 3]", "[3, 2]");
        assertRejects(() -> LossFunctions.binaryCrossEntropy(p, p, Tensor.ones(2).to(DType.F64), Reduction.MEAN),
                "binaryCrossEntropy", "weight [2]", "[2, 3]");
        assertRejects(() -> LossFunctions.binaryCrossEntropyWithLogits(p, p, null, Reduction.MEAN,
                Tensor.ones(4).to(DType.F64)), "binaryCrossEntropyWithLogits", "posWeight [4]");
        assertRejects(() -> LossFunctions.binaryCrossEntropyWithLogits(p, p.to(DType.F32), null, Reduction.SUM, null),
                "binaryCrossEntropyWithLogits", "F64", "F32");
        assertRejects(() -> LossFunctions.l1Loss(labels, labels, Reduction.MEAN), "l1Loss", "I32");
        assertRejects(() -> LossFunctions.l1Loss(p, p, null), "l1Loss", "reduction is null");
        assertRejects(() -> LossFunctions.smoothL1Loss(p, p, Reduction.MEAN, -1), "smoothL1Loss", "beta", "-1");
        assertRejects(() -> LossFunctions.huberLoss(p, p, Reduction.MEAN, 0), "huberLoss", "delta", "0.0");
        assertRejects(() -> LossFunctions.klDiv(p, p.reshape(6), Reduction.MEAN, false), "klDiv", "[2, 3]", "[6]");
        assertRejects(() -> LossFunctions.cosineSimilarity(p, Tensor.zeros(DType.F64, 4), 1, 1e-8), "cosineSimilarity",
                "[2, 3]", "[4]");
        assertRejects(() -> LossFunctions.cosineSimilarity(p, p, 2, 1e-8), "cosineSimilarity", "2");
        assertRejects(() -> LossFunctions.cosineEmbeddingLoss(p, p, Tensor.of(new int[] {1, 0}), 0, Reduction.MEAN),
                "cosineEmbeddingLoss", "1 or -1");
        assertRejects(() -> LossFunctions.cosineEmbeddingLoss(p, p, Tensor.of(new int[] {1}), 0, Reduction.MEAN),
                "cosineEmbeddingLoss", "target", "[2]", "[1]");
        assertRejects(() -> LossFunctions.marginRankingLoss(p, p, Tensor.ones(3), 0, Reduction.MEAN),
                "marginRankingLoss", "target", "[2, 3]", "[3]");
        assertRejects(() -> LossFunctions.tripletMarginLoss(p, p, p, 1, 0, 1e-6, false, Reduction.MEAN),
                "tripletMarginLoss", "p must be > 0");
        assertRejects(() -> LossFunctions.tripletMarginLoss(p.reshape(1, 2, 3), p.reshape(1, 2, 3), p.reshape(1, 2, 3),
                1, 2, 1e-6, false, Reduction.MEAN), "tripletMarginLoss", "[1, 2, 3]");
    }
}
