package dev.kiln.layers.transformer;

import dev.kiln.layers.ModuleGradients;
import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Gate;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.layers.attention.KvCache;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransformerBlockTest {
    private final Generator rng = new Generator(7);

    private TransformerBlock f64(TransformerBlock b) {
        b.to(DType.F64);
        // norm gains and biases away from 1 and 0, so a formula that ignores them is caught
        try (NoGrad ignored = NoGrad.enter()) {
            for (var e : b.namedParameters().entrySet()) {
                if (e.getKey().contains("ln_")) {
                    Tensor p = e.getValue().tensor();
                    p.add_(Tensor.randn(rng, p.shape()).to(DType.F64).mul(0.3));
                }
            }
        }
        return b;
    }

    /** The norm's formula, written out from its parameters (not through the module). */
    private static Tensor norm(Module n, NormType type, Tensor x) {
        double eps = type.defaultEps();
        return switch (type) {
            case LAYER_NORM -> {
                Tensor mu = x.mean(-1, true);
                Tensor var = x.sub(mu).square().mean(-1, true);
                yield x.sub(mu).div(var.add(eps).sqrt()).mul(param(n, "weight")).add(param(n, "bias"));
            }
            case RMS_NORM -> x.div(x.square().mean(-1, true).add(eps).sqrt()).mul(param(n, "weight"));
            case CRMS_NORM -> {
                int d = x.size(-1) + 1;
                Tensor s = x.sum(-1, true);
                yield x.div(x.square().sum(-1, true).add(s.square()).div(d).add(eps).sqrt());
            }
            // in eval mode (the test puts PRepBN blocks there): RepBN with the initial running statistics 0 and 1
            case PREPBN -> x.div(Math.sqrt(1 + eps)).mul(param(n, "norm2.bn.weight")).add(param(n, "norm2.bn.bias"))
                    .add(x.mul(param(n, "norm2.alpha")));
            case IDENTITY -> x;
        };
    }

    private static Tensor param(Module m, String name) {
        Parameter p = m.getParameter(name);
        return p.tensor().detach();
    }

    @Test
    void eachPlacementComputesItsFormula() {
        for (NormType type : NormType.values()) {
            for (Placement placement : Placement.values()) {
                TransformerBlock b = f64(TransformerBlock.builder(8, 2).placement(placement).norm(type).causal(true)
                        .build(rng));
                int s = type.streamDim(8);
                if (type == NormType.PREPBN) {
                    b.eval(); // in training each forward is a step of its LayerNorm-to-RepBN schedule (PRepBNTest)
                }
                Tensor x = Tensor.randn(rng, 2, 5, s).to(DType.F64);
                try (NoGrad ignored = NoGrad.enter()) {
                    Module n1 = b.getSubmodule("ln_1");
                    Module n2 = b.getSubmodule("ln_2");
                    Module a = b.attn();
                    Module f = b.mlp();
                    Tensor expected = switch (placement) {
                        case PRE -> {
                            Tensor h = x.add(a.forward(norm(n1, type, x)));
                            yield h.add(f.forward(norm(n2, type, h)));
                        }
                        case POST -> {
                            Tensor h = norm(n1, type, x.add(a.forward(x)));
                            yield norm(n2, type, h.add(f.forward(h)));
                        }
                        case PERI -> {
                            Tensor h = x.add(norm(b.getSubmodule("ln_1_post"), type, a.forward(norm(n1, type, x))));
                            yield h.add(norm(b.getSubmodule("ln_2_post"), type, f.forward(norm(n2, type, h))));
                        }
                    };
                    Tensor y = b.forward(x);
                    assertThat(y.shape()).containsExactly(2, 5, s);
                    assertThat(y.allClose(expected, 1e-12, 1e-12)).as("%s %s", type, placement).isTrue();
                    // and unbatched input [T, stream]
                    assertThat(b.forward(x.select(0, 1)).allClose(expected.select(0, 1), 1e-12, 1e-12)).isTrue();
                }
            }
        }
    }

    @Test
    void feedForwardKindsAreMlpAndOneGatedUnitPerGate() {
        assertThat(Arrays.stream(FeedForwardKind.values()).map(FeedForwardKind::id))
                .containsExactly("mlp", "bilinear", "glu", "swiglu", "geglu", "geglu-tanh", "reglu");
        assertThat(FeedForwardKind.SWIGLU.gate()).isEqualTo(Gate.SILU);
        assertThat(FeedForwardKind.GEGLU.gate()).isEqualTo(Gate.GELU);
        assertThat(FeedForwardKind.BILINEAR.gate()).isEqualTo(Gate.IDENTITY);
        assertThat(FeedForwardKind.MLP.isGated()).isFalse();
        for (FeedForwardKind k : FeedForwardKind.values()) {
            assertThat(FeedForwardKind.parse(k.id().toUpperCase(java.util.Locale.ROOT))).isSameAs(k);
        }
        assertThat(FeedForwardKind.parse("gelu")).isSameAs(FeedForwardKind.MLP);
        assertThat(FeedForwardKind.gated(Gate.RELU).id()).isEqualTo("reglu");
        assertThatThrownBy(() -> FeedForwardKind.parse("swishglu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("FeedForwardKind: unknown feed-forward 'swishglu'; choose one of mlp, bilinear, glu, swiglu, "
                        + "geglu, geglu-tanh, reglu");
    }

    @Test
    void feedForwardKindsComputeTheirFormulas() {
        Tensor x = Tensor.randn(rng, 3, 6).to(DType.F64);
        for (FeedForwardKind kind : FeedForwardKind.values()) {
            FeedForward f = new FeedForward(kind, 6, 10, 5, true, rng);
            f.to(DType.F64);
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor w1 = param(f.fc1(), "weight");
                Tensor h = x.matmul(w1.t()).add(param(f.fc1(), "bias"));
                Tensor act = h.gelu();
                if (kind.isGated()) {
                    Tensor g = h.narrow(1, 0, 10);
                    Tensor gated = switch (kind.gate()) {
                        case IDENTITY -> g;
                        case SIGMOID -> g.sigmoid();
                        case SILU -> g.silu();
                        case GELU -> g.gelu();
                        case GELU_TANH -> g.gelu("tanh");
                        case RELU -> g.relu();
                    };
                    act = gated.mul(h.narrow(1, 10, 10));
                }
                Tensor expected = act.matmul(param(f.fc2(), "weight").t()).add(param(f.fc2(), "bias"));
                assertThat(w1.shape()).containsExactly(kind.isGated() ? 20 : 10, 6);
                assertThat(f.forward(x).allClose(expected, 1e-12, 1e-12)).as("%s", kind).isTrue();
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        TransformerBlock[] blocks = {
            TransformerBlock.builder(4, 2).placement(Placement.PRE).norm(NormType.LAYER_NORM).hidden(6).causal(true)
                .build(rng),
            TransformerBlock.builder(4, 2).placement(Placement.POST).norm(NormType.RMS_NORM).hidden(6)
                .attention(AttentionKind.RELU).feedForward(FeedForwardKind.SWIGLU).causal(true).build(rng),
            TransformerBlock.builder(4, 2).placement(Placement.PERI).norm(NormType.CRMS_NORM).hidden(6)
                .attention(AttentionKind.LINEAR).maxLength(3).feedForward(FeedForwardKind.GEGLU).causal(true).build(rng),
            TransformerBlock.builder(4, 2).placement(Placement.PRE).norm(NormType.RMS_NORM).hidden(5).kvHeads(1)
                .rotary(true).feedForward(FeedForwardKind.BILINEAR).bias(false).causal(true).build(rng),
        };
        for (TransformerBlock b : blocks) {
            f64(b);
            Tensor x = Tensor.randn(rng, 1, 3, b.streamDim()).to(DType.F64);
            assertThat(ModuleGradients.assertGradients(b, x)).as("%s", b.describe()).isGreaterThan(40);
        }
    }

    @Test
    void decodingWithACacheEqualsTheFullForward() {
        TransformerBlock b = TransformerBlock.builder(8, 4).kvHeads(2).rotary(true).causal(true).build(rng);
        Tensor x = Tensor.randn(rng, 2, 6, 8);
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor full = b.forward(x);
            KvCache cache = new KvCache();
            Tensor first = b.forward(x.narrow(1, 0, 4), cache);
            Tensor rest = b.forward(x.narrow(1, 4, 2), cache);
            assertThat(first.allClose(full.narrow(1, 0, 4), 1e-4, 1e-5)).isTrue();
            assertThat(rest.allClose(full.narrow(1, 4, 2), 1e-4, 1e-5)).isTrue();
        }
    }

    @Test
    void keysAndStreamWidth() {
        TransformerBlock peri = TransformerBlock.builder(8, 2).placement(Placement.PERI).norm(NormType.CRMS_NORM).build(rng);
        assertThat(peri.stateDict().keySet()).contains("attn.q_proj.weight", "attn.out_proj.bias", "mlp.fc1.weight",
                "mlp.fc2.weight").noneMatch(k -> k.startsWith("ln_")); // CRMSNorm has no gain
        assertThat(peri.namedChildren().keySet()).containsExactly("ln_1", "attn", "ln_1_post", "ln_2", "mlp", "ln_2_post");
        assertThat(peri.streamDim()).isEqualTo(7);
        assertThat(peri.stateDict().get("attn.q_proj.weight").shape()).containsExactly(8, 7);
        assertThat(peri.stateDict().get("attn.out_proj.weight").shape()).containsExactly(7, 8);
        assertThat(peri.stateDict().get("mlp.fc1.weight").shape()).containsExactly(32, 7);
        TransformerBlock pre = TransformerBlock.builder(8, 2).build(rng);
        assertThat(pre.stateDict().keySet()).contains("ln_1.weight", "ln_1.bias", "ln_2.weight", "ln_2.bias");
        assertThat(TransformerBlock.builder(8, 2).attention(AttentionKind.LINEAR).maxLength(4).build(rng).stateDict())
                .containsKeys("attn.qkv.weight", "attn.proj.weight", "attn.positional_encoding");
    }

    @Test
    void badInputAndOptionsFailClearly() {
        TransformerBlock b = TransformerBlock.builder(8, 2).build(rng);
        assertThatThrownBy(() -> b.forward(Tensor.zeros(2, 5, 7))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TransformerBlock").hasMessageContaining("[..., 8]").hasMessageContaining("[2, 5, 7]");
        assertThatThrownBy(() -> b.forward(Tensor.zeros(2, 5, 8).to(DType.F64)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F64").hasMessageContaining("F32");
        assertThatThrownBy(() -> b.forward(Tensor.zeros(1, 2, 5, 8))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1, 2, 5, 8]");
        assertThatThrownBy(() -> b.forward(Tensor.of(new int[] {1, 2}, 1, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("I32");
        TransformerBlock relu = TransformerBlock.builder(8, 2).attention(AttentionKind.RELU).causal(true).build(rng);
        assertThatThrownBy(() -> relu.forward(Tensor.zeros(1, 2, 8), new KvCache()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KV cache needs softmax attention");
        assertThatThrownBy(() -> TransformerBlock.builder(8, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dModel 8 must be a positive multiple of nHeads 3");
        assertThatThrownBy(() -> TransformerBlock.builder(8, 2).attention(AttentionKind.RELU).kvHeads(1).build(rng))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grouped key/value heads");
        assertThatThrownBy(() -> TransformerBlock.builder(8, 2).attention(AttentionKind.LINEAR).build(rng))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLength");
        assertThatThrownBy(() -> TransformerBlock.builder(8, 2).kvHeads(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kvHeads 3");
        assertThatThrownBy(() -> NormType.parse("batchnorm")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layernorm, rmsnorm, crmsnorm, prepbn or identity");
        assertThatThrownBy(() -> Placement.parse("mix")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pre, post or peri");
        assertThatThrownBy(() -> new FeedForward(FeedForwardKind.MLP, 4, 0, 4, true, rng))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hidden 0");
    }
}
