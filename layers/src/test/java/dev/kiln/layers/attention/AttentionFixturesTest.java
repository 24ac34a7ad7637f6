package dev.kiln.layers.attention;

import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds the attention ops and layers against PyTorch (fixtures/attention.json from
 * tools/make_attention_fixtures.py; PyTorch 1.13 in float64 with plain-op references). Each case
 * runs in F64 and in F32: load the inputs and parameters, run forward, backpropagate sum(out · w)
 * and compare the output and every gradient, per element with scale = max(1, max|expected|):
 * F64 |k − t| ≤ 1e-10·|t| + 1e-12·scale; F32 |k − t| ≤ 1e-4·|t| + 1e-5·scale.
 */
class AttentionFixturesTest {
    private static final List<AttentionFixtures.Case> CASES = AttentionFixtures.load();

    @Test
    void everyOpAndLayerHasFixtures() {
        List<String> kinds = new ArrayList<>();
        for (AttentionFixtures.Case c : CASES) {
            kinds.add(c.args().getOrDefault("op", c.args().get("layer")));
        }
        assertThat(kinds).contains("sdpa", "linear_attention", "rope", "mha", "relu", "slab");
        assertThat(CASES).hasSizeGreaterThanOrEqualTo(15);
    }

    @TestFactory
    Stream<DynamicNode> pytorchFixtures() {
        return CASES.stream().map(c -> DynamicContainer.dynamicContainer(c.name(), Stream.of(
                DynamicTest.dynamicTest("F64", () -> run(c, DType.F64, 1e-10, 1e-12)),
                DynamicTest.dynamicTest("F32", () -> run(c, DType.F32, 1e-4, 1e-5)))));
    }

    private static void run(AttentionFixtures.Case c, DType dtype, double rtol, double atol) {
        Map<String, Tensor> leaves = new LinkedHashMap<>();
        for (var e : c.tensors().entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("param.") && !k.startsWith("grad.") && !k.equals("out") && !k.equals("w")) {
                leaves.put(k, e.getValue().to(dtype).detach().requiresGrad(true));
            }
        }
        Module module = c.args().containsKey("layer") ? layer(c, dtype) : null;
        Function<Map<String, Tensor>, Tensor> f = module != null ? in -> module.forward(in.get("x")) : op(c);
        Tensor out = f.apply(leaves);
        compare(c.name() + " out", out, c.tensor("out"), rtol, atol);
        out.mul(c.tensor("w").to(dtype)).sum().backward();
        for (var e : leaves.entrySet()) {
            compare(c.name() + " grad." + e.getKey(), e.getValue().grad(), c.tensor("grad." + e.getKey()), rtol, atol);
        }
        if (module != null) {
            Map<String, Parameter> params = module.namedParameters();
            assertThat(params.keySet()).as(c.name() + " parameters").containsExactlyInAnyOrderElementsOf(c.params().keySet());
            for (var e : params.entrySet()) {
                compare(c.name() + " grad." + e.getKey(), e.getValue().grad(), c.tensor("grad." + e.getKey()), rtol, atol);
            }
        }
    }

    private static Function<Map<String, Tensor>, Tensor> op(AttentionFixtures.Case c) {
        return switch (c.arg("op")) {
            case "sdpa" -> in -> Tensor.scaledDotProductAttention(in.get("q"), in.get("k"), in.get("v"),
                    c.boolArg("causal"), c.doubleArg("scale"));
            case "linear_attention" -> in -> Tensor.linearAttention(in.get("q"), in.get("k"), in.get("v"),
                    c.boolArg("causal"), c.doubleArg("eps"));
            case "rope" -> in -> new RotaryEmbedding(in.get("x").size(-1)).apply(in.get("x"), c.intArg("offset"));
            default -> throw new IllegalArgumentException("unknown op " + c.arg("op"));
        };
    }

    /** The layer the case describes, in dtype, with the fixture's parameters loaded. */
    private static Module layer(AttentionFixtures.Case c, DType dtype) {
        Generator rng = new Generator(0);
        Module m = switch (c.arg("layer")) {
            case "mha" -> MultiHeadAttention.builder(c.intArg("dModel"), c.intArg("nHeads")).kvHeads(c.intArg("kvHeads"))
                    .causal(c.boolArg("causal")).rotary(c.boolArg("rotary")).bias(c.boolArg("bias"))
                    .build(rng);
            case "relu" -> ReluAttention.builder(c.intArg("dModel"), c.intArg("nHeads")).causal(c.boolArg("causal"))
                    .factor(c.doubleArg("factor")).build(rng);
            case "slab" -> SimplifiedLinearAttention.builder(c.intArg("dModel"), c.intArg("nHeads"), c.intArg("maxLength"))
                    .causal(c.boolArg("causal")).qkvBias(c.boolArg("qkvBias")).build(rng);
            default -> throw new IllegalArgumentException("unknown layer " + c.arg("layer"));
        };
        m.to(dtype);
        Map<String, Tensor> state = new LinkedHashMap<>();
        c.params().forEach((k, v) -> state.put(k, v.to(dtype)));
        m.loadStateDict(state);
        return m;
    }

    private static void compare(String what, Tensor actual, Tensor expected, double rtol, double atol) {
        assertThat(actual).as(what + " is missing").isNotNull();
        assertThat(actual.shape()).as(what + " shape").containsExactly(expected.shape());
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        double scale = 1;
        for (double x : e) {
            scale = Math.max(scale, Math.abs(x));
        }
        for (int i = 0; i < a.length; i++) {
            assertThat(Math.abs(a[i] - e[i])).as("%s[%d]: kiln %s, torch %s", what, i, a[i], e[i])
                    .isLessThanOrEqualTo(rtol * Math.abs(e[i]) + atol * scale);
        }
    }
}
