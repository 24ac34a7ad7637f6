package dev.kiln.layers.norm;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.ModuleGradients;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PRepBNTest {
    private static final double EPS = 1e-5;
    private final Generator rng = new Generator(16);

    private Tensor input(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64).mul(1.5).add(0.7);
    }

    /** BN(x) + α·x by hand: per feature j the mean and biased variance over all leading positions. */
    private static double[] repBnByHand(double[] x, int c, double alpha, double[] w, double[] b) {
        int n = x.length / c;
        double[] y = new double[x.length];
        for (int j = 0; j < c; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += x[i * c + j];
            }
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                var += (x[i * c + j] - mean) * (x[i * c + j] - mean);
            }
            var /= n;
            for (int i = 0; i < n; i++) {
                double v = x[i * c + j];
                y[i * c + j] = (v - mean) / Math.sqrt(var + EPS) * w[j] + b[j] + alpha * v;
            }
        }
        return y;
    }

    private static double[] layerNormByHand(double[] x, int c) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / c; r++) {
            double mean = 0;
            for (int j = 0; j < c; j++) {
                mean += x[r * c + j];
            }
            mean /= c;
            double var = 0;
            for (int j = 0; j < c; j++) {
                var += (x[r * c + j] - mean) * (x[r * c + j] - mean);
            }
            var /= c;
            for (int j = 0; j < c; j++) {
                y[r * c + j] = (x[r * c + j] - mean) / Math.sqrt(var + EPS);
            }
        }
        return y;
    }

    private static void assertClose(Tensor actual, double[] expected, double tol) {
        double[] a = actual.toDoubleArray();
        assertThat(a).hasSize(expected.length);
        for (int i = 0; i < a.length; i++) {
            assertThat(Math.abs(a[i] - expected[i])).as("element %d: %s against %s", i, a[i], expected[i])
                    .isLessThanOrEqualTo(tol);
        }
    }

    private RepBN randomRepBn(int c) {
        RepBN r = new RepBN(c);
        r.to(DType.F64);
        try (NoGrad ignored = NoGrad.enter()) {
            r.alpha().tensor().fill_(0.6);
            r.bn().weight().tensor().copy_(input(c));
            r.bn().bias().tensor().copy_(input(c));
        }
        return r;
    }

    @Test
    void repBnIsBatchNormOverTokensPlusScaledIdentity() {
        RepBN r = randomRepBn(4);
        assertThat(r.alpha().tensor().shape()).containsExactly(1);
        assertThat(new RepBN(3).alpha().tensor().item()).isEqualTo(1.0);
        assertThat(r.parameters()).allSatisfy(p -> assertThat(p.weightDecay()).isFalse());
        Tensor x = input(2, 3, 4);
        Tensor y = r.forward(x);
        assertThat(y.shape()).containsExactly(2, 3, 4);
        assertClose(y, repBnByHand(x.toDoubleArray(), 4, 0.6, r.bn().weight().tensor().toDoubleArray(),
                r.bn().bias().tensor().toDoubleArray()), 1e-12);
        // running statistics: momentum 0.1 toward the batch mean and the unbiased variance over the 6 positions
        double[] xs = x.toDoubleArray();
        for (int j = 0; j < 4; j++) {
            double m = 0;
            for (int i = 0; i < 6; i++) {
                m += xs[i * 4 + j];
            }
            m /= 6;
            double v = 0;
            for (int i = 0; i < 6; i++) {
                v += (xs[i * 4 + j] - m) * (xs[i * 4 + j] - m);
            }
            v /= 5;
            assertThat(r.bn().runningMean().toDoubleArray()[j]).isCloseTo(0.1 * m, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(r.bn().runningVar().toDoubleArray()[j]).isCloseTo(0.9 + 0.1 * v, org.assertj.core.data.Offset.offset(1e-12));
        }
        // eval: the running statistics, and exactly the affine map evalAffine gives
        r.eval();
        Tensor z = r.forward(x);
        Tensor[] kc = r.evalAffine();
        assertThat(z.allClose(x.mul(kc[0]).add(kc[1]), 1e-12, 1e-12)).isTrue();
        double[] rm = r.bn().runningMean().toDoubleArray();
        double[] rv = r.bn().runningVar().toDoubleArray();
        double[] w = r.bn().weight().tensor().toDoubleArray();
        double[] b = r.bn().bias().tensor().toDoubleArray();
        double[] expected = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            int j = i % 4;
            expected[i] = (xs[i] - rm[j]) / Math.sqrt(rv[j] + EPS) * w[j] + b[j] + 0.6 * xs[i];
        }
        assertClose(z, expected, 1e-12);
    }

    @Test
    void scheduleWarmsUpWithLayerNormThenDecaysGammaLinearlyToZero() {
        PRepBN p = new PRepBN(5, EPS, 2, 4, 1.0);
        p.to(DType.F64);
        assertThat(p.stateDict().keySet()).containsExactly("warm", "iter", "total_step", "norm1.weight", "norm1.bias",
                "norm2.alpha", "norm2.bn.weight", "norm2.bn.bias", "norm2.bn.running_mean", "norm2.bn.running_var",
                "norm2.bn.num_batches_tracked");
        // γ before each of 9 training steps: 2 warm-up steps of LayerNorm alone, then r0·iter/total = 4/4 .. 0, then 0
        double[] gammas = {1, 1, 1, 0.75, 0.5, 0.25, 0, 0, 0};
        for (int step = 0; step < gammas.length; step++) {
            assertThat(p.gamma()).as("step %d", step).isEqualTo(gammas[step]);
            Tensor x = input(3, 2, 5);
            int tracked = p.repBN().bn().numBatchesTracked();
            Tensor y = p.forward(x);
            double[] ln = layerNormByHand(x.toDoubleArray(), 5);
            double[] bn = repBnByHand(x.toDoubleArray(), 5, 1, new double[] {1, 1, 1, 1, 1}, new double[5]);
            double[] expected = new double[ln.length];
            for (int i = 0; i < ln.length; i++) {
                expected[i] = gammas[step] * ln[i] + (1 - gammas[step]) * bn[i];
            }
            assertClose(y, expected, 1e-9);
            // BatchNorm runs (and tracks its statistics) only once the warm-up is over, as the official code
            assertThat(p.repBN().bn().numBatchesTracked()).isEqualTo(step < 2 ? tracked : tracked + 1);
        }
        // eval is RepBN alone and does not advance the schedule
        p.schedule(0, 10);
        p.eval();
        Tensor x = input(4, 5);
        Tensor y = p.forward(x);
        assertThat(p.gamma()).isEqualTo(1.0);
        assertThat(y.allClose(p.repBN().forward(x), 0, 0)).isTrue();
        assertThat(p.toString()).startsWith("PRepBN(5, r0=1.0, warm=0, iter=10, total_step=10\n");
    }

    @Test
    void gradientsMatchFiniteDifferencesAtAnyGamma() {
        for (double g : new double[] {0.3, 0, 1}) {
            PRepBN p = new PRepBN(4);
            p.to(DType.F64);
            try (NoGrad ignored = NoGrad.enter()) {
                for (var e : p.namedParameters().values()) {
                    e.tensor().add_(Tensor.randn(rng, e.tensor().shape()).to(DType.F64).mul(0.3));
                }
            }
            int checked = ModuleGradients.assertGradients(p, x -> p.forwardAt(x, g), input(3, 2, 4));
            // LayerNorm's weight and bias (4 + 4; at γ = 0 their gradient is 0 and so is the finite difference),
            // α (1), BatchNorm's weight and bias (4 + 4)
            assertThat(checked).isEqualTo(17);
        }
    }

    @Test
    void stateDictRoundTripResumesTheScheduleAndTheRunningStatistics() {
        PRepBN a = new PRepBN(3, EPS, 1, 5, 0.8);
        for (int i = 0; i < 3; i++) {
            a.forward(Tensor.randn(rng, 4, 3));
        }
        Map<String, Tensor> state = new LinkedHashMap<>(a.stateDict());
        assertThat(state.get("warm").item()).isEqualTo(0.0);
        assertThat(state.get("iter").item()).isEqualTo(3.0);
        assertThat(state.get("norm2.bn.num_batches_tracked").item()).isEqualTo(2.0);
        PRepBN b = new PRepBN(3, EPS, 0, 1, 0.8);
        b.loadStateDict(state);
        assertThat(b.gamma()).isEqualTo(a.gamma()).isEqualTo(0.8 * 3 / 5);
        Tensor x = Tensor.randn(rng, 4, 3);
        assertThat(b.forward(x).allClose(a.forward(x), 0, 0)).isTrue();
        assertThat(b.repBN().bn().runningMean().allClose(a.repBN().bn().runningMean(), 0, 0)).isTrue();
        a.eval();
        b.eval();
        assertThat(b.forward(x).allClose(a.forward(x), 0, 0)).isTrue();
    }

    @Test
    void staticScheduleSetsEveryPRepBNOfAModel() {
        var seq = new dev.kiln.layers.Sequential(new PRepBN(3), new dev.kiln.layers.Identity(), new PRepBN(3));
        assertThat(PRepBN.schedule(seq, 2, 7)).isEqualTo(2);
        assertThat(((PRepBN) seq.get(2)).stateDict().get("total_step").item()).isEqualTo(7.0);
        assertThat(((PRepBN) seq.get(0)).gamma()).isEqualTo(1.0);
    }

    @Test
    void badArgumentsNameTheLayerAndTheValues() {
        assertThatThrownBy(() -> new PRepBN(0)).hasMessage("PRepBN: numFeatures must be >= 1, got 0");
        assertThatThrownBy(() -> new PRepBN(3, 1e-5, -1, 4, 1)).hasMessage("PRepBN: warm must be >= 0 and steps >= 1, got warm -1, steps 4");
        assertThatThrownBy(() -> new PRepBN(3, 1e-5, 0, 0, 1)).hasMessageContaining("steps >= 1");
        assertThatThrownBy(() -> new PRepBN(3, 1e-5, 0, 4, 1.5)).hasMessage("PRepBN: r0 must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> new PRepBN(3).forward(Tensor.zeros(2, 4)))
                .hasMessageContaining("expected a non-empty input ending in [3], got [2, 4]");
        assertThatThrownBy(() -> new PRepBN(3).forward(Tensor.zeros(1, 3)))
                .hasMessageContaining("training needs more than one position per feature");
        assertThatThrownBy(() -> new PRepBN(3).forwardAt(Tensor.zeros(2, 3), 1.2)).hasMessageContaining("gamma must be in [0, 1], got 1.2");
        assertThatThrownBy(() -> new RepBN(2).forward(Tensor.zeros(DType.I32, 2, 2))).hasMessageContaining("RepBN");
        assertThatThrownBy(() -> new PRepBN(3).schedule(1, 0)).hasMessageContaining("steps >= 1");
        // one position per feature is fine in eval
        PRepBN p = new PRepBN(3);
        p.eval();
        assertThat(p.forward(Tensor.ones(1, 3)).shape()).containsExactly(1, 3);
    }
}
