package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.LossFunctions;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The losses and the masked attention of issue 15 on the GPU against the reference: they are
 * compositions of ops the other Cuda*Tests check kernel by kernel, so these check that every piece
 * stays on the device (the masks, weights and dropout draws the compositions make). Values only:
 * this module's tests have no autograd, and the gradients are the same compositions' (LossGradcheckTest).
 * Skipped without a GPU; run on the CPU emulator by every build.
 */
class CudaLossTest extends GpuTesting {

    @Test
    void classificationLosses() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            Tensor logits = randn(t, 6, 5).mul(2);
            Tensor labels = Tensor.of(new int[] {4, -100, 0, 2, 2, 1});
            Tensor w = Tensor.rand(rng, 5).add(0.5).to(t);
            check("nllLoss weighted " + t, tol, in -> in[0].logSoftmax(1).nllLoss(in[1], in[2], -100,
                    Reduction.MEAN), logits, labels, w);
            check("crossEntropy weighted smoothed " + t, tol, in -> in[0].crossEntropy(in[1], in[2], -100,
                    Reduction.MEAN, 0.1), logits, labels, w);
            check("crossEntropy probabilities weighted " + t, tol, in -> in[0].crossEntropy(in[1], in[2], -100,
                    Reduction.SUM, 0.2), logits, randn(t, 6, 5).softmax(1), w);
            Tensor p = Tensor.rand(rng, 3, 5).to(t);
            Tensor target = Tensor.rand(rng, 3, 5).to(t);
            check("binaryCrossEntropy " + t, tol, in -> LossFunctions.binaryCrossEntropy(in[0], in[1], in[2],
                    Reduction.NONE), p, target, w);
            check("binaryCrossEntropyWithLogits " + t, tol, in -> LossFunctions.binaryCrossEntropyWithLogits(
                    in[0], in[1], null, Reduction.MEAN, in[2]), randn(t, 3, 5), target, w);
        }
    }

    @Test
    void regressionDistributionAndMarginLosses() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            Tensor a = randn(t, 4, 3);
            Tensor b = randn(t, 4, 3);
            check("smoothL1Loss " + t, tol, in -> LossFunctions.smoothL1Loss(in[0], in[1], Reduction.NONE, 0.5),
                    a, b);
            check("huberLoss " + t, tol, in -> LossFunctions.huberLoss(in[0], in[1], Reduction.SUM, 0.7), a, b);
            check("klDiv batchmean " + t, tol, in -> LossFunctions.klDiv(in[0].logSoftmax(1), in[1].softmax(1),
                    Reduction.BATCHMEAN, false), a, b);
            check("cosineSimilarity " + t, tol, in -> in[0].cosineSimilarity(in[1]), a, b);
            Tensor y = Tensor.of(new int[] {1, -1, -1, 1});
            check("cosineEmbeddingLoss " + t, tol, in -> LossFunctions.cosineEmbeddingLoss(in[0], in[1], in[2],
                    0.1, Reduction.NONE), a, b, y);
            check("tripletMarginLoss " + t, tol, in -> LossFunctions.tripletMarginLoss(in[0], in[1], in[2], 1,
                    2, 1e-6, true, Reduction.NONE), a, b, randn(t, 4, 3));
        }
    }

    @Test
    void maskedAttentionWithDropout() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            Tensor q = randn(t, 2, 2, 3, 4);
            Tensor k = randn(t, 2, 1, 5, 4);
            Tensor v = randn(t, 2, 1, 5, 3);
            Tensor mask = Tensor.of(new boolean[] {true, false, true, true, false, false, false, false, false, false,
                true, true, true, true, true}, 3, 5);
            check("sdpa BOOL mask " + t, tol, in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2], in[3]),
                    q, k, v, mask);
            check("sdpa float mask " + t, tol, in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2], in[3]),
                    q, k, v, randn(t, 2, 1, 1, 5));
            // the dropout mask is drawn on the host from the generator, so both devices use the same one
            check("sdpa causal dropout " + t, tol, in -> Tensor.scaledDotProductAttention(in[0], in[1], in[2],
                    null, 0.25, true, Double.NaN, new Generator(5)), q, randn(t, 2, 1, 3, 4), randn(t, 2, 1, 3, 3));
        }
    }
}
