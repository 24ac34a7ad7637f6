package dev.kiln.layers.activation;

import dev.kiln.autograd.GradCheck;
import dev.kiln.layers.Functional;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.SpecialFunctions;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ActivationTest {
    private final Generator rng = new Generator(11);

    /** F64 leaf with values drawn from N(0, scale²) but at least gap away from each kink. */
    private Tensor leaf(double scale, double[] kinks, double gap, int... shape) {
        double[] v = Tensor.randn(rng, shape).mul(scale).toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            for (double k : kinks) {
                if (Math.abs(v[i] - k) < gap) {
                    v[i] = k + (v[i] >= k ? gap : -gap);
                }
            }
        }
        return Tensor.of(v).reshape(shape).requiresGrad(true);
    }

    private Tensor leaf(int... shape) {
        return leaf(2.0, new double[0], 0, shape);
    }

    private static double at(Tensor t) {
        return t.item();
    }

    private static Tensor scalar(double x) {
        return Tensor.scalar(x, DType.F64);
    }

    @Test
    void issue15ModulesComputeTheirOpsWithPyTorchsDefaults() {
        Tensor x = Tensor.of(new double[] {-4, -3, -1, -0.25, 0, 0.25, 1, 3, 7}).reshape(3, 3);
        List<Module> modules = List.of(new ELU(), new ELU(0.5), new CELU(2), new SELU(), new ReLU6(), new Hardtanh(),
                new Hardtanh(-2, 0.5), new Hardswish(), new Hardsigmoid(), new LogSigmoid(), new Softsign(),
                new Tanhshrink(), new Softshrink(), new Hardshrink(0.2), new Softplus(2, 3), new GLU(), new GLU(0));
        List<Function<Tensor, Tensor>> ops = List.of(Tensor::elu, t -> t.elu(0.5), t -> t.celu(2), Tensor::selu,
                Tensor::relu6, t -> t.hardtanh(-1, 1), t -> t.hardtanh(-2, 0.5), Tensor::hardswish, Tensor::hardsigmoid,
                Tensor::logsigmoid, Tensor::softsign, Tensor::tanhshrink, t -> t.softshrink(0.5), t -> t.hardshrink(0.2),
                t -> t.softplus(2, 3), t -> t.glu(-1), t -> t.glu(0));
        Tensor x4 = Tensor.cat(List.of(x, x.neg()), 1);
        for (int i = 0; i < modules.size(); i++) {
            Tensor in = modules.get(i) instanceof GLU ? x4.narrow(0, 0, 2) : x;
            assertThat(modules.get(i).forward(in).toDoubleArray()).as("%s", modules.get(i))
                    .containsExactly(ops.get(i).apply(in).toDoubleArray());
        }
        // the defaults are PyTorch's: elu(−0.25) = e^−0.25 − 1, hardtanh clamps to [−1, 1], softshrink at 0.5
        assertThat(at(new ELU().forward(scalar(-0.25)))).isCloseTo(Math.expm1(-0.25), within(1e-15));
        assertThat(new Hardtanh().forward(x).toDoubleArray()).containsExactly(-1, -1, -1, -0.25, 0, 0.25, 1, 1, 1);
        assertThat(new Softshrink().forward(x).toDoubleArray()).containsExactly(-3.5, -2.5, -0.5, 0, 0, 0, 0.5, 2.5, 6.5);
        assertThat(new Hardtanh(-2, 0.5).toString()).contains("minVal=-2.0", "maxVal=0.5");
        assertThatThrownBy(() -> new Hardtanh(1, 0)).hasMessageStartingWith("hardtanh:");
        assertThatThrownBy(() -> new CELU(0)).hasMessageStartingWith("celu:");
        assertThatThrownBy(() -> new Softplus(0, 20)).hasMessageStartingWith("Softplus:");
        assertThat(Functional.glu(x4, 1).toDoubleArray()).containsExactly(x4.glu(1).toDoubleArray());
    }

    @Test
    void activationModulesBuildEveryDeclaredActivationWithItsDefaults() {
        for (UnaryOp op : UnaryOp.values()) {
            if (op.activationName() == null) {
                assertThatThrownBy(() -> ActivationModules.of(op)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("ActivationModules.of: " + op + " is not an activation");
            } else {
                assertThat(ActivationModules.of(op)).as("%s", op).isNotNull();
            }
        }
        assertThat(ActivationModules.of(UnaryOp.GELU_TANH)).isInstanceOfSatisfying(GELU.class,
                g -> assertThat(g.approximate()).isEqualTo("tanh"));
        assertThat(ActivationModules.of(Activation.Kind.FATRELU)).isInstanceOfSatisfying(FATReLU.class,
                f -> assertThat(f.threshold()).isEqualTo(0.1));
        assertThat(ActivationModules.of(Activation.Kind.HELU)).isInstanceOfSatisfying(HeLU.class,
                h -> assertThat(h.alpha()).isEqualTo(0.05));
        assertThat(ActivationModules.of(Activation.Kind.ELEPHANT)).isInstanceOfSatisfying(Elephant.class,
                e -> assertThat(new double[] {e.a(), e.d()}).containsExactly(1.0, 4.0));
    }

    // ------------------------------------------------------------------ gradients by finite differences

    @Test
    void fusedUnaryActivationsGradcheck() {
        List<Function<Tensor, Tensor>> fs = List.of(Tensor::gelu, t -> t.gelu("tanh"), Tensor::silu, Tensor::mish,
                Tensor::softplus);
        for (Function<Tensor, Tensor> f : fs) {
            GradCheck.assertGradients(in -> f.apply(in[0]), leaf(3, 7));
        }
        GradCheck.assertGradients(in -> in[0].reluSquared(), leaf(2.0, new double[] {0}, 1e-3, 4, 5));
    }

    @Test
    void parameterisedActivationsGradcheck() {
        GradCheck.assertGradients(in -> in[0].leakyRelu(0.2), leaf(2.0, new double[] {0}, 1e-3, 3, 5));
        GradCheck.assertGradients(in -> Functional.smelu(in[0], 1.5), leaf(2.0, new double[] {-1.5, 1.5}, 1e-3, 4, 6));
        GradCheck.assertGradients(in -> Functional.elephant(in[0], 1.0, 4.0), leaf(3, 6));
        GradCheck.assertGradients(in -> Functional.elephant(in[0], 2.0, 8.0), leaf(3, 6));
        GradCheck.assertGradients(in -> Functional.fatrelu(in[0], 0.3), leaf(2.0, new double[] {0.3}, 1e-3, 5, 5));
        GradCheck.assertGradients(in -> Functional.sau(in[0], 0.1, 0.7), leaf(3, 6));
        // VeLU: the elementwise core and the variance factor (the gradient flows through s as well)
        GradCheck.assertGradients(in -> Functional.velu(in[0], 1.3, 0.8, 1.1, 0.3, 0.4, 0.9),
                leaf(2.0, new double[] {-1 / 0.3, 1 / 0.3}, 1e-2, 4, 5));
        GradCheck.assertGradients(in -> Functional.velu(in[0], 1.0, 1.0, 1.0, 0.5, 0.0, 1.0), leaf(0.5, new double[0], 0, 7));
    }

    @Test
    void heluTrainingBackwardUsesTheShiftedThreshold() {
        Tensor x = Tensor.of(new double[] {-0.2, -0.04, -0.01, 0.3}).requiresGrad(true);
        Functional.helu(x, 0.05, true).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(0, 1, 1, 1);
        // the forward is ReLU in both modes
        assertThat(Functional.helu(x, 0.05, true).toDoubleArray()).containsExactly(0, 0, 0, 0.3);

        Tensor y = Tensor.of(new double[] {-0.2, -0.04, -0.01, 0.3}).requiresGrad(true);
        Functional.helu(y, 0.05, false).sum().backward();
        assertThat(y.grad().toDoubleArray()).containsExactly(0, 0, 0, 1);

        // where the hysteresis acts, the gradient is deliberately not the true derivative
        assertThat(GradCheck.check(in -> Functional.helu(in[0], 0.05, true),
                Tensor.of(new double[] {-0.03}).requiresGrad(true)).passed()).isFalse();
        GradCheck.assertGradients(in -> Functional.helu(in[0], 0.05, true), leaf(2.0, new double[] {-0.05, 0}, 0.06, 6));
    }

    @Test
    void preluGradcheckSharedAndPerChannel() {
        GradCheck.assertGradients(in -> in[0].prelu(in[1]), leaf(2.0, new double[] {0}, 1e-3, 3, 4),
                Tensor.of(new double[] {0.25}).requiresGrad(true));
        GradCheck.assertGradients(in -> in[0].prelu(in[1]), leaf(2.0, new double[] {0}, 1e-3, 2, 3, 4, 2),
                Tensor.of(new double[] {0.1, -0.3, 0.7}).requiresGrad(true));
        // a non-contiguous input with channels at dim 1
        GradCheck.assertGradients(in -> in[0].transpose(0, 1).prelu(in[1]), leaf(2.0, new double[] {0}, 1e-3, 3, 2),
                Tensor.of(new double[] {0.4, 0.2, -0.5}).requiresGrad(true));
    }

    @Test
    void pauGradcheckOfInputAndCoefficients() {
        Tensor a = Tensor.of(new double[] {0.1, 0.6, 1.2, 0.8, -0.4, 0.15}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {0.5, -1.5, 0.3, 0.2}).requiresGrad(true);
        GradCheck.assertGradients(in -> in[0].pau(in[1], in[2]), leaf(1.5, new double[] {0}, 1e-3, 4, 5), a, b);
        // other degrees, including a plain polynomial (no denominator)
        GradCheck.assertGradients(in -> in[0].pau(in[1], in[2]), leaf(1.5, new double[] {0}, 1e-3, 6),
                Tensor.of(new double[] {0.3, -0.2, 0.5}).requiresGrad(true),
                Tensor.of(new double[] {0.7, -0.9}).requiresGrad(true));
        GradCheck.assertGradients(in -> in[0].pau(in[1], in[2]), leaf(6),
                Tensor.of(new double[] {0.3, -0.2, 0.5}).requiresGrad(true), Tensor.zeros(DType.F64, 0));
    }

    // ------------------------------------------------------------------ values from the tables and formulas of docs/formulas/activations.md

    @Test
    void mishMatchesTheTable() {
        assertThat(at(scalar(1).mish())).isCloseTo(0.86510, within(5e-6));
        Tensor grid = Tensor.arange(-1.3, -1.1, 1e-4).to(DType.F64);
        Tensor y = grid.mish();
        int i = (int) y.argmin().item();
        assertThat(y.min().item()).isCloseTo(-0.30884, within(5e-6));
        assertThat(grid.toDoubleArray()[i]).isCloseTo(-1.1924, within(2e-4));
        // the fused derivative vanishes at the minimum
        Tensor xm = scalar(grid.toDoubleArray()[i]).requiresGrad(true);
        xm.mish().backward();
        assertThat(xm.grad().item()).isCloseTo(0, within(1e-3));
    }

    @Test
    void pauLeakyReluInitialisationMatchesTheTable() {
        PAU pau = new PAU();
        pau.to(DType.F64);
        double[] xs = {-3, -1, 0, 0.5, 1, 3};
        double[] expected = {-0.03959, -0.00919, 0.03356, 0.50334, 1.00081, 2.99041};
        double[] got = pau.forward(Tensor.of(xs)).toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            assertThat(got[i]).as("PAU(%s)", xs[i]).isCloseTo(expected[i], within(6e-6));
        }
        assertThat(pau.numerator().shape()).containsExactly(6);
        assertThat(pau.denominator().shape()).containsExactly(4);
        assertThat(pau.parameters()).allSatisfy(p -> assertThat(p.weightDecay()).isFalse());
        assertThat(pau.stateDict()).containsOnlyKeys("numerator", "denominator");
    }

    @Test
    void pauDenominatorIsAtLeastOne() {
        // |b_k| makes Q ≥ 1 whatever the signs, so PAU is a polynomial divided by something ≥ 1: bounded growth, no poles
        Tensor x = Tensor.linspace(-50, 50, 1001).to(DType.F64);
        Tensor y = x.pau(Tensor.of(new double[] {0, 0, 0, 0, 1}), Tensor.of(new double[] {-1, -1, -1, -1}));
        double[] xv = x.toDoubleArray();
        double[] yv = y.toDoubleArray();
        for (int i = 0; i < xv.length; i++) {
            double ax = Math.abs(xv[i]);
            double q = 1 + ax + ax * ax + ax * ax * ax + ax * ax * ax * ax;
            assertThat(yv[i]).isCloseTo(Math.pow(xv[i], 4) / q, within(1e-9));
        }
    }

    @Test
    void smeluFollowsItsPiecewiseDefinition() {
        double[] xs = {-2, -1, -0.5, 0, 0.5, 1, 2};
        double[] expected = {0, 0, 0.0625, 0.25, 0.5625, 1, 2};
        assertThat(Functional.smelu(Tensor.of(xs), 1.0).toDoubleArray()).containsExactly(expected, within(1e-15));
        Tensor x = Tensor.of(xs).requiresGrad(true);
        Functional.smelu(x, 1.0).sum().backward();
        assertThat(x.grad().toDoubleArray()).containsExactly(new double[] {0, 0, 0.25, 0.5, 0.75, 1, 1}, within(1e-15));
    }

    @Test
    void elephantAndFatreluValues() {
        assertThat(Functional.elephant(Tensor.of(new double[] {0, 1, -1, 2}), 1, 4).toDoubleArray())
                .containsExactly(new double[] {1, 0.5, 0.5, 1.0 / 17}, within(1e-15));
        assertThat(Functional.elephant(Tensor.of(new double[] {2, -4}), 2, 8).toDoubleArray())
                .containsExactly(new double[] {0.5, 1.0 / 257}, within(1e-15));
        assertThat(Functional.fatrelu(Tensor.of(new double[] {-1, 0.2, 0.3, 0.31}), 0.3).toDoubleArray())
                .containsExactly(0, 0, 0.3, 0.31);
    }

    @Test
    void sauIsTheGaussianSmoothedLeakyRelu() {
        // SAU(x) = E[leakyRelu_a(x + σZ)], Z ~ N(0, 1): check the closed form against Simpson's rule
        double a = 0.1;
        double sigma = 0.7;
        double[] xs = {-3, -1, -0.2, 0, 0.4, 1.5, 4};
        double[] got = Functional.sau(Tensor.of(xs), a, sigma).toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            // split at the kink z0 = −x/σ so Simpson's rule integrates two smooth pieces
            double x = xs[i];
            double z0 = -x / sigma;
            double sum = simpson(z -> a * (x + sigma * z) * SpecialFunctions.normalPdf(z), -12, z0)
                    + simpson(z -> (x + sigma * z) * SpecialFunctions.normalPdf(z), z0, 12);
            assertThat(got[i]).as("SAU(%s)", xs[i]).isCloseTo(sum, within(1e-10));
        }
    }

    private static double simpson(java.util.function.DoubleUnaryOperator f, double lo, double hi) {
        int n = 2000;
        double h = (hi - lo) / n;
        double sum = 0;
        for (int k = 0; k <= n; k++) {
            sum += (k == 0 || k == n ? 1 : k % 2 == 1 ? 4 : 2) * f.applyAsDouble(lo + k * h);
        }
        return sum * h / 3;
    }

    @Test
    void veluMatchesItsFormula() {
        double[] xs = {-4, -1.5, -0.3, 0, 0.7, 2.5, 5};
        double lambda = 1.2;
        double alpha = 0.9;
        double b1 = 1.1;
        double b2 = 0.4;
        double gamma = 0.3;
        double mu = 0.8;
        double mean = 0;
        for (double x : xs) {
            mean += x / xs.length;
        }
        double var = 0;
        for (double x : xs) {
            var += (x - mean) * (x - mean) / xs.length;
        }
        double factor = 1 + gamma * Math.tanh(mu * Math.sqrt(var + 1e-12));
        double[] got = Functional.velu(Tensor.of(xs), lambda, alpha, b1, b2, gamma, mu).toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double u = Math.max(-1, Math.min(1, b2 * xs[i]));
            double z = alpha * (Math.atan(b1 * xs[i]) + Math.asin(u));
            double expected = lambda * xs[i] / (1 + Math.exp(-z)) * factor;
            assertThat(got[i]).as("VeLU(%s)", xs[i]).isCloseTo(expected, within(1e-13));
        }
    }

    @Test
    void extremeInputsStayFinite() {
        Tensor x = Tensor.of(new float[] {-1e4f, -100, -30, 30, 100, 1e4f}).requiresGrad(true);
        for (Function<Tensor, Tensor> f : List.<Function<Tensor, Tensor>>of(Tensor::gelu, t -> t.gelu("tanh"),
                Tensor::silu, Tensor::mish, Tensor::softplus, t -> Functional.sau(t, 0.01, 1))) {
            x.zeroGrad();
            Tensor y = f.apply(x);
            y.sum().backward();
            assertThat(y.isnan().any().item()).isZero();
            assertThat(x.grad().isnan().any().item()).isZero();
            assertThat(y.toDoubleArray()[5]).isCloseTo(1e4, within(1e-2));
            assertThat(Math.abs(y.toDoubleArray()[0])).isLessThanOrEqualTo(1e2); // SAU's leaky slope gives −100
        }
    }

    @Test
    void oddShapesAndViews() {
        List<Function<Tensor, Tensor>> fs = List.of(Tensor::gelu, Tensor::mish, t -> t.leakyRelu(0.1),
                t -> Functional.smelu(t, 1), t -> t.prelu(Tensor.of(new double[] {0.3})),
                t -> t.pau(Tensor.of(new double[] {0.1, 1, 0.5}), Tensor.of(new double[] {0.2})));
        for (Function<Tensor, Tensor> f : fs) {
            assertThat(f.apply(Tensor.zeros(DType.F64, 0, 3)).shape()).containsExactly(0, 3);
            assertThat(f.apply(scalar(0.7)).shape()).isEmpty();
            Tensor x = Tensor.randn(rng, 4, 1, 5).to(DType.F64);
            Tensor t = x.transpose(0, 2);
            assertThat(f.apply(t).allClose(f.apply(t.contiguous()), 0, 0)).isTrue();
            assertThat(f.apply(x).shape()).containsExactly(4, 1, 5);
        }
    }

    // ------------------------------------------------------------------ modules

    @Test
    void modulesComputeTheirFunctions() {
        Tensor x = Tensor.randn(rng, 3, 4);
        assertThat(new ReLU().forward(x).allClose(x.relu(), 0, 0)).isTrue();
        assertThat(new GELU().forward(x).allClose(x.gelu(), 0, 0)).isTrue();
        assertThat(new GELU("tanh").forward(x).allClose(x.gelu("tanh"), 0, 0)).isTrue();
        assertThat(new SiLU().forward(x).allClose(x.silu(), 0, 0)).isTrue();
        assertThat(new Mish().forward(x).allClose(x.mish(), 0, 0)).isTrue();
        assertThat(new ReLUSquared().forward(x).allClose(x.relu().square(), 1e-6, 0)).isTrue();
        assertThat(new LeakyReLU().forward(x).allClose(x.leakyRelu(0.01), 0, 0)).isTrue();
        assertThat(new Sigmoid().forward(x).allClose(x.sigmoid(), 0, 0)).isTrue();
        assertThat(new Tanh().forward(x).allClose(x.tanh(), 0, 0)).isTrue();
        assertThat(new Softplus().forward(x).allClose(x.exp().add(1).log(), 1e-6, 1e-6)).isTrue();
        assertThat(new SmeLU().forward(x).allClose(Functional.smelu(x, 1), 0, 0)).isTrue();
        assertThat(new Elephant().forward(x).allClose(Functional.elephant(x, 1, 4), 0, 0)).isTrue();
        assertThat(new FATReLU(0.5).forward(x).allClose(Functional.fatrelu(x, 0.5), 0, 0)).isTrue();
        assertThat(new SAU().forward(x).allClose(Functional.sau(x, 0.01, 1), 0, 0)).isTrue();
        assertThat(new VeLU().forward(x).allClose(Functional.velu(x, 1, 1, 1, 0.5, 0.1, 1), 0, 0)).isTrue();
        HeLU helu = new HeLU();
        assertThat(helu.forward(x).allClose(x.relu(), 0, 0)).isTrue();
        assertThat(helu.eval().forward(x).allClose(x.relu(), 0, 0)).isTrue();
    }

    @Test
    void preluModuleLearnsItsSlopes() {
        PReLU shared = new PReLU();
        assertThat(shared.weight().shape()).containsExactly(1);
        assertThat(shared.weight().tensor().item()).isEqualTo(0.25);
        assertThat(shared.weight().weightDecay()).isFalse();

        PReLU perChannel = new PReLU(3, 0.1);
        Tensor x = Tensor.of(new float[] {-1, 2, -3, 4, -5, -6}, 2, 3);
        Tensor y = perChannel.forward(x);
        assertThat(y.toFloatArray()).containsExactly(new float[] {-0.1f, 2, -0.3f, 4, -0.5f, -0.6f}, within(1e-6f));
        y.sum().backward();
        // ∂/∂a_c = Σ min(0, x) over channel c
        assertThat(perChannel.weight().grad().toFloatArray()).containsExactly(-1, -5, -9);
        assertThat(perChannel.stateDict()).containsOnlyKeys("weight");
        assertThat(perChannel.toString()).startsWith("PReLU(numParameters=3)  # 3 params");
    }

    @Test
    void badInputsAreRejectedWithTheLayerName() {
        Tensor ints = Tensor.of(new int[] {1, 2, 3});
        List<Module> layers = List.of(new ReLU(), new GELU(), new SiLU(), new Mish(), new LeakyReLU(), new SmeLU(),
                new HeLU(), new Elephant(), new FATReLU(0), new SAU(), new VeLU(), new ReLUSquared(), new PReLU(), new PAU());
        for (Module m : layers) {
            assertThatThrownBy(() -> m.forward(ints)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(m.getClass().getSimpleName() + "(")
                    .hasMessageContaining("I32");
        }
        assertThatThrownBy(() -> new PReLU(4).forward(Tensor.zeros(2, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PReLU(numParameters=4): expected input with 4 channels at dim 1, got [2, 3]");
        assertThatThrownBy(() -> new PReLU().forward(Tensor.zeros(DType.F64, 2)))
                .hasMessageContaining("input is F64 [2] but the parameters are F32");
        assertThatThrownBy(() -> Tensor.zeros(2, 3).prelu(Tensor.zeros(4)))
                .hasMessageStartingWith("prelu: weight [4] has 4 slopes but the input [2, 3] has 3 channel(s)");
        assertThatThrownBy(() -> Tensor.zeros(2).pau(Tensor.zeros(2, 2), Tensor.zeros(1)))
                .hasMessageStartingWith("pau: numerator must be 1-D");
        assertThatThrownBy(() -> new GELU("fast")).hasMessageContaining("approximate must be \"none\" or \"tanh\"");
        assertThatThrownBy(() -> new SmeLU(0)).hasMessage("smelu: beta must be positive and finite, got 0.0");
        assertThatThrownBy(() -> new HeLU(-1)).hasMessage("helu: alpha must be >= 0, got -1.0");
        assertThatThrownBy(() -> new FATReLU(-0.1)).hasMessageContaining("threshold must be >= 0");
        assertThatThrownBy(() -> new Elephant(0, 4)).hasMessageContaining("elephant: a must be positive");
        assertThatThrownBy(() -> Activation.velu(1, Double.NaN, 1, 1)).hasMessageContaining("velu: parameters must be finite");
    }

    @Test
    void gradFnNamesTheActivation() {
        Tensor x = Tensor.randn(rng, 3).requiresGrad(true);
        assertThat(x.gelu().gradFn().name()).isEqualTo("GeluBackward");
        assertThat(x.leakyRelu(0.1).gradFn().name()).isEqualTo("LeakyReluBackward");
        assertThat(Functional.sau(x, 0.1, 1).gradFn().name()).isEqualTo("SauBackward");
        assertThat(x.prelu(Tensor.of(new float[] {0.2f})).gradFn().name()).isEqualTo("PreluBackward");
    }
}
