package dev.kiln.tensor;

import dev.kiln.tensor.testing.Nd;
import dev.kiln.tensor.testing.TestTensors;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static dev.kiln.tensor.testing.TensorAssert.assertValues;
import static org.assertj.core.api.Assertions.assertThat;

/** softmax, logSoftmax, crossEntropy and mseLoss against formulas written out here in double. */
class LossTest {
    private static final int[][] SHAPES = {{}, {1}, {5}, {3, 4}, {4, 1}, {2, 3, 5}, {2, 0, 3}};

    /** log Σ exp(x[.., k, ..]) along dim at the position idx (idx[dim] ignored). */
    private static double logSumExp(Nd x, int dim, int[] idx) {
        int[] at = idx.clone();
        double max = Double.NEGATIVE_INFINITY;
        int n = x.rank() == 0 ? 1 : x.shape()[dim];
        for (int k = 0; k < n; k++) {
            if (x.rank() > 0) {
                at[dim] = k;
            }
            max = Math.max(max, x.get(at));
        }
        double s = 0;
        for (int k = 0; k < n; k++) {
            if (x.rank() > 0) {
                at[dim] = k;
            }
            s += Math.exp(x.get(at) - max);
        }
        return max + Math.log(s);
    }

    static Nd logSoftmax(Nd x, int dim) {
        return Nd.build(x.shape(), i -> x.get(i) - logSumExp(x, dim, i));
    }

    @Test
    void softmaxAndLogSoftmaxAlongEveryDim() {
        Generator rng = new Generator(1);
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (int[] shape : SHAPES) {
                for (Tensor x : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, dtype, shape).mul(3))) {
                    Nd v = Nd.of(x);
                    for (int d = 0; d < Math.max(1, x.dim()); d++) {
                        Nd lsm = logSoftmax(v, d);
                        Tensor y = x.logSoftmax(d);
                        assertThat(y.dtype()).isEqualTo(dtype);
                        assertValues(y, lsm, dtype == DType.F32 ? 1e-5 : 1e-12);
                        assertValues(x.softmax(d - Math.max(1, x.dim())), lsm.map(Math::exp),
                                dtype == DType.F32 ? 1e-5 : 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        Tensor x = Tensor.of(new float[] {1000, 1001, 1002, -1000, -1001, -1002}, 2, 3);
        double z = 1 + Math.exp(-1) + Math.exp(-2);
        assertValues(x.softmax(1), new int[] {2, 3},
                new double[] {Math.exp(-2) / z, Math.exp(-1) / z, 1 / z, 1 / z, Math.exp(-1) / z, Math.exp(-2) / z}, 1e-6);
        assertValues(x.logSoftmax(1), new int[] {2, 3},
                new double[] {-2 - Math.log(z), -1 - Math.log(z), -Math.log(z), -Math.log(z), -1 - Math.log(z),
                    -2 - Math.log(z)}, 1e-6);
        assertThat(Tensor.of(new float[] {Float.NEGATIVE_INFINITY, 0}).softmax(0).toFloatArray()).containsExactly(0, 1);
    }

    /**
     * The reference cross-entropy for I32 labels: logits [N, C, d...] or [C], labels the logits'
     * shape without the class dim; per-position losses, 0 where ignored.
     */
    static Nd crossEntropyPerPosition(Nd logits, Nd labels, int ignoreIndex) {
        int classDim = logits.rank() == 1 ? 0 : 1;
        return Nd.build(labels.shape(), pos -> {
            int label = (int) labels.get(pos);
            if (label == ignoreIndex) {
                return 0;
            }
            int[] at = new int[logits.rank()];
            for (int d = 0, j = 0; d < at.length; d++) {
                at[d] = d == classDim ? label : pos[j++];
            }
            return logSumExp(logits, classDim, at) - logits.get(at);
        });
    }

    @Test
    void crossEntropyWithClassIndicesAndEveryReduction() {
        Generator rng = new Generator(2);
        int[][] shapes = {{6, 4}, {5}, {3, 4, 2}, {2, 3, 2, 2}, {1, 1}, {0, 3}};
        for (int[] shape : shapes) {
            int classDim = shape.length == 1 ? 0 : 1;
            int classes = shape[classDim];
            int[] labelShape = new int[shape.length - 1];
            for (int d = 0, j = 0; d < shape.length; d++) {
                if (d != classDim) {
                    labelShape[j++] = shape[d];
                }
            }
            for (Tensor logits : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, DType.F64, shape).mul(2))) {
                Tensor labels = TestTensors.randomInts(rng, 0, classes, labelShape);
                Nd per = crossEntropyPerPosition(Nd.of(logits), Nd.of(labels), -100);
                double total = ReductionTest.sum(per.data());
                assertValues(logits.crossEntropy(labels, Reduction.NONE, -100), per, 1e-12);
                assertValues(logits.crossEntropy(labels, Reduction.SUM, -100), new int[0], new double[] {total}, 1e-12);
                assertValues(logits.crossEntropy(labels), new int[0], new double[] {total / per.numel()}, 1e-12);
                assertValues(Tensor.crossEntropy(logits.to(DType.F32), labels), new int[0],
                        new double[] {total / per.numel()}, 1e-5);
            }
        }
    }

    @Test
    void crossEntropyIgnoresTheIgnoreIndex() {
        Generator rng = new Generator(3);
        Tensor logits = TestTensors.random(rng, DType.F64, 5, 3);
        Tensor labels = Tensor.of(new int[] {2, -100, 0, -100, 1});
        Nd per = crossEntropyPerPosition(Nd.of(logits), Nd.of(labels), -100);
        assertThat(per.data()[1]).isZero();
        assertValues(logits.crossEntropy(labels, Reduction.NONE, -100), per, 1e-12);
        // the mean is over the rows that count
        assertThat(logits.crossEntropy(labels).item()).isCloseTo(ReductionTest.sum(per.data()) / 3,
                org.assertj.core.api.Assertions.within(1e-12));
        // an ignore index inside [0, C) ignores that class
        Tensor labels2 = Tensor.of(new int[] {1, 1, 0, 2, 1});
        Nd per2 = crossEntropyPerPosition(Nd.of(logits), Nd.of(labels2), 1);
        assertValues(logits.crossEntropy(labels2, Reduction.SUM, 1), new int[0],
                new double[] {ReductionTest.sum(per2.data())}, 1e-12);
        assertThat(logits.crossEntropy(labels2, Reduction.MEAN, 1).item()).isCloseTo(ReductionTest.sum(per2.data()) / 2,
                org.assertj.core.api.Assertions.within(1e-12));
        // every row ignored: 0/0 as PyTorch
        assertThat(logits.crossEntropy(Tensor.full(-100, DType.I32, 5)).item()).isNaN();
        // no classes: only ignored labels fit, and the rows are counted from the labels, as PyTorch
        assertThat(Tensor.zeros(0, 0).crossEntropy(Tensor.zeros(DType.I32, 0)).item()).isNaN();
        assertThat(Tensor.zeros(2, 0).crossEntropy(Tensor.full(0, DType.I32, 2), Reduction.SUM, 0).item()).isZero();
        assertThat(Tensor.zeros(2, 0, 3).crossEntropy(Tensor.full(0, DType.I32, 2, 3), Reduction.NONE, 0).shape())
                .containsExactly(2, 3);
    }

    @Test
    void crossEntropyWithClassProbabilities() {
        Generator rng = new Generator(4);
        for (int[] shape : new int[][] {{4, 3}, {3}, {2, 3, 2}}) {
            int classDim = shape.length == 1 ? 0 : 1;
            Tensor logits = TestTensors.random(rng, DType.F64, shape);
            Tensor target = TestTensors.random(rng, DType.F64, shape).softmax(classDim);
            for (Tensor l : TestTensors.layouts(logits)) {
                for (Tensor p : TestTensors.layouts(target)) {
                    Nd lsm = logSoftmax(Nd.of(l), classDim);
                    Nd pv = Nd.of(p);
                    int[] outShape = new int[shape.length - 1];
                    for (int d = 0, j = 0; d < shape.length; d++) {
                        if (d != classDim) {
                            outShape[j++] = shape[d];
                        }
                    }
                    Nd per = Nd.build(outShape, pos -> {
                        double s = 0;
                        int[] at = new int[shape.length];
                        for (int c = 0; c < shape[classDim]; c++) {
                            for (int d = 0, j = 0; d < at.length; d++) {
                                at[d] = d == classDim ? c : pos[j++];
                            }
                            s -= pv.get(at) * lsm.get(at);
                        }
                        return s;
                    });
                    double total = ReductionTest.sum(per.data());
                    assertValues(l.crossEntropy(p, Reduction.NONE, -100), per, 1e-12);
                    assertValues(l.crossEntropy(p, Reduction.SUM, -100), new int[0], new double[] {total}, 1e-12);
                    assertValues(l.crossEntropy(p), new int[0], new double[] {total / per.numel()}, 1e-12);
                }
            }
        }
    }

    @Test
    void mseLossEveryReduction() {
        Generator rng = new Generator(5);
        for (int[] shape : SHAPES) {
            for (Tensor a : TestTensors.layoutsWithBroadcast(TestTensors.random(rng, DType.F64, shape))) {
                Tensor b = TestTensors.steppedLayout(TestTensors.random(rng, DType.F64, shape));
                Nd sq = Nd.zip(Nd.of(a), Nd.of(b), (x, y) -> (x - y) * (x - y));
                double total = ReductionTest.sum(sq.data());
                assertValues(a.mseLoss(b, Reduction.NONE), sq, 1e-12);
                assertValues(a.mseLoss(b, Reduction.SUM), new int[0], new double[] {total}, 1e-12);
                assertValues(Tensor.mseLoss(a, b), new int[0], new double[] {total / sq.numel()}, 1e-12);
            }
        }
    }

    @Test
    void badLossArguments() {
        Tensor logits = Tensor.zeros(4, 3);
        assertRejects(() -> logits.crossEntropy(Tensor.of(new int[] {0, 1, 3, 2})), "crossEntropy", "label 3",
                "position 2", "[0, 3)");
        assertRejects(() -> logits.crossEntropy(Tensor.of(new int[] {0, -1, 2, 2})), "crossEntropy", "label -1");
        assertRejects(() -> logits.crossEntropy(Tensor.of(new int[] {0, 1, 2})), "crossEntropy", "[4, 3]", "[4]", "[3]");
        assertRejects(() -> logits.crossEntropy(Tensor.of(new float[] {0, 1, Float.NaN, 2})), "crossEntropy", "F32",
                "[4]", "NaN");
        assertRejects(() -> logits.crossEntropy(Tensor.of(new float[] {0, 1, 1, 2})), "crossEntropy", "I32", "F32");
        Tensor nanProbs = Tensor.full(Double.NaN, 4, 3);
        assertRejects(() -> logits.crossEntropy(nanProbs), "crossEntropy", "NaN", "[4, 3]");
        assertRejects(() -> logits.crossEntropy(Tensor.zeros(DType.F64, 4, 3)), "crossEntropy", "F32", "F64");
        assertRejects(() -> Tensor.scalar(1).crossEntropy(Tensor.scalar(0, DType.I32)), "crossEntropy", "0-d");
        assertRejects(() -> Tensor.arange(6).reshape(2, 3).crossEntropy(Tensor.of(new int[] {0, 1})), "crossEntropy",
                "I32");
        assertRejects(() -> Tensor.zeros(2, 3, 4).crossEntropy(Tensor.zeros(DType.I32, 2, 3)), "crossEntropy",
                "[2, 3, 4]", "[2, 4]", "[2, 3]");
        assertRejects(() -> Tensor.zeros(3).mseLoss(Tensor.zeros(1)), "mseLoss", "[3]", "[1]");
        assertRejects(() -> Tensor.zeros(3).mseLoss(Tensor.zeros(DType.F64, 3)), "mseLoss", "F32", "F64");
        assertRejects(() -> Tensor.arange(3).mseLoss(Tensor.arange(3)), "mseLoss", "I32");
        assertRejects(() -> Tensor.arange(3).softmax(0), "softmax", "I32");
        assertRejects(() -> Tensor.zeros(3).logSoftmax(1), "logSoftmax", "dim 1");
    }
}
