package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * The attention oracle of CudaAttentionTest, checked on the CPU so that a GPU failure can only be
 * the kernels': its softmax output equals softmax(q·kᵀ·scale + mask)·v built from Tensor ops, and
 * its gradients equal central finite differences of Σ g ⊙ out.
 */
class AttentionReferenceTest {
    private final Generator rng = new Generator(5);

    private Tensor randn(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64);
    }

    @Test
    void softmaxOutputMatchesComposedOps() {
        int b = 2, h = 4, hkv = 2, tq = 3, tk = 5, d = 4, dv = 3;
        Tensor q = randn(b, h, tq, d);
        Tensor k = randn(b, hkv, tk, d);
        Tensor v = randn(b, hkv, tk, dv);
        for (boolean causal : new boolean[] {false, true}) {
            AttentionReference ref = new AttentionReference(q, k, v, randn(b, h, tq, dv), causal, 0.5, false, 0);
            // repeat each key head for its query heads, then the textbook formula
            Tensor kr = k.unsqueeze(2).expand(b, hkv, h / hkv, tk, d).reshape(b, h, tk, d);
            Tensor vr = v.unsqueeze(2).expand(b, hkv, h / hkv, tk, dv).reshape(b, h, tk, dv);
            Tensor scores = q.matmul(kr.transpose(2, 3)).mul(0.5);
            if (causal) {
                boolean[] mask = new boolean[tq * tk];
                for (int i = 0; i < tq; i++) {
                    for (int j = 0; j < tk; j++) {
                        mask[i * tk + j] = j > i + tk - tq;
                    }
                }
                scores = Tensor.where(Tensor.of(mask, tq, tk), Double.NEGATIVE_INFINITY, scores);
            }
            Tensor out = scores.softmax(-1).matmul(vr);
            assertThat(ref.out.allClose(out, 1e-12, 1e-12)).as("causal " + causal).isTrue();
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (boolean linear : new boolean[] {false, true}) {
            for (boolean causal : new boolean[] {false, true}) {
                int b = 1, h = 2, hkv = linear ? 2 : 1, tq = 3, tk = 4, d = 3, dv = 2;
                Tensor q = linear ? randn(b, h, tq, d).abs().add(0.1) : randn(b, h, tq, d);
                Tensor k = linear ? randn(b, hkv, tk, d).abs().add(0.1) : randn(b, hkv, tk, d);
                Tensor v = randn(b, hkv, tk, dv);
                Tensor g = randn(b, h, tq, dv);
                AttentionReference ref = new AttentionReference(q, k, v, g, causal, 0.7, linear, 1e-3);
                Tensor[] inputs = {q, k, v};
                Tensor[] grads = {ref.dq, ref.dk, ref.dv};
                for (int which = 0; which < 3; which++) {
                    double[] x = inputs[which].toDoubleArray();
                    double[] analytic = grads[which].toDoubleArray();
                    for (int i = 0; i < x.length; i++) {
                        double numeric = (loss(inputs, which, x, i, 1e-6, g, causal, linear)
                                - loss(inputs, which, x, i, -1e-6, g, causal, linear)) / 2e-6;
                        assertThat(analytic[i]).as("linear %s causal %s input %d element %d", linear, causal, which, i)
                                .isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-6 + 1e-5 * Math.abs(numeric)));
                    }
                }
            }
        }
    }

    /** Σ g ⊙ out with element i of input `which` moved by h. */
    private static double loss(Tensor[] inputs, int which, double[] x, int i, double h, Tensor g, boolean causal,
                               boolean linear) {
        double[] moved = x.clone();
        moved[i] += h;
        Tensor[] in = inputs.clone();
        in[which] = Tensor.of(moved, inputs[which].shape());
        AttentionReference r = new AttentionReference(in[0], in[1], in[2], g, causal, 0.7, linear, 1e-3);
        return r.out.mul(g).sum().item();
    }
}
