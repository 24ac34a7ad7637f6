package dev.kiln.layers;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class InitTest {

    /** {mean, std (biased), max |x|}. */
    private static double[] stats(Tensor t) {
        double[] v = t.toDoubleArray();
        double mean = 0;
        double max = 0;
        for (double x : v) {
            mean += x;
            max = Math.max(max, Math.abs(x));
        }
        mean /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        return new double[] {mean, Math.sqrt(var / v.length), max};
    }

    private static void assertNormal(Tensor t, double std) {
        double[] s = stats(t);
        int n = t.numel();
        assertThat(s[0]).as("mean").isCloseTo(0, within(5 * std / Math.sqrt(n)));
        assertThat(s[1]).as("std").isCloseTo(std, within(std * 5 / Math.sqrt(2.0 * n)));
    }

    private static void assertUniform(Tensor t, double bound) {
        double[] s = stats(t);
        int n = t.numel();
        double std = bound / Math.sqrt(3);
        assertThat(s[2]).as("max |x|").isLessThanOrEqualTo(bound).isGreaterThan(bound * 0.999);
        assertThat(s[0]).as("mean").isCloseTo(0, within(5 * std / Math.sqrt(n)));
        // the std of U(−b, b) is b/√3; its sampling error is about 0.45·std/√n
        assertThat(s[1]).as("std").isCloseTo(std, within(std * 5 / Math.sqrt(n)));
    }

    @Test
    void fansFollowPyTorch() {
        assertThat(Init.fans(Tensor.zeros(30, 20))).containsExactly(20, 30);
        assertThat(Init.fans(Tensor.zeros(8, 3, 5, 5))).containsExactly(75, 200);
        assertThatThrownBy(() -> Init.fans(Tensor.zeros(5)))
                .hasMessage("Init.fans: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got [5]");
    }

    @Test
    void gainsFollowPyTorch() {
        assertThat(Init.calculateGain("relu")).isEqualTo(Math.sqrt(2));
        assertThat(Init.calculateGain("tanh")).isEqualTo(5.0 / 3);
        assertThat(Init.calculateGain("linear")).isEqualTo(1.0);
        assertThat(Init.calculateGain("sigmoid")).isEqualTo(1.0);
        assertThat(Init.calculateGain("selu")).isEqualTo(0.75);
        assertThat(Init.calculateGain("leaky_relu")).isEqualTo(Math.sqrt(2 / (1 + 1e-4)));
        assertThat(Init.calculateGain("leaky_relu", 0.25)).isEqualTo(Math.sqrt(2 / 1.0625));
        assertThatThrownBy(() -> Init.calculateGain("swish")).hasMessageContaining("unsupported nonlinearity 'swish'");
    }

    @Test
    void kaimingNormalHasStdGainOverRootFan() {
        Generator rng = new Generator(1);
        assertNormal(Init.kaimingNormal_(Tensor.zeros(700, 1000), rng), Math.sqrt(2.0 / 1000));
        // leaky slope 0.25, fan_out of a [400, 2500] weight = 400
        Tensor t = Init.kaimingNormal_(Tensor.zeros(400, 1000), 0.25, Init.FanMode.FAN_OUT, rng);
        assertNormal(t, Math.sqrt(2 / 1.0625) / Math.sqrt(400));
        // conv weight: fan_in = in·k·k
        assertNormal(Init.kaimingNormal_(Tensor.zeros(DType.F64, 64, 16, 3, 3), rng), Math.sqrt(2.0 / (16 * 9)));
    }

    @Test
    void kaimingUniformHasBoundGainTimesRootThreeOverFan() {
        Generator rng = new Generator(2);
        assertUniform(Init.kaimingUniform_(Tensor.zeros(1000, 1000), rng), Math.sqrt(2.0) * Math.sqrt(3.0 / 1000));
        Tensor t = Init.kaimingUniform_(Tensor.zeros(300, 3000), 0.1, Init.FanMode.FAN_OUT, rng);
        assertUniform(t, Math.sqrt(2 / 1.01) * Math.sqrt(3.0 / 300));
        Tensor tanh = Init.kaimingUniform_(Tensor.zeros(500, 2000), 0, Init.FanMode.FAN_IN, "tanh", rng);
        assertUniform(tanh, 5.0 / 3 * Math.sqrt(3.0 / 2000));
    }

    @Test
    void xavierUsesFanInPlusFanOut() {
        Generator rng = new Generator(3);
        assertNormal(Init.xavierNormal_(Tensor.zeros(600, 1400), rng), Math.sqrt(2.0 / 2000));
        assertNormal(Init.xavierNormal_(Tensor.zeros(600, 1400), 2.0, rng), 2 * Math.sqrt(2.0 / 2000));
        assertUniform(Init.xavierUniform_(Tensor.zeros(600, 1400), rng), Math.sqrt(6.0 / 2000));
        assertUniform(Init.xavierUniform_(Tensor.zeros(DType.F64, 600, 1400), 0.5, rng), 0.5 * Math.sqrt(6.0 / 2000));
    }

    @Test
    void linearDefaultIsUniformOverRootFanIn() {
        Generator rng = new Generator(4);
        Tensor w = Tensor.zeros(1000, 900);
        Tensor b = Tensor.zeros(20000);
        Init.linearDefault_(w, b, rng);
        assertUniform(w, 1 / Math.sqrt(900));
        assertUniform(b, 1 / Math.sqrt(900));
    }

    @Test
    void plainFills() {
        Generator rng = new Generator(5);
        assertNormal(Init.normal_(Tensor.zeros(500, 500), 0.02, rng), 0.02);
        double[] s = stats(Init.normal_(Tensor.zeros(200, 500), 3.0, 0.5, rng));
        assertThat(s[0]).isCloseTo(3.0, within(0.01));
        Tensor u = Init.uniform_(Tensor.zeros(1000), 2, 5, rng);
        assertThat(u.min().item()).isGreaterThanOrEqualTo(2);
        assertThat(u.max().item()).isLessThan(5);
        assertThat(Init.zeros_(Tensor.ones(3)).toFloatArray()).containsExactly(0, 0, 0);
        assertThat(Init.ones_(Tensor.zeros(2)).toFloatArray()).containsExactly(1, 1);
        assertThat(Init.constant_(Tensor.zeros(2), 0.5).toFloatArray()).containsExactly(0.5f, 0.5f);
    }

    @Test
    void seededAndInPlaceOnParameters() {
        Parameter p = new Parameter(Tensor.zeros(4, 6));
        Tensor same = p.tensor();
        Init.kaimingNormal_(p.tensor(), new Generator(9));
        assertThat(p.tensor()).isSameAs(same);
        assertThat(p.tensor().requiresGrad()).isTrue();
        Tensor again = Init.kaimingNormal_(Tensor.zeros(4, 6), new Generator(9));
        assertThat(p.tensor().toFloatArray()).containsExactly(again.toFloatArray());
        Tensor other = Init.kaimingNormal_(Tensor.zeros(4, 6), new Generator(10));
        assertThat(other.toFloatArray()).isNotEqualTo(again.toFloatArray());
        // into a strided view: only the view changes
        Tensor big = Tensor.zeros(4, 6);
        Init.ones_(big.narrow(1, 2, 2));
        assertThat(big.sum().item()).isEqualTo(8);
        assertThatThrownBy(() -> Init.normal_(Tensor.zeros(2), 1, null)).hasMessageContaining("a Generator is required");
        assertThatThrownBy(() -> Init.uniform_(Tensor.zeros(DType.I32, 2), 0, 1, new Generator(1)))
                .hasMessageContaining("expected a floating-point tensor, got I32");
    }

    /**
     * The claim in docs/formulas/activations.md: through a 30-layer plain ReLU MLP at initialisation, He init keeps the mean
     * square of the activations about constant while Xavier shrinks it by about 2^−30.
     */
    @Test
    void heKeepsActivationsAliveThroughThirtyReluLayersAndXavierDoesNot() {
        int width = 64;
        Generator rng = new Generator(6);
        Tensor x0 = Tensor.randn(rng, 16, width);
        double ms0 = x0.square().mean().item();
        Tensor he = x0;
        Tensor xavier = x0;
        for (int layer = 0; layer < 30; layer++) {
            he = he.matmul(Init.kaimingNormal_(Tensor.zeros(width, width), rng).t()).relu();
            xavier = xavier.matmul(Init.xavierNormal_(Tensor.zeros(width, width), rng).t()).relu();
        }
        double heRatio = he.square().mean().item() / ms0;
        double xavierRatio = xavier.square().mean().item() / ms0;
        assertThat(heRatio).isBetween(0.1, 10.0);
        assertThat(xavierRatio / Math.pow(2, -30)).isBetween(0.1, 10.0);
    }
}
