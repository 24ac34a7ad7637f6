package dev.kiln.layers.ffn;

import dev.kiln.autograd.GradCheck;
import dev.kiln.layers.Functional;
import dev.kiln.layers.Gate;
import dev.kiln.layers.activation.GELU;
import dev.kiln.layers.activation.PReLU;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FeedForwardTest {
    private final Generator rng = new Generator(51);

    private Tensor leaf(int... shape) {
        return Tensor.randn(rng, shape).to(DType.F64).requiresGrad(true);
    }

    @Test
    void mlpIsFc2OfActOfFc1() {
        MLP mlp = new MLP(4, 8, 3, new PReLU(), rng);
        assertThat(mlp.stateDict().keySet())
                .containsExactly("fc1.weight", "fc1.bias", "act.weight", "fc2.weight", "fc2.bias");
        Tensor x = Tensor.randn(rng, 5, 4);
        Tensor expected = mlp.fc2().forward(mlp.act().forward(mlp.fc1().forward(x)));
        assertThat(mlp.forward(x).allClose(expected, 0, 0)).isTrue();
        assertThat(new MLP(4, 8, 3, new GELU(), false, rng).parameterCount()).isEqualTo(32 + 24);
        assertThatThrownBy(() -> mlp.forward(Tensor.zeros(5, 3)))
                .hasMessageStartingWith("Linear(inFeatures=4, outFeatures=8, bias=true): expected input [..., 4]");
    }

    @Test
    void pureBilinearMultipliesTheTwoHalves() {
        Bilinear bil = new Bilinear(5, 3, rng);
        assertThat(bil.gate()).isEqualTo(Gate.IDENTITY);
        assertThat(bil.stateDict().keySet()).containsExactly("weight");
        assertThat(bil.weight().shape()).containsExactly(6, 5);
        Tensor l = bil.left();
        Tensor r = bil.right();
        assertThat(l.shape()).containsExactly(3, 5);
        assertThat(l.allClose(bil.weight().tensor().narrow(0, 0, 3), 0, 0)).isTrue();
        assertThat(r.allClose(bil.weight().tensor().narrow(0, 3, 3), 0, 0)).isTrue();
        assertThat(l.requiresGrad()).isFalse();
        Tensor x = Tensor.randn(rng, 4, 5);
        Tensor expected = x.matmul(l.t()).mul(x.matmul(r.t()));
        assertThat(bil.forward(x).allClose(expected, 1e-6, 1e-6)).isTrue();
        // the halves are live views: they follow the trained weight
        bil.weight().tensor().detach().fill_(2);
        assertThat(bil.left().toFloatArray()).containsOnly(2f);
    }

    /** Spec bilinear.md: uᵀ·g(x) = xᵀ·B_u·x with B_u = Σ_o u_o (l_o r_oᵀ + r_o l_oᵀ)/2, exactly. */
    @Test
    void bilinearOutputIsAQuadraticFormOfTheWeights() {
        Bilinear bil = new Bilinear(6, 4, rng);
        bil.to(DType.F64);
        Tensor l = bil.left();
        Tensor r = bil.right();
        Tensor u = Tensor.randn(rng, 4).to(DType.F64);
        Tensor outer = l.t().matmul(r.mul(u.unsqueeze(1)));  // Σ_o u_o l_o r_oᵀ
        Tensor b = outer.add(outer.t()).mul(0.5);
        Tensor x = Tensor.randn(rng, 7, 6).to(DType.F64);
        Tensor viaLayer = bil.forward(x).matmul(u);
        Tensor viaForm = x.matmul(b).mul(x).sum(1);
        assertThat(viaLayer.allClose(viaForm, 1e-12, 1e-12)).isTrue();
    }

    @Test
    void gatedVariantsUseTheirGates() {
        Tensor x = Tensor.randn(rng, 3, 4);
        Bilinear[] layers = {new SwiGLU(4, 5, rng), new GeGLU(4, 5, rng), new GLU(4, 5, rng),
            new Bilinear(4, 5, Gate.GELU_TANH, true, rng), new Bilinear(4, 5, Gate.RELU, false, rng)};
        for (Bilinear layer : layers) {
            Tensor h = Functional.linear(x, layer.weight().tensor(), layer.bias() == null ? null : layer.bias().tensor());
            Tensor left = h.narrow(1, 0, 5);
            Tensor right = h.narrow(1, 5, 5);
            Tensor gated = switch (layer.gate()) {
                case SILU -> left.mul(left.sigmoid());
                case GELU -> left.gelu();
                case GELU_TANH -> left.gelu("tanh");
                case SIGMOID -> left.sigmoid();
                case RELU -> left.relu();
                case IDENTITY -> left;
            };
            assertThat(layer.forward(x).allClose(gated.mul(right), 1e-6, 1e-6)).as(layer.describe()).isTrue();
        }
        assertThat(new SwiGLU(4, 5, rng).describe()).isEqualTo("SwiGLU(inFeatures=4, outFeatures=5, gate=SILU, bias=false)");
        assertThat(new GLU(4, 5, true, rng).stateDict().keySet()).containsExactly("weight", "bias");
        // GLU's gate on the first half equals PyTorch's F.glu, which gates with the second half, on swapped halves
        GLU glu = new GLU(4, 5, rng);
        Tensor h = Functional.linear(x, glu.weight().tensor(), null);
        Tensor swapped = Tensor.cat(1, h.narrow(1, 5, 5), h.narrow(1, 0, 5));
        assertThat(glu.forward(x).allClose(Functional.glu(swapped, 1), 1e-6, 1e-7)).isTrue();
    }

    @Test
    void bilinearGradcheckForEveryGate() {
        for (Gate gate : Gate.values()) {
            GradCheck.assertGradients(in -> Functional.bilinear(in[0], in[1], in[2], gate), leaf(3, 4), leaf(6, 4), leaf(6));
        }
    }

    @Test
    void gatedMlpIsPOfG() {
        GatedMLP ffn = new GatedMLP(6, 10, Gate.IDENTITY, rng);
        assertThat(ffn.stateDict().keySet()).containsExactly("w.weight", "p.weight");
        Tensor x = Tensor.randn(rng, 2, 3, 6);
        assertThat(ffn.forward(x).allClose(ffn.p().forward(ffn.w().forward(x)), 0, 0)).isTrue();
        assertThat(ffn.forward(x).shape()).containsExactly(2, 3, 6);
        assertThat(ffn.parameterCount()).isEqualTo(20 * 6 + 6 * 10);
        assertThat(new GatedMLP(6, 10, Gate.SILU, true, rng).stateDict().keySet())
                .containsExactly("w.weight", "w.bias", "p.weight", "p.bias");
    }

    @Test
    void bilinearRejectsBadInput() {
        Bilinear bil = new Bilinear(5, 3, rng);
        assertThatThrownBy(() -> bil.forward(Tensor.zeros(2, 6)))
                .hasMessage("Bilinear(inFeatures=5, outFeatures=3, gate=IDENTITY, bias=false): expected input [..., 5] "
                        + "(last dim 5), got [2, 6]");
        assertThatThrownBy(() -> new SwiGLU(5, 3, rng).forward(Tensor.zeros(DType.F64, 5)))
                .hasMessageStartingWith("SwiGLU(inFeatures=5, outFeatures=3, gate=SILU, bias=false): input is F64 [5]");
        assertThatThrownBy(() -> Functional.bilinear(Tensor.zeros(5), Tensor.zeros(3, 5), null, Gate.IDENTITY))
                .hasMessageContaining("bilinear: weight must be 2-D [2·out, in] with an even number of rows, got [3, 5]");
        assertThatThrownBy(() -> Functional.glu(Tensor.zeros(3, 5), 1))
                .hasMessage("glu: dim 1 of [3, 5] has odd size 5; it must split into two halves");
        assertThatThrownBy(() -> new Bilinear(5, 3, null, false, rng)).hasMessageContaining("gate is null");
    }

    @Test
    void swigluTrainsItsWeightsThroughTheFusedSilu() {
        SwiGLU layer = new SwiGLU(3, 2, rng);
        layer.to(DType.F64);
        Tensor x = Tensor.randn(rng, 4, 3).to(DType.F64);
        layer.forward(x).sum().backward();
        Tensor w = layer.weight().tensor().detach().requiresGrad(true);
        Tensor h = x.matmul(w.t());
        Tensor l = h.narrow(1, 0, 2);
        l.mul(l.sigmoid()).mul(h.narrow(1, 2, 2)).sum().backward(); // SiLU by composition
        assertThat(layer.weight().grad().allClose(w.grad(), 1e-12, 1e-12)).isTrue();
        assertThat(layer.weight().grad().abs().sum().item()).isGreaterThan(0.0);
        assertThat(w.grad().toDoubleArray()[0]).isCloseTo(layer.weight().grad().toDoubleArray()[0], within(1e-12));
    }
}
