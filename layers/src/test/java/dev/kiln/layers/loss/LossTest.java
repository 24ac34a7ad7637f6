package dev.kiln.layers.loss;

import dev.kiln.autograd.GradCheck;
import dev.kiln.layers.Functional;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LossTest {
    private final Generator rng = new Generator(61);

    @Test
    void crossEntropyLossDefaultsAreTorchs() {
        CrossEntropyLoss ce = new CrossEntropyLoss();
        assertThat(ce.reduction()).isEqualTo(Reduction.MEAN);
        assertThat(ce.ignoreIndex()).isEqualTo(-100);
        assertThat(ce.labelSmoothing()).isZero();
        Tensor logits = Tensor.randn(rng, 4, 3);
        Tensor labels = Tensor.of(new int[] {0, 2, 1, 2});
        assertThat(ce.forward(logits, labels).item()).isEqualTo(logits.crossEntropy(labels).item());
        assertThat(ce.toString()).isEqualTo("CrossEntropyLoss(reduction=MEAN, ignoreIndex=-100, labelSmoothing=0.0)");
    }

    @Test
    void labelSmoothingByHand() {
        // one row, C = 4, label 1, ε = 0.2: loss = −Σ_c q_c log p_c with q = (1−ε)·onehot + ε/C
        double[] z = {0.5, 2.0, -1.0, 0.0};
        double lse = 0;
        for (double v : z) {
            lse += Math.exp(v);
        }
        lse = Math.log(lse);
        double expected = 0;
        for (int c = 0; c < 4; c++) {
            double q = (c == 1 ? 0.8 : 0) + 0.05;
            expected -= q * (z[c] - lse);
        }
        CrossEntropyLoss ce = CrossEntropyLoss.builder().labelSmoothing(0.2).build();
        double got = ce.forward(Tensor.of(z, 1, 4), Tensor.of(new int[] {1})).item();
        assertThat(got).isCloseTo(expected, within(1e-14));
    }

    @Test
    void ignoredTargetsCountNeitherInTheLossNorInTheMean() {
        Tensor logits = Tensor.randn(rng, 5, 3).to(DType.F64);
        Tensor labels = Tensor.of(new int[] {0, 7, 2, 7, 1});
        CrossEntropyLoss ce = CrossEntropyLoss.builder().ignoreIndex(7).labelSmoothing(0.1).build();
        Tensor kept = Tensor.of(new int[] {0, 2, 4});
        double expected = CrossEntropyLoss.builder().labelSmoothing(0.1).build()
                .forward(logits.indexSelect(0, kept), Tensor.of(new int[] {0, 2, 1})).item();
        assertThat(ce.forward(logits, labels).item()).isCloseTo(expected, within(1e-14));
        Tensor none = CrossEntropyLoss.builder().ignoreIndex(7).labelSmoothing(0.1).reduction(Reduction.NONE).build()
                .forward(logits, labels);
        assertThat(none.shape()).containsExactly(5);
        assertThat(none.toDoubleArray()[1]).isZero();
        GradCheck.assertGradients(in -> ce.forward(in[0], labels), logits.detach().requiresGrad(true));
        GradCheck.assertGradients(in -> Functional.crossEntropy(in[0], in[1], Reduction.SUM, -100, 0.3),
                Tensor.randn(rng, 3, 4).to(DType.F64).requiresGrad(true),
                Tensor.randn(rng, 3, 4).to(DType.F64).softmax(1).requiresGrad(true));
    }

    @Test
    void mseLoss() {
        Tensor a = Tensor.of(new float[] {1, 2, 3});
        Tensor b = Tensor.of(new float[] {1, 0, 0});
        assertThat(new MSELoss().forward(a, b).item()).isCloseTo(13.0 / 3, within(1e-6));
        assertThat(new MSELoss(Reduction.SUM).forward(a, b).item()).isEqualTo(13);
        assertThat(new MSELoss(Reduction.NONE).forward(a, b).toFloatArray()).containsExactly(0, 4, 9);
        assertThat(new MSELoss().toString()).isEqualTo("MSELoss(reduction=MEAN)");
        assertThatThrownBy(() -> new MSELoss().forward(a, Tensor.zeros(3, 1)))
                .hasMessageStartingWith("mseLoss: input [3] and target [3, 1] differ in shape");
    }

    @Test
    void badArguments() {
        assertThatThrownBy(() -> CrossEntropyLoss.builder().labelSmoothing(1.5).build())
                .hasMessage("CrossEntropyLoss: labelSmoothing must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> new CrossEntropyLoss().forward(Tensor.zeros(4, 3), Tensor.of(new int[] {0, 1, 3, 0})))
                .hasMessageStartingWith("crossEntropy: label 3 at position 2 is out of range [0, 3)");
        assertThatThrownBy(() -> new CrossEntropyLoss(Reduction.MEAN, -100, 0.1)
                .forward(Tensor.zeros(4, 3), Tensor.of(new int[] {0, 1, 2})))
                .hasMessageStartingWith("crossEntropy: logits [4, 3] need labels of shape [4], got [3]");
    }

    @Test
    void theNewLossModulesCallTheirFunctionsWithTorchsDefaults() {
        Tensor logp = Tensor.randn(rng, 4, 3).to(DType.F64).logSoftmax(1);
        Tensor labels = Tensor.of(new int[] {0, 2, -100, 1});
        Tensor w = Tensor.of(new double[] {1, 2, 0.5});
        assertThat(new NLLLoss().forward(logp, labels).item()).isEqualTo(logp.nllLoss(labels).item());
        assertThat(new NLLLoss(w, -100, Reduction.SUM).forward(logp, labels).item())
                .isEqualTo(logp.nllLoss(labels, w, -100, Reduction.SUM).item());
        assertThat(CrossEntropyLoss.builder().weight(w).labelSmoothing(0.1).build().forward(logp, labels).item())
                .isEqualTo(Functional.crossEntropy(logp, labels, w, -100, Reduction.MEAN, 0.1).item());

        Tensor p = Tensor.rand(rng, 2, 3).to(DType.F64);
        Tensor t = Tensor.rand(rng, 2, 3).to(DType.F64);
        assertThat(new BCELoss().forward(p, t).item()).isEqualTo(Functional.binaryCrossEntropy(p, t).item());
        Tensor pos = Tensor.of(new double[] {2, 1, 0.5});
        assertThat(new BCEWithLogitsLoss(null, Reduction.SUM, pos).forward(p, t).item())
                .isEqualTo(Functional.binaryCrossEntropyWithLogits(p, t, null, "sum", pos).item());
        assertThat(new L1Loss().forward(p, t).item()).isEqualTo(Functional.l1Loss(p, t).item());
        assertThat(new SmoothL1Loss().forward(p, t).item()).isEqualTo(Functional.smoothL1Loss(p, t, "mean", 1.0).item());
        assertThat(new HuberLoss(Reduction.SUM, 0.5).forward(p, t).item())
                .isEqualTo(Functional.huberLoss(p, t, Reduction.SUM, 0.5).item());
        Tensor q = t.softmax(1);
        assertThat(new KLDivLoss(Reduction.BATCHMEAN, false).forward(logp.narrow(0, 0, 2), q).item())
                .isEqualTo(Functional.klDiv(logp.narrow(0, 0, 2), q, "batchmean", false).item());
        assertThat(new KLDivLoss().toString()).isEqualTo("KLDivLoss(reduction=MEAN, logTarget=false)");
        assertThat(new HuberLoss().delta()).isEqualTo(1.0);
        assertThat(new SmoothL1Loss().beta()).isEqualTo(1.0);
    }

    @Test
    void lossModulesRefuseBadSettings() {
        assertThatThrownBy(() -> new L1Loss(Reduction.BATCHMEAN)).hasMessageStartingWith("L1Loss: reduction BATCHMEAN");
        assertThatThrownBy(() -> new HuberLoss(Reduction.MEAN, 0)).hasMessage("HuberLoss: delta must be > 0 and finite, got 0.0");
        assertThatThrownBy(() -> new SmoothL1Loss(Reduction.MEAN, -1))
                .hasMessage("SmoothL1Loss: beta must be >= 0 and finite, got -1.0");
        assertThatThrownBy(() -> new BCELoss(null, null)).hasMessage("BCELoss: reduction is null");
        assertThatThrownBy(() -> new NLLLoss().forward(Tensor.zeros(2, 3), Tensor.of(new int[] {0, 5})))
                .hasMessageStartingWith("nllLoss: label 5 at position 1 is out of range [0, 3)");
    }
}
